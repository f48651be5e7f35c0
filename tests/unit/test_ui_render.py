"""HTML and Markdown rendering of answers (ui.render), without gradio."""
from __future__ import annotations

import re
from dataclasses import replace
from datetime import datetime
from html.parser import HTMLParser

import pytest

from corpus.types import Paragraph
from index.types import Hit
from qa.types import Answer, Citation
from ui.render import Turn, conversation_markdown, highlight, md_escape, render_conversation, turn_text

PAYLOADS = ["<script>alert(1)</script>", "<img src=x onerror=alert(1)>", "[x](javascript:alert(1))",
            '"><svg onload=alert(1)>', "${alert(1)}", "{{constructor.constructor('alert(1)')()}}"]


def para(n: int, text: str, title: str = "Declaration", section: str = "Africa", doc: str = "d.txt") -> Paragraph:
    return Paragraph(f"{doc}#p{n}", doc, title, section, n, text, 0, len(text))


def hit(p: Paragraph, rank: int = 1, score: float = 0.86) -> Hit:
    return Hit(p, rank=rank, score=score, dense=0.7, lexical=1.0)


def answered(text: str = "Thirty countries are involved. Over 150 experts came.") -> Answer:
    p1, p2 = para(4, text), para(7, "The meeting was in Rome. Over 150 experts came.", section="")
    c1 = Citation(1, hit(p1, 2), ((0, 30),))
    c2 = Citation(2, hit(p2, 1, 0.91), ((25, 47),))
    return Answer("How many?", "Thirty countries are involved. [1] Over 150 experts came. [2]", False, (c1, c2),
                  (c2.hit, c1.hit))


def abstained() -> Answer:
    hits = (hit(para(44, "We share best practices."), 1, 0.76), hit(para(41, "Dialogue on industry."), 2, 0.74))
    return Answer("GDP?", "The documents do not answer this question.", True, (), hits,
                  reason="No passage states a percentage.")


class Elements(HTMLParser):
    """Collects start tags with their attributes."""

    def __init__(self):
        super().__init__()
        self.tags: list[tuple[str, dict]] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))


def tags(html: str) -> list[tuple[str, dict]]:
    parser = Elements()
    parser.feed(html)
    return parser.tags


def test_answer_with_markers_sources_and_highlights():
    turn = Turn("How many?", "How many?", answer=answered())
    html = render_conversation([turn])
    links = [a for t, a in tags(html) if t == "a"]
    assert [a["href"] for a in links] == ["#cq-t0-s1", "#cq-t0-s2"]
    ids = [a.get("id") for t, a in tags(html) if t == "li"]
    assert ids == ["cq-t0-s1", "cq-t0-s2"]
    assert "<mark>Thirty countries are involved.</mark>" in html
    assert "<mark>Over 150 experts came.</mark>" in html
    assert "Declaration" in html
    assert "Africa" in html
    assert "¶ 4" in html
    assert "score 0.86" in html
    assert "Sources" in html
    assert "Closest passages" not in html
    assert "understood as" not in html


def test_abstention_shows_closest_passages_not_citations():
    html = render_conversation([Turn("GDP?", "GDP?", answer=abstained())])
    assert "cq-abstained" in html
    assert "Closest passages" in html
    assert "not an answer" in html
    assert "No passage states a percentage." in html
    assert "cq-sources" not in html
    assert "<a " not in html
    assert "<mark>" not in html
    assert "#1" in html
    assert "We share best practices." in html


def test_follow_up_shows_what_was_understood():
    turn = Turn("and what about Africa?", "What does the G7 say about Africa?", answer=abstained())
    assert "understood as: What does the G7 say about Africa?" in render_conversation([turn])


def test_the_models_search_guess_is_shown_collapsed_and_escaped_apart_from_the_answer():
    guess = "The G7 funds <b>it</b> through the Global Partnership."
    html = render_conversation([Turn("Who pays?", "Who pays?", answer=replace(answered(), search_guess=guess))])
    question, answer = html.split('<div class="cq-a">', 1)
    assert "also searched with the model's guess — not an answer" in question
    assert "funds &lt;b&gt;it&lt;/b&gt;" in question  # shown as text
    assert "<details" in question
    assert "Global Partnership" not in answer
    failed = replace(answered(), search_guess_error="cannot reach the language model; searched with the question alone")
    assert "searched with the question alone" in render_conversation([Turn("Who pays?", "Who pays?", answer=failed)])
    assert "cq-guess" not in render_conversation([Turn("Who pays?", "Who pays?", answer=answered())])


def test_error_turn_is_a_message():
    html = render_conversation([Turn("x" * 50, "", error="the question is 50 characters long; the limit is 10")])
    assert 'role="alert"' in html
    assert "the limit is 10" in html


def test_context_marks_the_source_among_its_neighbours():
    a = answered()
    around = (para(3, "Before."), a.citations[0].hit.paragraph, para(5, "After.", section="Asia"))
    html = render_conversation([Turn("q", "q", answer=a, context={around[1].id: around})])
    assert html.count("<details") == 1
    assert "Show in context" in html
    body = html[html.index("<details"):html.index("</details>")]
    assert body.index("Before.") < body.index("cq-ctx-hit") < body.index("After.")
    assert '<div class="cq-ctx-section">Asia</div>' in body


