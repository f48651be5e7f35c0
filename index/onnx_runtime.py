"""The encoder's transformer run by ONNX Runtime from an exported graph: no PyTorch needed.

The graph and the tokenizer are written once per model (index/export.py); loading them
takes ONNX Runtime and ``tokenizers`` only, so a question is answered without importing
PyTorch or sentence-transformers. Texts of mixed length run one per call, on several
threads of one session (``session.run`` is thread-safe): without padding a text's vector
does not depend on what else is being encoded. Measured on the 2-core machine
(bench/RESULTS.md): a question 7.8 ms instead of 14.2 ms through traced PyTorch;
45 paragraphs/s on two threads instead of 41 for PyTorch's best batch size.
"""
from __future__ import annotations

import importlib.util
import os
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from index.tokens import configured, model_inputs, tokenize, unpadded


def available() -> bool:
    """True when onnxruntime and onnx (needed by torch's exporter) can be imported."""
    return all(importlib.util.find_spec(name) is not None for name in ("onnxruntime", "onnx"))


class OnnxBackend:
    """:class:`index.encoder.TokenBackend` over an ONNX graph and a ``tokenizer.json``.

    >>> backend = OnnxBackend(Path("model.onnx"), Path("tokenizer.json"), max_length=256)  # doctest: +SKIP
    """

    batch_size = 1  # texts of mixed length: one per call, callers on several threads

    def __init__(self, graph: Path, tokenizer: Path, *, max_length: int, pad_id: int = 0, threads: int | None = None):
        import onnxruntime as ort
        from tokenizers import Tokenizer

        self.callers = max(1, threads or os.cpu_count() or 1)
        self._tokenizer = configured(Tokenizer.from_file(str(tokenizer)), max_length)
        self._pad_id = pad_id
        options = ort.SessionOptions()
        options.intra_op_num_threads = 1  # parallelism comes from callers on several threads
        options.inter_op_num_threads = 1
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        options.log_severity_level = 3
        self._session = ort.InferenceSession(str(graph), options, providers=["CPUExecutionProvider"])
        # The graph's own input names (MiniLM's export takes token type ids, MPNet's does not);
        # ValueError for a graph this project did not write.
        self.inputs = model_inputs([i.name for i in self._session.get_inputs()])

    def token_embeddings(self, texts: Sequence[str]) -> list[tuple[np.ndarray, np.ndarray]]:
        """See :class:`index.encoder.TokenBackend`; several texts run as one padded batch.

        The attention mask keeps padding out of every real token's attention, so each
        text's rows equal the text run alone (to float rounding, ~1e-7). Worth it for many
        short texts (a vocabulary: 0.3 instead of 2.7 ms a word).
        """
        batch = tokenize(self._tokenizer, texts, self._pad_id, self.inputs)
        return unpadded(self._session.run(None, batch.feed)[0], batch)
