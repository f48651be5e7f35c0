"""Vector stores: the small interface search needs, and its FAISS implementation.

A store keeps, per document, the vectors of that document's items (paragraphs or
sentences) in order. Rows are numbered document by document in sorted document order,
so a store built incrementally (delete the changed documents, add them again) has the
same rows as one built from scratch.

On disk a FAISS store is three files beside each other::

    <name>.npy         exact float32 vectors, one row per item (memory-mapped on load)
    <name>.docs.json   [[doc, count], ...] in row order, and how the index was built
    <name>.faiss       the search structure: exact (IndexFlatIP) below ``exact_below``
                       rows, IVF with 8-bit scalar quantisation above it, whose candidates
                       are re-ranked with the exact vectors

``index.milvus_store.MilvusVectorStore`` implements the same protocol in Milvus collections.
"""
from __future__ import annotations

import json
import math
import os
import weakref
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import faiss
import numpy as np

from index.errors import IndexFolderError


class _RowReader:
    """Reads single rows of a saved ``.npy`` with ``pread``, never mapping the file.

    Re-ranking and the answer step read a few scattered rows per question. Through the
    memory map, each touched row mapped a whole page-cache folio (up to megabytes on
    ext4 with large folios, MADV_RANDOM or not), and after a few hundred questions the
    entire file counted in the process's RSS (1.47 GiB for one million vectors). Read
    with ``pread`` the rows are copied and the file's pages stay in the shared page
    cache only. The descriptor is opened at load time, so later renames of the folder
    (atomic index swaps) do not matter; it is closed with the store.
    """

    def __init__(self, matrix: np.memmap, path: Path):
        self.matrix = matrix
        self._offset, self._row_bytes, self._dimension = int(matrix.offset), matrix.shape[1] * 4, matrix.shape[1]
        self._fd = os.open(path, os.O_RDONLY)
        weakref.finalize(self, os.close, self._fd)

    def read(self, rows: np.ndarray) -> np.ndarray:
        """Rows ``rows`` as a new float32 array (one ``pread`` per row: ~7 µs each)."""
        data = b"".join(os.pread(self._fd, self._row_bytes, self._offset + int(r) * self._row_bytes) for r in rows)
        return np.frombuffer(data, dtype=np.float32).reshape(len(rows), self._dimension).copy()


class VectorStore(Protocol):
    """Unit vectors grouped by document, searchable by inner product."""

    dimension: int

    @property
    def ntotal(self) -> int:
        """Number of stored vectors."""
        ...

    def documents(self) -> list[str]:
        """Stored documents in row order."""
        ...

    def add(self, doc: str, vectors: np.ndarray) -> None:
        """Store ``vectors`` as document ``doc``'s items (replacing none: delete first)."""
        ...

    def delete(self, doc: str) -> None:
        """Forget every vector of ``doc`` (no-op for an unknown document)."""
        ...

    def vectors_of(self, doc: str) -> np.ndarray:
        """The exact vectors of ``doc``, in item order."""
        ...

    def rows(self, rows: np.ndarray) -> np.ndarray:
        """The exact vectors at global ``rows``."""
        ...

    def search(self, query: np.ndarray, k: int,
               within: Sequence[tuple[int, int]] | None = None) -> tuple[np.ndarray, np.ndarray]:
        """Top-``k`` (scores, rows) for one query vector, only among rows in the ``within``
        ranges when given; rows are -1 past the end."""
        ...

    def save(self, folder: Path, name: str) -> None:
        """Write the store into ``folder`` under ``name``."""
        ...


@dataclass(frozen=True)
class StorePlan:
    """How a FAISS search structure is chosen by size."""

    exact_below: int = 100_000
    nprobe: int = 128
    rerank: int = 50
    recall_sample: int = 200

    def factory(self, n: int) -> str:
        """FAISS factory string for ``n`` vectors."""
        if n < self.exact_below:
            return "Flat"
        nlist = int(min(65536, max(64, math.sqrt(n))))
        return f"IVF{nlist},SQ8"


