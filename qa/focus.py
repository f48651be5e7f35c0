"""What a question is about, and whether the evidence mentions it.

A question is answered only when its focus is in the evidence. The focus is every
word that names the question's topic, found in three kinds:

* ``identifier``  code names (``Path.walk()``, ``eager_task_factory``, ``DataFrame``):
                  they have no paraphrase, so only the literal name counts;
* ``name``        capitalised words inside the question ("Sudan", "Tehran", "VPN"):
                  matched literally, by spelling ("Chinese" ~ "China"), or by a close
                  word vector ("Tehran" ~ "Iran"), with a strict bar;
* ``word``        other content words ("piracy", "atomic"), with a looser bar.

Words that frame the question rather than name its topic ("what do they *say*
about", "is there *anything*") and context that an answer need not repeat (dates,
years, numbers: "in October 2024") are not part of the focus.
"""
from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np

from index.lexical import STOPWORDS, stem, words
from index.vocabulary import WordVectors, is_vocabulary_word, name_phrases
from qa.question import KIND_WORDS

TermKind = Literal["identifier", "name", "word"]

# Words that frame a question in any domain ("What do the documents say about X?").
SCAFFOLDING = frozenset(
    """say says said saying tell tells told mention mentions mentioned anything something
    everything nothing explain explains described describe describes address addresses
    addressed position stance view views think thinks know regarding concerning
    document documents text page pages thing things kind sort difference differences use
    using way ways want wants wanted believe believes consider considers""".split()
)
# Quantifiers the lexical stopword list lacks: "every platform" asks about platforms, and
# "every" is no thing the documents must mention.
QUANTIFIERS = frozenset("every several either neither various numerous".split())
MONTHS = frozenset(
    """january february march april may june july august september october november december
    jan feb mar apr jun jul aug sep sept oct nov dec""".split()
)
# Code names: dotted (json.dumps, Path.walk()), calls (breakpoint()), snake_case, camelCase/MixedCase.
_IDENTIFIER = re.compile(
    r"(?<![\w.])(?:[A-Za-z_]\w*(?:\.[A-Za-z_]\w*)+(?:\(\))?"  # dotted names
    r"|[A-Za-z_]\w*\(\)"                                     # calls
    r"|\w*[A-Za-z]_\w*|_\w+"                                 # snake_case, _private, __dunder__
    r"|[A-Za-z]+[a-z][A-Z]\w*|[A-Z]{2,}[a-z]{2,}\w*)"        # camelCase, MixedCase, SQLAlchemy
)
_WORD = re.compile(r"\w+(?:[-'’]\w+)*")
_PLURAL_ACRONYM = re.compile(r"[A-Z]{2,}s")
_ACRONYM = re.compile(r"\b([A-Z][A-Z0-9]{2,})s?\b")
_PREFIXES = frozenset("anti non pre post co sub semi multi inter intra pro counter self ex re un de".split())
_FUNCTION = r"(?:(?:of|and|the|for|on|in|to|a|an)\s+)*"
_NUMBER = re.compile(r"\d+(?:[.,]\d+)*(?:st|nd|rd|th|s)?")


@dataclass(frozen=True)
class FocusTerm:
    """One word of the question's focus: ``text`` as asked, ``word`` as matched.

    ``acronym`` marks a word written in capitals ("WMD"), which the evidence may spell out.
    """

    text: str
    word: str
    kind: TermKind
    acronym: bool = False


def _is_identifier(token: str) -> bool:
    if _PLURAL_ACRONYM.fullmatch(token):  # "APIs", "URLs": plurals, not code
        return False
    parts = [p for p in re.split(r"[._()]+", token) if p]
    return bool(parts) and not all(len(p) == 1 for p in parts)  # "e.g" is an abbreviation


