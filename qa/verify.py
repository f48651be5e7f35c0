"""Checking a generated answer sentence by sentence against the passages it cites.

A sentence reaches the user only if

1. it ends with citation markers, all of passages that were given ([1]…[k]);
2. every number and every name in it appears in the passages it cites (normalised:
   NFKC, straight quotes, case-folded, "1,000" = "1000");
3. its content is close to a sentence of a cited passage: the cosine of the model's
   vectors is at least ``min_similarity`` and at least ``min_overlap`` of its content
   words (stemmed) are in the cited passages;
4. it addresses the question: it shares a content word with it or its cosine with the
   question is at least ``min_question_similarity`` (a passage that tells the model to
   say something else can still be quoted, but not as an answer to this question).

Thresholds: see :class:`VerifierPolicy` and bench/calibrate_verifier.py.
"""
from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np

from corpus.sentences import split_sentences
from index.lexical import STOPWORDS, tokenize
from index.types import Hit
from qa.evaluation import normalize

_ONE_MARKER = re.compile(r"\[\s*(\d+)\s*\]")
_AFTER_STOP = re.compile(r"([.!?])((?:\s*\[\s*\d+\s*\])+)")
# A marker where a noun phrase should be: right after a preposition ("in [1]", "see [2]").
# or markers listed as if they were the items ("include [1] and [2]").
_REFERENCE = re.compile(r"\b(?:in|of|from|by|see|per|to|at|on|under|within)\s+\[\s*\d+\s*\]"
                        r"|\[\s*\d+\s*\]\s*(?:,|and|or)\s*\[\s*\d+\s*\]", re.IGNORECASE)
# A sentence that ends on one of these words lost its content (often to markers standing in for it).
_DANGLING = frozenset("and or of in to the a an include includes including such as are is were was by with".split())
_NUMBER = re.compile(r"(?<![^\W\d_])\d+(?:[.,]\d+)*")
_WORD = re.compile(r"[^\W\d_][\w'’-]*")


@dataclass(frozen=True)
class VerifierPolicy:
    """How close a generated sentence must be to what it cites.

    Calibrated with bench/calibrate_verifier.py on dev.jsonl + topical_dev.jsonl: gold
    evidence as claims, checked against the passage holding it (55 claims) and against
    the best near-miss passage of the same top 5 (55): the loosest pair that lets at most
    10 % of near misses through passes all supported claims (9 % of near misses pass).
    The question floor is the 2nd percentile of supported claims' cosine with their question.
    """

    min_similarity: float = 0.3
    min_overlap: float = 0.6
    min_question_similarity: float = 0.19


@dataclass(frozen=True)
class Unverified:
    """A generated sentence that was dropped, and why (one sentence a person can check)."""

    text: str
    reason: str

    def to_dict(self) -> dict:
        """JSON form (``unverified`` in ``qa ask --json``)."""
        return {"text": self.text, "reason": self.reason}


@dataclass(frozen=True)
class Verified:
    """A generated sentence that the passages it cites support.

    ``markers`` are the passage numbers it cites (1-based, as in the prompt); ``support``
    is, per cited passage, the ``(start, end)`` of its sentence closest to this one.
    """

    text: str
    markers: tuple[int, ...]
    support: tuple[tuple[int, int, int], ...]  # (marker, start, end) in that passage's text
    similarity: float
    overlap: float


class Cited(NamedTuple):
    """One sentence of a generated reply: its text without markers, the passages it cites,
    and whether a marker stands where content should be (:func:`refers_to_passages`)."""

    text: str
    markers: tuple[int, ...]
    reference: bool = False


def cited_sentences(text: str) -> list[Cited]:
    """The sentences of ``text`` with the markers each carries (markers removed from the text).

    A marker belongs to the sentence it stands in; markers right after a sentence's final
    stop ("members.[2] It…") belong to that sentence. A marker in the middle of a
    sentence stays in it, and is checked by :func:`refers_to_passages`.

    >>> [(c.text, c.markers) for c in cited_sentences("It began in 2002 [1]. It has 31 members.[2][3] No source.")]
    [('It began in 2002.', (1,)), ('It has 31 members.', (2, 3)), ('No source.', ())]
    >>> cited_sentences("It names Iran [1] and Russia [2].")
    [Cited(text='It names Iran and Russia.', markers=(1, 2), reference=False)]
    """
    # Markers after the stop move before it, so that the sentence splitter sees ". It".
    text = _AFTER_STOP.sub(lambda m: f"{m.group(2)}{m.group(1)}", text)
    out: list[Cited] = []
    for a, b in split_sentences(text):
        sentence = text[a:b]
        markers = tuple(dict.fromkeys(int(x) for x in _ONE_MARKER.findall(sentence)))
        plain = " ".join(_ONE_MARKER.sub(" ", sentence).split())
        plain = re.sub(r"\s+([.,;:!?])", r"\1", plain)
        if any(c.isalnum() for c in plain):
            out.append(Cited(plain, markers, refers_to_passages(sentence)))
        elif out and markers:  # a stray "[2]" after the last sentence
            out[-1] = out[-1]._replace(markers=tuple(dict.fromkeys(out[-1].markers + markers)))
    return out


