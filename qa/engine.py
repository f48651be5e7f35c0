"""The question-answering engine: a loaded index, the encoder, and the answer step."""
from __future__ import annotations

import time
from typing import Callable

import numpy as np

from corpus.errors import IndexError_, QuestionError
from corpus.types import Paragraph
from index.encoder import Encoder, SentenceTransformerEncoder
from index.lexical import initialisms, tokenize
from index.search import FusionWeights, HybridSearcher
from index.store import LoadedIndex, load_index
from qa.answering import AnswerPolicy, Idf, choose_sentences, compose_answer, score_sentences
from qa.indexing import update_index
from qa.question import clean_question
from qa.settings import Settings
from qa.types import Answer


class Engine:
    """Answers questions over one loaded index; load once, ask many times.

    >>> engine = Engine.open(Settings.resolve())         # doctest: +SKIP
    >>> engine.ask("Who steers the Global Partnership?").text   # doctest: +SKIP
    """

    def __init__(
        self,
        settings: Settings,
        index: LoadedIndex,
        encoder: Encoder,
        policy: AnswerPolicy = AnswerPolicy(),
        weights: FusionWeights = FusionWeights(),
    ):
        self.settings = settings
        self.index = index
        self.encoder = encoder
        self.policy = policy
        self.searcher = HybridSearcher(index, weights)
        self._idf = Idf(index)
        self._sentence_ids = index.sentence_rows()
        self._row_of = {p.id: row for row, p in enumerate(index.paragraphs)}
        self._terms: dict[int, frozenset[str]] = {}

    def _sentence_terms(self, sentence_id: int, text: str) -> frozenset[str]:
        """Tokens of a sentence, computed once (the same sentences come back question after question)."""
        terms = self._terms.get(sentence_id)
        if terms is None:
            terms = self._terms[sentence_id] = frozenset(tokenize(text))
        return terms

    @classmethod
    def open(
        cls,
        settings: Settings,
        *,
        build_if_missing: bool = True,
        progress: bool = False,
        warn: Callable[[str], None] = lambda message: None,
        encoder: Encoder | None = None,
    ) -> "Engine":
        """Load the index of ``settings`` (building it first if there is none yet)."""
        encoder = encoder or SentenceTransformerEncoder(settings.model, runtime=settings.runtime)
        if build_if_missing and not (settings.index / "manifest.json").exists():
            warn(f"no index at {settings.index} yet: building it from {settings.corpus}")
            update_index(settings, encoder, progress=progress, warn=warn)
        index = load_index(settings.index, model=encoder.name, nprobe=settings.nprobe)
        if index.manifest.dimension != encoder.dimension:
            raise IndexError_(f"the index at {settings.index} holds {index.manifest.dimension}-d vectors; "
                              f"the model makes {encoder.dimension}-d ones")
        return cls(settings, index, encoder)

    def context(self, paragraph_id: str, radius: int = 2) -> list[Paragraph]:
        """The paragraph with id ``paragraph_id`` and up to ``radius`` neighbours each side.

        Documents are only reachable through ids from the index, never through paths.
        Raises :class:`QuestionError` for an unknown id.
        """
        row = self._row_of.get(paragraph_id)
        if row is None:
            raise QuestionError(f"no paragraph with id {paragraph_id!r} in the index")
        doc = self.index.paragraphs[row].doc
        start, end = max(0, row - radius), min(len(self.index.paragraphs), row + radius + 1)
        return [p for p in self.index.paragraphs[start:end] if p.doc == doc]

    def ask(self, question: str, k: int | None = None) -> Answer:
        """Answer ``question`` from the top ``k`` passages (``settings.k`` by default)."""
        k = k or self.settings.k
        started = time.perf_counter()
        question = clean_question(question, self.settings.max_question_chars)
        query_vector = self.encoder.encode([question])[0]
        encoded = time.perf_counter()
        acronyms = initialisms(question, self.searcher.has_term)
        hits = self.searcher.search(query_vector, question, max(k, self.policy.answer_passages), acronyms)
        searched = time.perf_counter()
        scored = score_sentences(
            tokenize(question), np.asarray(query_vector), hits[: self.policy.answer_passages],
            self.index, self._sentence_ids, self._row_of, self._idf, self.policy, acronyms, self._sentence_terms,
        )
        chosen, reason = choose_sentences(question, scored, self.policy)
        answer = compose_answer(question, chosen, hits[:k], reason)
        done = time.perf_counter()
        timings = {
            "encode": 1000 * (encoded - started),
            "search": 1000 * (searched - encoded),
            "answer": 1000 * (done - searched),
            "total": 1000 * (done - started),
        }
        return Answer(answer.question, answer.text, answer.abstained, answer.citations, answer.passages,
                      answer.reason, timings)
