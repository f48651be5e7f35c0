"""A language model's guessed answer widens the search (--llm-for search), against a real HTTP stub endpoint.

The Sphinx-like documentation set (tests/data/sphinx) says "-q: Print nothing but the
times, one a line, so that another program can read them"; asked in other words, the
question alone leaves the focus check unsure and the bot abstains. A guess in the
documentation's words finds the entry; the answer is still the entry's own sentence.
"""
from __future__ import annotations

import pytest

from corpus import load_corpus
from index.store import build_index
from qa.engine import Engine
from qa.expansion import SYSTEM
from qa.llm import LLMClient, LLMSettings
from qa.settings import Settings
from tests.conftest import DATA
from tests.stub_llm import StubLLM, passage_with

DOCS = DATA / "sphinx"
QUESTION = "How do I keep the output machine-readable for a script that consumes it?"
GUESS = "Pass the -q option to print only the times, one a line."
ENTRY = "-q: Print nothing but the times, one a line, so that another program can read them."


@pytest.fixture(scope="module")
def docs_engine(tmp_path_factory, encoder, annotator) -> Engine:
    folder = tmp_path_factory.mktemp("sphinx-guess") / "index"
    build_index(load_corpus(DOCS, warn=print), folder, encoder, annotator)
    settings = Settings.resolve(env={}, corpus=str(DOCS), index=str(folder))
    return Engine.open(settings, encoder=encoder, build_if_missing=False)


@pytest.fixture
def stub():
    server = StubLLM()
    yield server
    server.stop()


def guessing(engine: Engine, stub: StubLLM, timeout: float = 5.0) -> Engine:
    """``engine`` with the stub as the model that guesses answers to search with."""
    return Engine(engine.settings, engine.index, engine.encoder,
                  searching_model=LLMClient(LLMSettings(stub.url, "stub", timeout)))


def test_a_guess_in_the_documents_words_finds_the_passage_the_question_alone_misses(docs_engine, stub):
    assert docs_engine.ask(QUESTION).abstained  # the question alone
    stub.reply = lambda prompt: GUESS
    answer = guessing(docs_engine, stub).ask(QUESTION)
    assert not answer.abstained
    assert answer.passages[0].paragraph.text == ENTRY
    assert answer.text == f"{ENTRY} [1]"  # the passage's sentence, verbatim: the guess is only a search key
    assert answer.search_guess == GUESS
    assert answer.to_dict()["search_guess"] == GUESS
    assert not answer.generated
    [prompt] = stub.prompts
    assert prompt == f"{SYSTEM}\n{QUESTION}"


def test_a_failing_model_leaves_the_search_to_the_question(docs_engine, stub):
    stub.status = 500
    without = docs_engine.ask(QUESTION)
    answer = guessing(docs_engine, stub).ask(QUESTION)
    assert answer.search_guess == ""
    assert answer.search_guess_error.endswith("answered HTTP 500; searched with the question alone")
    assert (answer.text, answer.abstained) == (without.text, without.abstained)
    assert [h.paragraph.id for h in answer.passages] == [h.paragraph.id for h in without.passages]


def test_a_slow_model_times_out_and_the_question_is_answered_alone(docs_engine, stub):
    stub.delay = 3.0
    answer = guessing(docs_engine, stub, timeout=0.5).ask("What does tidepool.load_stations return?")
    assert "did not answer within 0.5 s" in answer.search_guess_error
    assert not answer.abstained
    assert "tidepool.load_stations" in answer.text


def test_the_guess_does_not_lift_the_focus_check(docs_engine, stub):
    # The focus words of the question must still be in the evidence: a guess that names
    # a real entry cannot make the bot answer a question about something the documents lack.
    stub.reply = lambda prompt: "Predictor.interval sets the seconds between two predicted water levels."
    answer = guessing(docs_engine, stub).ask("How do I change the barometric pressure correction of the Predictor?")
    assert answer.abstained


def test_with_both_the_model_guesses_then_writes_an_answer_checked_against_the_question(docs_engine, stub):
    def reply(prompt: str) -> str:
        if prompt.startswith(SYSTEM):
            return GUESS
        return f"The -q option prints nothing but the times, one a line [{passage_with(prompt, 'Print nothing')}]."

    stub.reply = reply
    client = LLMClient(LLMSettings(stub.url, "stub", 5.0))
    both = Engine(docs_engine.settings, docs_engine.index, docs_engine.encoder, generator=client, searching_model=client)
    answer = both.ask(QUESTION)
    assert len(stub.prompts) == 2  # the guess, then the answer from the passages it found
    assert answer.search_guess == GUESS
    assert answer.generated
    assert answer.text == "The -q option prints nothing but the times, one a line. [1]"
    assert answer.citations[0].hit.paragraph.text == ENTRY
