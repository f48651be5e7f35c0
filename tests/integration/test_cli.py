"""The `qa` command through its real console-script entry point."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import DATA

QA = str(Path(sys.executable).with_name("qa"))


def run(*args, stdin: str | None = None, env_extra: dict | None = None, cwd=None) -> subprocess.CompletedProcess:
    env = {**os.environ, "HF_HUB_OFFLINE": "1", **(env_extra or {})}
    return subprocess.run([QA, *args], input=stdin, capture_output=True, text=True, env=env, timeout=300, cwd=cwd)


def assert_one_clear_error(result: subprocess.CompletedProcess, *needles: str) -> None:
    assert result.returncode != 0
    assert "Traceback" not in result.stderr
    errors = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 1, result.stderr
    for needle in needles:
        assert needle in errors[0]


@pytest.fixture(scope="module")
def index_dir(tmp_path_factory) -> Path:
    """An index of the bundled corpus built by `qa index --json` (default corpus)."""
    folder = tmp_path_factory.mktemp("cli") / "index"
    result = run("index", "--index", str(folder), "--json")
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["built"] is True
    assert report["documents"] == 2
    assert report["paragraphs"] > 40
    return folder


def test_index_skips_an_unchanged_corpus(index_dir):
    result = run("index", "--index", str(index_dir), "--json")
    assert result.returncode == 0
    assert json.loads(result.stdout)["built"] is False


def test_ask_json(index_dir):
    result = run("ask", "Which vessel should the Houthis release?", "--index", str(index_dir), "--json", "-k", "3")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["abstained"] is False
    assert "Galaxy Leader" in data["answer"]
    assert len(data["passages"]) == 3
    assert data["citations"][0]["n"] == 1


def test_ask_json_names_what_the_documents_do_not_mention(index_dir):
    result = run("ask", "What do the ministers say about Myanmar?", "--index", str(index_dir), "--json")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["abstained"] is True
    assert data["missing"] == ["Myanmar"]
    assert data["reason"] == "The documents do not mention Myanmar."
    assert data["citations"] == []


def test_ask_text_shows_answer_and_sources(index_dir):
    result = run("ask", "How many experts attended the meeting?", env_extra={"QA_INDEX": str(index_dir)})
    assert result.returncode == 0
    assert "150 experts" in result.stdout
    assert "Sources:" in result.stdout
    assert "[1]" in result.stdout


def test_ask_reads_questions_from_stdin(index_dir):
    questions = "Which vessel should the Houthis release?\n\nWhat percentage of GDP goes to defense?\n   \n"
    result = run("ask", "-", "--index", str(index_dir), stdin=questions)
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert [r["abstained"] for r in rows] == [False, True]
    assert result.returncode == 0


def test_eval_prints_the_metrics_as_json(index_dir):
    result = run("eval", "--gold", str(DATA / "gold_small.jsonl"), "--index", str(index_dir), "--json")
    assert result.returncode == 0, result.stderr
    metrics = json.loads(result.stdout)
    assert metrics["n"] == 8
    assert 0 <= metrics["recall@5"] <= 1
    assert metrics["latency_ms_p50"] > 0


@pytest.mark.parametrize("question, needle", [("   ", "empty"), ("x" * 100_000, "limit")])
def test_bad_questions(index_dir, question, needle):
    assert_one_clear_error(run("ask", question, "--index", str(index_dir)), needle)


def test_missing_corpus(tmp_path):
    assert_one_clear_error(run("index", "--corpus", str(tmp_path / "nope"), "--index", str(tmp_path / "i")),
                           "does not exist", "--corpus")


def test_empty_corpus(tmp_path):
    (tmp_path / "empty").mkdir()
    assert_one_clear_error(run("index", "--corpus", str(tmp_path / "empty"), "--index", str(tmp_path / "i")),
                           "holds no readable")


def test_binary_and_latin1_files(tmp_path):
    corpus = tmp_path / "docs"
    corpus.mkdir()
    (corpus / "blob.txt").write_bytes(bytes(range(256)) * 10)
    (corpus / "legacy.txt").write_bytes("Le café crème est servi chaque matin à Genève.\n".encode("latin-1"))
    result = run("ask", "Where is the coffee served?", "--corpus", str(corpus), "--index", str(tmp_path / "i"), "--json")
    assert result.returncode == 0, result.stderr
    assert "blob.txt" in result.stderr
    assert "warning:" in result.stderr
    assert "café crème" in json.loads(result.stdout)["passages"][0]["text"]


def test_truncated_index_names_the_fix(index_dir, tmp_path):
    broken = tmp_path / "broken"
    shutil.copytree(index_dir, broken)
    (broken / "vectors.faiss").write_bytes((broken / "vectors.faiss").read_bytes()[:100])
    assert_one_clear_error(run("ask", "anything?", "--index", str(broken)), "damaged", "qa index")


def test_index_built_with_another_model_names_the_fix(index_dir, tmp_path):
    other = tmp_path / "other"
    shutil.copytree(index_dir, other)
    manifest = json.loads((other / "manifest.json").read_text())
    manifest["model"] = "another-model"
    (other / "manifest.json").write_text(json.dumps(manifest))
    assert_one_clear_error(run("ask", "anything?", "--index", str(other)), "another-model", "qa index")


def test_ask_within_a_document(index_dir):
    doc = "002_9584fc23a3ef617f.txt"
    result = run("ask", "Which vessel should the Houthis release?", "--json", "-k", "6", "--doc", doc,
                 "--index", str(index_dir))
    assert result.returncode == 0, result.stderr
    answer = json.loads(result.stdout)
    assert answer["within"] == [doc]
    assert len(answer["passages"]) == 6
    assert {p["doc"] for p in answer["passages"]} == {doc}
    text = run("ask", "Which vessel should the Houthis release?", "--doc", doc, "--doc", "000_d2885f09925ae4a5.txt",
               "--index", str(index_dir))
    assert text.returncode == 0
    assert text.stdout.startswith(f"(asked within: {doc}, 000_d2885f09925ae4a5.txt)")
    assert_one_clear_error(run("ask", "Which vessel?", "--doc", "missing.pdf", "--index", str(index_dir)),
                           "no document named 'missing.pdf'")
