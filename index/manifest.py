"""The index manifest: what was built, from what, with which settings."""
from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from importlib import metadata
from pathlib import Path

from index.errors import IndexFolderError

FORMAT_VERSION = 4  # 4: sentences.npz instead of sentences.jsonl
MANIFEST = "manifest.json"


def package_version() -> str:
    """The installed version of this project (``0+unknown`` when run from a bare checkout)."""
    try:
        return metadata.version("citeqa")
    except metadata.PackageNotFoundError:
        return "0+unknown"


@dataclass(frozen=True)
class Manifest:
    """Everything needed to check that a saved index fits the code and settings loading it."""

    model: str
    dimension: int
    counts: dict  # {"documents", "paragraphs", "sentences", "words"}
    corpus_hash: str
    files: dict  # {doc: sha256 of the raw file}
    build_key: str  # hash of every setting that changes the built index
    built_at: str
    metric: str = "inner_product"
    normalized: bool = True
    faiss_type: str = "Flat"
    faiss_recall_at_10: float | None = None  # measured at build time for approximate indexes
    format: int = FORMAT_VERSION
    version: str = field(default_factory=package_version)
    lexical: dict = field(default_factory=dict)
    annotator: str = ""
    # Percentiles 0..100 of the cosine between two of the corpus's sentences, each embedded
    # alone (as a question is): how close unrelated text of this corpus usually is.
    similarity_percentiles: list = field(default_factory=list)
    # SHA-256 of the model's files: names its ONNX export (index/export.py), so a question
    # is encoded without loading the model through PyTorch. "" when unknown.
    model_fingerprint: str = ""
    # Where the vectors are: "faiss" (files in the folder) or "milvus"; for Milvus, vector_store
    # holds the database URI (without secrets; relative = inside the folder), the collections
    # and the Milvus index type. Older manifests have neither field: FAISS.
    store: str = "faiss"
    vector_store: dict = field(default_factory=dict)

    @property
    def vector_index(self) -> str:
        """The search structure, e.g. ``Flat`` (FAISS) or ``Milvus FLAT``."""
        return self.faiss_type if self.store == "faiss" else f"Milvus {self.vector_store.get('index_type', '?')}"
    # When each document's current content was indexed (ISO time, UTC): kept across
    # incremental builds for unchanged files. Older indexes lack it ({}: use built_at).
    indexed_at: dict = field(default_factory=dict)

    @staticmethod
    def older_format(folder: Path) -> bool:
        """True when ``folder`` holds an index written in an older format than this version reads."""
        try:
            data = json.loads((folder / MANIFEST).read_text("utf-8"))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError):
            return False
        return isinstance(data, dict) and isinstance(data.get("format", 0), int) and data.get("format", 0) < FORMAT_VERSION

    def write(self, folder: Path) -> None:
        """Write ``manifest.json`` into ``folder``."""
        (folder / MANIFEST).write_text(json.dumps(asdict(self), indent=2, ensure_ascii=False) + "\n", "utf-8")

    @classmethod
    def read(cls, folder: Path) -> Manifest:
        """Read and check the manifest of the index at ``folder``."""
        path = folder / MANIFEST
        try:
            data = json.loads(path.read_text("utf-8"))
        except FileNotFoundError as e:
            raise IndexFolderError(f"{folder} holds no index (no {MANIFEST})") from e
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as e:
            raise IndexFolderError(f"the manifest of the index at {folder} is unreadable ({e})") from e
        if not isinstance(data, dict):
            raise IndexFolderError(f"the manifest of the index at {folder} is not a JSON object")
        if data.get("format", 0) > FORMAT_VERSION:
            raise IndexFolderError(
                f"the index at {folder} was written by a newer version "
                f"({data.get('version')}, format {data.get('format')}); this version reads format {FORMAT_VERSION}"
            )
        if data.get("format", 0) < FORMAT_VERSION:
            raise IndexFolderError(f"the index at {folder} is in an older format ({data.get('format')}); "
                                   f"this version reads format {FORMAT_VERSION}")
        known = set(cls.__dataclass_fields__)
        try:
            return cls(**{k: v for k, v in data.items() if k in known})
        except TypeError as e:
            raise IndexFolderError(f"the manifest of the index at {folder} is incomplete ({e})") from e
