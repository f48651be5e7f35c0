"""Focus terms, context words and the missing-focus rule (pure logic, vectors made by hand)."""
from __future__ import annotations

import numpy as np
import pytest

from index.lexical import stem
from index.vocabulary import WordVectors, name_phrases, vocabulary
from qa import phrases
from qa.abstention import FocusPolicy, missing_focus, missing_reason, off_domain_reason
from qa.focus import (
    Evidence,
    FocusTerm,
    TermMatch,
    closest_rival,
    context_terms,
    focus_terms,
    match_terms,
    same_word_by_spelling,
    spelled_out,
    words_to_encode,
)
from qa.phrases import noun_phrases


def kinds(question: str) -> list[tuple[str, str]]:
    return [(t.text, t.kind) for t in focus_terms(question)]


def test_the_focus_is_the_topic_not_the_question_frame():
    assert kinds("What does the report say about flooding in Bangladesh?") == [
        ("report", "word"), ("flooding", "word"), ("Bangladesh", "name")]
    assert kinds("Is there anything about tariffs?") == [("tariffs", "word")]


def test_quantifiers_are_not_focus_words():
    # "every platform" asks about platforms: a document need not say "every" to answer it.
    assert kinds("Which function compares names the same way on every platform?") == [
        ("function", "word"), ("compares", "word"), ("names", "word"), ("platform", "word")]
    assert kinds("Do several or various modules do this?") == [("modules", "word")]


def test_identifiers_are_kept_whole():
    found = kinds("Can itertools.pairwise() or snake_case_name replace HttpClient in SQLAlchemy?")
    assert ("itertools.pairwise()", "identifier") in found
    assert ("snake_case_name", "identifier") in found
    assert ("HttpClient", "identifier") in found
    assert ("SQLAlchemy", "identifier") in found
    assert not any(text in {"itertools", "pairwise", "snake"} for text, _ in found)


def test_abbreviations_and_plural_acronyms_are_not_identifiers():
    found = kinds("Which APIs, e.g. the ones for URLs, are documented?")
    assert ("APIs", "name") in found
    assert ("URLs", "name") in found
    assert all(kind != "identifier" for _, kind in found)


def test_possessives_are_named_without_their_s():
    assert ("Lagos", "name") in kinds("What is said about Lagos's harbour?")


def test_dates_and_numbers_are_context_not_focus():
    question = "What happened at the 3rd summit in March 2021 in Oslo?"
    assert [t.word for t in focus_terms(question)] == ["happened", "summit", "oslo"]
    assert context_terms(question) == {stem("3rd"), stem("march"), "2021"}


def test_spelling_variants_of_one_word():
    assert same_word_by_spelling("japanese", "japan")
    assert same_word_by_spelling("israeli", "israel")
    assert not same_word_by_spelling("austria", "australia")
    assert not same_word_by_spelling("iran", "iraq")


def test_name_phrases_skip_sentence_openings():
    text = "Since Russia attacked, the Gulf of Aden and North Korea were discussed. On Monday Mr Smith left."
    assert name_phrases(text) == {"gulf of aden", "north korea", "monday mr"}
    assert "gulf of aden" in vocabulary([text])
    assert "attacked" in vocabulary([text])


def unit(*values: float) -> np.ndarray:
    v = np.array(values, dtype=np.float32)
    return v / np.linalg.norm(v)


@pytest.fixture()
def vectors() -> WordVectors:
    words = ["harbour", "port", "storm", "north korea"]
    rows = [unit(1, 0, 0), unit(0.9, 0.1, 0), unit(0, 1, 0), unit(0, 0, 1)]
    return WordVectors(words, np.array(rows, dtype=np.float16))


