"""read_html and read_pdf: main content, sections, titles, pages, spans, refusals."""
from __future__ import annotations

import io

import pytest
from pypdf import PdfReader, PdfWriter

from corpus import CorpusError
from corpus.html import extracted_text, read_html
from corpus.pdf import extracted_text as pdf_extracted_text
from corpus.pdf import read_pdf
from tests.data.formats.minimal_pdf import make_pdf

PAGE = b"""<!DOCTYPE html>
<html><head><title>Water Policy Brief | Example Institute</title>
<script>var tracker = "secret tracker code";</script>
<style>body { color: red; }</style></head>
<body>
<header><div class="logo">Example Institute</div>
<nav><a href="/">Home</a> | <a href="/about">About us</a> | <a href="/contact">Contact</a></nav></header>
<div id="cookie-banner" class="cookie-consent">We use cookies to improve your experience. Accept all cookies?</div>
<aside class="sidebar"><h3>Related posts</h3><ul><li><a href="/x">Another brief on rivers</a></li></ul></aside>
<main><article>
<h1>Water Policy Brief</h1>
<p>The river basin supplies drinking water to four million people across three regions.</p>
<h2>Groundwater</h2>
<p>Aquifer levels fell by two metres between 2010 and 2020 because pumping exceeded recharge.</p>
<p>Wells in the northern districts now reach ninety metres, twice their depth in 1990.</p>
<h2>Recommendations</h2>
<p>Metering every well and pricing extraction would slow the decline, the modelling shows.</p>
<ul><li>Meter every agricultural well by 2026.</li><li>Publish extraction data every quarter.</li></ul>
<table><tr><th>Region</th><th>Wells</th></tr><tr><td>North</td><td>1200</td></tr></table>
</article></main>
<footer><p>&copy; 2024 Example Institute. All rights reserved.</p><a href="/privacy">Privacy policy</a></footer>
</body></html>
"""

CHROME = ("Home", "About us", "cookies", "Related posts", "Another brief", "All rights reserved",
          "Privacy policy", "tracker", "color: red", "Example Institute")


def test_html_keeps_main_content_only():
    page = read_html(PAGE, "brief.html")
    texts = [b.text for b in page.blocks]
    assert "The river basin supplies drinking water to four million people across three regions." in texts
    for block in page.blocks:
        for chrome in CHROME:
            assert chrome not in block.text, (chrome, block.text)


def test_html_headings_title_lists_and_tables():
    page = read_html(PAGE, "brief.html")
    assert page.title == "Water Policy Brief"
    kinds = [(b.kind, b.text) for b in page.blocks]
    assert ("heading", "Water Policy Brief") not in kinds  # the h1 copies the title
    assert [text for kind, text in kinds if kind == "heading"] == ["Groundwater", "Recommendations"]
    assert ("paragraph", "Meter every agricultural well by 2026.") in kinds
    assert ("paragraph", "Region: North; Wells: 1200") in kinds


def test_html_permalink_anchors_do_not_end_titles_and_sections():
    page = read_html(
        "<html><body><main><h1>Numbers<a class=\"headerlink\" href=\"#n\">¶</a></h1>"
        "<p>The interpreter acts as a simple calculator for integers and floats alike.</p>"
        "<h2 id=\"div\">Division<a href=\"#div\">#</a></h2>"
        "<p>Division always returns a float; floor division drops the fractional part.</p>"
        "<p>See <a href=\"#div\">the section on division</a> for details about rounding.</p>"
        "</main></body></html>".encode(), "numbers.html")
    assert page.title == "Numbers"
    assert [b.text for b in page.blocks if b.kind == "heading"] == ["Division"]
    assert "See the section on division for details about rounding." in [b.text for b in page.blocks]


def test_html_spans_point_into_the_extracted_text():
    page = read_html(PAGE, "brief.html")
    text = extracted_text(page)
    assert page.metadata["span_basis"] == "extracted-text"
    for block in page.blocks:
        assert text[block.start:block.end] == block.text


