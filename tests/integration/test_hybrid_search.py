"""Hybrid search on the seed index: how each hit's score is made."""
from __future__ import annotations

import numpy as np
import pytest


def test_every_hit_is_scored_from_exact_paragraph_and_sentence_cosines(engine):
    """Rows found by only one retriever get the other cosines from the stored vectors."""
    index, searcher = engine.index, engine.searcher
    query = "Which ship seized by the Houthis should be released?"
    vector = np.asarray(engine.encoder.encode([query])[0], dtype=np.float32)
    weights = searcher.weights
    for hit in searcher.search(vector, query, 20):
        paragraph = float(index.vectors.rows(np.array([index.row_of[hit.paragraph.id]]))[0] @ vector)
        _, sentence_vectors = index.sentences_of(hit.paragraph.id)
        sentence = float((sentence_vectors @ vector).max())
        assert hit.dense == pytest.approx(max(paragraph, sentence), abs=1e-5)
        fused = weights.dense * (weights.paragraph * paragraph + (1 - weights.paragraph) * sentence) \
            + (1 - weights.dense) * hit.lexical
        assert hit.score == pytest.approx(fused, abs=1e-5)