class FaissVectorStore:
    """:class:`VectorStore` on local disk with FAISS (see the module docstring).

    >>> store = FaissVectorStore(384)                          # doctest: +SKIP
    >>> store.add("a.txt", vectors); store.save(folder, "vectors")  # doctest: +SKIP
    """

    def __init__(self, dimension: int, plan: StorePlan = StorePlan()):
        self.dimension = dimension
        self.plan = plan
        self._docs: dict[str, np.ndarray] = {}
        self._matrix: np.ndarray | None = None  # all rows, in sorted-document order
        self._index: faiss.Index | None = None
        self._reader: _RowReader | None = None  # set by load(): rows read without mapping the file
        self.factory = "Flat"
        self.recall_at_10: float | None = None

    @property
    def ntotal(self) -> int:
        """Number of stored vectors."""
        return sum(len(v) for v in self._docs.values())

    def documents(self) -> list[str]:
        """Stored documents in row order."""
        return sorted(self._docs)

    def add(self, doc: str, vectors: np.ndarray) -> None:
        """See :class:`VectorStore`."""
        vectors = np.asarray(vectors, dtype=np.float32).reshape(-1, self.dimension)
        if doc in self._docs:
            raise ValueError(f"{doc} is already stored; delete it first")
        self._docs[doc] = vectors
        self._invalidate()

    def delete(self, doc: str) -> None:
        """See :class:`VectorStore`."""
        if self._docs.pop(doc, None) is not None:
            self._invalidate()

    def vectors_of(self, doc: str) -> np.ndarray:
        """See :class:`VectorStore`."""
        return np.asarray(self._docs[doc])

    def rows(self, rows: np.ndarray) -> np.ndarray:
        """See :class:`VectorStore`."""
        rows = np.asarray(rows, dtype=np.int64)
        if self._reader is not None and self._reader.matrix is self._matrix:
            if len(rows) and not (0 <= rows.min() and rows.max() < len(self._matrix)):
                raise IndexError(f"rows out of range 0..{len(self._matrix) - 1}")
            return self._reader.read(rows)
        return np.asarray(self._all()[rows], dtype=np.float32)

    def search(self, query: np.ndarray, k: int,
               within: Sequence[tuple[int, int]] | None = None) -> tuple[np.ndarray, np.ndarray]:
        """See :class:`VectorStore`. Approximate indexes re-rank with the exact vectors.

        ``within`` restricts the search to rows in these ``[start, end)`` ranges (a
        document's rows are contiguous): FAISS skips every other row while it searches,
        so the top ``k`` are the best of those rows, not what is left of a global top k.
        """
        query = np.ascontiguousarray(query, dtype=np.float32).reshape(1, -1)
        index = self._search_index()
        params = None if within is None else _search_params(index, within, self.plan.nprobe)
        if self.factory == "Flat":
            scores, ids = _one_thread(index.search, query, k, params)
            return scores[0], ids[0]
        _, ids = _one_thread(index.search, query, max(k, self.plan.rerank), params)
        ids = ids[0][ids[0] >= 0]
        exact = self.rows(ids) @ query[0]
        order = np.argsort(-exact, kind="stable")[:k]
        scores = np.full(k, -np.inf, dtype=np.float32)
        rows = np.full(k, -1, dtype=np.int64)
        scores[: len(order)], rows[: len(order)] = exact[order], ids[order]
        return scores, rows

    def save(self, folder: Path, name: str) -> None:
        """See :class:`VectorStore`. Also measures recall@10 of an approximate index.

        The vectors are written document by document into the memory-mapped ``.npy``,
        which then backs the store: no second in-memory copy of all vectors is made
        (the search structure is built from the mapped file).
        """
        if self._matrix is None:
            path = folder / f"{name}.npy"
            out = np.lib.format.open_memmap(path, mode="w+", dtype=np.float32, shape=(self.ntotal, self.dimension))
            row = 0
            for doc in self.documents():
                vectors = self._docs[doc]
                out[row : row + len(vectors)] = vectors
                row += len(vectors)
            out.flush()
            del out
            self._use_matrix(np.load(path, mmap_mode="r", allow_pickle=False))
        else:  # already one matrix (e.g. loaded, or searched before saving)
            np.save(folder / f"{name}.npy", self._matrix, allow_pickle=False)
        index = self._search_index()
        faiss.write_index(index, str(folder / f"{name}.faiss"))
        meta = {"docs": [[d, len(self._docs[d])] for d in self.documents()], "factory": self.factory,
                "dimension": self.dimension, "recall_at_10": self.recall_at_10, "nprobe": self.plan.nprobe}
        (folder / f"{name}.docs.json").write_text(json.dumps(meta), "utf-8")

    @classmethod
    def load(cls, folder: Path, name: str, plan: StorePlan = StorePlan()) -> FaissVectorStore:
        """Read a store written by :meth:`save`; raises :class:`IndexFolderError` when damaged."""
        try:
            meta = json.loads((folder / f"{name}.docs.json").read_text("utf-8"))
            matrix = np.load(folder / f"{name}.npy", mmap_mode="r", allow_pickle=False)
            index = faiss.read_index(str(folder / f"{name}.faiss"))
        except FileNotFoundError as e:
            raise IndexFolderError(f"the index at {folder} is incomplete: {Path(e.filename).name} is missing") from e
        except (OSError, RuntimeError, ValueError, json.JSONDecodeError) as e:
            raise IndexFolderError(f"the index at {folder} is damaged: {name}.faiss/.npy cannot be read "
                                   "(truncated or not written by this program)") from e
        counts = [int(c) for _, c in meta["docs"]]
        if matrix.ndim != 2 or matrix.shape[0] != sum(counts) or index.ntotal != matrix.shape[0] \
                or matrix.shape[1] != meta["dimension"] or index.d != matrix.shape[1]:
            raise IndexFolderError(f"the index at {folder} is inconsistent: {name} holds {matrix.shape[0]} vectors, "
                                   f"its search structure {index.ntotal}, its document list {sum(counts)}")
        store = cls(int(meta["dimension"]), plan)
        store._use_matrix(matrix, [d for d, _ in meta["docs"]], counts)
        store._index = index
        store._reader = _RowReader(matrix, folder / f"{name}.npy")
        store.factory, store.recall_at_10 = meta["factory"], meta.get("recall_at_10")
        if hasattr(index, "nprobe"):
            index.nprobe = plan.nprobe
        return store

    def _use_matrix(self, matrix: np.ndarray, docs: list[str] | None = None, counts: list[int] | None = None) -> None:
        """Back every document's vectors by rows of ``matrix`` (rows in sorted-document order)."""
        if docs is None or counts is None:
            docs = self.documents()
            counts = [len(self._docs[d]) for d in docs]
        offsets = np.cumsum(np.array([0, *counts], dtype=np.int64))
        self._docs = {d: matrix[a:b] for d, a, b in zip(docs, offsets[:-1], offsets[1:])}
        self._matrix = matrix

    def _invalidate(self) -> None:
        self._matrix = None
        self._index = None

    def _all(self) -> np.ndarray:
        if self._matrix is None:
            parts = [self._docs[d] for d in self.documents()]
            self._matrix = np.concatenate(parts) if parts else np.zeros((0, self.dimension), np.float32)
        return self._matrix

    def _search_index(self) -> faiss.Index:
        if self._index is None:
            matrix = np.ascontiguousarray(self._all(), dtype=np.float32)
            self.factory = self.plan.factory(len(matrix))
            index = faiss.index_factory(self.dimension, self.factory, faiss.METRIC_INNER_PRODUCT)
            if not index.is_trained:
                ivf = faiss.extract_index_ivf(index)
                sample = matrix[np.random.default_rng(0).permutation(len(matrix))[: 256 * ivf.nlist]]
                index.train(sample)
                ivf.nprobe = self.plan.nprobe
            index.add(matrix)
            self._index = index
            self.recall_at_10 = None if self.factory == "Flat" else self._measure_recall(matrix)
        return self._index

    def _measure_recall(self, matrix: np.ndarray) -> float:
        """recall@10 of this store's search against exact search, on a sample of queries."""
        rng = np.random.default_rng(1)
        sample = rng.choice(len(matrix), size=min(self.plan.recall_sample, len(matrix)), replace=False)
        queries = matrix[sample] + rng.normal(0, 0.05, (len(sample), self.dimension)).astype(np.float32)
        queries /= np.linalg.norm(queries, axis=1, keepdims=True)
        truth = _exact_top(matrix, queries, 10)
        found = [len(set(self.search(q, 10)[1]) & set(t)) / 10 for q, t in zip(queries, truth)]
        return float(np.mean(found))


