"""The transformer's inputs: the model's own names, fed in one order; token type ids only when it takes them."""
from __future__ import annotations

import numpy as np
import pytest

from index.tokens import INPUTS, model_inputs, tokenize


class FakeEncoding:
    def __init__(self, ids):
        self.ids = ids
        self.type_ids = [0] * len(ids)
        self.offsets = [(0, 0)] * len(ids)


class FakeTokenizer:
    def encode(self, text):
        return FakeEncoding([5] * len(text.split()))

    def encode_batch(self, texts):
        return [self.encode(t) for t in texts]


@pytest.mark.parametrize(("names", "expected"), [
    (["input_ids", "token_type_ids", "attention_mask"], INPUTS),  # BERT tokenizers list them in this order
    (["attention_mask", "input_ids"], ("input_ids", "attention_mask")),  # MPNet, RoBERTa
])
def test_model_inputs_come_in_one_order(names, expected):
    assert model_inputs(names) == expected


@pytest.mark.parametrize(("names", "message"), [
    (["input_ids"], "no attention_mask"),
    (["input_ids", "attention_mask", "pixel_values"], "cannot feed pixel_values"),
])
def test_inputs_this_project_cannot_feed_are_refused(names, message):
    with pytest.raises(ValueError, match=message):
        model_inputs(names)


def test_the_feed_holds_the_models_inputs_only_padded_with_its_pad_id():
    batch = tokenize(FakeTokenizer(), ["a b c", "a"], pad_id=1, inputs=("input_ids", "attention_mask"))
    assert set(batch.feed) == {"input_ids", "attention_mask"}
    assert batch.feed["input_ids"].tolist() == [[5, 5, 5], [5, 1, 1]]
    assert batch.feed["attention_mask"].tolist() == [[1, 1, 1], [1, 0, 0]]
    assert batch.lengths == [3, 1]
    with_types = tokenize(FakeTokenizer(), ["a b c", "a"], inputs=INPUTS)
    assert list(with_types.feed) == list(INPUTS)
    assert np.array_equal(with_types.feed["token_type_ids"], np.zeros((2, 3), dtype=np.int64))
