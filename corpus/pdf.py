"""Read a PDF's text layer, page by page, as headings and paragraphs that know their page.

pypdf gives each page's text as lines; they are joined into paragraphs within a
page (a paragraph never crosses a page break):

* a blank line or a line starting with a list bullet starts a new paragraph;
* a line starting lower-case continues the paragraph; a hyphen at a line end
  followed by a lower-case start is a word broken in two ("inter-" + "national");
* a paragraph's single short line (``lines.is_heading_like``, the heading rule
  shared with the text cleaner) ends there when the next line starts upper-case
  and it does not end in a hyphen, a comma or a small joining word ("and", "of",
  "the", ...): it is a heading candidate;
* a line ending without sentence punctuation is continued by the next line;
  one ending a sentence ends the paragraph when it is short (under 80% of the
  page's longest line), else the text was only wrapped there;
* a heading candidate is a heading when a paragraph follows it; otherwise it is
  kept as text if it has 4+ words;
* a line starting with a section number ("2.1 Syntax") after a finished
  sentence starts a new paragraph; a numbered heading directly above another
  heading (a chapter above its first section) is dropped;
* bare page numbers ("7", "Page 7 of 9", "- 7 -", "iv"), table-of-contents
  entries ("Introduction . . . . 1"), short lines without closing
  punctuation repeated (digits aside) as the first or last line of most pages of
  a 3+ page PDF (running heads and feet) and single lines the text cleaner takes
  for chrome (copyright, rules, ...) are dropped.

The title is the PDF's /Title metadata, else the first line of page 1 when it is
heading-like, else the file name. Spans are offsets into the *extracted text*,
the pages' texts as pypdf returns them joined by form feeds (``"\\f"``), so they
do not point into the PDF bytes (``metadata["span_basis"] == "extracted-text"``).
"""
from __future__ import annotations

import io
import logging
import re
from collections import Counter
from contextlib import contextmanager
from dataclasses import replace
from pathlib import PurePath
from typing import TYPE_CHECKING

from corpus.cleaning import Block, CleanPage, classify_line, collapse_whitespace
from corpus.errors import CorpusError
from corpus.lines import PDF_BULLET, Line, is_heading_like

if TYPE_CHECKING:
    from pypdf import PdfReader

PDF_SUFFIXES = (".pdf",)
SPAN_BASIS = "extracted-text"
PAGE_BREAK = "\f"
_SENTENCE_END = re.compile(r"[.!?:;\u2026][\"'\u201d\u2019)\]]*$")
_PAGE_NUMBER = re.compile(
    r"(?:page\s+)?[-\u2013\u2014]?\s*(?:\d{1,4}|[ivxlc]{1,6})\s*[-\u2013\u2014]?(?:\s*(?:/|of)\s*\d{1,4})?", re.I
)
_TOC_ENTRY = re.compile(r".*(?:\.\s?){4,}\s*(?:\d{1,4}|[ivxlc]{1,6})", re.I)  # "1 Introduction . . . . 1"
_SECTION_NUMBER = re.compile(r"(?:\d{1,2}(?:\.\d{1,2})*\.?|[A-Z]\.)\s+\S")  # "2.1 Syntax", "A. Annex"
_OFFICE_PREFIX = re.compile(r"^microsoft\s+\w+\s+-\s+", re.I)
_FILE_LIKE_TITLE = re.compile(r"(?:\.(?:docx?|pdf|tex|dvi|indd|odt|rtf)|^untitled)$", re.I)
_SHORT_LINE = 0.8
_JOINING_END = re.compile(
    r"(?:[-,\u2013]|\b(?:and|or|nor|but|of|the|a|an|to|in|on|at|by|for|with|from|as|than))$", re.I
)


def read_pdf(data: bytes, name: str) -> CleanPage:
    """Extract the title, metadata and content blocks of a PDF; every block knows its page.

    ``name`` (the file's path in the corpus) names the file in errors; its stem
    is the title of last resort. Raises :class:`CorpusError` naming ``name`` when
    the PDF is encrypted (and does not open with an empty password), cannot be
    parsed, or has no text layer.

    >>> read_pdf(b"not a pdf", "x.pdf")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    corpus.errors.CorpusError: x.pdf: not a readable PDF (...)
    """
    with _quiet_pypdf():
        reader, texts = _open(data, name)
        meta_title, author = _metadata_title(reader), _info(reader, "author")
    if not any(text.strip() for text in texts):
        raise CorpusError(f"{name}: no extractable text (scanned?)")
    pages = [_page_lines(text, base) for text, base in zip(texts, _bases(texts))]
    pages = _drop_running_heads(pages)
    units = [(number, unit) for number, lines in enumerate(pages, start=1) for unit in _paragraph_units(lines)]
    title, units = _title(units, meta_title)
    blocks = _settle(units)
    metadata: dict = {"span_basis": SPAN_BASIS, "pages": len(texts)}
    if author:
        metadata["author"] = author
    return CleanPage(title or PurePath(name).stem, tuple(blocks), metadata)


def extracted_text(data: bytes, name: str) -> str:
    """The text that the spans of :func:`read_pdf`'s blocks point into."""
    with _quiet_pypdf():
        return PAGE_BREAK.join(_open(data, name)[1])


