"""Keeping the index of a corpus up to date: build when missing or stale, skip otherwise."""
from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from corpus.loader import load_corpus
from corpus.errors import IndexError_
from index.annotate import Annotator, default_annotator, default_annotator_name
from index.encoder import Encoder, SentenceTransformerEncoder
from index.manifest import Manifest
from index.store import build_index, is_current, load_index
from qa.settings import Settings


@dataclass(frozen=True)
class IndexReport:
    """What ``qa index`` did."""

    built: bool
    folder: Path
    manifest: Manifest
    seconds: float
    warnings: tuple[str, ...]

    def to_dict(self) -> dict:
        """JSON form for ``qa index --json``."""
        return {
            "built": self.built,
            "index": str(self.folder),
            "documents": self.manifest.counts["documents"],
            "paragraphs": self.manifest.counts["paragraphs"],
            "sentences": self.manifest.counts["sentences"],
            "model": self.manifest.model,
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
    cleanly; the check needs neither the model nor the annotator, so it is fast.
    """
    started = time.perf_counter()
    warnings: list[str] = []

    def collect(message: str) -> None:
        warnings.append(message)
        warn(message)

    documents = load_corpus(settings.corpus, warn=collect)
    annotator_name = annotator.name if annotator else default_annotator_name()
    if not force and is_current(settings.index, documents, settings.model, annotator_name) and _loads(settings):
        return IndexReport(False, settings.index, Manifest.read(settings.index), time.perf_counter() - started, tuple(warnings))
    encoder = encoder or SentenceTransformerEncoder(settings.model)
    annotator = annotator or default_annotator()
    manifest = build_index(documents, settings.index, encoder, annotator, progress=progress)
    return IndexReport(True, settings.index, manifest, time.perf_counter() - started, tuple(warnings))


def _loads(settings: Settings) -> bool:
    try:
        load_index(settings.index, model=settings.model)
    except IndexError_:
        return False
    return True
