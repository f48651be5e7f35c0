"""When the evidence does not cover the question's focus: which words are missing, and why.

Identifiers must be in the evidence literally. Names ("Sudan", "Tehran") must be there
literally, by spelling, or as a close word vector (``name_match``); other content
words as a looser match (``word_match``). The thresholds were chosen on a sweep over the
three dev files, which also reports leave-one-file-out figures and a held-out file
(bench/calibrate_abstention.py, README "How abstention works").
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from qa.focus import FocusTerm, TermMatch


@dataclass(frozen=True)
class FocusPolicy:
    """How close a focus word's best match in the evidence must be to count as present."""

    name_match: float = 0.71
    word_match: float = 0.5
    missing_words: int = 3  # this many missing content words also mean "not in the documents"
    off_domain_percentile: float = 30.0  # best passage no closer than this share of random sentence pairs
    name_ratio: float = 0.8  # a name matched by its vector must pass Lowe's ratio test (his 0.8; 100: never fails)
    phrase_match: float = 0.55  # every word of a noun phrase below this: the phrase is missing (0: off)

    def __post_init__(self):
        if not (0.0 <= self.name_match <= 1.0 and 0.0 <= self.word_match <= 1.0 and 0.0 <= self.phrase_match <= 1.0):
            raise ValueError("match thresholds must be within [0, 1]")
        if not 0.0 <= self.off_domain_percentile <= 100.0:
            raise ValueError("off_domain_percentile must be within [0, 100]")
        if self.missing_words < 1:
            raise ValueError("missing_words must be at least 1")


def missing_focus(matches: Sequence[TermMatch], policy: FocusPolicy,
                  phrases: Sequence[Sequence[str]] = ()) -> list[TermMatch]:
    """The focus terms whose absence means the documents do not answer; empty when covered.

    Any identifier or name below its bar is enough; plain content words only count when
    ``policy.missing_words`` of them (or all of them) are missing, because a question in
    the user's own words often has a verb or two that no document uses ("fired", "halt"),
    or when they make up one noun phrase (``phrases``: groups of focus words, see
    qa.phrases) none of whose words reaches ``policy.phrase_match`` ("artificial
    intelligence": the thing it names is not there); such a phrase is missing as a whole.
    """
    required = [m for m in matches if m.term.kind == "identifier" and m.score < 1.0]
    required += [m for m in matches
                 if m.term.kind == "name" and (m.score < policy.name_match or not m.distinct(policy.name_ratio))]
    if required:
        return required
    content = [m for m in matches if m.term.kind == "word"]
    by_word = {m.term.word: m for m in content}
    for phrase in phrases:
        words = [by_word[w] for w in phrase if w in by_word]
        if len(words) >= 2 and all(m.score < policy.phrase_match for m in words):
            text = " ".join(m.term.text for m in words)
            return [TermMatch(FocusTerm(text, text, "word"), max(m.score for m in words), "")]
    loose = [m for m in content if m.score < policy.word_match]
    if loose and (len(loose) >= policy.missing_words or len(loose) == len(content)):
        return loose
    return []


def missing_reason(missing: Sequence[TermMatch]) -> str:
    """A sentence naming what the documents lack: "The documents do not mention Sudan."."""
    names = [m.term.text for m in missing]
    listed = names[0] if len(names) == 1 else ", ".join(names[:-1]) + " or " + names[-1]
    return f"The documents do not mention {listed}."


def off_domain_reason(best_similarity: float, typical: float) -> str:
    """Why a question whose best passage is only as close as unrelated passages are to each other is refused."""
    return (f"The documents are not about this: the closest passage (cosine {best_similarity:.2f}) is no closer "
            f"than two unrelated passages of these documents usually are ({typical:.2f}).")