def _open(data: bytes, name: str) -> tuple[PdfReader, list[str]]:
    from pypdf import PasswordType, PdfReader  # imported only when a corpus holds PDFs

    # pypdf raises many kinds of errors on damaged files; each becomes one readable line.
    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted and reader.decrypt("") == PasswordType.NOT_DECRYPTED:
            raise CorpusError(f"{name}: encrypted PDF (needs a password)")
        texts = [(page.extract_text() or "").replace("\r\n", "\n").replace("\r", "\n") for page in reader.pages]
    except CorpusError:
        raise
    except Exception as e:
        if "encrypt" in str(e).lower() or "decrypt" in str(e).lower():
            raise CorpusError(f"{name}: encrypted PDF (cannot be decrypted: {e})") from e
        raise CorpusError(f"{name}: not a readable PDF ({e or type(e).__name__})") from e
    return reader, [text.replace(PAGE_BREAK, "\n") for text in texts]


@contextmanager
def _quiet_pypdf():
    """Silence pypdf's log lines about repairs: the loader reports one line per file itself."""
    logger = logging.getLogger("pypdf")
    level = logger.level
    logger.setLevel(logging.CRITICAL + 1)
    try:
        yield
    finally:
        logger.setLevel(level)


def _bases(texts: list[str]) -> list[int]:
    bases, offset = [], 0
    for text in texts:
        bases.append(offset)
        offset += len(text) + len(PAGE_BREAK)
    return bases


def _page_lines(text: str, base: int) -> list[Line | None]:
    """The page's lines with spans into the extracted text; None for a blank line."""
    lines: list[Line | None] = []
    offset = base
    for raw in text.split("\n"):
        stripped = raw.strip()
        start = offset + len(raw) - len(raw.lstrip())
        keep = stripped and not (_PAGE_NUMBER.fullmatch(stripped) or _TOC_ENTRY.fullmatch(stripped))
        lines.append(Line(start, start + len(stripped), stripped) if keep else None)
        offset += len(raw) + 1
    return lines


def _drop_running_heads(pages: list[list[Line | None]]) -> list[list[Line | None]]:
    """Drop a first or last line that recurs (digits aside) on most pages of a 3+ page PDF."""
    if len(pages) < 3:
        return pages

    def key(line: Line) -> str:
        return re.sub(r"\d+", "#", line.text.casefold())

    edges: Counter[str] = Counter()
    for lines in pages:
        present = [line for line in lines if line]
        edges.update({key(line) for line in present[:1] + present[-1:]})
    running = {k for k, count in edges.items() if count >= max(3, 0.6 * len(pages)) and is_heading_like(k)}
    return [[line if line and key(line) not in running else None for line in lines] for lines in pages]


def _paragraph_units(lines: list[Line | None]) -> list[list[Line]]:
    """Group a page's lines into paragraphs (lists of consecutive lines)."""
    present = [line for line in lines if line]
    width = max((len(line.text) for line in present), default=0)
    units: list[list[Line]] = []
    current: list[Line] = []
    for line in lines + [None]:
        if line is None or (current and not _continues(current, line, width)):
            if current:
                units.append(current)
            current = []
        if line is not None:
            current.append(line)
    return [unit for unit in units if len(unit) > 1 or classify_line(unit[0].text) in ("text", "md_heading")]


def _continues(current: list[Line], line: Line, width: int) -> bool:
    previous = current[-1].text
    if PDF_BULLET.match(line.text):
        return False
    if line.text[0].islower():
        return True
    starts_block = line.text[0].isupper() or _SECTION_NUMBER.match(line.text)
    if len(current) == 1 and is_heading_like(previous) and starts_block:
        return bool(_JOINING_END.search(previous))  # else a title-like line above text
    if _SECTION_NUMBER.match(line.text) and is_heading_like(line.text) and _SENTENCE_END.search(previous):
        return False  # a numbered heading after a finished sentence
    if not _SENTENCE_END.search(previous):
        return True
    return len(previous) >= _SHORT_LINE * width


def _join(unit: list[Line]) -> Block:
    text = unit[0].text
    for line in unit[1:]:
        if text.endswith("-") and len(text) > 1 and text[-2].isalpha() and line.text[0].islower():
            text = text[:-1] + line.text
        else:
            text = f"{text} {line.text}"
    return Block("paragraph", collapse_whitespace(text), unit[0].start, unit[-1].end)


def _title(units: list[tuple[int, list[Line]]], meta_title: str) -> tuple[str, list[tuple[int, list[Line]]]]:
    """The title and the units left: page 1's first line is the title if it copies /Title or stands for it."""
    if units and units[0][0] == 1 and len(units[0][1]) == 1:
        first = units[0][1][0].text
        if first.casefold() == meta_title.casefold() or (not meta_title and is_heading_like(first)):
            return first, units[1:]
    return meta_title, units


def _settle(units: list[tuple[int, list[Line]]]) -> list[Block]:
    """Headings are one short line followed by a paragraph; every block gets its page."""
    blocks = []
    for i, (number, unit) in enumerate(units):
        block = _join(unit)
        short = len(unit) == 1 and is_heading_like(block.text)
        if short:
            following = units[i + 1][1] if i + 1 < len(units) else None
            if following and not (len(following) == 1 and is_heading_like(following[0].text)):
                block = replace(block, kind="heading")
            elif len(block.text.split()) < 4 or _SECTION_NUMBER.match(block.text):
                continue  # a chapter heading right above a section heading, or a stray label
        blocks.append(replace(block, page=number))
    return blocks


def _info(reader: PdfReader, key: str) -> str:
    try:
        value = getattr(reader.metadata, key, None) if reader.metadata else None
    except Exception:  # a damaged /Info dictionary only costs the metadata
        return ""
    return collapse_whitespace(str(value)) if value else ""


def _metadata_title(reader: PdfReader) -> str:
    title = _OFFICE_PREFIX.sub("", _info(reader, "title"))
    return "" if _FILE_LIKE_TITLE.search(title) else title