def test_html_script_content_never_becomes_a_paragraph_but_visible_markup_text_does():
    data = (
        b"<html><head><title>Escaping</title></head><body><article>"
        b"<p>The form must escape user input before it shows it back on the page.</p>"
        b"<script>alert(1)</script>"
        b"<p>Typing &lt;script&gt;alert(2)&lt;/script&gt; in the box must show those characters as text.</p>"
        b"<noscript>Enable JavaScript to see the map.</noscript>"
        b"</article></body></html>"
    )
    texts = [b.text for b in read_html(data, "x.html").blocks]
    assert not any("alert(1)" in t for t in texts)
    assert not any("Enable JavaScript" in t for t in texts)
    assert "Typing <script>alert(2)</script> in the box must show those characters as text." in texts


def test_html_without_a_title_is_named_after_the_file():
    data = b"<html><body><p>Only one plain paragraph of text sits on this page.</p></body></html>"
    assert read_html(data, "notes/plain-page.htm").title == "plain-page"


def test_html_without_main_text_is_refused_or_left_empty():
    with pytest.raises(CorpusError, match="empty.html: no main text found"):
        read_html(b"\x00\x01\x02", "empty.html")
    assert read_html(b"<html><body><nav>Home | About</nav></body></html>", "nav.html").blocks == ()


REPORT = [
    [
        "Water Policy Brief",
        "Introduction",
        "The river basin supplies drinking water to four million people across",
        "three regions, and demand keeps rising every year because of inter-",
        "national trade in food.",
        "A second paragraph starts after a short closing line.",
        "Demand rose by a tenth between 2010 and",
        "2020 according to the utility.",
        "1",
    ],
    [
        "Groundwater",
        "Aquifer levels fell by two metres between 2010 and 2020 because pumping",
        "exceeded recharge in most districts.",
        "Page 2 of 2",
    ],
]


def test_pdf_text_per_page_with_pages_title_and_sections():
    result = read_pdf(make_pdf(REPORT, title="Water Brief 2024"), "brief.pdf")
    assert result.title == "Water Brief 2024"
    paragraphs = [(page, b.text) for b, page in ((b, b.page) for b in result.blocks) if b.kind == "paragraph"]
    assert paragraphs == [
        (1, "The river basin supplies drinking water to four million people across three regions, "
            "and demand keeps rising every year because of international trade in food."),
        (1, "A second paragraph starts after a short closing line."),
        (1, "Demand rose by a tenth between 2010 and 2020 according to the utility."),
        (2, "Aquifer levels fell by two metres between 2010 and 2020 because pumping "
            "exceeded recharge in most districts."),
    ]
    headings = [(page, b.text) for b, page in ((b, b.page) for b in result.blocks) if b.kind == "heading"]
    assert headings == [(1, "Introduction"), (2, "Groundwater")]
    assert result.metadata["pages"] == 2


def test_pdf_title_falls_back_to_the_first_heading_like_line_then_the_file_name():
    assert read_pdf(make_pdf(REPORT), "brief.pdf").title == "Water Policy Brief"
    prose = [["The whole page is a single sentence of running text without any heading."]]
    assert read_pdf(make_pdf(prose), "reports/annual.pdf").title == "annual"


def test_pdf_hyphen_is_kept_when_the_next_line_starts_upper_case():
    pages = [["The agreement covers the Asia-", "Pacific region and its many coastal states as well."]]
    (block,) = read_pdf(make_pdf(pages), "x.pdf").blocks
    assert block.text == "The agreement covers the Asia- Pacific region and its many coastal states as well."


def test_pdf_spans_point_into_the_extracted_text():
    data = make_pdf(REPORT)
    result = read_pdf(data, "brief.pdf")
    text = pdf_extracted_text(data, "brief.pdf")
    assert result.metadata["span_basis"] == "extracted-text"
    assert text.count("\f") == 1
    for block, page in ((b, b.page) for b in result.blocks):
        source = text[block.start:block.end]
        assert " ".join(source.replace("-\n", "").split()) == block.text
        assert text[:block.start].count("\f") == page - 1


