"""Shared fixtures: the real bundled model, a real index of the bundled corpus."""
from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
# The model's ONNX export and default index folders go to a cache of this session (and of
# the servers and commands it starts), never the user's: the suite starts from nothing.
_CACHE = tempfile.TemporaryDirectory(prefix="citeqa-test-cache-")
os.environ["XDG_CACHE_HOME"] = _CACHE.name

DATA = Path(__file__).parent / "data"


@pytest.fixture(scope="session")
def encoder():
    """The real default model (run from its ONNX export, written on first use), loaded once per session."""
    from index.torch_encoder import load_encoder

    return load_encoder()


@pytest.fixture(scope="session")
def annotator():
    """The default per-sentence entity annotator (spaCy), loaded once."""
    from index.annotate import default_annotator

    return default_annotator()


@pytest.fixture(scope="session")
def seed_documents():
    """The bundled corpus, cleaned."""
    from corpus import default_corpus_dir, load_corpus

    return load_corpus(default_corpus_dir(), warn=lambda m: None)


@pytest.fixture(scope="session")
def seed_index_dir(tmp_path_factory, seed_documents, encoder, annotator) -> Path:
    """A real index of the bundled corpus, built once per session (treat as read-only)."""
    from index.store import build_index

    folder = tmp_path_factory.mktemp("seed") / "index"
    build_index(seed_documents, folder, encoder, annotator)
    return folder


@pytest.fixture(scope="session")
def engine(seed_index_dir, encoder):
    """An engine over the seed index."""
    from qa.engine import Engine
    from qa.settings import Settings

    settings = Settings.resolve(env={}, index=str(seed_index_dir))
    return Engine.open(settings, encoder=encoder, build_if_missing=False)
