"""Hybrid retrieval: dense (paragraph and best-sentence cosine) fused with BM25."""
from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np

from index.entries import defining_rows
from index.lexical import tokenize
from index.store import LoadedIndex
from index.types import Hit


@dataclass(frozen=True)
class FusionWeights:
    """How dense and lexical scores are combined.

    ``dense`` weighs the cosine similarity, itself ``paragraph`` x the paragraph's cosine
    + (1 - ``paragraph``) x its best sentence's (a paragraph whose one sentence answers
    the question ranks high, one that is on the topic throughout too); ``1 - dense``
    weighs BM25 divided by the highest score the query's terms can reach (each in its
    best paragraph), i.e. how much of the question a paragraph matches. A weighted sum
    of scores beat reciprocal-rank fusion on the dev questions (BASELINES.md, README);
    the weights were chosen on the three dev files with leave-one-file-out checks
    (README "How an answer is made", bench/RESULTS.md).
    """

    dense: float = 0.85
    paragraph: float = 0.4
    candidates: int = 100
    entry: float = 1.0  # added to an entry defining a name the question gives: it leads (index.entries)

    def __post_init__(self):
        if not (0.0 <= self.dense <= 1.0 and 0.0 <= self.paragraph <= 1.0 and self.entry >= 0.0):
            raise ValueError("dense and paragraph weights must be within [0, 1], entry at least 0")
        if self.candidates < 1:
            raise ValueError("candidates must be at least 1")


class HybridSearcher:
    """Ranks the paragraphs of a loaded index for a query.

    >>> searcher = HybridSearcher(index)                          # doctest: +SKIP
    >>> hits = searcher.search(encoder.encode([q])[0], q, k=5)    # doctest: +SKIP
    """

    def __init__(self, index: LoadedIndex, weights: FusionWeights = FusionWeights()):
        self.index = index
        self.weights = weights

    def has_term(self, term: str) -> bool:
        """True when the lexical index holds the (stemmed) token ``term``."""
        return term in self.index.bm25.vocab_dict

    def search(self, query_vector: np.ndarray, query: str, k: int, extra_terms: Iterable[str] = (),
               docs: Sequence[str] | None = None, names: Sequence[str] = ()) -> list[Hit]:
        """Top-``k`` hits for ``query`` whose embedding is ``query_vector`` (unit, 1-D).

        ``extra_terms`` are stemmed tokens added to the lexical query (e.g. acronyms
        of phrases the question spells out). ``docs`` (document ids) restricts the
        search to those documents: both the dense and the lexical side only ever look
        at their rows, so up to ``k`` hits come back from them, as many as without it.
        ``names`` are code names and options the question gives ("json.dumps", "-O"):
        the reference entries defining them join the candidates and score ``entry`` more.
        """
        qv = np.ascontiguousarray(query_vector.reshape(1, -1), dtype=np.float32)
        scope = None if docs is None else _Scope(*self.index.document_rows(docs))
        paragraph, sentence = self._dense_scores(qv, scope)
        lexical = self._lexical_scores(tokenize(query) + list(extra_terms), scope)
        entries = defining_rows(self.index.entries, names) if names else set()
        if entries and scope is not None:
            allowed = scope.mask(len(self.index.paragraphs))
            entries = {r for r in entries if allowed[r]}
        rows = set(paragraph) | set(sentence) | set(lexical) | entries
        self._complete(qv[0], rows, paragraph, sentence)
        a = self.weights.paragraph
        dense = {r: a * paragraph[r] + (1 - a) * sentence[r] for r in rows}
        w, e = self.weights.dense, self.weights.entry
        fused = sorted(
            ((w * dense[r] + (1 - w) * lexical.get(r, 0.0) + (e if r in entries else 0.0), r) for r in rows),
            key=lambda pair: (-pair[0], pair[1]),
        )[:k]
        paragraphs = self.index.paragraphs
        return [
            Hit(paragraphs[r], rank, float(score), max(paragraph[r], sentence[r]), float(lexical.get(r, 0.0)))
            for rank, (score, r) in enumerate(fused, start=1)
        ]

    def _dense_scores(self, qv: np.ndarray, scope: _Scope | None = None) -> tuple[dict[int, float], dict[int, float]]:
        """Cosines of the top paragraphs, and of the best sentence of the rows of the top sentences."""
        n = self.weights.candidates
        rows, sentences = (None, None) if scope is None else (scope.rows, scope.sentences)
        scores, ids = self.index.vectors.search(qv, min(n, self.index.vectors.ntotal), rows)
        paragraph = {int(i): float(s) for s, i in zip(scores, ids) if i >= 0}
        s_scores, s_ids = self.index.sentence_vectors.search(qv, min(3 * n, self.index.sentence_vectors.ntotal),
                                                             sentences)
        sentence: dict[int, float] = {}
        for s, i in zip(s_scores, s_ids):
            if i < 0:
                continue
            row = int(self.index.sentence_paragraph_rows[i])
            if s > sentence.get(row, -1.0):
                sentence[row] = float(s)
        return paragraph, sentence

    def _complete(self, q: np.ndarray, rows: set[int], paragraph: dict[int, float], sentence: dict[int, float]) -> None:
        """Fill in the cosines a candidate row lacks from the exact stored vectors.

        A row found by one retriever has no score from the others: its paragraph
        vector, or all of its sentence vectors (it is scored by its best one), are read.
        """
        lacking = np.array(sorted(r for r in rows if r not in paragraph), dtype=np.int64)
        if len(lacking):
            paragraph.update(zip(lacking.tolist(), (self.index.vectors.rows(lacking) @ q).tolist()))
        of_row = self.index.sentences_of_row
        lacking_rows = [r for r in rows if r not in sentence]
        ids = [i for r in lacking_rows for i in of_row.get(r, ())]
        cosines = dict(zip(ids, (self.index.sentence_vectors.rows(np.array(ids, dtype=np.int64)) @ q).tolist())) if ids else {}
        for r in lacking_rows:
            own = [cosines[i] for i in of_row.get(r, ())]
            sentence[r] = max(own) if own else paragraph[r]  # a paragraph without sentences is its own one

    def _lexical_scores(self, tokens: list[str], scope: _Scope | None = None) -> dict[int, float]:
        bm25 = self.index.bm25
        ids = bm25.get_tokens_ids(tokens)
        if not ids:
            return {}
        scores = bm25.get_scores_from_ids(ids)
        if scope is not None:  # rows outside the chosen documents score nothing, before the top n is taken
            scores = np.where(scope.mask(len(scores)), scores, 0.0)
        # Divided by what the terms reach in the whole corpus, filter or not: a lexical
        # score means the same thing with or without a choice of documents.
        best = self.index.best_term_score(ids)
        if best <= 0 or float(scores.max()) <= 0:
            return {}
        n = min(self.weights.candidates, len(scores))
        top = np.argpartition(-scores, n - 1)[:n]
        return {int(r): float(scores[r]) / best for r in top if scores[r] > 0}


@dataclass(frozen=True)
class _Scope:
    """The rows a search may return: paragraph-row and sentence ranges of the chosen documents."""

    rows: list[tuple[int, int]]
    sentences: list[tuple[int, int]]

    def mask(self, n: int) -> np.ndarray:
        """A boolean mask over ``n`` paragraph rows, True inside the ranges."""
        allowed = np.zeros(n, dtype=bool)
        for start, end in self.rows:
            allowed[start:end] = True
        return allowed
