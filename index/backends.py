"""Which vector store an index uses (FAISS files or Milvus collections), for building and loading.

``index.store`` asks this module for its two vector stores and tells it when a build
is swapped in or abandoned; everything that differs between the stores is here or in
``index.vectors`` / ``index.milvus_store``. pymilvus is imported only for Milvus.
"""
from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from corpus.errors import SettingsError
from index.errors import IndexFolderError
from index.vectors import FaissVectorStore, StorePlan, VectorStore

if TYPE_CHECKING:
    from index.manifest import Manifest
    from index.milvus_store import MilvusDatabase, MilvusVectorStore

FAISS, MILVUS = "faiss", "milvus"
STORES = (FAISS, MILVUS)


@dataclass(frozen=True)
class StoreChoice:
    """The vector store asked for: ``kind`` faiss or milvus, and for Milvus where.

    ``uri`` None means: the database the index already records, else a Milvus Lite
    database inside the index folder. ``token`` authenticates at a Milvus server; it is
    never printed (``repr=False``) nor written anywhere.

    >>> StoreChoice("milvus", "http://localhost:19530", token="root:Milvus")   # doctest: +SKIP
    """

    kind: str = FAISS
    uri: str | None = None
    token: str = field(default="", repr=False, compare=False)

    def __post_init__(self):
        if self.kind not in STORES:
            raise SettingsError(f"the vector store must be one of {', '.join(STORES)}, not {self.kind!r}")
        if self.uri is not None:
            from index.milvus_store import check_uri  # numpy only: pymilvus is imported on connecting

            try:
                check_uri(self.uri)
            except ValueError as e:
                raise SettingsError(str(e), hint="set --milvus-uri (or QA_MILVUS_URI)") from None


def _recorded_uri(manifest: Manifest | None) -> str | None:
    if manifest is None or manifest.store != MILVUS:
        return None
    return manifest.vector_store.get("uri")


def _inside_folder(recorded: str) -> bool:
    """True for a Lite database recorded relative to the index folder (it moves with the folder)."""
    from index.milvus_store import is_server_uri

    return not is_server_uri(recorded) and not Path(recorded).is_absolute()


class StoreBuild:
    """The vector stores of one build into the temporary folder ``tmp``.

    Call :meth:`new` for each store, :meth:`describe` for the manifest, then either
    :meth:`finish` once the folder is swapped in, or :meth:`abort`.
    """

    def __init__(self, choice: StoreChoice, tmp: Path, previous: Manifest | None, dimension: int, plan: StorePlan):
        self.choice, self.tmp, self.previous, self.dimension, self.plan = choice, tmp, previous, dimension, plan
        self.stores: dict[str, FaissVectorStore | MilvusVectorStore] = {}
        self.database: MilvusDatabase | None = None
        self.recorded = ""
        if choice.kind == MILVUS:
            from index.milvus_store import MilvusDatabase, public_uri

            uri = choice.uri or _recorded_uri(previous)
            if uri is None or _inside_folder(uri):
                # A database of its own per build, inside the folder: it is swapped in with it. Its name
                # is new each time because pymilvus keeps one in-process Lite server per path, and a
                # process still holding the previous index must not be handed that server for this one.
                self.recorded = f"milvus-{uuid.uuid4().hex[:8]}.db"
                uri = str(tmp / self.recorded)
            else:
                self.recorded = public_uri(str(Path(uri).resolve()) if not _is_server(uri) else uri)
            self.database = MilvusDatabase(uri, choice.token)

    def new(self, name: str) -> VectorStore:
        """An empty store for ``name`` (``vectors`` or ``sentence_vectors``)."""
        store: FaissVectorStore | MilvusVectorStore
        if self.database is None:
            store = FaissVectorStore(self.dimension, self.plan)
        else:
            from index.milvus_store import MilvusVectorStore, new_collection_name

            store = MilvusVectorStore(self.dimension, self.database, new_collection_name(name), self.plan)
        self.stores[name] = store
        return store

    def describe(self) -> dict:
        """The manifest's ``store`` and ``vector_store`` fields, and the ``faiss_type``/recall of FAISS."""
        paragraphs = self.stores["vectors"]
        if isinstance(paragraphs, FaissVectorStore):
            return {"store": FAISS, "vector_store": {}, "faiss_type": paragraphs.factory,
                    "faiss_recall_at_10": paragraphs.recall_at_10}
        collections = {name: store.collection for name, store in self.stores.items() if not isinstance(store, FaissVectorStore)}
        return {"store": MILVUS, "faiss_type": "", "faiss_recall_at_10": None,
                "vector_store": {"uri": self.recorded, "collections": collections,
                                 "index_type": paragraphs.index.describe()}}

    def before_swap(self) -> None:
        """Close a Lite database inside the folder: it must be closed (its lock freed) before the folder moves."""
        if self.database is not None and _inside_folder(self.recorded):
            self.close()

    def close(self) -> None:
        """Close the database connection."""
        if self.database is not None:
            self.database.close()
            self.database = None

    def abort(self) -> None:
        """After a failed build: drop the collections this build made outside the folder, close."""
        if self.database is not None and not _inside_folder(self.recorded):
            for store in self.stores.values():
                try:
                    if not isinstance(store, FaissVectorStore):
                        store.drop()
                except IndexFolderError:
                    pass  # the build failed already; that error is the one to report
        self.close()

    def finish(self) -> None:
        """After the swap: drop the previous build's collections in the same database, close."""
        old = _recorded_uri(self.previous)
        if self.database is not None and self.previous is not None and old == self.recorded and not _inside_folder(old):
            from index.milvus_store import MilvusVectorStore

            for collection in (self.previous.vector_store.get("collections") or {}).values():
                MilvusVectorStore(self.dimension, self.database, collection).drop()
        self.close()


