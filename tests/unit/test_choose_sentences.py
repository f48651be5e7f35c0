"""choose_sentences: which scored sentences make the answer (pure logic, built by hand)."""
from corpus.types import Paragraph
from index.types import Hit, SentenceInfo
from qa.answering import (
    AnswerPolicy,
    ScoredSentence,
    choose_sentences,
    complete_lead_ins,
    complete_references,
    points_back,
)


def scored(text: str, score: float, informative: bool = True, topical=frozenset({"gil"}), number: int = 1) -> ScoredSentence:
    paragraph = Paragraph(f"g.html#p{number}", "g.html", "Glossary", "", number, text, 0, len(text))
    hit = Hit(paragraph, 1, score, score, 0.0)
    return ScoredSentence(hit, SentenceInfo(0, 0, len(text), ()), score, 1.0, score, frozenset({"gil"}),
                          frozenset(topical), informative)


def test_a_sentence_that_only_repeats_the_question_never_leads():
    term = scored("GIL", 0.95, informative=False)
    definition = scored("The global interpreter lock lets one thread run bytecode at a time.", 0.80)
    chosen, reason = choose_sentences("What is the GIL?", [term, definition], AnswerPolicy())
    assert [s.text for s in chosen] == [definition.text]
    assert reason == ""


def test_only_question_words_everywhere_is_an_abstention():
    chosen, reason = choose_sentences("What is the GIL?", [scored("GIL", 0.95, informative=False)], AnswerPolicy())
    assert chosen == []
    assert "repeat the question" in reason


def in_order(*texts: str) -> list[ScoredSentence]:
    """Sentences of one document, one paragraph each, scored in the order given."""
    return [scored(t, 0.9 - i / 100, number=i + 1) for i, t in enumerate(texts)]


def follower_in(document: list[ScoredSentence]):
    def next_of(s):
        at = document.index(s)
        return document[at + 1] if at + 1 < len(document) else None
    return next_of


def test_a_lead_in_ending_in_a_colon_is_followed_by_what_it_introduces():
    doc = in_order("Create an environment with the command venv:", "python3 -m venv /path/to/env",
                   "The environment holds its own site directory.")
    chosen = complete_lead_ins([doc[0], doc[2]], follower_in(doc), max_sentences=3)
    assert [s.text for s in chosen] == [doc[0].text, doc[1].text, doc[2].text]


def test_a_continuation_counts_but_never_leaves_a_lead_in_dangling():
    doc = in_order("A", "Its form is:", "x = [e for e in s]", "B")
    chosen = complete_lead_ins([doc[0], doc[1], doc[3]], follower_in(doc), max_sentences=2)
    assert [s.text for s in chosen] == ["A", "Its form is:", "x = [e for e in s]"]


def test_an_already_chosen_continuation_moves_up_once_and_a_long_one_is_left_out():
    doc = in_order("Like this:", "for line in f: print(line)", "Then this:", "y" * 401)
    chosen = complete_lead_ins([doc[2], doc[0], doc[1]], follower_in(doc), max_sentences=3)
    assert [s.text for s in chosen] == ["Then this:", "Like this:", "for line in f: print(line)"]


def test_a_lead_in_at_the_end_of_its_document_stays_as_it_is():
    doc = in_order("The last words are:")
    assert complete_lead_ins(doc, follower_in(doc), max_sentences=3) == doc


def predecessor_in(document: list[ScoredSentence]):
    def previous_of(s):
        at = document.index(s)
        return document[at - 1] if at > 0 else None
    return previous_of


def test_sentences_that_point_back_are_told_apart_from_those_that_do_not():
    assert points_back("This function returns the annotations dict.")
    assert points_back("It is called once per import.")
    assert points_back("In this case, the lock is released.")
    assert points_back("On newer versions, calling these methods is safe.")
    assert not points_back("Thistle grows in Scotland.")
    assert not points_back("The module does this for you.")
    assert not points_back("Items are sorted by key, then by value.")


def test_a_sentence_that_points_back_is_read_with_the_one_before_it():
    doc = in_order("Version 2 adds a function: tally().", "Calling this function is the best practice.", "Other.")
    chosen = complete_references([doc[1], doc[2]], predecessor_in(doc))
    assert [s.text for s in chosen] == [doc[0].text, doc[1].text, doc[2].text]


def test_no_sentence_is_added_twice_nor_one_that_points_back_itself():
    doc = in_order("A parser reads tables.", "It returns rows.", "They are lists.")
    assert [s.text for s in complete_references([doc[0], doc[1]], predecessor_in(doc))] == [doc[0].text, doc[1].text]
    assert [s.text for s in complete_references([doc[2]], predecessor_in(doc))] == [doc[2].text]
    assert complete_references([doc[0]], predecessor_in(doc)) == [doc[0]]


