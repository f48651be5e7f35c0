"""Loading a sentence-transformers model: the builder's encoder and the exporter's source.

:func:`load_encoder` imports PyTorch and sentence-transformers (seconds, hundreds of MiB);
the engine calls it only when no usable ONNX export exists (index/export.py). A
mean-pooled BERT-like model is run by ONNX Runtime from its export (written here the
first time) or, with ``runtime="torch"``, by PyTorch; both pool in index/encoder.py, so
their vectors agree to 1e-6. The transformer's inputs are the ones its tokenizer makes
(BERT and MiniLM take token type ids, MPNet does not). Other models are encoded by
sentence-transformers itself.
"""
from __future__ import annotations

import logging
import os
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import torch

from corpus.errors import SettingsError
from index import onnx_runtime
from index.encoder import DEFAULT_MODEL, Encoder, PooledEncoder, check_runtime, resolve_model_path
from index.export import ExportProblem, model_fingerprint, open_export, write_export
from index.tokens import configured, model_inputs, tokenize, unpadded


class LastHiddenState(torch.nn.Module):
    """A Hugging Face BERT-like model reduced to what pooling needs: ids in, last hidden states out.

    Traced by PyTorch for the one-question path and exported to ONNX, from this one definition.
    ``inputs`` are the model's input names (:func:`index.tokens.model_inputs`), in the
    order the positional arguments of :meth:`forward` come.
    """

    def __init__(self, model: Any, inputs: tuple[str, ...]):
        super().__init__()
        self.model = model
        self.inputs = inputs

    def forward(self, *tensors):
        """The model's last hidden states, ``(texts, tokens, dimension)``, from one tensor per input."""
        return self.model(**dict(zip(self.inputs, tensors))).last_hidden_state


def transformer_inputs(st_model: Any) -> tuple[str, ...]:
    """The input names of a sentence-transformers model's transformer: what its tokenizer makes.

    Raises ``ValueError`` for a model this project cannot feed (see :func:`index.tokens.model_inputs`).
    """
    return model_inputs(list(st_model.tokenizer.model_input_names))


class TorchBackend:
    """:class:`index.encoder.TokenBackend` on PyTorch: padded batches on all cores, one text on one."""

    callers = 1  # PyTorch runs its own threads inside a call

    def __init__(self, model: Any, batch_size: int = 64):
        from tokenizers import Tokenizer

        transformer = model[0]
        self.batch_size = batch_size
        self._inputs = transformer_inputs(model)
        self._module = LastHiddenState(transformer.auto_model, self._inputs).eval()
        self._traced: Any = None  # the traced forward pass for one text, False once tracing failed
        self._batch_threads = torch.get_num_threads()
        # A private copy: configuring the model's own tokenizer would change what it does elsewhere.
        self._tokenizer = configured(Tokenizer.from_str(transformer.tokenizer.backend_tokenizer.to_str()),
                                     transformer.max_seq_length)
        self._pad_id = int(transformer.tokenizer.pad_token_id or 0)

    def token_embeddings(self, texts: Sequence[str]) -> list[tuple[np.ndarray, np.ndarray]]:
        """See :class:`index.encoder.TokenBackend`."""
        batch = tokenize(self._tokenizer, texts, self._pad_id, self._inputs)
        args = tuple(torch.from_numpy(batch.feed[name]) for name in self._inputs)
        with torch.inference_mode():
            if len(texts) == 1:
                # One short question on 2+ threads is slower, and under CPU contention from other
                # processes it collapses (470 ms vs 17.7 ms p50 measured here): OpenMP threads wait
                # for each other. A question runs on one thread, through a traced and frozen
                # copy of the model (19 -> 15 ms); batches use all cores.
                torch.set_num_threads(1)
                hidden = self._traced_forward(args)
            else:
                torch.set_num_threads(self._batch_threads)
                hidden = self._module(*args)
        return unpadded(hidden.numpy(), batch)

    def _traced_forward(self, args):
        if self._traced is None:
            self._traced = self._trace(args) or False
        return self._traced(*args) if self._traced else self._module(*args)

    def _trace(self, args):
        import warnings

        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                return torch.jit.freeze(torch.jit.trace(self._module, args, check_trace=False))
        except Exception:  # tracing is an optimisation only; the eager path is exact too
            return None


