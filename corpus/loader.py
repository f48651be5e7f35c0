"""Load a folder of .txt, .md, .html/.htm and .pdf files as cleaned documents made of paragraphs.

Each format has its own reader that yields a title, metadata and a list of heading
and paragraph blocks (``cleaning.clean_page`` for text, ``html.read_html``,
``pdf.read_pdf``); this module picks the reader by extension and turns the blocks
into :class:`Paragraph` objects, each in the section of the heading above it.
"""
from __future__ import annotations

import hashlib
import os
from collections import Counter
from itertools import repeat
from pathlib import Path
from typing import Callable, Iterable

from corpus.cleaning import Block, clean_page
from corpus.decoding import decode_bytes
from corpus.errors import CorpusError
from corpus.html import HTML_SUFFIXES, read_html
from corpus.pdf import PDF_SUFFIXES, read_pdf
from corpus.types import Document, Paragraph

TEXT_SUFFIXES = (".txt", ".md")
SUPPORTED_SUFFIXES = TEXT_SUFFIXES + HTML_SUFFIXES + PDF_SUFFIXES


def default_corpus_dir() -> Path:
    """Return the folder of the corpus bundled with the package."""
    return Path(__file__).parent / "documents"


def load_corpus(folder: Path, warn: Callable[[str], None]) -> list[Document]:
    """Read every supported file under ``folder`` as a cleaned :class:`Document`.

    Supported: ``.txt``/``.md`` (web-page text dumps and Markdown), ``.html``/``.htm``
    (main content only) and ``.pdf`` (text layer, every paragraph with its ``page``).
    Files are walked recursively in sorted order (hidden files and folders are
    ignored). ``warn`` receives one line per file that is skipped (binary,
    undecodable, unreadable, empty, encrypted or broken PDF, PDF without a text
    layer, no main content, nothing left after cleaning) and one summary line for
    files with other extensions. Paragraph ids are ``"<doc>#p<n>"``, with ``doc``
    the POSIX path relative to ``folder`` and ``n`` counted from 1 (across pages
    for a PDF). Spans of .txt/.md paragraphs point into the decoded file; those of
    HTML and PDF paragraphs into the extracted text, which ``metadata["span_basis"]
    == "extracted-text"`` says.

    Raises :class:`CorpusError` when ``folder`` is missing, not a folder, or yields
    no paragraph at all.

    >>> docs = load_corpus(default_corpus_dir(), warn=print)
    >>> docs[0].paragraphs[0].id
    '000_d2885f09925ae4a5.txt#p1'
    """
    folder = Path(folder)
    if not folder.exists():
        raise CorpusError(f"corpus folder {folder} does not exist")
    if not folder.is_dir():
        raise CorpusError(f"corpus folder {folder} is not a directory")
    documents, skipped = [], Counter()
    for path in _walk(folder):
        suffix = path.suffix.lower()
        if suffix not in SUPPORTED_SUFFIXES:
            skipped[suffix or "(no extension)"] += 1
            continue
        document = _load_file(path, path.relative_to(folder).as_posix(), warn)
        if document is not None:
            documents.append(document)
    if skipped:
        kinds = ", ".join(f"{suffix} ({count})" for suffix, count in sorted(skipped.items()))
        known = ", ".join(SUPPORTED_SUFFIXES)
        warn(f"skipped {sum(skipped.values())} file(s) in formats other than {known}: {kinds}")
    if not documents:
        raise CorpusError(
            f"corpus folder {folder} holds no readable documents (.txt, .md, .html, .htm, .pdf)"
        )
    return documents


def corpus_hash(documents: Iterable[Document]) -> str:
    """Return a sha256 hex digest identifying the corpus by its files' names and bytes."""
    digest = hashlib.sha256()
    for doc, sha in sorted((d.doc, d.sha256) for d in documents):
        digest.update(f"{doc}\0{sha}\n".encode("utf-8"))
    return digest.hexdigest()


def _walk(folder: Path) -> Iterable[Path]:
    for root, dirs, files in os.walk(folder):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for name in sorted(files):
            if not name.startswith("."):
                yield Path(root) / name


def _load_file(path: Path, doc: str, warn: Callable[[str], None]) -> Document | None:
    try:
        data = path.read_bytes()
    except OSError as e:
        warn(f"skipped {doc}: cannot be read ({e.strerror or e})")
        return None
    if not data.strip():
        warn(f"skipped {doc}: the file is empty")
        return None
    suffix = path.suffix.lower()
    pages = None
    try:
        if suffix in HTML_SUFFIXES:
            page = read_html(data, doc)
        elif suffix in PDF_SUFFIXES:
            page = read_pdf(data, doc)
            pages = page.pages
        else:
            page = clean_page(decode_bytes(data, doc), Path(doc).stem)
    except CorpusError as e:
        warn(f"skipped {e}")
        return None
    paragraphs = _paragraphs(doc, page.title, page.blocks, pages)
    if not paragraphs:
        warn(f"skipped {doc}: no paragraph left after cleaning")
        return None
    return Document(
        doc=doc,
        title=page.title,
        sha256=hashlib.sha256(data).hexdigest(),
        paragraphs=tuple(paragraphs),
        metadata=dict(page.metadata),
    )


def _paragraphs(doc: str, title: str, blocks: Iterable[Block], pages: Iterable[int] | None) -> list[Paragraph]:
    """Number the paragraph blocks from 1; each takes the nearest heading above as section."""
    paragraphs, section = [], ""
    for block, page in zip(blocks, pages if pages is not None else repeat(None)):
        if block.kind == "heading":
            section = block.text
            continue
        number = len(paragraphs) + 1
        paragraphs.append(
            Paragraph(
                id=f"{doc}#p{number}",
                doc=doc,
                title=title,
                section=section,
                number=number,
                text=block.text,
                start=block.start,
                end=block.end,
                page=page,
            )
        )
    return paragraphs