def test_terms_match_literally_by_spelling_by_acronym_or_by_vector(vectors):
    evidence = Evidence.of(["The Harbour of Oslo was hit by a storm; see UNSCRs on North Korea.", "Ports"], vectors)
    terms = [FocusTerm("harbour", "harbour", "word"), FocusTerm("Norwegian", "norwegian", "name"),
             FocusTerm("port", "port", "word"), FocusTerm("Security", "security", "name"),
             FocusTerm("dock", "dock", "word"), FocusTerm("Path.walk()", "path.walk", "identifier")]
    acronyms = {"unscr": frozenset({"un", "secur", "council", "resolut"})}
    matches = match_terms(terms, evidence, vectors, {"dock": unit(0.8, 0.2, 0), "norwegian": unit(0, 0.2, 1)}, acronyms)
    scores = {m.term.word: (round(m.score, 2), m.match) for m in matches}
    assert scores["harbour"] == (1.0, "harbour")
    assert scores["port"] == (1.0, "port")  # "Ports" in the evidence
    assert scores["security"][0] == 1.0  # the evidence writes it as UNSCR
    assert scores["dock"][1] == "harbour"
    assert 0.9 < scores["dock"][0] < 1.0
    assert scores["norwegian"][1] == "north korea"
    assert scores["path.walk"] == (0.0, "")


def test_a_lower_case_acronym_look_alike_covers_nothing(vectors):
    evidence = Evidence.of(["Our aim is peace."], vectors)
    terms = [FocusTerm("artificial", "artificial", "word")]
    [match] = match_terms(terms, evidence, vectors, {}, {"aim": frozenset({stem("artificial")})})
    assert match.score < 1.0


def test_only_words_without_vectors_are_encoded_with_the_question(vectors):
    terms = focus_terms("Is the harbour by the lighthouse, see os.path?")
    assert words_to_encode(terms, vectors) == ["lighthouse", "see"]


def match(text: str, kind: str, score: float) -> TermMatch:
    return TermMatch(FocusTerm(text, text.lower(), kind), score, "")


def test_a_missing_identifier_or_name_is_enough_to_abstain():
    policy = FocusPolicy(name_match=0.7, word_match=0.5, missing_words=2)
    assert missing_focus([match("os.walk", "identifier", 0.0), match("files", "word", 1.0)], policy)
    assert [m.term.text for m in missing_focus([match("Sudan", "name", 0.55)], policy)] == ["Sudan"]
    assert missing_focus([match("Tehran", "name", 0.74)], policy) == []


def test_one_unmatched_verb_in_a_paraphrase_is_tolerated():
    policy = FocusPolicy(name_match=0.7, word_match=0.5, missing_words=2)
    asked = [match("fired", "word", 0.38), match("rockets", "word", 0.6), match("israel", "word", 1.0)]
    assert missing_focus(asked, policy) == []
    assert len(missing_focus(asked + [match("truce", "word", 0.4)], policy)) == 2
    assert len(missing_focus([match("risotto", "word", 0.3)], policy)) == 1  # every content word missing


def test_loose_words_of_one_noun_phrase_are_missing_as_the_phrase():
    policy = FocusPolicy(word_match=0.5, missing_words=3, phrase_match=0.55)
    asked = [match("ministers", "word", 1.0), match("tidal", "word", 0.45), match("turbines", "word", 0.52)]
    [missing] = missing_focus(asked, policy, [("tidal", "turbines")])
    assert missing.term.text == "tidal turbines"
    assert missing_reason([missing]) == "The documents do not mention tidal turbines."
    assert missing_focus(asked, policy) == []  # two loose words that are no phrase: a paraphrase
    strong = [match("tidal", "word", 0.45), match("turbines", "word", 0.9), match("ministers", "word", 1.0)]
    assert missing_focus(strong, policy, [("tidal", "turbines")]) == []  # one word of the phrase is there
    assert missing_focus(asked, FocusPolicy(phrase_match=0.0), [("tidal", "turbines")]) == []  # off


def test_noun_phrases_group_the_words_of_one_phrase_only():
    assert noun_phrases("What is said about tidal turbines near the harbour?", ["tidal", "turbines"]) == [
        ("tidal", "turbines")]
    assert noun_phrases("Which harbour official took the decision?", ["official", "took"]) == []


def test_noun_phrases_parse_nothing_when_no_two_words_are_neighbours(monkeypatch):
    def no_parser(text):
        raise AssertionError("parsed although no two loose words are neighbours")

    monkeypatch.setattr(phrases, "_parse", no_parser)
    assert noun_phrases("Are turbines that are tidal allowed?", ["tidal", "turbines"]) == []
    assert noun_phrases("What about tidal turbines?", ["tidal"]) == []


