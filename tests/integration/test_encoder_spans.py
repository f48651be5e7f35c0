"""Sentence vectors pooled from the paragraph's forward pass (real bundled model)."""
from __future__ import annotations

import numpy as np


def test_text_vectors_equal_plain_encoding(encoder):
    texts = ["The ministers met in Naples.", "A longer paragraph. It has two sentences about shipping in the Red Sea."]
    vectors, _ = encoder.encode_with_spans(texts, [[], [(0, 19)]])
    assert np.allclose(vectors, encoder.encode(texts), atol=1e-5)


def test_span_vectors_are_unit_and_close_to_the_sentence_alone(encoder):
    text = "We condemn the attacks on shipping. We welcome the new partnership on clean energy."
    spans = [(0, 35), (36, len(text))]
    _, pooled = encoder.encode_with_spans([text], [spans])
    assert pooled.shape == (2, encoder.dimension)
    assert np.allclose(np.linalg.norm(pooled, axis=1), 1.0, atol=1e-5)
    alone = encoder.encode([text[a:b] for a, b in spans])
    similarity = pooled @ alone.T
    # each pooled sentence is nearest to its own standalone encoding
    assert similarity[0, 0] > similarity[0, 1]
    assert similarity[1, 1] > similarity[1, 0]


def test_spans_past_the_token_limit_are_encoded_on_their_own(encoder):
    filler = "word " * 400
    tail = "The last sentence mentions the Taiwan Strait."
    text = filler + tail
    _, pooled = encoder.encode_with_spans([text], [[(len(filler), len(text))]])
    assert np.allclose(pooled[0], encoder.encode([tail])[0], atol=1e-5)


def test_onnx_runtime_gives_the_torch_vectors(encoder, seed_documents):
    from index.store import embedding_text
    from index.torch_encoder import load_encoder

    assert encoder.runtime == "onnx"
    torch_encoder = load_encoder(runtime="torch")
    paragraphs = [p for d in seed_documents for p in d.paragraphs][:40]
    texts = [embedding_text(p) for p in paragraphs]
    spans = [[(0, len(t) // 2), (len(t) // 2, len(t))] for t in texts]
    onnx_vectors, onnx_parts = encoder.encode_with_spans(texts, spans)
    torch_vectors, torch_parts = torch_encoder.encode_with_spans(texts, spans)
    assert np.allclose(onnx_vectors, torch_vectors, atol=1e-5)
    assert onnx_parts.shape == (80, encoder.dimension)
    assert np.allclose(onnx_parts, torch_parts, atol=1e-5)
    question = "How many countries take part in the Global Partnership?"
    assert np.allclose(encoder.encode([question]), torch_encoder.encode([question]), atol=1e-5)


def test_a_text_gets_the_same_vector_alone_or_among_others(encoder):
    texts = ["Short.", "A much longer text about maritime security in the Red Sea and the Gulf of Aden.", "Mid-length text here."]
    together = encoder.encode(texts)
    alone = np.concatenate([encoder.encode([t]) for t in texts])
    assert np.array_equal(together, alone)


def test_unknown_runtime_is_a_settings_error():
    import pytest

    from corpus.errors import SettingsError
    from index.torch_encoder import load_encoder

    with pytest.raises(SettingsError, match="runtime must be one of onnx, torch"):
        load_encoder(runtime="tensorrt")


def test_short_texts_in_padded_batches_equal_each_text_alone(encoder):
    words = ["harbour", "north korea", "Tehran", "weapons of mass destruction", "a", "nuclear"] * 50
    batched = encoder.encode(words)
    alone = np.array([encoder.encode([w])[0] for w in words[:6]])
    assert batched.shape == (300, encoder.dimension)
    assert np.abs(batched[:6] - alone).max() < 1e-5
    assert np.abs(batched[6:12] - alone).max() < 1e-5


def test_batches_of_short_texts_and_questions_on_other_threads_do_not_disturb_each_other(encoder):
    """A rebuild embeds its vocabulary in padded batches while questions are being answered."""
    import threading

    question = "Which vessel should the Houthis release from the Red Sea?"
    expected = encoder.encode([question])[0]
    words = [f"harbour{i}" for i in range(600)]
    expected_words = encoder.encode(words)
    failures, stop = [], threading.Event()

    def ask_repeatedly():
        while not stop.is_set():
            try:
                assert np.abs(encoder.encode([question])[0] - expected).max() < 1e-5
            except Exception as e:  # any error here is the race this test is about
                failures.append(repr(e))

    asker = threading.Thread(target=ask_repeatedly)
    asker.start()
    try:
        for _ in range(3):
            assert np.abs(encoder.encode(words) - expected_words).max() < 1e-5
    finally:
        stop.set()
        asker.join()
    assert failures == []
