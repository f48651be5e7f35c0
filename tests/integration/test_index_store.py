"""The index folder on the real corpus and model: round trip, manifest checks, atomic write."""
from __future__ import annotations

import json
import shutil

import numpy as np
import pytest

from index.errors import IndexFolderError
from index.manifest import FORMAT_VERSION, Manifest
from index.store import PARAGRAPHS, SENTENCES, VECTORS, build_index, embedding_text, load_index


def test_round_trip_keeps_paragraphs_vectors_and_counts(seed_index_dir, seed_documents, encoder):
    index = load_index(seed_index_dir, model=encoder.name)
    expected = [p for d in seed_documents for p in d.paragraphs]
    assert index.paragraphs == expected
    assert index.vectors.ntotal == len(expected)
    assert index.sentence_vectors.ntotal == len(index.sentences) > len(expected)
    # Stored vectors are the model's normalised embeddings (inner product = cosine).
    stored = index.vectors.rows(np.array([0]))[0]
    assert np.isclose(np.linalg.norm(stored), 1.0, atol=1e-4)
    # Sentence vectors are pooled from their paragraph's forward pass, near the sentence alone
    # (a sentence of prose: a bare dateline is mostly its context, the heading path).
    sid = next(i for i, s in enumerate(index.sentences) if s.end - s.start > 80)
    sentence = index.sentences[sid]
    paragraph = index.paragraphs[sentence.row]
    shift = len(embedding_text(paragraph)) - len(paragraph.text)
    _, pooled = encoder.encode_with_spans([embedding_text(paragraph)], [[(sentence.start + shift, sentence.end + shift)]])
    stored_sentence = index.sentence_vectors.rows(np.array([sid]))[0]
    assert float(stored_sentence @ pooled[0]) > 0.999
    assert float(stored_sentence @ encoder.encode([paragraph.text[sentence.start : sentence.end]])[0]) > 0.9
    scores, rows = index.vectors.search(stored, 3)
    assert rows[0] == 0
    assert np.isclose(scores[0], 1.0, atol=1e-4)


def test_nprobe_setting_reaches_both_vector_stores(seed_index_dir):
    index = load_index(seed_index_dir, nprobe=7)
    assert index.vectors.plan.nprobe == 7
    assert index.sentence_vectors.plan.nprobe == 7


def test_manifest_records_what_was_built(seed_index_dir, seed_documents, encoder):
    manifest = Manifest.read(seed_index_dir)
    assert manifest.model == encoder.name
    assert manifest.dimension == encoder.dimension == 384
    assert manifest.metric == "inner_product"
    assert manifest.faiss_type == "Flat"
    assert manifest.faiss_recall_at_10 is None  # exact search: nothing to measure
    assert manifest.counts["paragraphs"] == sum(len(d.paragraphs) for d in seed_documents)
    assert manifest.counts["documents"] == 2
    assert set(manifest.files) == {d.doc for d in seed_documents}
    assert len(manifest.corpus_hash) == 64
    assert manifest.version
    assert manifest.built_at
    raw = json.loads((seed_index_dir / "manifest.json").read_text())
    assert raw["format"] == FORMAT_VERSION
    assert not list(seed_index_dir.rglob("*.pkl"))
    assert not list(seed_index_dir.rglob("*.pickle"))


def test_ids_are_stable_across_rebuilds(tmp_path, seed_documents, encoder, annotator, seed_index_dir):
    build_index(seed_documents, tmp_path / "again", encoder, annotator)
    first = (seed_index_dir / PARAGRAPHS).read_text()
    assert (tmp_path / "again" / PARAGRAPHS).read_text() == first
    assert (tmp_path / "again" / SENTENCES).read_bytes() == (seed_index_dir / SENTENCES).read_bytes()


@pytest.fixture
def copy_of_index(seed_index_dir, tmp_path):
    target = tmp_path / "index"
    shutil.copytree(seed_index_dir, target)
    return target


def test_wrong_model_is_refused(copy_of_index):
    with pytest.raises(IndexFolderError, match="built with model"):
        load_index(copy_of_index, model="some-other-model")


def test_truncated_faiss_file_is_reported(copy_of_index):
    path = copy_of_index / f"{VECTORS}.faiss"
    path.write_bytes(path.read_bytes()[:200])
    with pytest.raises(IndexFolderError, match="vectors.faiss/.npy cannot be read"):
        load_index(copy_of_index)


