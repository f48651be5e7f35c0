"""From ranked hits to an answer: pick the sentences that answer, or abstain.

Every sentence of the best hits is scored by three kinds of evidence:

* ``dense``     cosine of the question with the sentence (precomputed sentence vectors);
* ``coverage``  IDF-weighted share of the question's content terms found in the
                sentence or its context (section heading, document title);
* ``passage``   the fused retrieval score of the paragraph holding it.

A question that asks for a specific kind of answer (a count, a date, a place, an
amount, a percentage) is answered only by a sentence that holds an entity of that kind
and covers the rest of the question; otherwise the documents do not answer it. Open
questions are answered when the best sentence's score reaches ``min_score``; both
thresholds were calibrated on the dev questions (README, "How abstention works").
"""
from __future__ import annotations

import itertools
import re
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from corpus.cleaning import collapse_whitespace
from index.entries import description_start, signature
from index.lexical import STOPWORDS, stem, tokenize
from index.store import LoadedIndex
from index.types import Hit, SentenceInfo
from qa.question import KIND_LABELS, KIND_WORDS, AnswerKind, answer_kind, counted_noun, kind_phrase, may_be_open
from qa.types import Answer, Citation

ABSTAIN_TEXT = "The documents do not answer this question."


@dataclass(frozen=True)
class AnswerPolicy:
    """Knobs of the answer step; the defaults are the calibrated ones."""

    max_sentences: int = 3
    answer_passages: int = 5
    dense_weight: float = 0.5
    coverage_weight: float = 0.3
    passage_weight: float = 0.2
    min_score: float = 0.0
    min_typed_coverage: float = 0.5
    follow_ratio: float = 0.85

    def __post_init__(self):
        if not 1 <= self.max_sentences <= 10:
            raise ValueError("max_sentences must be within 1..10")
        if self.answer_passages < 1:
            raise ValueError("answer_passages must be at least 1")


@dataclass(frozen=True)
class ScoredSentence:
    """A candidate answer sentence and its evidence."""

    hit: Hit
    info: SentenceInfo
    dense: float
    coverage: float
    score: float
    covered: frozenset[str]
    topical: frozenset[str]  # covered in the sentence's own words, not just by its document's title
    informative: bool = True  # says something beyond the question's own words (not a bare "GIL")

    @property
    def text(self) -> str:
        """The sentence, verbatim from its paragraph."""
        return self.hit.paragraph.text[self.info.start : self.info.end]

    @property
    def place(self) -> tuple[str, int]:
        """Where the sentence is: its paragraph's id and its start in it (one sentence, however scored)."""
        return self.hit.paragraph.id, self.info.start


def score_sentences(
    question_terms: list[str],
    query_vector: np.ndarray,
    hits: list[Hit],
    index: LoadedIndex,
    policy: AnswerPolicy,
    equivalents: dict[str, frozenset[str]] | None = None,
) -> list[ScoredSentence]:
    """Score every sentence of ``hits``, best first.

    ``equivalents`` maps a token a sentence may hold to the question terms it stands for
    (an acronym the corpus uses, a close word match): a sentence holding it covers them.
    """
    equivalents = equivalents or {}
    asked = set(question_terms)
    terms = asked - {t for w in KIND_WORDS for t in tokenize(w)}
    total = sum(index.idf(t) for t in terms) or 1.0
    best_passage = max((h.score for h in hits), default=1.0) or 1.0
    out: list[ScoredSentence] = []
    for hit in hits:
        ids, vectors = index.sentences_of(hit.paragraph.id)
        if not ids:
            continue
        dense = vectors @ query_vector
        title_terms = set(tokenize(hit.paragraph.title))
        # A reference entry's signature heads each sentence of its description: "If exist_ok
        # is False, a FileExistsError is raised" is about os.makedirs as a heading would say.
        entry = signature(hit.paragraph.text)
        context_terms = title_terms | set(tokenize(hit.paragraph.section)) | set(tokenize(entry))
        if entry:
            dense = _entry_summary_scores(hit, entry, ids, dense, index, query_vector)
        for sid, d in zip(ids, dense.tolist()):
            info = index.sentences[sid]
            own = set(index.sentence_terms(sid))
            informative = bool(own - asked)
            for token, stands_for in equivalents.items():
                if token in own:
                    own |= stands_for
            covered = frozenset(terms & (own | context_terms))
            topical = frozenset((terms & own) - title_terms)
            coverage = sum(index.idf(t) for t in covered) / total
            score = (
                policy.dense_weight * d
                + policy.coverage_weight * coverage
                + policy.passage_weight * hit.score / best_passage
            )
            out.append(ScoredSentence(hit, info, d, coverage, score, covered, topical, informative))
    out.sort(key=lambda s: -s.score)
    return out