def test_reasons_name_what_is_missing():
    assert missing_reason([match("Sudan", "name", 0.5)]) == "The documents do not mention Sudan."
    assert missing_reason([match("fix", "word", 0.4), match("flat", "word", 0.4), match("tyre", "word", 0.3)]) == (
        "The documents do not mention fix, flat or tyre.")
    assert "0.12" in off_domain_reason(0.12, 0.33)
    assert "0.33" in off_domain_reason(0.12, 0.33)


def test_policy_rejects_nonsense():
    with pytest.raises(ValueError):
        FocusPolicy(name_match=1.5)
    with pytest.raises(ValueError):
        FocusPolicy(missing_words=0)
    with pytest.raises(ValueError):
        FocusPolicy(off_domain_percentile=101)


def test_word_vectors_round_trip(tmp_path, vectors):
    vectors.save(tmp_path)
    loaded = WordVectors.load(tmp_path)
    assert loaded.words == vectors.words
    assert "port" in loaded
    assert "dock" not in loaded
    assert np.allclose(loaded.matrix(["storm"]), vectors.matrix(["storm"]))
    empty = WordVectors([], np.zeros((0, 3), dtype=np.float16))
    (tmp_path / "empty").mkdir()
    empty.save(tmp_path / "empty")
    assert len(WordVectors.load(tmp_path / "empty")) == 0


def test_acronyms_in_the_question_match_their_spelled_out_form():
    [wmd] = [t for t in focus_terms("What is the anti-WMD partnership for?") if t.word == "wmd"]
    assert wmd.acronym
    assert "anti" not in [t.word for t in focus_terms("What is the anti-WMD partnership for?")]
    evidence = Evidence.of(["It stops weapons of mass destruction."], WordVectors([], np.zeros((0, 3), np.float16)))
    [found] = match_terms([wmd], evidence, WordVectors([], np.zeros((0, 3), np.float16)), {})
    assert found.score == 1.0
    assert spelled_out("usa", "the united states of america")
    assert not spelled_out("wmd", "we make decisions")


def test_a_city_question_wants_a_city():
    from qa.question import answer_kind, kind_phrase

    assert answer_kind("In which city did the summit take place?") == "city"
    assert kind_phrase("In which city did the summit take place?", "city") == "a city"
    assert kind_phrase("How many ships were seized?", "count") == "a number of ships"


def named(text: str, score: float, rival: float) -> TermMatch:
    return TermMatch(FocusTerm(text, text.lower(), "name"), score, "", rival)


def test_a_name_matched_by_vector_must_stand_out_from_its_rivals():
    policy = FocusPolicy(name_match=0.7, name_ratio=0.8)
    # a city named for its country: far closer than the next country (ratio 0.26 / 0.47 = 0.55)
    assert missing_focus([named("Lisbon", 0.74, 0.53)], policy) == []
    # one neighbour among neighbours (0.26 / 0.30 = 0.87): close, but not the same place
    assert [m.term.text for m in missing_focus([named("Austria", 0.74, 0.70)], policy)] == ["Austria"]
    assert named("Paris", 1.0, 0.9).distinct(0.8)  # found literally: no rival can matter


def _unit(v):
    v = np.asarray(v, dtype=np.float32)
    return v / np.linalg.norm(v)


def test_the_closest_rival_is_no_form_of_the_match():
    words = ["korea", "north korea", "north korean", "russia", "japan"]
    matrix = np.stack([_unit([1, 0.1, 0]), _unit([1, 0, 0]), _unit([1, 0.05, 0]), _unit([0.6, 0.8, 0]),
                       _unit([0.3, 0, 1])]).astype(np.float16)
    vectors = WordVectors(words, matrix)
    query = _unit([1, 0.02, 0])
    rival = closest_rival(vectors, query, ("pyongyang", "north korea"))
    assert rival == pytest.approx(float(_unit([0.6, 0.8, 0]) @ query), abs=1e-3)  # russia, not "korea"/"north korean"