def test_empty_chat_offers_examples():
    html = render_conversation([], examples=["What is <the> G7?"])
    buttons = [a for t, a in tags(html) if t == "button"]
    assert buttons == [{"type": "button", "class": "cq-example", "data-question": "What is <the> G7?"}]
    assert "&lt;the&gt;" in html


@pytest.mark.parametrize("payload", PAYLOADS)
def test_payloads_in_corpus_and_question_render_inert(payload):
    p = para(1, f"Intro {payload} outro.", title=payload, section=payload, doc=payload)
    a = Answer(payload, f"Intro {payload} outro. [1]", False, (Citation(1, hit(p), ((0, 8),)),), (hit(p),))
    turns = [Turn(payload, payload + " again", answer=a, context={p.id: (p,)}),
             Turn(payload, payload, answer=Answer(payload, "No.", True, (), (hit(p),), reason=payload)),
             Turn(payload, payload, error=payload)]
    html = render_conversation(turns, examples=[payload])
    for tag, attrs in tags(html):
        assert tag in {"div", "article", "p", "a", "mark", "span", "section", "h4", "ol", "li", "blockquote",
                       "details", "summary", "button", "small", "svg", "path"}
        assert not any(k.startswith("on") for k in attrs), attrs
        assert all("javascript:" not in (v or "") for k, v in attrs.items() if k == "href")
    assert "<script" not in html
    assert "<img" not in html
    assert html.count("<svg") == 4  # only the two thumbs of the two answers
    assert "&lt;" in html or "<" not in payload


def test_highlight_clamps_and_skips_overlaps():
    assert highlight("abcdef", [(4, 99), (-3, 2), (1, 3)]) == "<mark>ab</mark>cd<mark>ef</mark>"
    assert highlight("a&b", []) == "a&amp;b"


def test_markdown_export_has_every_citation_and_its_source():
    turns = [Turn("How many?", "How many?", answer=answered(), vote="up"),
             Turn("and GDP?", "How many GDP?", answer=abstained()),
             Turn("bad", "", error="the question is empty")]
    md = conversation_markdown(turns, now=datetime(2025, 1, 2, 3, 4))
    assert md.startswith("# Conversation with the documents\n\n_Exported 2025-01-02 03:04")
    assert "## 1. How many?" in md
    assert "Thirty countries are involved. [1] Over 150 experts came. [2]" in md
    assert "[1] Declaration — Africa — paragraph 4 (`d.txt#p4`, score 0.860)" in md
    assert "> Thirty countries are involved. Over 150 experts came." in md
    assert "> Used: “The meeting was in Rome.”" not in md
    assert "> Used: “Over 150 experts came.”" in md
    assert "_Understood as: How many GDP?_" in md
    assert "Closest passages (not an answer)" in md
    assert "**Error:** the question is empty" in md
    assert "_Feedback: helpful_" in md


def test_markdown_export_escapes_payloads():
    p = para(1, "[x](javascript:alert(1)) <script>alert(1)</script>", title="<img src=x onerror=alert(1)>")
    a = Answer("[y](javascript:1)", "[x](javascript:alert(1)) [1]", False, (Citation(1, hit(p), ((0, 24),)),), (hit(p),))
    md = conversation_markdown([Turn("[y](javascript:1)", "[y](javascript:1)", answer=a)])
    assert not re.search(r"(?<!\\)\[[xy]\]\(", md)  # no live link
    assert not re.search(r"(?<!\\)<", md)            # no raw tag: every < is escaped
    assert "\\[x\\](javascript:alert(1)) [1]" in md


def test_md_escape_collapses_whitespace():
    assert md_escape("a\n\n# b") == "a \\# b"


def test_copy_text_is_plain():
    text = turn_text(Turn("How many?", "How many?", answer=answered()))
    assert text.startswith("Thirty countries are involved. [1]")
    assert "[2] Declaration — paragraph 7: Over 150 experts came." in text


def generated() -> Answer:
    from dataclasses import replace

    from qa.verify import Unverified

    extractive = answered()
    return replace(extractive, text="Thirty countries take part. [1]", citations=extractive.citations[:1],
                   generated=True, model="<b>tiny</b>", extractive=extractive,
                   unverified=(Unverified("It began in 1850. <script>", "The cited passages do not state 1850."),))


def test_a_generated_answer_is_labelled_and_shows_what_was_removed_and_the_extractive_answer():
    page = render_conversation([Turn("How many?", "How many?", answer=generated())])
    assert "generated by &lt;b&gt;tiny&lt;/b&gt;, each sentence checked" in page
    assert "1 sentence removed: not supported by the cited passages" in page
    assert "It began in 1850. &lt;script&gt;" in page
    assert "The cited passages do not state 1850." in page
    assert "Show the extractive answer" in page
    assert "Over 150 experts came. [2]" in page  # the extractive text, markers plain
    assert "<script>" not in page


def test_a_generated_answer_exports_its_label_and_removed_sentences():
    markdown = conversation_markdown([Turn("How many?", "How many?", answer=generated())], now=datetime(2026, 1, 1))
    assert "_Generated by \\<b\\>tiny\\</b\\>, each sentence checked against its cited passage._" in markdown
    assert "It began in 1850. \\<script\\> — The cited passages do not state 1850." in markdown
