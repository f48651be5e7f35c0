"""A :class:`~index.vectors.VectorStore` in Milvus collections, through pymilvus.

One collection per store (paragraph vectors, sentence vectors), with three fields:
``row`` (INT64 primary key: the item's global row, as in the FAISS store), ``doc``
(VARCHAR: the document) and ``vector`` (FLOAT_VECTOR, inner product). Beside the other
index files, ``<name>.milvus.json`` keeps the documents in row order with their counts,
the collection's name and its Milvus index type, so loading checks counts without a scan.

A database is either Milvus Lite, an embedded engine in a local folder ending ``.db``
(pymilvus starts it in-process), or a Milvus server / cluster at ``http(s)://host:port``.
The index's own Lite database lives inside the index folder, so it is built in the
temporary folder and swapped in with everything else. Collections on a server (or in a
Lite database outside the folder) are new for every build: the manifest switches to
them with the folder swap, and only then are the previous build's collections dropped.

pymilvus is imported only here, and only when a Milvus store is used: the FAISS query
path never loads it.
"""
from __future__ import annotations

import json
import logging
import math
import os
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import numpy as np

from index.errors import IndexFolderError
from index.vectors import StorePlan

INSERT_BATCH = 2000  # rows per insert call: ~3 MB of 384-d vectors, far below gRPC's 64 MB message limit
URI_FIX = "check --milvus-uri (or QA_MILVUS_URI) and QA_MILVUS_TOKEN"
TOKEN_FIX = "set QA_MILVUS_TOKEN to a user:password (or an API key) that this server accepts"


class MilvusStoreError(IndexFolderError):
    """Milvus cannot be reached, refuses the token, or does not hold what the index names."""


def public_uri(uri: str) -> str:
    """``uri`` without user, password or query (what may be written to a manifest or printed)."""
    parts = urlsplit(uri)
    if parts.scheme in ("http", "https", "tcp"):
        host = parts.hostname or ""
        netloc = f"{host}:{parts.port}" if parts.port else host
        return urlunsplit((parts.scheme, netloc, parts.path, "", ""))
    return uri


def is_server_uri(uri: str) -> bool:
    """True for a Milvus server address, False for a Milvus Lite database folder (``*.db``)."""
    return urlsplit(uri).scheme in ("http", "https", "tcp")


def check_uri(uri: str) -> str:
    """``uri`` if it names a Milvus server or a Milvus Lite database; else a ValueError saying what is accepted."""
    if is_server_uri(uri) and urlsplit(uri).hostname:
        return uri
    if not is_server_uri(uri) and uri.endswith(".db") and "://" not in uri:
        return uri
    raise ValueError(f"the Milvus URI {public_uri(uri)!r} is neither http(s)://host:port (a Milvus server) "
                     "nor a path ending in .db (a Milvus Lite database)")


class MilvusDatabase:
    """One connection to a Milvus database, shared by the stores of one index.

    For Milvus Lite, :meth:`close` also stops pymilvus' in-process server of that folder
    and frees its lock file, so that the folder can be swapped, removed or opened again.
    The token is kept only in the client; messages name :func:`public_uri` only.
    """

    def __init__(self, uri: str, token: str = ""):
        from pymilvus import MilvusClient
        from pymilvus.exceptions import MilvusException

        quiet_pymilvus()  # after the import: importing pymilvus sets its logger's level (to WARNING)

        self.uri, self.public = uri, public_uri(uri)
        self._token = token
        try:
            self.client = MilvusClient(uri=uri, token=token, timeout=10)
        except MilvusException as e:
            if not is_server_uri(uri) and _locked(Path(uri)):
                raise MilvusStoreError(f"the Milvus Lite database {uri} is open in another process",
                                       hint="Milvus Lite serves one process at a time: stop the other one (e.g. qa serve), "
                                            "or use a Milvus server (--milvus-uri http://host:19530)") from e
            raise MilvusStoreError(f"cannot open Milvus at {self.public}: {self.reason(e)}", hint=self.fix(e)) from e

    def reason(self, error: Exception) -> str:
        """A one-line reason for a pymilvus or gRPC error, with any token masked."""
        import grpc

        refused = _refused(error)
        if refused is not None:
            message = f"the server refused the token ({refused})"
        elif isinstance(error, grpc.RpcError) and callable(getattr(error, "details", None)):  # passed through by pymilvus
            message = f"{error.code().name}: {error.details()}"
        else:
            message = str(getattr(error, "message", "") or error).splitlines()[0] if str(error) else type(error).__name__
        return message.replace(self._token, "***") if self._token else message

    @staticmethod
    def fix(error: Exception) -> str:
        """The hint for ``error``: the token when the server refused it, else the URI and the token."""
        return TOKEN_FIX if _refused(error) is not None else URI_FIX

    def close(self) -> None:
        """Close the client (and, for Milvus Lite, its in-process server and lock)."""
        self.client.close()
        if not is_server_uri(self.uri):
            from milvus_lite.server_manager import server_manager_instance

            server_manager_instance.release_server(self.uri)


