"""Data types of the index layer."""
from __future__ import annotations

from dataclasses import dataclass

from corpus.types import Paragraph


@dataclass(frozen=True)
class Hit:
    """A paragraph retrieved for a query, with its scores and 1-based rank.

    ``dense`` is the cosine similarity of the query with the paragraph (or its best
    sentence, whichever is higher), ``lexical`` the BM25 score divided by the best BM25
    score of the query, ``score`` the weighted fusion of both that ranks the hits.
    """

    paragraph: Paragraph
    rank: int
    score: float
    dense: float
    lexical: float

    def to_dict(self) -> dict:
        """Return the paragraph's fields plus the scores, ready for JSON."""
        p = self.paragraph
        return {
            "id": p.id,
            "doc": p.doc,
            "title": p.title,
            "section": p.section,
            "paragraph": p.number,
            "page": p.page,
            "text": p.text,
            "span": [p.start, p.end],
            "rank": self.rank,
            "score": round(self.score, 4),
            "dense": round(self.dense, 4),
            "lexical": round(self.lexical, 4),
        }


@dataclass(frozen=True)
class SentenceInfo:
    """One sentence of an indexed paragraph, as the answer step needs it.

    ``start``/``end`` are offsets into the paragraph's ``text``; ``entities`` holds
    ``(label, start, end)`` named-entity spans relative to the sentence.
    """

    row: int
    start: int
    end: int
    entities: tuple[tuple[str, int, int], ...] = ()