def _one_thread(search, query: np.ndarray, k: int, params: Any) -> tuple[np.ndarray, np.ndarray]:
    """``search(query, k, params=params)`` on one OpenMP thread, then the thread count as it was.

    One query is a few milliseconds of work: on 2 cores with anything else running,
    FAISS's threads wait for each other (pydocs, 7,537 paragraphs + 16,144 sentences:
    24 ms a question on 2 threads under load, 2 ms on one). Builds keep their threads.
    """
    before = faiss.omp_get_max_threads()
    faiss.omp_set_num_threads(1)
    try:
        return search(query, k, params=params)
    finally:
        faiss.omp_set_num_threads(before)


def _search_params(index: faiss.Index, within: Sequence[tuple[int, int]], nprobe: int) -> Any:
    """FAISS search parameters that only admit rows inside the ``within`` ranges."""
    ranges = [(int(a), int(b)) for a, b in within if b > a]
    selector: Any
    if len(ranges) == 1:
        selector = faiss.IDSelectorRange(*ranges[0])
    else:  # several documents: the rows themselves (a batch selector hashes them once)
        rows = np.concatenate([np.arange(a, b, dtype=np.int64) for a, b in ranges]) if ranges else np.zeros(0, np.int64)
        selector = faiss.IDSelectorBatch(rows)
    # faiss' type stubs lack the SWIG keyword arguments, hence Any
    params: Any = faiss.SearchParametersIVF() if hasattr(index, "nprobe") else faiss.SearchParameters()
    params.sel = selector
    if hasattr(index, "nprobe"):
        params.nprobe = nprobe
    params.keep_alive = selector  # the C++ parameters hold a bare pointer: keep the selector alive with them
    return params


def _exact_top(matrix: np.ndarray, queries: np.ndarray, k: int, chunk: int = 65536) -> np.ndarray:
    """Rows of the ``k`` best inner products per query, one chunk of ``matrix`` in memory at a time."""
    best_scores = np.full((len(queries), 0), -np.inf, np.float32)
    best_rows = np.zeros((len(queries), 0), np.int64)
    for begin in range(0, len(matrix), chunk):
        scores = queries @ np.asarray(matrix[begin : begin + chunk]).T
        top = np.argsort(-scores, axis=1, kind="stable")[:, :k]
        best_scores = np.hstack([best_scores, np.take_along_axis(scores, top, 1)])
        best_rows = np.hstack([best_rows, top + begin])
        order = np.argsort(-best_scores, axis=1, kind="stable")[:, :k]
        best_scores, best_rows = np.take_along_axis(best_scores, order, 1), np.take_along_axis(best_rows, order, 1)
    return best_rows
