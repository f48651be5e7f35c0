"""The encoder's transformer run by ONNX Runtime: same weights, same vectors, less overhead.

The model is exported from the already loaded PyTorch module into memory when the
encoder starts (about a second; nothing is written to disk or downloaded), then run one
text at a time: without padding a text's vector does not depend on what else is in its
batch, and several texts run at once on different threads of one session
(``session.run`` is thread-safe). Measured on the 2-core machine (bench/RESULTS.md):
a question 7.8 ms instead of 14.2 ms through traced PyTorch; 45 paragraphs/s on two
threads instead of 41 for PyTorch's best batch size; vectors equal to 1e-6.
"""
from __future__ import annotations

import io
import warnings

import numpy as np

INPUTS = ("input_ids", "attention_mask", "token_type_ids")


def available() -> bool:
    """True when onnxruntime and onnx (needed by torch's exporter) can be imported."""
    import importlib.util

    return all(importlib.util.find_spec(name) is not None for name in ("onnxruntime", "onnx"))


class OnnxTransformer:
    """Token embeddings of one text at a time from an in-memory ONNX copy of a transformer.

    ``transformer`` is sentence-transformers' ``Transformer`` module (``model[0]``): its
    tokenizer, ``max_seq_length`` and ``auto_model`` (a BERT-like model taking the three
    ``INPUTS``) are used.
    """

    def __init__(self, transformer):
        import onnxruntime as ort

        self._tokenizer = transformer.tokenizer
        self._max_length = transformer.max_seq_length
        options = ort.SessionOptions()
        options.intra_op_num_threads = 1  # parallelism comes from callers on several threads
        options.inter_op_num_threads = 1
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        options.log_severity_level = 3
        self._session = ort.InferenceSession(_export(transformer.auto_model), options,
                                             providers=["CPUExecutionProvider"])

    def token_embeddings(self, text: str) -> tuple[np.ndarray, np.ndarray]:
        """``(hidden, offsets)``: one row per token (special tokens included, offsets (0, 0))."""
        features = self._tokenizer(text, truncation="longest_first", max_length=self._max_length,
                                   return_offsets_mapping=True, return_tensors="np")
        feed = {name: features[name].astype(np.int64) for name in INPUTS}
        hidden = self._session.run(None, feed)[0][0]
        return hidden, features["offset_mapping"][0]


    def mean_pooled(self, texts: list[str]) -> np.ndarray:
        """Mean-pooled, unnormalised token embeddings of short ``texts``, run as one padded batch.

        The attention mask keeps padding out of every real token's attention and out of
        the mean, so each row equals the text run alone (to float rounding, ~1e-7). Worth
        it for many short texts (a vocabulary: 0.3 instead of 2.7 ms a word); paragraphs
        run one at a time, where padding would cost more than it saves.
        """
        # Padded here, not by the tokenizer: asking it to pad changes its shared state, and a
        # question tokenised meanwhile on another thread (no padding) would come out padded
        # or ragged. Every call leaves the tokenizer's settings as they were.
        encoded = self._tokenizer(texts, truncation="longest_first", max_length=self._max_length)
        width = max(len(ids) for ids in encoded["input_ids"])
        feed = {name: np.zeros((len(texts), width), dtype=np.int64) for name in INPUTS}
        feed["input_ids"][:] = self._tokenizer.pad_token_id or 0
        for row, ids in enumerate(encoded["input_ids"]):
            feed["input_ids"][row, : len(ids)] = ids
            feed["attention_mask"][row, : len(ids)] = 1
            feed["token_type_ids"][row, : len(ids)] = encoded["token_type_ids"][row]
        hidden = self._session.run(None, feed)[0]
        mask = feed["attention_mask"][..., None].astype(hidden.dtype)
        return (hidden * mask).sum(1) / np.maximum(mask.sum(1), 1e-9)


def _export(auto_model) -> bytes:
    import torch

    class LastHiddenState(torch.nn.Module):
        def __init__(self, model):
            super().__init__()
            self.model = model

        def forward(self, input_ids, attention_mask, token_type_ids):
            return self.model(input_ids=input_ids, attention_mask=attention_mask,
                              token_type_ids=token_type_ids).last_hidden_state

    example = torch.ones((1, 8), dtype=torch.long)
    buffer = io.BytesIO()
    axes = {name: {0: "batch", 1: "tokens"} for name in (*INPUTS, "hidden")}
    with warnings.catch_warnings(), torch.inference_mode(False), torch.no_grad():
        warnings.simplefilter("ignore")
        torch.onnx.export(LastHiddenState(auto_model).eval(), (example, example, torch.zeros_like(example)),
                          buffer,  # type: ignore[arg-type]  # a file object is accepted at run time
                          dynamo=False, input_names=list(INPUTS), output_names=["hidden"], dynamic_axes=axes,
                          opset_version=17)
    return buffer.getvalue()
