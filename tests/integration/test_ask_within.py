"""Asking within chosen documents: a filter inside retrieval (dense and lexical), not after it."""
from __future__ import annotations

import numpy as np
import pytest

from corpus.errors import QuestionError
from qa.scope import resolve_documents

PALACE = "000_d2885f09925ae4a5.txt"  # the G7 defence declaration
PARTNERSHIP = "002_9584fc23a3ef617f.txt"  # the Global Partnership statement
QUESTIONS = ["Which vessel do the ministers want the Houthis to release?",
             "How many countries are involved in the Global Partnership?",
             "What do the ministers say about Ukraine?"]


@pytest.mark.parametrize("doc", [PALACE, PARTNERSHIP])
@pytest.mark.parametrize("question", QUESTIONS)
def test_k_passages_all_from_the_chosen_document(engine, question, doc):
    k = 8
    answer = engine.ask(question, k=k, docs=[doc])
    first, end = engine.index.document_rows([doc])[0][0]
    # k passages, or the whole document when it has fewer (the partnership statement has 6)
    assert len(answer.passages) == min(k, end - first)
    assert {h.paragraph.doc for h in answer.passages} == {doc}
    assert {c.hit.paragraph.doc for c in answer.citations} <= {doc}
    assert answer.within == (doc,)
    assert answer.to_dict()["within"] == [doc]


def test_the_filter_reaches_passages_a_global_top_k_misses(engine):
    question = QUESTIONS[0]
    everywhere = engine.ask(question, k=5)
    assert all(h.paragraph.doc == PALACE for h in everywhere.passages)
    within = engine.ask(question, k=5, docs=[PARTNERSHIP])
    assert len(within.passages) == 5
    assert all(h.paragraph.doc == PARTNERSHIP for h in within.passages)


def test_dense_and_lexical_sides_are_both_restricted(engine):
    index, searcher = engine.index, engine.searcher
    query = "Houthis Galaxy Leader vessel"
    vector = engine.encoder.encode([query])[0]
    first, end = index.document_rows([PARTNERSHIP])[0][0]
    scope_rows = set(range(first, end))
    from index.search import _Scope

    scope = _Scope(*index.document_rows([PARTNERSHIP]))
    paragraph, sentence = searcher._dense_scores(np.asarray(vector, dtype=np.float32).reshape(1, -1), scope)
    assert paragraph
    assert sentence
    assert set(paragraph) | set(sentence) <= scope_rows
    assert set(searcher._lexical_scores(["houthi", "galaxi", "vessel"], scope)) <= scope_rows


def test_without_a_filter_answers_are_unchanged(engine):
    for question in QUESTIONS:
        plain, empty, every = engine.ask(question), engine.ask(question, docs=[]), \
            engine.ask(question, docs=[PALACE, PARTNERSHIP])
        assert empty.to_dict() | {"timings_ms": None} == plain.to_dict() | {"timings_ms": None}
        assert plain.within == ()
        assert plain.to_dict()["within"] == []
        # choosing every document is a filter that admits every row: same ranking, same answer
        assert every.text == plain.text
        assert [h.paragraph.id for h in every.passages] == [h.paragraph.id for h in plain.passages]


def test_several_documents_and_names(engine):
    answer = engine.ask(QUESTIONS[2], k=10, docs=["002_9584FC23A3EF617F.TXT", PALACE, PALACE])
    assert answer.within == (PARTNERSHIP, PALACE)
    assert {h.paragraph.doc for h in answer.passages} <= {PALACE, PARTNERSHIP}


def test_unknown_document_is_a_question_error(engine):
    with pytest.raises(QuestionError, match="no document named 'nope.pdf'"):
        engine.ask(QUESTIONS[0], docs=["nope.pdf"])


def test_resolve_by_file_name_and_title():
    titles = {"uploads/a.md": "Alpha notes", "b/a.md": "Other", "c.pdf": "Gamma"}
    assert resolve_documents(["gamma"], titles) == ("c.pdf",)
    assert resolve_documents(["uploads/a.md"], titles) == ("uploads/a.md",)
    with pytest.raises(QuestionError, match="names 2 documents"):
        resolve_documents(["a.md"], titles)