def _entry_summary_scores(hit: Hit, entry: str, ids: list[int], dense: np.ndarray, index: LoadedIndex,
                          query_vector: np.ndarray) -> np.ndarray:
    """``dense`` with the sentence holding an entry's signature scored at least as the whole entry.

    That sentence is indexed by its description alone (index.entries.vector_span), which
    finds "Return a list with the n largest elements" for "the n biggest items"; but it
    is also what the entry is, and "What does textwrap.dedent do?" is answered by it
    first, as the entry's own vector (signature included) says.
    """
    row = np.array([index.row_of[hit.paragraph.id]], dtype=np.int64)
    whole = float(index.vectors.rows(row)[0] @ query_vector)
    starts = np.array([index.sentences[i].start for i in ids])
    return np.where(starts < description_start(hit.paragraph.text, entry), np.maximum(dense, whole), dense)


def _has_kind(sentence: ScoredSentence, kind: AnswerKind, question: str) -> bool:
    wanted = KIND_LABELS[kind]
    q = question.lower()
    for label, start, end in sentence.info.entities:
        text = sentence.text[start:end]
        if kind in ("place", "city") and any(c.isdigit() for c in text):
            continue  # the tagger's "G7" is a group of countries, not a place; places have no digits
        if label in wanted and text.lower() not in q:
            return True
    return False


_WORD = re.compile(r"[A-Za-z][\w'-]*")
SameNoun = Callable[[str, str], bool]  # (question's word, sentence's word) -> does it name the same thing?


def same_stem(word: str, other: str) -> bool:
    """True when two words have one stem ("country", "countries"): the plainest :data:`SameNoun`."""
    return stem(word) == stem(other)


def similar_words(vector_of: Callable[[str], np.ndarray | None], threshold: float) -> SameNoun:
    """A :data:`SameNoun` that also accepts words whose unit vectors reach ``threshold`` ("nations", "countries").

    ``vector_of`` gives a word's vector, or None when it has none (then only the stems count).
    """
    def same(word: str, other: str) -> bool:
        if same_stem(word, other):
            return True
        a, b = vector_of(word), vector_of(other)
        return a is not None and b is not None and float(a @ b) >= threshold
    return same


def _counts_the_noun(sentence: ScoredSentence, counted: str, same_noun: SameNoun) -> bool:
    """True when a number in ``sentence`` counts the question's noun: "Thirty countries" for "how many nations".

    The noun is one of the (up to three) words that follow the number before a function
    word: "five expert-level sub-working groups", not "thirty experts from many countries".
    """
    for label, _, end in sentence.info.entities:
        if label in KIND_LABELS["count"]:
            following = list(itertools.takewhile(lambda w: w not in STOPWORDS,
                                                 (w.lower() for w in _WORD.findall(sentence.text[end:]))))[:3]
            if any(same_noun(counted, w) for w in following):
                return True
    return False


def choose_sentences(question: str, scored: list[ScoredSentence], policy: AnswerPolicy,
                     same_noun: SameNoun = same_stem) -> tuple[list[ScoredSentence], str]:
    """The answer sentences in order, or ``([], reason)`` when the evidence is too weak.

    ``same_noun`` tells whether a sentence's word names what a "how many" question counts.
    """
    if not scored:
        return [], "No passage was retrieved."
    # A glossary term or heading alone ("GIL" for "What is the GIL?") matches best and says nothing.
    scored = [s for s in scored if s.informative]
    if not scored:
        return [], "The closest passages only repeat the question's words."
    kind = answer_kind(question)
    if kind is not None and may_be_open(question, kind) and not any(_has_kind(s, kind, question) for s in scored):
        # "Where" over passages that name no place at all asks for a position, not a
        # location, and "when" over passages without a date for a condition: open questions.
        kind = None
    counting: set[tuple[str, int]] = set()  # sentences whose number counts the asked noun, when one leads
    if kind is not None:
        counted = counted_noun(question) if kind == "count" else ""
        # A number that counts the asked noun ("Thirty countries are involved" for "How many
        # nations take part?") states what was asked in fewer of its words: half the bar.
        counts = {s.place for s in scored if counted and _counts_the_noun(s, counted, same_noun)}
        typed = [s for s in scored if _has_kind(s, kind, question)
                 and s.coverage >= policy.min_typed_coverage / (2 if s.place in counts else 1)]
        if not typed:
            return [], f"No passage states {kind_phrase(question, kind)}."
        if any(s.place in counts for s in typed):
            # A number of the asked thing beats a number of something else on the topic
            # ("five sub-working groups" for "How many nations are members?"), and so does a further one.
            counting = counts
            typed = [s for s in typed if s.place in counts]
        first = typed[0]
    else:
        first = scored[0]
        if first.score < policy.min_score:
            return [], "The closest passages are too weakly related to the question."
    chosen = [first]
    covered = set(first.covered)
    said = {_same_text(first.text)}
    for s in scored:
        if len(chosen) >= policy.max_sentences or s.score < policy.follow_ratio * first.score:
            break
        if s is first or not s.topical:
            continue  # a sentence that only shares the document's name is not on topic
        if _same_text(s.text) in said:
            continue  # documentation repeats itself (json.load and json.loads): say it once
        if kind is not None and not (s.place in counting if counting else _has_kind(s, kind, question)):
            continue  # "how many ...?": a further sentence must state a count too, not just the topic
        chosen.append(s)
        covered |= s.covered
        said.add(_same_text(s.text))
    return chosen, ""


