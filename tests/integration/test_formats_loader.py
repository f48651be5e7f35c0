"""load_corpus on folders mixing .txt, .md, .html and .pdf files (and formats it skips)."""
from __future__ import annotations

import io

import pytest
from pypdf import PdfReader, PdfWriter

from corpus import Paragraph, load_corpus
from tests.data.formats.minimal_pdf import make_pdf

HTML = """<!DOCTYPE html>
<html><head><title>River Report</title><script>window.track("visit");</script></head>
<body>
<header><nav><a href="/">Home</a> | <a href="/news">News</a> | <a href="/contact">Contact</a></nav></header>
<div class="cookie-banner">This site uses cookies. Accept cookies to continue.</div>
<main>
<h1>River Report</h1>
<p>The river carried twice its usual volume of water through the city in March.</p>
<h2>Flood defences</h2>
<p>The new embankment held, although the water came within a metre of its crest.</p>
</main>
<footer>&copy; 2024 River Agency. All rights reserved.</footer>
</body></html>
"""

PDF_PAGES = [
    ["Summary", "Rainfall in the basin reached a record level for the month of March, the",
     "highest since 1952.", "The reservoirs were full by the middle of the month."],
    ["Outlook", "Engineers expect the embankment to need repairs before the next winter."],
]


def load(folder):
    warnings = []
    return load_corpus(folder, warnings.append), warnings


@pytest.fixture
def mixed(tmp_path):
    (tmp_path / "notes.txt").write_text("Notes\n\nThe gauge at the old bridge was read every hour.\n", encoding="utf-8")
    (tmp_path / "guide.md").write_text("# Guide\n\n## Gauges\n\nRead the gauge from the left bank.\n", encoding="utf-8")
    (tmp_path / "web").mkdir()
    (tmp_path / "web" / "report.html").write_text(HTML, encoding="utf-8")
    (tmp_path / "web" / "old.htm").write_bytes(
        "<html><body><p>Le débit a doublé en mars dans toute la ville.</p></body></html>".encode("cp1252")
    )
    (tmp_path / "report.pdf").write_bytes(make_pdf(PDF_PAGES, title="Basin Report March"))
    (tmp_path / "letter.docx").write_bytes(b"PK\x03\x04 not read")
    return tmp_path


def test_mixed_folder_gives_one_document_per_supported_file(mixed):
    docs, warnings = load(mixed)
    assert [d.doc for d in docs] == ["guide.md", "notes.txt", "report.pdf", "web/old.htm", "web/report.html"]
    assert len(warnings) == 1
    assert warnings[0].startswith("skipped 1 file(s)")
    assert ".docx (1)" in warnings[0]


def test_pdf_paragraphs_carry_pages_sections_and_ids_across_pages(mixed):
    docs, _ = load(mixed)
    pdf = {d.doc: d for d in docs}["report.pdf"]
    assert pdf.title == "Basin Report March"
    assert [(p.id, p.page, p.section) for p in pdf.paragraphs] == [
        ("report.pdf#p1", 1, "Summary"),
        ("report.pdf#p2", 1, "Summary"),
        ("report.pdf#p3", 2, "Outlook"),
    ]
    assert pdf.paragraphs[0].text == (
        "Rainfall in the basin reached a record level for the month of March, the highest since 1952."
    )
    assert pdf.paragraphs[2].text == "Engineers expect the embankment to need repairs before the next winter."
    assert pdf.metadata["span_basis"] == "extracted-text"
    assert {p.title for p in pdf.paragraphs} == {"Basin Report March"}


def test_html_paragraphs_are_main_content_with_sections(mixed):
    docs, _ = load(mixed)
    by_doc = {d.doc: d for d in docs}
    html = by_doc["web/report.html"]
    assert html.title == "River Report"
    assert html.metadata["span_basis"] == "extracted-text"
    assert [(p.id, p.section, p.page, p.text) for p in html.paragraphs] == [
        ("web/report.html#p1", "", None,
         "The river carried twice its usual volume of water through the city in March."),
        ("web/report.html#p2", "Flood defences", None,
         "The new embankment held, although the water came within a metre of its crest."),
    ]
    (old,) = by_doc["web/old.htm"].paragraphs
    assert old.text == "Le débit a doublé en mars dans toute la ville."
    assert old.title == "old"


def test_text_files_are_read_as_before(mixed):
    docs, _ = load(mixed)
    by_doc = {d.doc: d for d in docs}
    assert [(p.section, p.text, p.page) for p in by_doc["guide.md"].paragraphs] == [
        ("Gauges", "Read the gauge from the left bank.", None)
    ]
    assert "span_basis" not in by_doc["notes.txt"].metadata


def test_paragraph_page_survives_a_dict_round_trip(mixed):
    docs, _ = load(mixed)
    for p in (p for d in docs for p in d.paragraphs):
        assert Paragraph.from_dict(p.to_dict()) == p


def encrypted_pdf() -> bytes:
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(make_pdf(PDF_PAGES))))
    writer.encrypt("secret", algorithm="RC4-128")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


@pytest.mark.parametrize("data, message", [
    (encrypted_pdf(), "skipped bad.pdf: encrypted PDF"),
    (b"%PDF-1.7\n\x00\x01\x02 this is not really a PDF", "skipped bad.pdf: not a readable PDF"),
    (make_pdf([[], []]), "skipped bad.pdf: no extractable text (scanned?)"),
])
def test_unusable_pdfs_are_skipped_with_one_warning_line(tmp_path, capfd, data, message):
    (tmp_path / "good.txt").write_text("Good\n\nThis file is fine and has a sentence.\n", encoding="utf-8")
    (tmp_path / "bad.pdf").write_bytes(data)
    docs, warnings = load(tmp_path)
    assert [d.doc for d in docs] == ["good.txt"]
    assert len(warnings) == 1
    assert warnings[0].startswith(message)
    assert "\n" not in warnings[0]
    assert capfd.readouterr().err == ""  # no log lines or tracebacks from the PDF library


def test_html_with_only_chrome_is_skipped(tmp_path):
    (tmp_path / "good.md").write_text("# Good\n\nThis file is fine and has a sentence.\n", encoding="utf-8")
    (tmp_path / "nav.html").write_text("<html><body><nav>Home | About | Contact</nav></body></html>")
    docs, warnings = load(tmp_path)
    assert [d.doc for d in docs] == ["good.md"]
    assert warnings == ["skipped nav.html: no paragraph left after cleaning"]
