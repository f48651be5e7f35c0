"""Hybrid retrieval: dense (paragraph and best-sentence cosine) fused with BM25."""
from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np

from index.lexical import tokenize
from index.store import LoadedIndex
from index.types import Hit


@dataclass(frozen=True)
class FusionWeights:
    """How dense and lexical scores are combined.

    ``dense`` weighs the cosine similarity (the higher of paragraph and best sentence),
    ``1 - dense`` weighs BM25 divided by the highest score the query's terms can reach
    (each in its best paragraph), i.e. how much of the question a paragraph matches. A
    weighted sum of scores beat reciprocal-rank fusion on the dev questions (BASELINES.md,
    README); the weight was chosen on the three dev files pooled (README "How an answer is
    made", bench/RESULTS.md update 4).
    """

    dense: float = 0.8
    candidates: int = 100

    def __post_init__(self):
        if not 0.0 <= self.dense <= 1.0:
            raise ValueError("dense weight must be within [0, 1]")
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
               docs: Sequence[str] | None = None) -> list[Hit]:
        """Top-``k`` hits for ``query`` whose embedding is ``query_vector`` (unit, 1-D).

        ``extra_terms`` are stemmed tokens added to the lexical query (e.g. acronyms
        of phrases the question spells out). ``docs`` (document ids) restricts the
        search to those documents: both the dense and the lexical side only ever look
        at their rows, so up to ``k`` hits come back from them, as many as without it.
        """
        qv = np.ascontiguousarray(query_vector.reshape(1, -1), dtype=np.float32)
        scope = None if docs is None else _Scope(*self.index.document_rows(docs))
        dense = self._dense_scores(qv, scope)
        lexical = self._lexical_scores(tokenize(query) + list(extra_terms), scope)
        rows = set(dense) | set(lexical)
        missing = [r for r in rows if r not in dense]
        if missing:
            vectors = self.index.vectors.rows(np.array(missing, dtype=np.int64))
            dense.update(zip(missing, (vectors @ qv[0]).tolist()))
        w = self.weights.dense
        fused = sorted(
            ((w * dense[r] + (1 - w) * lexical.get(r, 0.0), r) for r in rows),
            key=lambda pair: (-pair[0], pair[1]),
        )[:k]
        paragraphs = self.index.paragraphs
        return [
            Hit(paragraphs[r], rank, float(score), float(dense[r]), float(lexical.get(r, 0.0)))
            for rank, (score, r) in enumerate(fused, start=1)
        ]

    def _dense_scores(self, qv: np.ndarray, scope: _Scope | None = None) -> dict[int, float]:
        n = self.weights.candidates
        rows, sentences = (None, None) if scope is None else (scope.rows, scope.sentences)
        scores, ids = self.index.vectors.search(qv, min(n, self.index.vectors.ntotal), rows)
        dense = {int(i): float(s) for s, i in zip(scores, ids) if i >= 0}
        s_scores, s_ids = self.index.sentence_vectors.search(qv, min(3 * n, self.index.sentence_vectors.ntotal),
                                                             sentences)
        for s, i in zip(s_scores, s_ids):
            if i < 0:
                continue
            row = int(self.index.sentence_paragraph_rows[i])
            if s > dense.get(row, -1.0):
                dense[row] = float(s)
        return dense

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
