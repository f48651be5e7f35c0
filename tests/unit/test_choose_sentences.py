"""choose_sentences: which scored sentences make the answer (pure logic, built by hand)."""
from corpus.types import Paragraph
from index.types import Hit, SentenceInfo
from qa.answering import AnswerPolicy, ScoredSentence, choose_sentences


def scored(text: str, score: float, informative: bool = True, topical=frozenset({"gil"})) -> ScoredSentence:
    paragraph = Paragraph(f"g.html#p{int(score * 100)}", "g.html", "Glossary", "", 1, text, 0, len(text))
    hit = Hit(paragraph, 1, score, score, 0.0)
    return ScoredSentence(hit, SentenceInfo(0, 0, len(text), ()), score, 1.0, score, frozenset({"gil"}),
                          frozenset(topical), informative)


def test_a_sentence_that_only_repeats_the_question_never_leads():
    term = scored("GIL", 0.95, informative=False)
    definition = scored("The global interpreter lock lets one thread run bytecode at a time.", 0.80)
    chosen, reason = choose_sentences("What is the GIL?", [term, definition], AnswerPolicy())
    assert [s.text for s in chosen] == [definition.text] and reason == ""


def test_only_question_words_everywhere_is_an_abstention():
    chosen, reason = choose_sentences("What is the GIL?", [scored("GIL", 0.95, informative=False)], AnswerPolicy())
    assert chosen == [] and "repeat the question" in reason
