"""Abstention on the real corpus with the real model: off-domain, missing focus, paraphrases, context."""
from __future__ import annotations

from qa.answering import ABSTAIN_TEXT


def test_an_off_domain_question_abstains(engine):
    answer = engine.ask("How do I descale an espresso machine?")
    assert answer.abstained
    assert answer.text == ABSTAIN_TEXT
    assert answer.citations == ()
    assert answer.passages, "the closest passages are still shown"


def test_an_adjacent_topic_abstains_naming_what_is_missing(engine):
    answer = engine.ask("What do the ministers say about the civil war in Myanmar?")
    assert answer.abstained
    assert "Myanmar" in answer.missing
    assert answer.reason == "The documents do not mention Myanmar."


def test_a_phrase_whose_words_are_all_missing_abstains_naming_the_phrase(engine):
    answer = engine.ask("What do the ministers say about drone swarms?")
    assert answer.abstained
    assert answer.missing == ("drone swarms",)
    assert answer.reason == "The documents do not mention drone swarms."
    # One loose word in a phrase is the asker's wording, not a missing topic.
    answer = engine.ask("What do the ministers say about Tehran's missile strikes?")
    assert not answer.abstained
    assert "ballistic missiles" in answer.text


def test_a_neighbouring_country_is_not_the_country_it_resembles(engine):
    """Brazil's vector is close to Germany's, but as close to other countries: a neighbour, not a name for it."""
    answer = engine.ask("What do the ministers say about Brazil?")
    [brazil] = [m for m in answer.focus if m.term.text == "Brazil"]
    assert brazil.score >= engine.focus_policy.name_match  # close enough by the cosine alone
    assert answer.abstained
    assert answer.reason == "The documents do not mention Brazil."


def test_a_capital_standing_for_its_country_is_found(engine):
    answer = engine.ask("What do the ministers want from Tokyo?")
    assert not answer.abstained, answer.reason
    [tokyo] = [m for m in answer.focus if m.term.text == "Tokyo"]
    assert tokyo.match == "japan"


def test_a_code_name_the_documents_lack_is_missing_even_if_its_parts_are_common(engine):
    answer = engine.ask("How does security_council.vote() work?")
    assert answer.abstained
    assert "security_council.vote()" in answer.missing


def test_a_paraphrase_in_other_words_answers_with_the_right_citation(engine):
    answer = engine.ask("What do the ministers say about Russia's threats to use atomic weapons?")
    assert not answer.abstained, answer.reason
    assert answer.missing == ()
    used = [c.hit.paragraph.text[a:b].lower() for c in answer.citations for a, b in c.spans]
    assert any("nuclear" in sentence for sentence in used)


def test_a_date_given_as_context_does_not_block_the_place(engine):
    answer = engine.ask("Where did the G7 defense ministers meet in October 2024?")
    assert not answer.abstained, answer.reason
    assert "Naples" in answer.text


def test_a_typed_question_names_the_missing_kind(engine):
    answer = engine.ask("How many tanks did the ministers promise to Ukraine?")
    assert answer.abstained
    assert "tanks" in answer.reason
    assert answer.reason == "No passage states a number of tanks." or "tanks" in answer.missing


def test_focus_is_reported_for_every_answer(engine):
    answer = engine.ask("Which vessel should the Houthis release?")
    assert not answer.abstained
    assert answer.missing == ()
    data = answer.to_dict()
    assert data["missing"] == []
    assert {f["term"] for f in data["focus"]} >= {"vessel", "Houthis"}
    assert all(f["score"] >= 0.5 for f in data["focus"])
