"""Data types of the answer step: citations and the answer itself."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from index.types import Hit
from qa.focus import TermMatch

if TYPE_CHECKING:
    from qa.verify import Unverified


@dataclass(frozen=True)
class Citation:
    """Source ``[n]`` of an answer: the hit it points at and the sentence spans used from it.

    ``spans`` are ``(start, end)`` offsets into ``hit.paragraph.text``.
    """

    n: int
    hit: Hit
    spans: tuple[tuple[int, int], ...]

    def to_dict(self) -> dict:
        """The hit's fields plus ``n`` and the sentences used, ready for JSON."""
        return {"n": self.n, **self.hit.to_dict(), "used": [list(s) for s in self.spans],
                "sentences": [self.hit.paragraph.text[a:b] for a, b in self.spans]}


@dataclass(frozen=True)
class Answer:
    """What a question gets: an answer with ``[n]`` markers, or an abstention.

    On abstention ``citations`` is empty and ``passages`` still holds the closest hits;
    ``reason`` says why in a sentence and ``missing`` names the question's words that the
    evidence lacks. ``focus`` is how each focus word of the question was found in the
    evidence. ``timings`` are milliseconds per stage. ``within`` names the documents the
    question was asked within (empty: the whole index).

    With a language model (qa/generated.py): ``generated`` says the text was written by
    ``model`` and checked sentence by sentence, ``unverified`` lists the sentences dropped
    and why, ``extractive`` is the extractive answer it replaced, and ``generation_error``
    says why a generated answer was not possible (then this is the extractive answer).
    ``search_guess`` is the model's guessed answer that widened the search (``--llm-for
    search``), ``search_guess_error`` why there was none.
    """

    question: str
    text: str
    abstained: bool
    citations: tuple[Citation, ...]
    passages: tuple[Hit, ...]
    reason: str = ""
    timings: dict = field(default_factory=dict)
    missing: tuple[str, ...] = ()
    focus: tuple[TermMatch, ...] = ()
    within: tuple[str, ...] = ()  # the documents retrieval was restricted to (empty: all)
    generated: bool = False
    model: str = ""
    unverified: tuple[Unverified, ...] = ()
    extractive: Answer | None = None
    generation_error: str = ""
    search_guess: str = ""  # the model's guessed answer the search used (qa/expansion.py), never shown as an answer
    search_guess_error: str = ""  # why no guess was used (the search then used the question alone)

    def to_dict(self) -> dict:
        """The JSON object of ``qa ask --json`` and of the ``ask`` API."""
        return {
            "question": self.question,
            "answer": self.text,
            "abstained": self.abstained,
            "reason": self.reason,
            "missing": list(self.missing),
            "focus": [{"term": m.term.text, "kind": m.term.kind, "score": round(m.score, 3), "match": m.match}
                      for m in self.focus],
            "citations": [c.to_dict() for c in self.citations],
            "passages": [h.to_dict() for h in self.passages],
            "within": list(self.within),
            "timings_ms": {k: round(v, 2) for k, v in self.timings.items()},
            **self._generation_dict(),
            **({"search_guess": self.search_guess} if self.search_guess else {}),
            **({"search_guess_error": self.search_guess_error} if self.search_guess_error else {}),
        }

    def _generation_dict(self) -> dict:
        """The keys a language model adds (none when no model was asked)."""
        if not (self.model or self.generation_error):
            return {}
        out: dict = {"generated": self.generated, "model": self.model,
                     "unverified": [u.to_dict() for u in self.unverified]}
        if self.generation_error:
            out["generation_error"] = self.generation_error
        if self.extractive is not None:
            out["extractive"] = {"answer": self.extractive.text, "abstained": self.extractive.abstained,
                                 "citations": [c.to_dict() for c in self.extractive.citations]}
        return out