def _is_server(uri: str) -> bool:
    from index.milvus_store import is_server_uri

    return is_server_uri(uri)


@dataclass
class OpenStores:
    """The two vector stores of a loaded index and what must be closed with them."""

    vectors: VectorStore
    sentence_vectors: VectorStore
    database: MilvusDatabase | None = None

    def close(self) -> None:
        """Release the database connection, if any (FAISS stores need nothing)."""
        if self.database is not None:
            self.database.close()
            self.database = None


def open_stores(folder: Path, manifest: Manifest, choice: StoreChoice, plan: StorePlan, *,
                any_kind: bool = False) -> OpenStores:
    """Load the paragraph and sentence stores of the index at ``folder``.

    An index built with another store than ``choice.kind`` is refused in one line that
    says how to open or rebuild it, unless ``any_kind`` (reusing an index's vectors for
    a build, whatever store it was built with).
    """
    if not any_kind and choice.kind != manifest.store:
        raise IndexFolderError(
            f"the index at {folder} was built with the {manifest.store} vector store, not {choice.kind}",
            hint=f"pass --store {manifest.store} (or QA_STORE={manifest.store}), or rebuild it with: "
                 f"qa index --store {choice.kind} --index {folder}")
    if manifest.store == FAISS:
        return OpenStores(FaissVectorStore.load(folder, "vectors", plan), FaissVectorStore.load(folder, "sentence_vectors", plan))
    from index.milvus_store import MilvusDatabase, MilvusVectorStore, public_uri

    recorded = manifest.vector_store.get("uri", "")
    given = choice.uri if choice.kind == MILVUS else None
    if given is not None and public_uri(given) != recorded \
            and not (_inside_folder(recorded) and Path(given).resolve() == (folder / recorded).resolve()):
        raise IndexFolderError(f"the index at {folder} keeps its vectors in Milvus at {recorded}, "
                               f"not {public_uri(given)}",
                               hint="drop --milvus-uri (the index names its database) or rebuild it there with qa index")
    uri = str(folder / recorded) if _inside_folder(recorded) else (given or recorded)
    if _inside_folder(recorded) and not (folder / recorded).is_dir():
        raise IndexFolderError(f"the index at {folder} is incomplete: {recorded} is missing")
    database = MilvusDatabase(uri, choice.token)
    try:
        return OpenStores(MilvusVectorStore.load(folder, "vectors", database, plan),
                          MilvusVectorStore.load(folder, "sentence_vectors", database, plan), database)
    except BaseException:
        database.close()
        raise
