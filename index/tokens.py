"""Tokenising for the transformer backends: Hugging Face ``tokenizers`` and numpy only."""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

# Every input a transformer of this project may take, in the order they are passed. A
# model takes the first two and, if its tokenizer says so, token type ids (BERT, MiniLM;
# not MPNet or RoBERTa): see :func:`model_inputs`.
INPUTS = ("input_ids", "attention_mask", "token_type_ids")
REQUIRED = INPUTS[:2]


def model_inputs(names: Sequence[str]) -> tuple[str, ...]:
    """The inputs a model takes, in :data:`INPUTS` order, from the names its tokenizer or graph gives.

    Raises ``ValueError`` when a name is not one of :data:`INPUTS` (a model this project
    cannot feed) or when ``input_ids`` or ``attention_mask`` is missing.
    """
    unknown = sorted(set(names) - set(INPUTS))
    missing = [name for name in REQUIRED if name not in names]
    if unknown or missing:
        raise ValueError(f"model inputs {list(names)}: " + "; ".join(
            ([f"cannot feed {', '.join(unknown)}"] if unknown else []) + ([f"no {', '.join(missing)}"] if missing else [])))
    return tuple(name for name in INPUTS if name in names)


def configured(tokenizer, max_length: int):
    """``tokenizer`` (a ``tokenizers.Tokenizer``) set to truncate at ``max_length`` and never pad.

    Set once, before any thread uses it: encoding then never changes the tokenizer's
    state, so texts tokenised on several threads at once cannot disturb each other
    (asking a Hugging Face tokenizer to pad a batch does change it).
    """
    tokenizer.no_padding()
    tokenizer.enable_truncation(max_length=max_length, strategy="longest_first")
    return tokenizer


@dataclass(frozen=True)
class TokenBatch:
    """Texts tokenised and padded to one width: the model's inputs, lengths and offsets."""

    feed: dict[str, np.ndarray]  # the model's inputs -> (texts, width) int64
    lengths: list[int]  # real tokens per text
    offsets: list[np.ndarray]  # per text, (length, 2) character offsets


def tokenize(tokenizer, texts: Sequence[str], pad_id: int = 0, inputs: Sequence[str] = INPUTS) -> TokenBatch:
    """Tokenise ``texts`` with a :func:`configured` tokenizer and pad them here, in numpy.

    ``inputs`` are the model's input names, checked once by :func:`model_inputs`: the feed holds those only.
    """
    encodings = [tokenizer.encode(texts[0])] if len(texts) == 1 else tokenizer.encode_batch(list(texts))
    lengths = [len(e.ids) for e in encodings]
    width = max(lengths)
    feed = {name: np.zeros((len(texts), width), dtype=np.int64) for name in inputs}
    feed["input_ids"][:] = pad_id
    for row, encoding in enumerate(encodings):
        n = lengths[row]
        feed["input_ids"][row, :n] = encoding.ids
        feed["attention_mask"][row, :n] = 1
        if "token_type_ids" in feed:
            feed["token_type_ids"][row, :n] = encoding.type_ids
    return TokenBatch(feed, lengths, [np.asarray(e.offsets, dtype=np.int64).reshape(-1, 2) for e in encodings])


def unpadded(hidden: np.ndarray, batch: TokenBatch) -> list[tuple[np.ndarray, np.ndarray]]:
    """Per text, its rows of a padded ``(texts, width, dim)`` output and its offsets."""
    return [(hidden[row, :n], batch.offsets[row]) for row, n in enumerate(batch.lengths)]