def refers_to_passages(text_with_markers: str) -> bool:
    """True when markers stand for content ("as stated in [1] and [2]") instead of ending a claim.

    >>> refers_to_passages("The countries are listed in [1] and [2].")
    True
    >>> refers_to_passages("Iran [1] and Russia [2] are named.")
    False
    """
    return _REFERENCE.search(text_with_markers) is not None


def facts(sentence: str) -> list[str]:
    """The numbers and names in ``sentence`` that its source must state too (normalised).

    Names are capitalised words other than the first word, and a first word that is not
    a common one ("Naples hosted…" but not "The…").

    >>> facts("In 2002 the G7 met at Kananaskis with 1,000 experts.")
    ['2002', '1000', 'g7', 'kananaskis']
    """
    numbers = [m.group().replace(",", "") for m in _NUMBER.finditer(sentence)]
    names = []
    for i, m in enumerate(_WORD.finditer(sentence)):
        word = re.sub(r"['’]s$", "", m.group())
        if word[:1].isupper() and (i > 0 or word.casefold() not in STOPWORDS):
            names.append(normalize(word))
    for m in re.finditer(r"\b[A-Za-z]+\d+\w*", sentence):  # G7, COVID19
        names.append(normalize(m.group()))
    return list(dict.fromkeys(numbers + [n for n in names if n not in numbers]))


def _unstated(passage: str, wanted: list[str]) -> list[str]:
    """The facts of ``wanted`` (from :func:`facts`) that ``passage`` does not state (normalised once)."""
    plain = normalize(passage)
    numbers = {m.group().replace(",", "") for m in _NUMBER.finditer(plain)}
    return [fact for fact in wanted if not (fact in numbers if fact[:1].isdigit()
                                            else re.search(rf"(?<!\w){re.escape(fact)}", plain))]


def verify(
    generated: str,
    passages: Sequence[Hit],
    question_vector: np.ndarray,
    question: str,
    encode: Callable[[list[str]], np.ndarray],
    passage_sentences: Callable[[Hit], list[tuple[int, int, np.ndarray]]],
    policy: VerifierPolicy = VerifierPolicy(),
) -> tuple[list[Verified], list[Unverified]]:
    """Split ``generated`` into cited sentences and keep those the cited passages support.

    ``passages`` are the hits given to the model as [1]…[k]; ``passage_sentences(hit)``
    gives ``(start, end, vector)`` of each sentence of a hit's paragraph (from the index).
    Returns the supported sentences and the dropped ones with their reasons.
    """
    kept: list[Verified] = []
    dropped: list[Unverified] = []
    candidates = cited_sentences(generated)
    vectors = encode([c.text for c in candidates]) if candidates else np.zeros((0, len(question_vector)))
    question_terms = set(tokenize(question))
    for (text, markers, reference), vector in zip(candidates, vectors):
        if not markers:
            dropped.append(Unverified(text, "It cites no passage."))
            continue
        if reference:
            dropped.append(Unverified(text, "It points at passages instead of saying what they state."))
            continue
        last = re.findall(r"[\w'-]+", text)[-1].casefold() if re.search(r"\w", text) else ""
        if text.endswith(":") or last in _DANGLING:
            dropped.append(Unverified(text, "It is incomplete."))
            continue
        unknown = sorted({n for n in markers if not 1 <= n <= len(passages)})
        if unknown:
            given = f"[1]–[{len(passages)}]" if len(passages) > 1 else "[1]"
            dropped.append(Unverified(text, f"It cites {', '.join(f'[{n}]' for n in unknown)}, but only {given} were given."))
            continue
        cited = [passages[n - 1] for n in dict.fromkeys(markers)]
        sources = " ".join(f"{h.paragraph.title} {h.paragraph.section} {h.paragraph.text}" for h in cited)
        absent = _unstated(sources, facts(text))
        if absent:
            dropped.append(Unverified(text, f"The cited passages do not state {', '.join(absent)}."))
            continue
        terms = tokenize(text)
        overlap = len(set(terms) & set(tokenize(sources))) / max(len(set(terms)), 1)
        support, similarity = [], -1.0
        for n in dict.fromkeys(markers):
            scored = [(float(vector @ v), start, end) for start, end, v in passage_sentences(passages[n - 1])]
            if scored:
                best = max(scored)
                support.append((n, best[1], best[2]))
                similarity = max(similarity, best[0])
        if similarity < policy.min_similarity or overlap < policy.min_overlap:
            dropped.append(Unverified(text, "The cited passages do not say this "
                                      f"(closest sentence {similarity:.2f}, shared words {overlap:.0%})."))
            continue
        if not (set(terms) & question_terms) and float(vector @ question_vector) < policy.min_question_similarity:
            dropped.append(Unverified(text, "It does not address the question."))
            continue
        kept.append(Verified(text, tuple(dict.fromkeys(markers)), tuple(support), similarity, overlap))
    return kept, dropped
