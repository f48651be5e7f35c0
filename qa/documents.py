"""The indexed documents as the page lists them: title, file, paragraphs, pages, when indexed."""
from __future__ import annotations

from dataclasses import dataclass

from index.store import LoadedIndex


@dataclass(frozen=True)
class DocumentInfo:
    """One indexed document; ``pages`` is None for formats without pages (all but PDF)."""

    doc: str
    title: str
    paragraphs: int
    pages: int | None
    indexed_at: str


def list_documents(index: LoadedIndex) -> list[DocumentInfo]:
    """Every document of ``index`` in row order (sorted by path), with its counts."""
    manifest = index.manifest
    out = []
    for doc in index.documents():
        rows, _ = index.document_rows([doc])
        first, end = rows[0]
        paragraphs = index.paragraphs[first:end]
        pages = [p.page for p in paragraphs if p.page is not None]
        out.append(DocumentInfo(doc, index.titles[doc], end - first, max(pages) if pages else None,
                                manifest.indexed_at.get(doc, manifest.built_at)))
    return out