class SentenceTransformerEncoder:
    """Any sentence-transformers model encoded by the library itself (not mean-pooled BERT-likes).

    Not a :class:`index.encoder.SpanEncoder`: the index encodes such a model's sentences on their own.
    """

    runtime = "torch"

    def __init__(self, model: Any, name: str, fingerprint: str, batch_size: int = 64):
        self._model = model
        self.name = name
        self.dimension = int(model.get_embedding_dimension())
        self.fingerprint = fingerprint
        self.batch_size = batch_size

    def encode(self, texts: Sequence[str], *, progress: bool = False) -> np.ndarray:
        """See :class:`index.encoder.Encoder`."""
        if not len(texts):
            return np.zeros((0, self.dimension), dtype=np.float32)
        vectors = self._model.encode(list(texts), batch_size=self.batch_size, normalize_embeddings=True,
                                     convert_to_numpy=True, show_progress_bar=progress)
        return np.ascontiguousarray(vectors, dtype=np.float32)


def load_encoder(model: str = DEFAULT_MODEL, *, runtime: str = "onnx", threads: int | None = None,
                 warn: Callable[[str], None] = lambda message: None) -> Encoder:
    """The encoder of ``model`` (the bundled default or a local folder) on the CPU.

    >>> load_encoder().encode(["a question"]).shape     # doctest: +SKIP
    (1, 384)

    ``runtime="onnx"`` (the default) uses the model's ONNX export, writing it first when
    the cache has none (or a stale or damaged one: ``warn`` says so); a model that cannot
    be exported, or a machine without onnxruntime, falls back to PyTorch, which gives the
    same vectors. ``threads`` caps ONNX Runtime's parallel calls (default: every core).
    """
    check_runtime(runtime)
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    from sentence_transformers import SentenceTransformer
    from transformers.utils import logging as hf_logging

    hf_logging.set_verbosity_error()
    hf_logging.disable_progress_bar()
    logging.getLogger("sentence_transformers").setLevel(logging.ERROR)
    path = resolve_model_path(model)
    try:
        st_model = SentenceTransformer(path, device="cpu")
    except Exception as e:  # a folder that is not a model
        raise SettingsError(f"cannot load model {model!r} from {path}: {e}") from e
    dimension = st_model.get_embedding_dimension()
    if not dimension:
        raise SettingsError(f"model {model!r} at {path} does not say how long its vectors are")
    fingerprint = model_fingerprint(path)
    if not _mean_pooled(st_model):
        return SentenceTransformerEncoder(st_model, model, fingerprint)
    if runtime == "onnx" and onnx_runtime.available():
        try:
            return open_export(fingerprint, model, threads=threads)
        except ExportProblem as problem:
            if not problem.missing:
                warn(f"{problem}: exporting it again")
        try:
            return write_export(st_model, model, fingerprint, threads=threads)
        except ExportProblem as problem:
            warn(f"{problem}; running the model with PyTorch instead")
    return PooledEncoder(TorchBackend(st_model), name=model, dimension=int(dimension), runtime="torch",
                         fingerprint=fingerprint)


def _mean_pooled(st_model: Any) -> bool:
    """True for Transformer → mean Pooling (→ Normalize) over a model whose inputs this project can feed."""
    modules = [type(m).__name__ for m in st_model]
    try:
        transformer_inputs(st_model)
    except (ValueError, AttributeError):  # other inputs (images, ...), or no tokenizer
        return False
    return (modules[:2] == ["Transformer", "Pooling"]
            and getattr(st_model[1], "pooling_mode", None) == "mean"
            and modules[2:] in ([], ["Normalize"]))
