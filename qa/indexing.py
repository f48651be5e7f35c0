"""Keeping the index of a corpus up to date: build when missing or stale, skip otherwise."""
from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from corpus.loader import load_corpus
from index.annotate import Annotator, default_annotator, default_annotator_name
from index.encoder import Encoder
from index.errors import IndexFolderError
from index.manifest import Manifest
from index.store import build_index, build_key, is_current, load_index
from qa.settings import Settings


@dataclass(frozen=True)
class IndexReport:
    """What ``qa index`` did."""

    built: bool
    folder: Path
    manifest: Manifest
    seconds: float
    warnings: tuple[str, ...]
    changes: dict  # {"added", "changed", "removed", "unchanged", "paragraphs"}

    def to_dict(self) -> dict:
        """JSON form for ``qa index --json``."""
        return {
            "built": self.built,
            **self.changes,
            "index": str(self.folder),
            "documents": self.manifest.counts["documents"],
            "sentences": self.manifest.counts["sentences"],
            "model": self.manifest.model,
            "faiss_type": self.manifest.faiss_type,
            "store": self.manifest.store,
            "vector_index": self.manifest.vector_index,
            "faiss_recall_at_10": self.manifest.faiss_recall_at_10,
            "corpus_hash": self.manifest.corpus_hash,
            "built_at": self.manifest.built_at,
            "seconds": round(self.seconds, 2),
            "warnings": list(self.warnings),
        }


def update_index(
    settings: Settings,
    encoder: Encoder | None = None,
    *,
    annotator: Annotator | None = None,
    force: bool = False,
    progress: bool = False,
    warn: Callable[[str], None] = lambda message: None,
) -> IndexReport:
    """Build the index of ``settings.corpus`` into ``settings.index`` unless it is current.

    "Current" means same corpus files, same build settings, and an index that loads
    cleanly; the check needs neither the model nor the annotator, and files whose bytes
    the index already holds are hashed, not parsed again, so it is fast.
    """
    started = time.perf_counter()
    warnings: list[str] = []

    def collect(message: str) -> None:
        warnings.append(message)
        warn(message)

    annotator_name = annotator.name if annotator else default_annotator_name()
    previous = None if force else _load_or_none(settings)
    # Files whose bytes the index already holds, built with these settings, are not parsed again.
    same_build = previous is not None and previous.manifest.build_key == build_key(settings.model, annotator_name)
    known = previous.known_document if previous is not None and same_build else None
    documents = load_corpus(settings.corpus, warn=collect, known=known)
    if previous is not None and is_current(previous.manifest, documents, settings.model, annotator_name) \
            and _same_store(previous.manifest, settings):
        unchanged = {"added": 0, "changed": 0, "removed": 0, "unchanged": len(documents),
                     "paragraphs": previous.manifest.counts["paragraphs"]}
        return IndexReport(False, settings.index, previous.manifest, time.perf_counter() - started,
                           tuple(warnings), unchanged)
    if encoder is None:
        from index.torch_encoder import load_encoder  # PyTorch: only when something is to be embedded

        encoder = load_encoder(settings.model, runtime=settings.runtime, warn=warn)
    annotator = annotator or default_annotator()
    manifest, changes = build_index(documents, settings.index, encoder, annotator, previous=previous, progress=progress,
                                    store=settings.store_choice)
    return IndexReport(True, settings.index, manifest, time.perf_counter() - started, tuple(warnings), changes)


def _same_store(manifest: Manifest, settings: Settings) -> bool:
    """True when the index keeps its vectors where ``settings`` asks (no --milvus-uri: wherever it records)."""
    if manifest.store != settings.store:
        return False
    if settings.store != "milvus" or settings.milvus_uri is None:
        return True
    from index.milvus_store import public_uri

    return manifest.vector_store.get("uri") == public_uri(settings.milvus_uri)


def _load_or_none(settings: Settings):
    """The index at ``settings.index`` if it loads cleanly (every file, every count) with
    these settings, else None (then everything is rebuilt). Any vector store will do:
    switching stores reuses the vectors already computed."""
    try:
        return load_index(settings.index, model=settings.model, store=settings.store_choice, any_store=True, lexical=False)
    except IndexFolderError:
        return None
