"""Which focus words of a question name one thing together: "artificial intelligence", "space debris".

A single word of the question that the evidence matches only loosely is often the
asker's own wording ("steers" for "leads"), so one such word does not make the documents
silent. Two or more loosely matched words that form one noun phrase are different: the
phrase names a thing, and neither of its words is in the evidence, so neither is the
thing. Telling a noun phrase ("artificial intelligence") from two neighbouring words
of a clause ("official took") needs a parser: spaCy's small English pipeline, which the
index build already uses. It is loaded only when a question has two neighbouring loose
words, so most questions never pay for it.
"""
from __future__ import annotations

import re
import threading
from collections.abc import Sequence

from index.annotate import SPACY_PACKAGE

_lock = threading.Lock()
_parser = None


def _parse(text: str):
    """``text`` parsed by spaCy's tagger and dependency parser (loaded on first use, once)."""
    global _parser
    with _lock:
        if _parser is None:
            import spacy

            _parser = spacy.load(SPACY_PACKAGE, exclude=["ner", "lemmatizer"])
        return _parser(text)


def warm_parser() -> None:
    """Load the parser now (a server does, while it starts) rather than on the first question that needs it."""
    _parse("")


def neighbours(question: str, words: Sequence[str]) -> bool:
    """True when two of ``words`` stand next to each other in ``question`` (a space or hyphen apart)."""
    lowered = question.lower()
    return any(re.search(rf"\b{re.escape(a)}[\s-]+{re.escape(b)}\b", lowered)
               for a in words for b in words if a != b)


def noun_phrases(question: str, words: Sequence[str]) -> list[tuple[str, ...]]:
    """Groups of two or more of ``words`` (lower-cased focus words) inside one noun phrase of ``question``.

    Returns at once, without parsing, when no two of ``words`` are neighbours.

    >>> noun_phrases("What about artificial intelligence in military systems?", ["artificial", "intelligence"])
    [('artificial', 'intelligence')]
    >>> noun_phrases("Which NATO official took part?", ["official", "took"])
    []
    """
    if len(words) < 2 or not neighbours(question, words):
        return []
    wanted = set(words)
    groups = []
    for chunk in _parse(question).noun_chunks:
        inside = tuple(dict.fromkeys(t.text.lower() for t in chunk if t.text.lower() in wanted))
        if len(inside) >= 2:
            groups.append(inside)
    return groups
