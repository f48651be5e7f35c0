"""The question path runs the model's ONNX export: no PyTorch, same vectors, damaged exports rebuilt."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from index.encoder import DEFAULT_MODEL, resolve_model_path
from index.export import GRAPH, META, ExportProblem, export_folder, open_export

QA = str(Path(sys.executable).with_name("qa"))
HEAVY = {"torch", "sentence_transformers", "transformers", "spacy", "gradio", "trafilatura", "pypdf", "pymilvus", "milvus_lite"}


def ask(*args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "QA_DEBUG_MODULES": "1"}
    return subprocess.run([QA, "ask", *args], capture_output=True, text=True, env=env, timeout=300)


def answered_with_one_warning(result: subprocess.CompletedProcess) -> str:
    """The one warning line of a ``qa ask`` that answered the launch question ("2002")."""
    assert result.returncode == 0, result.stderr
    assert "2002" in result.stdout
    warnings = [line for line in result.stderr.splitlines() if line.startswith("warning:")]
    assert len(warnings) == 1, result.stderr
    return warnings[0]


def loaded_modules(stderr: str) -> set[str]:
    lines = [line for line in stderr.splitlines() if line.startswith("modules: ")]
    assert len(lines) == 1, stderr
    return set(lines[0].split()[1:])


def test_a_question_from_the_command_line_imports_neither_torch_nor_spacy(seed_index_dir):
    result = ask("--index", str(seed_index_dir), "--json", "When was the Global Partnership launched?")
    assert result.returncode == 0, result.stderr
    answer = json.loads(result.stdout)
    assert "2002" in answer["answer"]
    assert answer["citations"]
    modules = loaded_modules(result.stderr)
    assert "onnxruntime" in modules
    assert HEAVY & modules == set()


def test_the_export_gives_sentence_transformers_vectors_for_1_to_300_tokens(encoder, seed_documents):
    from sentence_transformers import SentenceTransformer

    model = SentenceTransformer(resolve_model_path(DEFAULT_MODEL), device="cpu")
    words = " ".join(p.text for d in seed_documents for p in d.paragraphs).split()
    texts = ["war"] + [" ".join(words[:n]) for n in (2, 3, 7, 20, 60, 120, 180, 230, 300)]
    lengths = [len(ids) for ids in model.tokenizer(texts)["input_ids"]]
    assert min(lengths) == 3
    assert max(lengths) > 300
    expected = model.encode(texts, normalize_embeddings=True, convert_to_numpy=True)
    assert encoder.runtime == "onnx"
    assert np.abs(encoder.encode(texts) - expected).max() <= 1e-5
    assert np.abs(np.concatenate([encoder.encode([t]) for t in texts]) - expected).max() <= 1e-5


@pytest.fixture
def own_cache(tmp_path, monkeypatch, encoder) -> Path:
    """A cache of this test's own holding a copy of the session's export; returns the copy's folder."""
    source = export_folder(encoder.fingerprint)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    target = export_folder(encoder.fingerprint)
    shutil.copytree(source, target)
    return target


def test_a_truncated_export_is_reported_as_damaged(own_cache, encoder):
    graph = own_cache / GRAPH
    graph.write_bytes(graph.read_bytes()[: graph.stat().st_size // 2])
    with pytest.raises(ExportProblem, match="damaged"):
        open_export(encoder.fingerprint, encoder.name)


def test_an_export_whose_probe_vector_differs_is_reported_as_stale(own_cache, encoder):
    meta = json.loads((own_cache / META).read_text())
    (own_cache / META).write_text(json.dumps({**meta, "probe_vector": [-x for x in meta["probe_vector"]]}))
    with pytest.raises(ExportProblem, match="stale"):
        open_export(encoder.fingerprint, encoder.name)


def test_an_export_of_an_older_format_is_reported_as_stale(own_cache, encoder):
    meta = json.loads((own_cache / META).read_text())
    (own_cache / META).write_text(json.dumps({**meta, "format": 0}))
    with pytest.raises(ExportProblem, match="stale"):
        open_export(encoder.fingerprint, encoder.name)


def test_a_graph_with_a_few_changed_weights_is_reported_as_damaged(own_cache, encoder):
    graph = own_cache / GRAPH
    data = bytearray(graph.read_bytes())
    middle = len(data) // 2
    data[middle : middle + 4096] = bytes(4096)  # same size, a few embedding rows zeroed: ONNX Runtime loads it
    graph.write_bytes(bytes(data))
    with pytest.raises(ExportProblem, match="damaged"):
        open_export(encoder.fingerprint, encoder.name)


def test_a_damaged_export_is_rebuilt_with_one_warning_and_the_question_answered(own_cache, encoder, seed_index_dir):
    (own_cache / GRAPH).write_bytes(b"not an onnx graph")
    result = ask("--index", str(seed_index_dir), "When was the Global Partnership launched?")
    warning = answered_with_one_warning(result)
    assert "damaged" in warning
    assert "exporting it again" in warning
    assert "Traceback" not in result.stderr
    assert open_export(encoder.fingerprint, encoder.name).encode(["x"]).shape == (1, encoder.dimension)
    # The next question runs from the new export, without PyTorch and without a warning.
    again = ask("--index", str(seed_index_dir), "When was the Global Partnership launched?")
    assert again.returncode == 0
    assert "warning:" not in again.stderr
    assert HEAVY & loaded_modules(again.stderr) == set()


def test_a_missing_export_is_written_without_a_warning(tmp_path, monkeypatch, encoder, seed_index_dir):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "empty-cache"))
    result = ask("--index", str(seed_index_dir), "When was the Global Partnership launched?")
    assert result.returncode == 0, result.stderr
    assert "warning:" not in result.stderr
    assert (export_folder(encoder.fingerprint) / GRAPH).exists()


def test_ask_on_a_missing_index_builds_it_and_the_next_question_starts_light(tmp_path):
    folder = tmp_path / "index"
    first = ask("--index", str(folder), "When was the Global Partnership launched?")
    assert first.returncode == 0, first.stderr
    assert "no index at" in first.stderr
    assert "2002" in first.stdout
    second = ask("--index", str(folder), "When was the Global Partnership launched?")
    assert second.returncode == 0, second.stderr
    assert "2002" in second.stdout
    assert HEAVY & loaded_modules(second.stderr) == set()


def test_an_index_built_by_another_version_answers_with_one_warning(tmp_path, seed_index_dir):
    # An upgrade that changes how paragraphs are embedded changes the build key: the old
    # index still answers, and the user is told once that `qa index` re-embeds it.
    folder = tmp_path / "index"
    shutil.copytree(seed_index_dir, folder)
    manifest = json.loads((folder / "manifest.json").read_text("utf-8"))
    manifest["build_key"] = "0" * 16
    (folder / "manifest.json").write_text(json.dumps(manifest), "utf-8")
    result = ask("--index", str(folder), "When was the Global Partnership launched?")
    warning = answered_with_one_warning(result)
    assert "built by another version" in warning
    assert "qa index" in warning
    assert HEAVY & loaded_modules(result.stderr) == set()