def with_entities(text: str, score: float, entities=()) -> ScoredSentence:
    paragraph = Paragraph("d.html#p1", "d.html", "Docs", "", 1, text, 0, len(text))
    return ScoredSentence(Hit(paragraph, 1, score, score, 0.0), SentenceInfo(0, 0, len(text), tuple(entities)),
                          score, 1.0, score, frozenset({"note"}), frozenset({"note"}))


def test_where_over_passages_without_places_asks_for_a_position():
    notes = with_entities("Notes appear in the standard traceback after the exception string.", 0.8)
    chosen, reason = choose_sentences("Where do the notes show up?", [notes], AnswerPolicy())
    assert chosen == [notes]
    assert reason == ""


def test_when_over_passages_without_dates_asks_for_a_condition():
    runs = with_entities("The else clause runs when the try clause raises no exception.", 0.8)
    assert choose_sentences("When does the else clause run?", [runs], AnswerPolicy()) == ([runs], "")
    # A question that names the unit it wants still needs a date.
    assert choose_sentences("In what year did the else clause appear?", [runs], AnswerPolicy()) == (
        [], "No passage states a year.")


def test_where_over_passages_with_places_still_wants_one():
    text = "The ministers met in Naples. The notes were long."
    met = with_entities(text, 0.8, [("GPE", 21, 27)])
    chosen, _ = choose_sentences("Where did the ministers meet?", [met], AnswerPolicy())
    assert chosen == [met]
    weak = ScoredSentence(met.hit, met.info, 0.8, 0.1, 0.8, frozenset(), frozenset())  # covers nothing asked
    assert choose_sentences("Where did the ministers meet?", [weak], AnswerPolicy()) == ([], "No passage states a place.")


def test_a_sentence_two_entries_share_is_said_once():
    # Two API entries of one page end with the same sentence; the answer says it once.
    raised = "If the data is not valid, a DecodeError is raised."
    first, repeat, other = scored(raised, 0.90, number=1), scored(raised, 0.89, number=2), scored(
        "Decoding stops at the first  error.", 0.88, number=3)
    chosen, _ = choose_sentences("What is raised for invalid data?", [first, repeat, other], AnswerPolicy())
    assert [s.hit.paragraph.id for s in chosen] == ["g.html#p1", "g.html#p3"]


def test_a_sentence_two_follow_ups_share_is_said_once():
    limit = "This limit keeps the stack from overflowing."
    lead = scored("get_limit(): Return the current limit.", 0.90, number=1)
    first_copy, second_copy = scored(limit, 0.89, number=2), scored(limit, 0.88, number=1)
    chosen, _ = choose_sentences("What is the limit?", [lead, first_copy, second_copy], AnswerPolicy())
    assert [s.text for s in chosen].count(limit) == 1


def counting(text: str, coverage: float, number: tuple[int, int], paragraph_number: int = 1) -> ScoredSentence:
    """A sentence whose only entity is a count at ``number`` (start, end), covering ``coverage`` of the question."""
    paragraph = Paragraph(f"g.html#p{paragraph_number}", "g.html", "Partnership", "", paragraph_number, text, 0,
                          len(text))
    return ScoredSentence(Hit(paragraph, 1, 0.7, 0.7, 0.0), SentenceInfo(0, 0, len(text), (("CARDINAL", *number),)),
                          0.7, coverage, 0.7, frozenset({"countri"}), frozenset({"countri"}))


def test_a_number_counting_the_asked_noun_needs_half_the_coverage():
    # "take part" is "are involved" in the sentence: less than half of the question is covered.
    thirty = counting("Thirty countries are involved in the initiative.", 0.46, (0, 6))
    assert choose_sentences("How many countries take part?", [thirty], AnswerPolicy()) == ([thirty], "")
    # A number that counts something else still needs the whole bar.
    experts = counting("Thirty experts from many countries are involved.", 0.46, (0, 6))
    assert choose_sentences("How many countries take part?", [experts], AnswerPolicy()) == (
        [], "No passage states a number of countries.")
    # Half the bar is still a bar.
    assert choose_sentences("How many countries take part?", [counting(thirty.text, 0.2, (0, 6))], AnswerPolicy())[0] == []


def test_the_counted_noun_may_be_named_in_other_words():
    thirty = counting("Thirty countries are involved in the initiative.", 0.46, (0, 6))
    assert choose_sentences("How many nations take part?", [thirty], AnswerPolicy())[0] == []  # stems differ
    close = {("nations", "countries")}
    assert choose_sentences("How many nations take part?", [thirty], AnswerPolicy(),
                            lambda a, b: a == b or (a, b) in close) == ([thirty], "")


def test_a_number_of_the_asked_thing_leads_over_a_number_of_something_else():
    groups = counting("The partnership meets in five expert-level sub-working groups.", 0.9, (25, 29), 2)
    thirty = counting("Thirty countries are involved in the initiative.", 0.46, (0, 6))
    chosen, _ = choose_sentences("How many countries take part?", [groups, thirty], AnswerPolicy())
    assert chosen == [thirty]