def _same_text(sentence: str) -> str:
    """A sentence as compared for repeats: case and whitespace runs do not matter."""
    return collapse_whitespace(sentence).casefold()


def complete_lead_ins(
    chosen: list[ScoredSentence],
    next_of: Callable[[ScoredSentence], ScoredSentence | None],
    max_sentences: int,
    max_chars: int = 400,
) -> list[ScoredSentence]:
    """Follow every chosen sentence that ends in a colon with the sentence it introduces.

    "Virtual environments are created by executing the command venv:" says nothing
    without the command, which usually opens the next paragraph (a code block).
    ``next_of(s)`` gives the sentence after ``s`` in its document, or ``None``; it is
    put right after the lead-in (moved there if it was already chosen) unless it is
    longer than ``max_chars``: the answer stays short and the source shows the rest.
    Continuations count towards ``max_sentences``, but a lead-in is never cut from its
    continuation (so an answer may hold one sentence more).
    """
    out: list[ScoredSentence] = []
    placed: set[tuple[str, int]] = set()
    for s in chosen:
        if len(out) >= max_sentences:
            break
        if s.place in placed:
            continue
        out.append(s)
        placed.add(s.place)
        if not s.text.rstrip().endswith(":"):
            continue
        follow = next_of(s)
        if follow is None or follow.place in placed or len(follow.text) > max_chars:
            continue
        out.append(follow)
        placed.add(follow.place)
    return out


# A sentence that opens by pointing back ("This function...", "It returns...", "In Python 3.10
# and newer, calling this function...") is read with the sentence it points back to.
_POINTS_BACK = re.compile(
    r"^(?:in\s+)?(?:this|these|that|those|such|it|they|its|their|he|she)\b"
    r"|^(?:[^,;:]{0,60},\s+)?(?:\w+\s+){0,2}(?:this|these|those|such)\s+[a-z]",
    re.IGNORECASE,
)


def points_back(sentence: str) -> bool:
    """True when ``sentence`` opens with a reference to what came before it ("This function ...")."""
    return bool(_POINTS_BACK.match(sentence.lstrip()))


def complete_references(
    chosen: list[ScoredSentence],
    previous_of: Callable[[ScoredSentence], ScoredSentence | None],
    max_chars: int = 400,
) -> list[ScoredSentence]:
    """Put the sentence a chosen sentence points back to right before it.

    "In Python versions 3.10 and newer, calling this function is the best practice"
    does not say which function; the sentence before it in its paragraph does
    ("Python 3.10 adds a new function ...: inspect.get_annotations()"). ``previous_of(s)``
    gives the sentence before ``s`` in its paragraph, or ``None``; one that points back
    itself is left out (it would not say what "this" is either). Added sentences do not
    count towards the answer's length: they belong to the sentence they explain.
    """
    out: list[ScoredSentence] = []
    placed: set[tuple[str, int]] = set()
    for s in chosen:
        if s.place in placed:
            continue
        if points_back(s.text):
            before = previous_of(s)
            if (before is not None and before.place not in placed and len(before.text) <= max_chars
                    and not points_back(before.text)):
                out.append(before)
                placed.add(before.place)
        out.append(s)
        placed.add(s.place)
    return out


def compose_answer(question: str, chosen: list[ScoredSentence], hits: list[Hit], reason: str) -> Answer:
    """Build the :class:`Answer`: sentences with ``[n]`` markers, citations in order of first use."""
    if not chosen:
        return Answer(question, ABSTAIN_TEXT, True, (), tuple(hits), reason=reason)
    numbers: dict[str, int] = {}
    spans: dict[str, list[tuple[int, int]]] = {}
    by_id: dict[str, Hit] = {}
    parts = []
    for s in chosen:
        pid = s.hit.paragraph.id
        n = numbers.setdefault(pid, len(numbers) + 1)
        spans.setdefault(pid, []).append((s.info.start, s.info.end))
        by_id[pid] = s.hit
        parts.append(f"{s.text} [{n}]")
    citations = tuple(
        Citation(n, by_id[pid], tuple(sorted(spans[pid]))) for pid, n in sorted(numbers.items(), key=lambda kv: kv[1])
    )
    return Answer(question, " ".join(parts), False, citations, tuple(hits))