def _refused(error: BaseException) -> str | None:
    """The server's words if ``error`` (or what caused it) is a gRPC UNAUTHENTICATED or PERMISSION_DENIED, else None.

    A Milvus server with authentication answers every call made with a wrong token so
    (its proxy's authentication interceptor: "auth check failure, please check username
    and password are correct"); pymilvus turns it into "Fail connecting to server" when
    connecting and passes it through as a raw ``grpc.RpcError`` on later calls.
    """
    import grpc

    seen: BaseException | None = error
    for _ in range(8):  # the cause chain is short; bounded in case of a cycle
        if seen is None:
            break
        code = getattr(seen, "code", None)
        if isinstance(seen, grpc.RpcError) and callable(code) and code() in (grpc.StatusCode.UNAUTHENTICATED,
                                                                               grpc.StatusCode.PERMISSION_DENIED):
            details = getattr(seen, "details", None)
            return (details() if callable(details) else "") or code().name
        seen = seen.__cause__ or seen.__context__
    return None


def _locked(database: Path) -> bool:
    """True when another process holds Milvus Lite's advisory lock on ``database`` (its ``LOCK`` file).

    pymilvus only says "Open local milvus failed"; the lock is the usual reason, and the fix differs.
    """
    import fcntl

    try:
        fd = os.open(database / "LOCK", os.O_RDONLY)
    except OSError:
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
        return False
    except OSError:
        return True
    finally:
        os.close(fd)


def quiet_pymilvus() -> None:
    """Silence pymilvus' own error log: it prints tracebacks, and every error is reported here as one line.

    Call it after importing pymilvus, whose import configures the ``pymilvus`` logger.
    """
    for name in ("pymilvus", "milvus_lite"):
        logging.getLogger(name).setLevel(logging.CRITICAL)


@dataclass(frozen=True)
class MilvusIndexChoice:
    """The Milvus index for a collection of ``n`` vectors: exact below the plan's threshold, IVF above.

    IVF_FLAT keeps exact vectors in its lists, so its scores need no re-ranking; ``nlist``
    follows the FAISS store's rule and the plan's ``nprobe`` is used at search time.
    """

    index_type: str
    params: dict = field(default_factory=dict)

    @classmethod
    def for_size(cls, n: int, plan: StorePlan) -> MilvusIndexChoice:
        """The index for ``n`` vectors under ``plan``."""
        if n < plan.exact_below:
            return cls("FLAT")
        return cls("IVF_FLAT", {"nlist": int(min(65536, max(64, math.sqrt(n))))})

    def describe(self) -> str:
        """E.g. ``FLAT`` or ``IVF_FLAT(nlist=1000)``: recorded in the manifest."""
        args = ",".join(f"{k}={v}" for k, v in self.params.items())
        return f"{self.index_type}({args})" if args else self.index_type


