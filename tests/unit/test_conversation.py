"""Follow-up questions rewritten into standalone ones (qa.conversation)."""
from __future__ import annotations

import pytest

from qa.conversation import example_questions, standalone_question, topic_of


@pytest.mark.parametrize("follow_up, previous, expected", [
    ("and what about Africa?", "What does the G7 say about Asia?", "What does the G7 say about Africa?"),
    ("What about Japan?", "Which support do ministers pledge to Ukraine?", "Which support do ministers pledge to Japan?"),
    ("how about the G7?", "How many countries are involved in the Global Partnership?",
     "How many countries are involved in the G7?"),
    ("And the Houthis?", "What is the role of Iran", "What is the role of the Houthis?"),
    ("what of Latin America", "Who attended the meeting in Rome?", "Who attended the meeting in Latin America?"),
    ("what about Ukraine?", "Which vessel should the Houthis release?", "Which vessel should Ukraine release?"),
])
def test_topic_shifts_replace_the_previous_topic(follow_up, previous, expected):
    assert standalone_question(follow_up, [previous]) == expected


@pytest.mark.parametrize("follow_up, previous, expected", [
    ("When was it founded?", "What is the Global Partnership?", "When was the Global Partnership founded?"),
    ("who leads it?", "How many countries are involved in the Global Partnership?",
     "who leads the Global Partnership?"),
    ("What are its priorities?", "Tell me about the Italian Presidency", "What are the Italian Presidency's priorities?"),
    ("it was founded when?", "What is the Global Partnership?", "The Global Partnership was founded when?"),
])
def test_pronouns_take_the_previous_topic(follow_up, previous, expected):
    assert standalone_question(follow_up, [previous]) == expected


@pytest.mark.parametrize("question, previous", [
    ("How many experts attended the meeting?", []),              # no history
    ("and what about Africa?", []),
    ("Which vessel should the Houthis release?", ["What is the Global Partnership?"]),  # stands alone
    ("Does it mention Japan?", ["What is the Global Partnership?"]),  # names its own topic
    ("What do the ministers say about the need for it and the long list of things in the declaration?",
     ["What is the Global Partnership?"]),                      # too long to be a follow-up
])
def test_standalone_questions_are_unchanged(question, previous):
    assert standalone_question(question, previous) == question.strip()


def test_only_the_last_previous_question_counts():
    history = ["What does the G7 say about Asia?", "What does the G7 say about Ukraine?"]
    assert standalone_question("and about Africa?", history) == "What does the G7 say about Africa?"


def test_follow_up_chains_use_the_rewritten_question():
    first = "What does the G7 say about Asia?"
    second = standalone_question("and Africa?", [first])
    assert standalone_question("what about Europe?", [first, second]) == "What does the G7 say about Europe?"


def test_topic_of():
    assert topic_of("How many countries are involved in the Global Partnership?") == "the Global Partnership"
    assert topic_of("what do ministers say about cyber threats?") == "cyber threats"
    assert topic_of("Does Japan send troops") == "Japan"
    assert topic_of("what is going on") is None
    assert topic_of("") is None


def test_example_questions_cover_documents_in_turn():
    from corpus.types import Paragraph

    def p(doc, title, section, n):
        return Paragraph(f"{doc}#p{n}", doc, title, section, n, "text", 0, 4)

    paragraphs = [p("a", "Joint Declaration", "Preamble", 1), p("a", "Joint Declaration", "Africa", 2),
                  p("a", "Joint Declaration", "Africa", 3), p("a", "Joint Declaration", "Middle East", 4),
                  p("b", "The Partnership", "", 1), p("c", "", "", 1)]
    assert example_questions(paragraphs) == [
        "What is the Joint Declaration?", "What is The Partnership?",
        "What does the Joint Declaration say about Africa?",
        "What does the Joint Declaration say about Middle East?",
    ]
    assert len(example_questions(paragraphs, limit=2)) == 2
    assert example_questions([]) == []
