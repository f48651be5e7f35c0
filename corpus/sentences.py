"""Split a paragraph into sentences, as character spans (fast, regex based)."""
from __future__ import annotations

import re

# A candidate boundary: terminal punctuation, any closing quotes/brackets, then
# whitespace. Whether it really ends a sentence is decided by _is_boundary.
_CANDIDATE = re.compile(r"(?:\.{2,}|[.!?\u2026]+)[\"'\u201d\u2019)\]\u00bb]*(?=\s)")
_WORD_BEFORE = re.compile(r"[\w.'\u2019-]+$")
_OPENERS = "\"'\u201c\u2018([\u00ab"

# Abbreviations that never end a sentence (lower-cased, without the dot). Ones that
# often do ("etc.", "Inc.") are left out: a capital after them starts a sentence.
_ABBREVIATIONS = frozenset(
    """
    mr mrs ms dr prof sr jr st mt ft rev hon gen col lt sgt capt cmdr adm gov sen pres
    approx dept univ vs cf viz al jan feb mar apr jun jul aug sep sept oct nov dec
    """.split()
)
# Real words too ("no", "art"), so abbreviations only before a number: "No. 5".
_NUMBER_ABBREVIATIONS = frozenset("no nos vol vols fig figs art arts sec ch chap para pp p op".split())
_DOTTED = re.compile(r"(?:[A-Za-z]\.){2,}$")  # U.S., e.g., i.e., a.m.


def split_sentences(text: str) -> list[tuple[int, int]]:
    """Return ``(start, end)`` spans of the sentences of ``text``.

    ``text[start:end]`` is one sentence without surrounding whitespace. A sentence
    ends at ``.``, ``?``, ``!`` or an ellipsis (with any closing quotes or brackets
    after it) followed by whitespace and a capital letter, digit or opening quote;
    never after an abbreviation (``Dr.``, ``e.g.``, ``U.S.``, ``Jan.``), an initial
    (``J. Smith``) or inside a number (``3.5``).

    >>> s = 'He said “no.” Then he left. Dr. Li stayed.'
    >>> [s[a:b] for a, b in split_sentences(s)]
    ['He said “no.”', 'Then he left.', 'Dr. Li stayed.']
    """
    spans: list[tuple[int, int]] = []
    start = _skip_space(text, 0)
    for match in _CANDIDATE.finditer(text):
        end = match.end()
        following = _skip_space(text, end)
        if following >= len(text) or not _is_boundary(text, match, following):
            continue
        if end > start:
            spans.append((start, end))
        start = following
    end = len(text.rstrip())
    if end > start:
        spans.append((start, end))
    return spans


def _skip_space(text: str, index: int) -> int:
    while index < len(text) and text[index].isspace():
        index += 1
    return index


def _is_boundary(text: str, match: re.Match, following: int) -> bool:
    nxt = text[following]
    while nxt in _OPENERS and following + 1 < len(text):
        following += 1
        nxt = text[following]
    if not (nxt.isupper() or nxt.isdigit()):
        return False
    punctuation = match.group().rstrip("\"'\u201d\u2019)]\u00bb")
    if punctuation != ".":
        return True
    word = _WORD_BEFORE.search(text[max(0, match.start() - 40) : match.start()])
    if word is None:
        return True
    token = word.group()
    if _DOTTED.search(token + "."):
        return False
    bare = token.rsplit(".", 1)[-1].lower()
    if len(bare) == 1 and bare.isalpha() and token[-1].isupper():
        return False  # an initial: "J. Smith"
    if bare in _NUMBER_ABBREVIATIONS and nxt.isdigit():
        return False
    return bare not in _ABBREVIATIONS
