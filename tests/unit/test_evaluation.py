"""Eval metric definitions (eval README) on hand-made answers."""
import json

import pytest

from corpus.errors import QAError
from corpus.types import Paragraph
from index.types import Hit
from qa.evaluation import GoldItem, evaluate, item_scores, normalize, read_gold
from qa.types import Answer, Citation


def hit(text, rank):
    p = Paragraph(f"d#p{rank}", "d", "T", "", rank, text, 0, len(text))
    return Hit(p, rank, 1.0 / rank, 0.5, 0.5)


def test_normalize_folds_quotes_case_width_and_spaces():
    assert normalize("The  “Galaxy\u00a0Leader”’s ＣREW") == normalize('the "galaxy leader"\'s crew')


def test_item_scores_follow_the_definitions():
    hits = (hit("nothing here", 1), hit("The vessel “Galaxy Leader” and its crew", 2), hit("also the crew", 3))
    item = GoldItem("x", "q", "factoid", ('vessel "Galaxy Leader"', "missing evidence"), ("Galaxy Leader",))
    answer = Answer("q", "release the vessel “Galaxy Leader” [1]", False, (Citation(1, hits[1], ((0, 10),)),), hits)
    scores = item_scores(item, answer)
    assert scores["recall@1"] == 0.0
    assert scores["recall@3"] == 0.5
    assert scores["recall@5"] == 0.5
    assert scores["mrr@10"] == 0.5
    assert scores["answer_hit"] == 1.0
    assert scores["citation_hit"] == 1.0


def test_an_abstaining_answer_scores_no_answer_hit_but_keeps_retrieval():
    hits = (hit("The vessel Galaxy Leader", 1),)
    item = GoldItem("x", "q", "factoid", ("Galaxy Leader",), ("Galaxy Leader",))
    scores = item_scores(item, Answer("q", "Galaxy Leader", True, (), hits))
    assert scores["answer_hit"] == 0.0
    assert scores["recall@1"] == 1.0


def test_evaluate_reports_every_key_and_the_abstention_rates():
    items = [
        GoldItem("a", "answerable", "factoid", ("fact",), ("fact",)),
        GoldItem("b", "unanswerable", "unanswerable", (), ()),
    ]

    def ask(question):
        hits = (hit("a fact", 1),)
        if question == "answerable":
            return Answer(question, "a fact [1]", False, (Citation(1, hits[0], ((0, 6),)),), hits)
        return Answer(question, "no", True, (), hits)

    m = evaluate(items, ask)
    expected = {"n", "n_answerable", "n_unanswerable", "recall@1", "recall@3", "recall@5", "mrr@10",
                "answer_hit", "citation_hit", "abstain_unanswerable", "abstain_answerable",
                "latency_ms_p50", "latency_ms_p95"}
    assert expected <= set(m)
    assert (m["n"], m["n_answerable"], m["n_unanswerable"]) == (2, 1, 1)
    assert m["abstain_unanswerable"] == 1.0
    assert m["abstain_answerable"] == 0.0
    assert m["answer_hit"] == 1.0


def test_read_gold_reports_bad_lines(tmp_path):
    path = tmp_path / "gold.jsonl"
    path.write_text(json.dumps({"id": 1, "question": "q", "type": "factoid"}) + "\n{not json\n")
    with pytest.raises(QAError, match="line 2"):
        read_gold(path)
    with pytest.raises(QAError, match="cannot read"):
        read_gold(tmp_path / "missing.jsonl")
