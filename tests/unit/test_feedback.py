"""The append-only feedback store (qa.feedback)."""
from __future__ import annotations

import json
import threading
from pathlib import Path

import pytest

from corpus.errors import QAError
from corpus.types import Paragraph
from index.types import Hit
from qa.feedback import FeedbackStore, feedback_path
from qa.settings import Settings
from qa.types import Answer, Citation


def make_answer(question: str = "How many experts attended?") -> Answer:
    text = "Over 150 experts attended. The rest is history."
    paragraph = Paragraph("d.txt#p1", "d.txt", "Doc", "Intro", 1, text, 0, len(text))
    hit = Hit(paragraph, rank=1, score=0.9, dense=0.8, lexical=1.0)
    return Answer(question, "Over 150 experts attended. [1]", False, (Citation(1, hit, ((0, 26),)),), (hit,))


def test_default_path_is_beside_the_index_not_inside(tmp_path):
    settings = Settings.resolve(env={}, index=str(tmp_path / "idx"))
    assert feedback_path(settings) == tmp_path / "idx.feedback.jsonl"


def test_configured_path_wins(tmp_path):
    settings = Settings.resolve(env={"QA_FEEDBACK": str(tmp_path / "fb.jsonl")}, index=str(tmp_path / "idx"))
    assert feedback_path(settings) == tmp_path / "fb.jsonl"
    settings = Settings.resolve(env={}, index=str(tmp_path / "idx"), feedback=str(tmp_path / "x.jsonl"))
    assert feedback_path(settings) == tmp_path / "x.jsonl"


def test_round_trip_keeps_question_answer_and_citations(tmp_path):
    store = FeedbackStore(tmp_path / "sub" / "fb.jsonl")
    assert store.read() == []
    store.record("up", make_answer())
    store.record("down", make_answer("How many experts attended the meeting?"), asked="and the meeting?")
    rows = store.read()
    assert [r["vote"] for r in rows] == ["up", "down"]
    assert rows[0]["question"] == rows[0]["standalone_question"] == "How many experts attended?"
    assert rows[1]["question"] == "and the meeting?"
    assert rows[1]["standalone_question"] == "How many experts attended the meeting?"
    assert rows[0]["answer"] == "Over 150 experts attended. [1]"
    citation = rows[0]["citations"][0]
    assert citation["n"] == 1
    assert citation["id"] == "d.txt#p1"
    assert citation["sentences"] == ["Over 150 experts attended."]


def test_appends_never_rewrite_earlier_lines(tmp_path):
    path = tmp_path / "fb.jsonl"
    FeedbackStore(path).record("up", make_answer())
    first = path.read_bytes()
    FeedbackStore(path).record("down", make_answer())
    assert path.read_bytes().startswith(first)


def test_unknown_vote_is_refused(tmp_path):
    with pytest.raises(QAError):
        FeedbackStore(tmp_path / "fb.jsonl").record("meh", make_answer())
    assert not (tmp_path / "fb.jsonl").exists()


def test_concurrent_writers_keep_whole_lines(tmp_path):
    path = tmp_path / "fb.jsonl"
    stores = [FeedbackStore(path) for _ in range(4)]  # separate objects: only O_APPEND protects them
    long_answer = make_answer("x" * 5000)

    def write(store):
        for _ in range(25):
            store.record("up", long_answer)

    threads = [threading.Thread(target=write, args=(s,)) for s in stores]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    lines = path.read_text(encoding="utf-8").splitlines()
    assert len(lines) == 100
    assert all(json.loads(line)["question"] == "x" * 5000 for line in lines)


def test_unwritable_path_is_a_one_line_error(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    with pytest.raises(QAError, match="cannot write feedback"):
        FeedbackStore(Path(blocker) / "fb.jsonl").record("up", make_answer())