def focus_terms(question: str) -> list[FocusTerm]:
    """The focus of ``question``: its identifiers, names and content words, in order, no repeats.

    >>> [(t.word, t.kind) for t in focus_terms("What do the ministers say about the war in Sudan?")]
    [('ministers', 'word'), ('war', 'word'), ('sudan', 'name')]
    >>> [(t.text, t.kind) for t in focus_terms("How do I use pathlib's Path.walk()?")]
    [('Path.walk()', 'identifier'), ('use', 'word'), ('pathlib', 'word')]
    """
    terms: list[FocusTerm] = []
    seen: set[str] = set()
    masked = question
    for m in _IDENTIFIER.finditer(question):
        token = m.group().rstrip(".")
        if _is_identifier(token):
            word = token.lower().removesuffix("()")
            if word not in seen:
                seen.add(word)
                terms.append(FocusTerm(token, word, "identifier"))
            masked = masked[: m.start()] + " " * (m.end() - m.start()) + masked[m.end() :]
    for position, m in enumerate(_WORD.finditer(masked)):
        raw = m.group()
        name = position > 0 and raw[0].isupper()
        for word in words(raw):
            if (word in STOPWORDS or word in SCAFFOLDING or word in QUANTIFIERS or word in KIND_WORDS or is_context_word(word)
                    or len(word) < 2 or word in seen):
                continue
            if "-" in word or "'" in word or ("-" in raw and word in _PREFIXES):
                continue  # a hyphenated word is matched through its parts, which words() adds; "anti-" is no topic
            seen.add(word)
            shown = re.sub(r"['’]s$", "", raw) if name else word
            acronym = len(word) >= 2 and word.upper() in re.split(r"[-'’]", raw)
            terms.append(FocusTerm(shown, word, "name" if name else "word", acronym))
    return terms


def is_context_word(word: str) -> bool:
    """True for a word that dates or counts ("october", "2024", "1990s", "3rd"), which an answer need not repeat."""
    return word in MONTHS or _NUMBER.fullmatch(word) is not None


def context_terms(question: str) -> frozenset[str]:
    """Stemmed words of ``question`` that set its context and need not be in an answer: dates, numbers."""
    return frozenset(stem(w) for w in words(question) if is_context_word(w))


def same_word_by_spelling(a: str, b: str) -> bool:
    """True for two forms of one word that stemming misses ("Chinese"/"China", "Israeli"/"Israel").

    They share a prefix of at least four letters that covers at least 3/4 of the shorter word.
    """
    n = len(os.path.commonprefix([a, b]))
    return n >= 4 and n >= 0.75 * min(len(a), len(b))


@dataclass(frozen=True)
class TermMatch:
    """How well the evidence covers one focus term: 1.0 literally, else the best word cosine.

    For a name matched by its vector, ``rival`` is the cosine of the closest word of the
    whole vocabulary that is neither the match nor a form of it: "Tehran" ~ "Iran" 0.74
    with "Lebanon" at 0.53 is one place named two ways; "Syria" ~ "Lebanon" 0.74 with
    "Middle East" at 0.68 and "Israel" at 0.67 is just a neighbour among neighbours.
    """

    term: FocusTerm
    score: float
    match: str  # the evidence word that matched best ("" when nothing did)
    rival: float = 0.0

    def distinct(self, ratio: float) -> bool:
        """Lowe's ratio test: the match is much closer than any rival (distances 1 - cosine)."""
        return self.score >= 1.0 or (1.0 - self.score) <= ratio * (1.0 - self.rival)


@dataclass(frozen=True)
class Evidence:
    """The text that may answer a question: passages with their sections and titles.

    ``in_documents(stem)`` says whether the documents these passages come from use a
    word elsewhere: a plain content word found there ("the ministers" of a declaration
    that says "we") frames the passage even when the passage does not repeat it.
    """

    text: str  # lower-cased, for identifiers
    acronyms: frozenset[str]  # upper-case words as written ("UNSCR"), lower-cased
    stems: frozenset[str]
    vocabulary_words: tuple[str, ...]  # the evidence's words that have vectors
    in_documents: Callable[[str], bool] = lambda term: False

    @classmethod
    def of(cls, texts: Iterable[str], vectors: WordVectors,
           in_documents: Callable[[str], bool] = lambda term: False) -> Evidence:
        """Evidence made of ``texts`` (passage texts, sections, titles)."""
        raw = "\n".join(texts)
        text = raw.lower()
        tokens = set(words(text))
        candidates = {w for w in tokens if is_vocabulary_word(w)} | name_phrases(raw)
        return cls(text, frozenset(a.lower() for a in _ACRONYM.findall(raw)), frozenset(stem(w) for w in tokens),
                   tuple(sorted(w for w in candidates if w in vectors)), in_documents)


