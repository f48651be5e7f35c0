"""Reading a question: validation, and the kind of answer it asks for."""
from __future__ import annotations

import re
import unicodedata
from typing import Literal

from corpus.errors import QuestionError

AnswerKind = Literal["money", "percent", "count", "year", "date", "place", "city"]

# Entity labels (spaCy's, plus index.annotate's NUM/YEAR) that can answer each kind.
KIND_LABELS: dict[AnswerKind, frozenset[str]] = {
    "money": frozenset({"MONEY"}),
    "percent": frozenset({"PERCENT"}),
    "count": frozenset({"CARDINAL", "QUANTITY", "MONEY", "PERCENT", "NUM"}),
    "year": frozenset({"YEAR"}),
    "date": frozenset({"DATE", "YEAR", "TIME"}),
    "place": frozenset({"GPE", "LOC", "FAC"}),
    "city": frozenset({"GPE"}),  # a city is a geopolitical entity; "Europe" or "the Red Sea" is not one
}

_TIME_UNIT = r"(date|day|year|month)"
_KIND_RULES: tuple[tuple[AnswerKind, re.Pattern], ...] = (
    ("percent", re.compile(r"\b(what|which) (percentage|percent|share|proportion)\b|\bhow many percent\b")),
    ("money", re.compile(r"\bhow much\b.*\b(dollars?|euros?|pounds|money|funding|cost|costs|budget|usd|eur)\b"
                         r"|\b(in|how many) (dollars|euros|pounds)\b|\bhow much (money|funding)\b")),
    # "How many" opens the question (or follows an opening phrase and a comma): "How can my
    # script find out how many processors there are?" asks for a way, not a number.
    ("count", re.compile(r"(^|[,;:] )((roughly|approximately|about|exactly|precisely|so|and|but|then) )?how (many|much)\b"
                         r"|\bwhat (number|amount|quantity)\b")),
    ("year", re.compile(r"\b(what|which) year\b")),
    ("date", re.compile(rf"^when\b|\b(on|in|by|since|until) (what|which) {_TIME_UNIT}\b"
                        rf"|\b(what|which) {_TIME_UNIT}\b|\bwhen (did|was|were|is|will|does|do)\b")),
    ("city", re.compile(r"\b(what|which) (city|town|capital|village)\b")),
    ("place", re.compile(r"^where\b|\b(what|which) (venue|location)\b"
                         r"|\bwhere (did|was|were|is|will|does|do)\b")),
)
# A leading condition ("When I raise an error in a handler, how do I …?", "If the loop ends
# early, what …?") sets the scene: the question that follows says what kind of answer it wants.
_LEADING_CLAUSE = re.compile(
    r"^(when|whenever|if|once|while|after|before) "
    r"(?!(did|was|were|is|are|will|would|does|do|has|have|had|can|could|should)\b)[^,;?]+[,;] +"  # not "When did …;"
    r"(?=(how|what|which|why|who|whom|whose|where|when|is|are|was|were|can|could|do|does|did|should|will|would|must)\b)")
# Words that name the kind of answer rather than the topic: not looked for in sentences.
KIND_WORDS = frozenset(
    "how many much number amount quantity percentage percent share proportion date day year "
    "month when where city town capital village venue location dollars euros pounds money".split()
)
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def clean_question(text: str, max_chars: int) -> str:
    """Return the question with control characters dropped and whitespace collapsed.

    Raises :class:`QuestionError` when nothing is left or it is longer than ``max_chars``.
    """
    if not isinstance(text, str):
        raise QuestionError("the question must be text")
    if len(text) > max_chars * 4:  # do not even normalise huge inputs
        raise QuestionError(f"the question is {len(text):,} characters long; the limit is {max_chars:,}")
    text = unicodedata.normalize("NFC", _CONTROL.sub(" ", text))
    text = " ".join(text.split())
    if not text:
        raise QuestionError("the question is empty: type a question about the documents")
    if len(text) > max_chars:
        raise QuestionError(f"the question is {len(text):,} characters long; the limit is {max_chars:,}")
    return text


def answer_kind(question: str) -> AnswerKind | None:
    """The kind of answer a question asks for, when it asks for a specific one.

    One of ``KIND_LABELS``'s keys (``"count"``, ``"date"``, ``"place"``, ...) or ``None``
    for open questions ("what", "why", "who" answered by a description).

    >>> answer_kind("How many countries are involved?")
    'count'
    >>> answer_kind("Why is the region important?") is None
    True
    """
    q = _LEADING_CLAUSE.sub("", question.lower().replace("’", "'"))
    for kind, rule in _KIND_RULES:
        if rule.search(q):
            return kind
    return None


def may_be_open(question: str, kind: AnswerKind) -> bool:
    """True when a ``kind`` question may ask for a description rather than an entity.

    A bare "where" may ask for a position ("Where do the notes of an exception show up?"),
    a bare "when" for a condition ("When does the else clause run?"); "in what year" names
    the unit it wants.

    >>> may_be_open("When does the else clause run?", "date"), may_be_open("On what day did they meet?", "date")
    (True, False)
    """
    if kind == "place":
        return True
    return kind == "date" and re.search(rf"\b{_TIME_UNIT}\b", question.lower()) is None


_KIND_NOUNS = {"money": "an amount of money", "percent": "a percentage", "count": "a number", "year": "a year",
               "date": "a date", "place": "a place", "city": "a city"}
_COUNTED = re.compile(r"\bhow many ([a-z][a-z-]+)")


def counted_noun(question: str) -> str:
    """The noun a "how many" question counts ("" when there is none).

    >>> counted_noun("How many nations take part?")
    'nations'
    """
    found = _COUNTED.search(question.lower())
    return found.group(1) if found else ""


def kind_phrase(question: str, kind: AnswerKind) -> str:
    """What a typed question asks for, in words: "a number of containers", "a date", "a place".

    >>> kind_phrase("How many containers can the port handle?", "count")
    'a number of containers'
    """
    counted = counted_noun(question) if kind == "count" else ""
    return f"a number of {counted}" if counted else _KIND_NOUNS[kind]