def test_paragraphs_and_vectors_that_disagree_are_reported(copy_of_index):
    path = copy_of_index / PARAGRAPHS
    lines = path.read_text().splitlines(keepends=True)
    path.write_text("".join(lines[:-1]))
    with pytest.raises(IndexFolderError, match="inconsistent"):
        load_index(copy_of_index)


def test_manifest_from_a_newer_version_is_refused(copy_of_index):
    path = copy_of_index / "manifest.json"
    data = json.loads(path.read_text())
    data["format"] = FORMAT_VERSION + 1
    path.write_text(json.dumps(data))
    with pytest.raises(IndexFolderError, match="newer version"):
        load_index(copy_of_index)


def test_missing_file_is_reported(copy_of_index):
    (copy_of_index / SENTENCES).unlink()
    with pytest.raises(IndexFolderError, match="sentences.npz is missing"):
        load_index(copy_of_index)


class _CrashingEncoder:
    """Wraps the real encoder and fails mid-build, as a killed process would."""

    def __init__(self, real):
        self.name, self.dimension = real.name, real.dimension

    def encode(self, texts, *, progress=False):
        raise KeyboardInterrupt("simulated crash while embedding")


def test_crash_mid_build_leaves_previous_index_intact(copy_of_index, seed_documents, encoder, annotator):
    before = {p.name: p.read_bytes() for p in copy_of_index.iterdir() if p.is_file()}
    with pytest.raises(KeyboardInterrupt):
        build_index(seed_documents, copy_of_index, _CrashingEncoder(encoder), annotator)
    after = {p.name: p.read_bytes() for p in copy_of_index.iterdir() if p.is_file()}
    assert after == before
    load_index(copy_of_index, model=encoder.name)
    leftovers = [p.name for p in copy_of_index.parent.iterdir() if ".building-" in p.name]
    assert leftovers == []  # no half-built folder is left behind


def test_rebuild_replaces_the_index_whole(copy_of_index, seed_documents, encoder, annotator):
    (copy_of_index / "stale-file").write_text("from an older build")
    build_index(seed_documents[:1], copy_of_index, encoder, annotator)
    index = load_index(copy_of_index, model=encoder.name)
    assert {p.doc for p in index.paragraphs} == {seed_documents[0].doc}
    assert not (copy_of_index / "stale-file").exists()


def test_a_folder_that_is_not_an_index_is_never_overwritten(tmp_path, seed_documents, encoder, annotator):
    precious = tmp_path / "my-notes"
    precious.mkdir()
    (precious / "todo.txt").write_text("keep me")
    with pytest.raises(IndexFolderError, match="not an index"):
        build_index(seed_documents, precious, encoder, annotator)
    assert (precious / "todo.txt").read_text() == "keep me"


def test_manifest_with_another_dimension_is_refused(copy_of_index):
    path = copy_of_index / "manifest.json"
    data = json.loads(path.read_text())
    data["dimension"] = 768
    path.write_text(json.dumps(data))
    with pytest.raises(IndexFolderError, match="dimension"):
        load_index(copy_of_index)


def test_an_index_in_an_older_format_is_rebuilt_when_opened(copy_of_index, encoder):
    from qa.engine import Engine
    from qa.settings import Settings

    path = copy_of_index / "manifest.json"
    data = json.loads(path.read_text())
    data["format"] = FORMAT_VERSION - 1
    path.write_text(json.dumps(data))
    with pytest.raises(IndexFolderError, match="older format"):
        load_index(copy_of_index)
    warnings = []
    engine = Engine.open(Settings.resolve(env={}, index=str(copy_of_index)), encoder=encoder, warn=warnings.append)
    assert engine.index.manifest.format == FORMAT_VERSION
    assert any("older format: rebuilding" in w for w in warnings)
    assert not engine.ask("Which vessel should the Houthis release?").abstained


@pytest.mark.parametrize("lexical", [True, False])
def test_a_truncated_bm25_array_is_caught_with_or_without_loading_bm25(copy_of_index, lexical):
    from index.store import BM25_DIR

    path = copy_of_index / BM25_DIR / "data.csc.index.npy"
    path.write_bytes(path.read_bytes()[:100])
    with pytest.raises(IndexFolderError, match="bm25"):
        load_index(copy_of_index, lexical=lexical)