def test_pdf_running_heads_and_feet_are_dropped():
    facts = ["Rain fell on {} days.", "Rivers rose in {} towns.", "Wells dried in {} villages.",
             "Crops failed {} times."]
    pages = [["Annual Report 2024", fact.format(n + 3), f"Annual Report, page {n + 1}"]
             for n, fact in enumerate(facts)]
    texts = [b.text for b in read_pdf(make_pdf(pages, title="Report"), "r.pdf").blocks]
    assert texts == [fact.format(n + 3) for n, fact in enumerate(facts)]


def test_encrypted_pdf_is_refused():
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(make_pdf(REPORT))))
    writer.encrypt("secret", algorithm="RC4-128")
    out = io.BytesIO()
    writer.write(out)
    with pytest.raises(CorpusError, match=r"locked\.pdf: encrypted PDF"):
        read_pdf(out.getvalue(), "locked.pdf")


@pytest.mark.parametrize("data", [b"%PDF", b"%PDF-1.4\n garbage \x00\x01 no objects\n%%EOF", b"hello"])
def test_broken_pdf_is_refused_in_one_line(data):
    with pytest.raises(CorpusError, match=r"^broken\.pdf: not a readable PDF") as caught:
        read_pdf(data, "broken.pdf")
    assert "\n" not in str(caught.value)


def test_pdf_without_a_text_layer_is_refused():
    with pytest.raises(CorpusError, match=r"scan\.pdf: no extractable text \(scanned\?\)"):
        read_pdf(make_pdf([[], []]), "scan.pdf")


def test_pdf_contents_entries_roman_page_numbers_and_numbered_headings():
    pages = [
        ["Contents", "1 Water . . . . . . . . 1", "2 Soil . . . . . . . . . 2", "iii"],
        ["1 Water", "1.1 Rivers", "Rivers carry most of the water in summer.",
         "Most of it is taken upstream of the city, before the river reaches the", "industrial districts.",
         "2 Soil", "Soil holds water between rains and releases it slowly to the plants."],
    ]
    result = read_pdf(make_pdf(pages, title="Land and Water"), "land.pdf")
    blocks = [(page, b.kind, b.text) for b, page in ((b, b.page) for b in result.blocks)]
    assert blocks == [
        (2, "heading", "1.1 Rivers"),
        (2, "paragraph", "Rivers carry most of the water in summer."),
        (2, "paragraph",
         "Most of it is taken upstream of the city, before the river reaches the industrial districts."),
        (2, "heading", "2 Soil"),
        (2, "paragraph", "Soil holds water between rains and releases it slowly to the plants."),
    ]


FRAGMENTS = b"""<html><head><title>Parsers</title></head><body><main>
<h1>Parsers</h1>
<p>Parsing a TOML string:</p>
<pre><code>data = loads(text)</code></pre>
<div class="admonition note"><p class="admonition-title">Note</p>
<p>The parser never writes files, it only reads them.</p></div>
<h2>Index</h2>
<ul><li><p>Reader</p></li><li><p>Writer</p></li><li><p>Scanner</p></li></ul>
<p>See also</p>
<h2>Details</h2>
<p>Each call returns a new dictionary built from the text given.</p>
</main></body></html>"""


def test_html_lead_ins_and_note_labels_join_the_block_they_introduce():
    texts = [b.text for b in read_html(FRAGMENTS, "p.html").blocks if b.kind == "paragraph"]
    assert "Parsing a TOML string: data = loads(text)" in texts
    assert "Note: The parser never writes files, it only reads them." in texts


def test_html_name_lists_and_labels_before_a_heading_stay_as_they_are():
    page = read_html(FRAGMENTS, "p.html")
    texts = [b.text for b in page.blocks]
    assert [t for t in texts if t in ("Reader", "Writer", "Scanner")] == ["Reader", "Writer", "Scanner"]
    assert "See also" in texts  # never glued across the heading that follows
    assert all(extracted_text(page)[b.start:b.end] == b.text for b in page.blocks)
