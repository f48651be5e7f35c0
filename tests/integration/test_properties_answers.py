"""Property tests of answers on the real index of the bundled corpus (hypothesis).

Questions are generated from the corpus itself (random picks and recombinations of
its words, windows of its paragraphs), random unicode, HTML/JS payloads and very
short strings. Whatever the question:

* it is answered or refused with :class:`QuestionError` (nothing else is raised);
* passages are always returned; an abstention has no citations;
* every answer sentence is ``paragraph.text[a:b]`` for a span of the citation its
  marker names, and that paragraph is the indexed one;
* markers are numbered 1..N in order of first use and match the citations exactly.
"""
from __future__ import annotations

import json
import re

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from corpus import default_corpus_dir, load_corpus
from corpus.errors import QuestionError
from qa.answering import ABSTAIN_TEXT
from qa.question import clean_question

MARKER = re.compile(r"\s*\[(\d+)\]")
PARAGRAPHS = [p.text for d in load_corpus(default_corpus_dir(), warn=lambda m: None) for p in d.paragraphs]
WORDS = sorted({w.strip(".,;:()“”\"'’") for text in PARAGRAPHS for w in text.split()} - {""})
QUESTION_WORDS = ["What", "Who", "Which", "Why", "How many", "When", "Where", "Does", "and what about"]
PAYLOADS = ["<script>alert(1)</script>", "<img src=x onerror=alert(1)>", "[x](javascript:alert(1))",
            "</div><b>", "&lt;b&gt;", "<iframe src=//evil>", "{{7*7}}", "'; DROP TABLE passages; --"]
ANSWER_SETTINGS = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


@st.composite
def paragraph_window(draw) -> str:
    """A run of 1-12 consecutive words of one corpus paragraph, maybe made a question."""
    words = draw(st.sampled_from(PARAGRAPHS)).split()
    start = draw(st.integers(0, len(words) - 1))
    window = " ".join(words[start:start + draw(st.integers(1, 12))])
    return draw(st.sampled_from(["", "What about ", "Why "])) + window + draw(st.sampled_from(["", "?"]))


RECOMBINED = st.builds(
    lambda lead, words, end: " ".join([lead, *words]) + end,
    st.sampled_from(QUESTION_WORDS), st.lists(st.sampled_from(WORDS), min_size=1, max_size=10),
    st.sampled_from(["?", "", " ?", "??"]),
)
HTML = st.builds(lambda words, payload, at: " ".join(words[:at] + [payload] + words[at:]),
                 st.lists(st.sampled_from(WORDS), max_size=8), st.sampled_from(PAYLOADS), st.integers(0, 8))
SHORT = st.one_of(st.text(min_size=1, max_size=3), st.sampled_from(WORDS), st.sampled_from(["?", "a", "G7", "UN"]))
QUESTIONS = st.one_of(paragraph_window(), RECOMBINED, HTML, SHORT,
                      st.text(st.characters(blacklist_categories=("Cs",)), min_size=1, max_size=120))


def answer_sentences(text: str) -> list[tuple[str, int]]:
    """Split an answer into (sentence, marker number) pairs."""
    pieces = MARKER.split(text)
    return [(pieces[i].strip(), int(pieces[i + 1])) for i in range(0, len(pieces) - 1, 2)]


def check_answer(engine, answer) -> None:
    """The properties every answer has (see the module docstring)."""
    assert 1 <= len(answer.passages) <= engine.settings.k
    json.dumps(answer.to_dict())  # the API's JSON
    event("abstained" if answer.abstained else f"answered, {len(answer.citations)} citation(s)")
    if answer.abstained:
        assert answer.citations == ()
        assert answer.text == ABSTAIN_TEXT
        assert answer.reason
        return
    pairs = answer_sentences(answer.text)
    assert pairs
    assert MARKER.sub("", answer.text).strip() == " ".join(s for s, _ in pairs)
    first_use = list(dict.fromkeys(n for _, n in pairs))
    assert first_use == list(range(1, len(first_use) + 1)), "markers are numbered in order of first use"
    assert [c.n for c in answer.citations] == first_use, "citations match the markers, in order"
    cited = {c.n: c for c in answer.citations}
    indexed = {p.id: p for p in engine.index.paragraphs}
    used = {n: set() for n in cited}
    for sentence, n in pairs:
        paragraph = cited[n].hit.paragraph
        assert indexed[paragraph.id] == paragraph
        spans = [(a, b) for a, b in cited[n].spans if paragraph.text[a:b] == sentence]
        assert sentence, paragraph.id
        assert sentence in paragraph.text, (sentence, paragraph.id)
        assert spans, (sentence, paragraph.id)
        used[n].update(spans)
    assert all(used[n] == set(cited[n].spans) for n in cited), "every cited span is used in the text"


@ANSWER_SETTINGS
@given(question=QUESTIONS)
def test_any_question_gets_a_cited_answer_or_an_honest_abstention(engine, question):
    try:
        clean_question(question, engine.settings.max_question_chars)
    except QuestionError:
        with pytest.raises(QuestionError):
            engine.ask(question)
        return
    check_answer(engine, engine.ask(question))


@ANSWER_SETTINGS
@given(question=st.one_of(paragraph_window(), RECOMBINED))
def test_questions_from_the_corpus_keep_the_citation_rules(engine, question):
    check_answer(engine, engine.ask(question))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(question=st.text(st.sampled_from(" \t\n\r\x0b\x0c\x00\x1b\x7f\x85\xa0\u2003\u3000\u2028"), max_size=20))
def test_empty_or_whitespace_questions_raise_question_error(engine, question):
    with pytest.raises(QuestionError):
        engine.ask(question)