class MilvusVectorStore:
    """:class:`~index.vectors.VectorStore` in one Milvus collection (see the module docstring).

    A new store collects documents in memory; :meth:`save` writes them into a new
    collection. A loaded store reads and searches the collection; adding or deleting a
    document first reads its vectors back, and the next :meth:`save` writes a new
    collection (collections are never changed in place, so a failed build leaves the
    previous index whole).

    >>> store = MilvusVectorStore(384, database, "citeqa_3f2a_vectors")   # doctest: +SKIP
    >>> store.add("a.txt", vectors); store.save(folder, "vectors")       # doctest: +SKIP
    """

    def __init__(self, dimension: int, database: MilvusDatabase, collection: str, plan: StorePlan = StorePlan()):
        self.dimension = dimension
        self.database = database
        self.collection = collection
        self.plan = plan
        self._pending: dict[str, np.ndarray] | None = {}  # documents not yet in a collection
        self._counts: dict[str, int] = {}  # a loaded collection's documents, in row order
        self._first: dict[str, int] = {}
        self.index = MilvusIndexChoice("FLAT")

    @property
    def ntotal(self) -> int:
        """Number of stored vectors."""
        if self._pending is not None:
            return sum(len(v) for v in self._pending.values())
        return sum(self._counts.values())

    def documents(self) -> list[str]:
        """Stored documents in row order."""
        return sorted(self._pending) if self._pending is not None else list(self._counts)

    def add(self, doc: str, vectors: np.ndarray) -> None:
        """See :class:`~index.vectors.VectorStore`."""
        pending = self._editable()
        if doc in pending:
            raise ValueError(f"{doc} is already stored; delete it first")
        pending[doc] = np.asarray(vectors, dtype=np.float32).reshape(-1, self.dimension)

    def delete(self, doc: str) -> None:
        """See :class:`~index.vectors.VectorStore`."""
        self._editable().pop(doc, None)

    def vectors_of(self, doc: str) -> np.ndarray:
        """See :class:`~index.vectors.VectorStore`."""
        if self._pending is not None:
            return self._pending[doc]
        first = self._first[doc]
        return self.rows(np.arange(first, first + self._counts[doc]))

    def rows(self, rows: np.ndarray) -> np.ndarray:
        """See :class:`~index.vectors.VectorStore`: one query by primary key."""
        rows = np.asarray(rows, dtype=np.int64)
        if self._pending is not None:
            matrix = np.concatenate([self._pending[d] for d in self.documents()] or [np.zeros((0, self.dimension))])
            return np.asarray(matrix[rows], dtype=np.float32)
        if not len(rows):
            return np.zeros((0, self.dimension), np.float32)
        if rows.min() < 0 or rows.max() >= self.ntotal:
            raise IndexError(f"rows out of range 0..{self.ntotal - 1}")
        found = self._call("query", collection_name=self.collection, ids=sorted(set(rows.tolist())),
                           output_fields=["vector"])
        by_row = {int(r["row"]): r["vector"] for r in found}
        return np.array([by_row[int(r)] for r in rows], dtype=np.float32).reshape(len(rows), self.dimension)

    def search(self, query: np.ndarray, k: int,
               within: Sequence[tuple[int, int]] | None = None) -> tuple[np.ndarray, np.ndarray]:
        """See :class:`~index.vectors.VectorStore`; ``within`` becomes a filter on the row field."""
        query = np.asarray(query, dtype=np.float32).reshape(-1)
        params: dict[str, Any] = {"metric_type": "IP"}
        if self.index.index_type == "IVF_FLAT":
            params["params"] = {"nprobe": self.plan.nprobe}
        # Milvus filters inside the search (like FAISS' IDSelector): k rows from these ranges.
        where = "" if within is None else " or ".join(f"(row >= {int(a)} and row < {int(b)})" for a, b in within) or "row < 0"
        found = self._call("search", collection_name=self.collection, data=[query.tolist()], limit=k,
                           anns_field="vector", search_params=params, output_fields=["row"], filter=where)[0]
        scores = np.full(k, -np.inf, dtype=np.float32)
        rows = np.full(k, -1, dtype=np.int64)
        for i, hit in enumerate(found[:k]):
            scores[i], rows[i] = hit["distance"], hit["row"]  # the primary key, by its field name
        return scores, rows

    def save(self, folder: Path, name: str) -> None:
        """Write the documents into this store's (new) collection and ``<name>.milvus.json`` into ``folder``."""
        from pymilvus import DataType, MilvusClient

        docs = self.documents()
        pending = self._editable()
        client = self.database.client
        if self._call("has_collection", collection_name=self.collection):
            raise MilvusStoreError(f"Milvus at {self.database.public} already holds a collection {self.collection}")
        schema = MilvusClient.create_schema(auto_id=False, enable_dynamic_field=False)
        schema.add_field("row", DataType.INT64, is_primary=True)
        schema.add_field("doc", DataType.VARCHAR, max_length=4096)
        schema.add_field("vector", DataType.FLOAT_VECTOR, dim=self.dimension)
        self._call("create_collection", collection_name=self.collection, schema=schema, consistency_level="Strong")
        row, batch = 0, []
        for doc in docs:
            for vector in pending[doc]:
                batch.append({"row": row, "doc": doc, "vector": vector})
                row += 1
                if len(batch) == INSERT_BATCH:
                    self._call("insert", collection_name=self.collection, data=batch)
                    batch = []
        if batch:
            self._call("insert", collection_name=self.collection, data=batch)
        self._call("flush", collection_name=self.collection)
        # The index is created after the rows are in: IVF trains its lists on them.
        self.index = MilvusIndexChoice.for_size(row, self.plan)
        index_params = client.prepare_index_params()
        index_params.add_index("vector", index_type=self.index.index_type, metric_type="IP", params=self.index.params)
        self._call("create_index", collection_name=self.collection, index_params=index_params)
        self._call("load_collection", collection_name=self.collection)
        meta = {"docs": [[d, len(pending[d])] for d in docs], "collection": self.collection,
                "index_type": self.index.describe(), "dimension": self.dimension}
        (folder / f"{name}.milvus.json").write_text(json.dumps(meta), "utf-8")
        self._use_counts([(d, len(pending[d])) for d in docs])

    @classmethod
    def load(cls, folder: Path, name: str, database: MilvusDatabase, plan: StorePlan = StorePlan()) -> MilvusVectorStore:
        """Open the collection that ``<name>.milvus.json`` names, after checking it exists and fits."""
        path = folder / f"{name}.milvus.json"
        try:
            meta = json.loads(path.read_text("utf-8"))
        except FileNotFoundError as e:
            raise IndexFolderError(f"the index at {folder} is incomplete: {path.name} is missing") from e
        except (OSError, ValueError) as e:
            raise IndexFolderError(f"the index at {folder} is damaged: {path.name} cannot be read") from e
        store = cls(int(meta["dimension"]), database, meta["collection"], plan)
        store.index = _parse_index(meta["index_type"])
        if not store._call("has_collection", collection_name=store.collection):
            raise MilvusStoreError(f"the index at {folder} names the Milvus collection {store.collection}, "
                                   f"which Milvus at {database.public} does not hold")
        fields = store._call("describe_collection", collection_name=store.collection)["fields"]
        dims = [int(f["params"].get("dim", 0)) for f in fields if f["name"] == "vector"]
        if dims != [store.dimension]:
            raise MilvusStoreError(f"the index at {folder} is inconsistent: the Milvus collection {store.collection} "
                                   f"holds {dims[0] if dims else 'no'}-d vectors, the index {store.dimension}-d ones")
        store._call("load_collection", collection_name=store.collection)
        stored = int(store._call("get_collection_stats", collection_name=store.collection).get("row_count", -1))
        counts = [(str(d), int(c)) for d, c in meta["docs"]]
        if stored != sum(c for _, c in counts):
            raise MilvusStoreError(f"the index at {folder} is inconsistent: the Milvus collection {store.collection} "
                                   f"holds {stored} vectors, the index lists {sum(c for _, c in counts)}")
        store._use_counts(counts)
        return store

    def drop(self) -> None:
        """Drop this store's collection (no-op when it does not exist)."""
        if self._call("has_collection", collection_name=self.collection):
            self._call("drop_collection", collection_name=self.collection)

    def _use_counts(self, counts: list[tuple[str, int]]) -> None:
        self._pending = None
        self._counts = dict(counts)
        offsets = np.cumsum([0, *(c for _, c in counts)])
        self._first = {d: int(o) for (d, _), o in zip(counts, offsets[:-1])}

    def _editable(self) -> dict[str, np.ndarray]:
        """The documents as arrays in memory (read back from the collection once, if loaded)."""
        if self._pending is None:
            self._pending = {doc: self.vectors_of(doc) for doc in self._counts}
            self.collection = new_collection_name(self.collection.split("_", 2)[-1])  # citeqa_<hex>_<name>
        return self._pending

    def _call(self, method: str, **kwargs):
        """``client.<method>(**kwargs)``, with pymilvus errors turned into one-line :class:`MilvusStoreError`."""
        import grpc
        from pymilvus.exceptions import MilvusException

        try:
            return getattr(self.database.client, method)(**kwargs)
        except (MilvusException, grpc.RpcError) as e:  # pymilvus passes some gRPC errors through (e.g. UNAUTHENTICATED)
            raise MilvusStoreError(f"Milvus at {self.database.public} failed ({method} on {self.collection}): "
                                   f"{self.database.reason(e)}", hint=self.database.fix(e)) from e


def new_collection_name(name: str) -> str:
    """A collection name no other build uses: ``citeqa_<12 hex>_<name>``."""
    return f"citeqa_{uuid.uuid4().hex[:12]}_{name}"


def _parse_index(described: str) -> MilvusIndexChoice:
    """Inverse of :meth:`MilvusIndexChoice.describe`."""
    kind, _, args = described.partition("(")
    params = dict(pair.split("=") for pair in args.rstrip(")").split(",") if pair)
    return MilvusIndexChoice(kind, {k: int(v) for k, v in params.items()})
