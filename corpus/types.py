"""Data types of the corpus layer: a cleaned document and its paragraphs."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Paragraph:
    """One searchable paragraph of a document.

    ``id`` is stable across rebuilds of the same file: ``"<doc>#p<number>"``.
    ``start``/``end`` are character offsets into the decoded source text, so
    ``source[start:end]`` is the paragraph as it stands in the file (whitespace may
    differ: ``text`` has whitespace runs collapsed to one space).
    """

    id: str
    doc: str
    title: str
    section: str
    number: int
    text: str
    start: int
    end: int
    page: int | None = None  # 1-based page for paged formats (PDF), else None

    def location(self, escape: Callable[[str], str] = str) -> str:
        """ "title — section — paragraph n" (a missing title or section is left out).

        ``escape`` is applied to the title and section (e.g. Markdown escaping).
        """
        return " — ".join([*(escape(x) for x in (self.title, self.section) if x), f"paragraph {self.number}"])

    def to_dict(self) -> dict:
        """Return a JSON-ready dict of every field."""
        return {
            "id": self.id,
            "doc": self.doc,
            "title": self.title,
            "section": self.section,
            "number": self.number,
            "text": self.text,
            "start": self.start,
            "end": self.end,
            "page": self.page,
        }

    @classmethod
    def from_dict(cls, data: dict) -> Paragraph:
        """Inverse of :meth:`to_dict`."""
        return cls(**{k: data[k] for k in ("id", "doc", "title", "section", "number", "text", "start", "end")},
                   page=data.get("page"))


@dataclass(frozen=True)
class Document:
    """A cleaned source file: metadata kept aside, content as paragraphs."""

    doc: str
    title: str
    sha256: str
    paragraphs: tuple[Paragraph, ...]
    metadata: dict = field(default_factory=dict)  # e.g. {"dateline": ..., "source": ..., "date": ...}