def match_terms(
    terms: Sequence[FocusTerm],
    evidence: Evidence,
    vectors: WordVectors,
    question_vectors: dict[str, np.ndarray],
    acronyms: dict[str, frozenset[str]] | None = None,
    rival_from: float = 0.0,
) -> list[TermMatch]:
    """Score each focus term against ``evidence``.

    ``question_vectors`` holds vectors for question words the vocabulary lacks (encoded
    with the question); ``acronyms`` maps an acronym the evidence may use to the stems
    of the question's words it stands for ("UNSCR" covers "security", "council", ...).
    A name matched by its vector at ``rival_from`` or more gets its closest rival (a
    weaker one is missing anyway, and the rival costs a pass over the vocabulary).
    """
    # Only an acronym written in capitals counts: "aim" is no abbreviation of "artificial intelligence military".
    covered_by_acronym = {s for a, stems in (acronyms or {}).items() if a in evidence.acronyms for s in stems}
    matrix = vectors.matrix(evidence.vocabulary_words) if evidence.vocabulary_words else None
    out = []
    for term in terms:
        if term.kind == "identifier":
            found = term.word in evidence.text
            out.append(TermMatch(term, 1.0 if found else 0.0, term.word if found else ""))
            continue
        s = stem(term.word)
        if s in evidence.stems or s in covered_by_acronym or (term.acronym and spelled_out(term.word, evidence.text)):
            out.append(TermMatch(term, 1.0, term.word))
            continue
        if term.kind == "word" and evidence.in_documents(s):
            out.append(TermMatch(term, 1.0, term.word))
            continue
        spelled = next((w for w in evidence.vocabulary_words if same_word_by_spelling(term.word, w)), None)
        if spelled is not None:
            out.append(TermMatch(term, 1.0, spelled))
            continue
        vector = word_vector(term.word, vectors, question_vectors)
        if vector is None or matrix is None:
            out.append(TermMatch(term, 0.0, ""))
            continue
        similarities = matrix @ vector
        best = int(np.argmax(similarities))
        match = evidence.vocabulary_words[best]
        score = float(similarities[best])
        rival = closest_rival(vectors, vector, (term.word, match)) if term.kind == "name" and score >= rival_from else 0.0
        out.append(TermMatch(term, score, match, rival))
    return out


def word_vector(word: str, vectors: WordVectors, question_vectors: dict[str, np.ndarray]) -> np.ndarray | None:
    """``word``'s vector: the vocabulary's, else the one encoded with the question (None when neither has it)."""
    vector = vectors.vector(word)
    return question_vectors.get(word) if vector is None else vector


def closest_rival(vectors: WordVectors, vector: np.ndarray, words_of_match: Sequence[str], look: int = 32) -> float:
    """The best cosine of ``vector`` with a vocabulary word that is no form of ``words_of_match``.

    Forms are the words themselves, spellings of one word ("Korea"/"Korean") and phrases
    sharing such a word ("North Korea"/"North Korean"): they are the same match, not a rival.
    """
    similarities = vectors.similarities(vector)
    if not len(similarities):
        return 0.0
    top = np.argpartition(-similarities, min(look, len(similarities) - 1))[:look]
    for row in top[np.argsort(-similarities[top])]:
        word = vectors.words[int(row)]
        if not any(_same_name(word, other) for other in words_of_match):
            return float(similarities[row])
    return 0.0


def _same_name(a: str, b: str) -> bool:
    return any(same_word_by_spelling(x, y) or x == y for x in a.split() for y in b.split())


def spelled_out(acronym: str, text: str) -> bool:
    """True when lower-cased ``text`` spells out ``acronym`` ("wmd": "weapons of mass destruction").

    Function words may stand between the spelled-out words ("united states of america").

    >>> spelled_out("wmd", "north korea's weapons of mass destruction")
    True
    """
    if len(acronym) < 2 or not acronym.isalpha():
        return False
    # Each spelled-out word has four letters or more: "we make decisions" is no WMD.
    pattern = r"\s+".join(rf"{_FUNCTION}{letter}\w{{3,}}" for letter in acronym)
    return re.search(rf"\b{pattern}\b", text) is not None


def equivalents(acronyms: dict[str, frozenset[str]], matches: Sequence[TermMatch],
                threshold: float) -> dict[str, frozenset[str]]:
    """Evidence tokens that stand for question terms: acronyms, and close word matches.

    A sentence holding "countries" then covers the question's "nations" when the focus
    check matched them (cosine at least ``threshold``), as a sentence holding "UNSCR"
    covers "UN Security Council resolution". Keys and values are stemmed tokens.
    """
    out = {a: set(stems) for a, stems in acronyms.items()}
    for m in matches:
        if m.term.kind != "identifier" and m.match and " " not in m.match and threshold <= m.score < 1.0:
            out.setdefault(stem(m.match), set()).add(stem(m.term.word))
    return {token: frozenset(stems) for token, stems in out.items()}


def words_to_encode(terms: Sequence[FocusTerm], vectors: WordVectors) -> list[str]:
    """Focus words that need a vector and that the vocabulary lacks: encoded with the question."""
    return [t.word for t in terms if t.kind != "identifier" and is_vocabulary_word(t.word) and t.word not in vectors]
