"""A small Sphinx-like documentation set (tests/data/sphinx): API entries, heading paths, lead-ins."""
from __future__ import annotations

import numpy as np
import pytest

from corpus import load_corpus
from index.store import build_index, embedding_text, heading_path, load_index
from qa.engine import Engine
from qa.settings import Settings
from tests.conftest import DATA

DOCS = DATA / "sphinx"


@pytest.fixture(scope="module")
def docs_engine(tmp_path_factory, encoder, annotator):
    folder = tmp_path_factory.mktemp("sphinx") / "index"
    build_index(load_corpus(DOCS, warn=print), folder, encoder, annotator)
    settings = Settings.resolve(env={}, corpus=str(DOCS), index=str(folder))
    return Engine.open(settings, encoder=encoder, build_if_missing=False)


def test_an_api_entry_is_one_passage(docs_engine):
    paragraphs = docs_engine.index.paragraphs
    [entry] = [p for p in paragraphs if "Seconds between two predicted water levels" in p.text]
    assert entry.text.startswith("Predictor.interval: (default: 600) Seconds between")
    [function] = [p for p in paragraphs if p.text.startswith("tidepool.load_stations(source")]
    assert "Return a list of Station objects" in function.text
    assert "malformed lines are skipped" in function.text
    assert not any("¶" in p.text for p in paragraphs), "permalink signs are not text"


def test_the_heading_path_is_searchable(docs_engine):
    [entry] = [p for p in docs_engine.index.paragraphs if p.text.startswith("anchors.scope(")]
    assert heading_path(entry) == "anchors — Mooring helpers › Chain length"
    answer = docs_engine.ask("anchors chain length", k=3)
    assert answer.passages[0].paragraph.section == "Chain length"
    assert all(h.paragraph.doc == "anchors.html" for h in answer.passages[:2])


def test_a_paraphrased_question_finds_its_api_entry(docs_engine):
    answer = docs_engine.ask("How often does the tide predictor compute a water level unless told otherwise?", k=3)
    assert any("Seconds between two predicted water levels" in h.paragraph.text for h in answer.passages)
    assert not answer.abstained
    assert "600" in answer.text


def test_a_lead_in_is_answered_with_the_code_it_introduces(docs_engine):
    answer = docs_engine.ask("How do I load the bundled stations?")
    assert not answer.abstained
    assert 'tidepool.load_stations("bundled")' in answer.text


def test_a_member_documented_inside_its_class_is_named_with_it(docs_engine):
    # Sphinx writes "high_waters(day)" inside the Predictor entry; a question says Predictor.high_waters().
    answer = docs_engine.ask("What does Predictor.high_waters() return?")
    assert not answer.abstained
    assert answer.citations[0].hit.paragraph.text.startswith("Predictor.high_waters(day): Return the times")
    assert "Return the times of the high waters" in answer.text


def test_an_api_the_documentation_lacks_is_not_answered(docs_engine):
    answer = docs_engine.ask("How do I call tidepool.low_waters() for tomorrow?")
    assert answer.abstained
    assert "tidepool.low_waters()" in answer.missing


def test_the_index_records_its_model_and_counts(docs_engine):
    index = load_index(docs_engine.settings.index)
    assert index.manifest.counts["documents"] == 2
    assert len(index.words) > 0


def test_a_question_naming_an_option_finds_its_entry(docs_engine):
    # On meaning and words, "stations" pulls the loading section first (it is third
    # without the entry look-up); the question names the option, so its entry leads.
    answer = docs_engine.ask("When should I use --station?", k=3)
    assert answer.passages[0].paragraph.text.startswith("-s NAME, --station=NAME: Predict for the station")
    answer = docs_engine.ask("What does the -q option do?", k=3)
    assert answer.passages[0].paragraph.text.startswith("-q: Print nothing but the times")


def test_a_question_naming_a_function_finds_the_entry_defining_it(docs_engine):
    answer = docs_engine.ask("What does tidepool.load_stations() return?", k=3)
    assert answer.passages[0].paragraph.text.startswith("tidepool.load_stations(source")
    assert "Station" in answer.text


def test_a_sentence_of_an_entry_is_read_under_its_signature(docs_engine):
    # "With strict false, malformed lines are skipped ..." never says load_stations; its
    # entry's signature does, as a heading would.
    answer = docs_engine.ask("What does tidepool.load_stations() do with malformed lines when strict is false?")
    assert not answer.abstained
    assert answer.text.startswith("With strict false, malformed lines are skipped with a warning")


def test_an_entry_outside_the_chosen_documents_is_not_brought_in(docs_engine):
    answer = docs_engine.ask("When should I use --station?", k=3, docs=["anchors.html"])
    assert all(h.paragraph.doc == "anchors.html" for h in answer.passages)


def test_an_entry_is_found_by_what_it_does(docs_engine, encoder):
    # The first sentence of an entry is embedded without its signature: its vector is
    # pooled from the description's tokens only, in the paragraph's context ...
    index = docs_engine.index
    [row] = [r for r, p in enumerate(index.paragraphs) if p.text.startswith("Predictor.high_waters(day): ")]
    paragraph = index.paragraphs[row]
    stored = index.sentence_vectors.rows(np.array([index.sentences_of_row[row][0]]))[0]
    text = embedding_text(paragraph)
    whole = text.index("Predictor.high_waters(day): ")
    description = text.index("Return the times")
    _, (expected, with_signature) = encoder.encode_with_spans([text], [[(description, len(text)), (whole, len(text))]])
    assert np.allclose(stored, expected, atol=1e-5)
    assert not np.allclose(stored, with_signature, atol=1e-3)
    # ... so a question in other words than the name finds it.
    answer = docs_engine.ask("When is the tide highest on a given date?", k=3)
    assert any(h.paragraph.text.startswith("Predictor.high_waters(day): ") for h in answer.passages[:2])


def test_a_question_naming_an_entry_is_answered_by_its_summary_first(docs_engine):
    # The summary sentence is indexed without the signature, but it stands for the whole
    # entry in the answer step: asked what a named function does, it leads (by its
    # description alone, the note on weed and rock scored higher).
    for question in ("What does anchors.holding() do?", "What is anchors.holding for?"):
        answer = docs_engine.ask(question)
        assert answer.text.startswith("anchors.holding(ground, *, anchor='plough'): Return how well an anchor"), question
