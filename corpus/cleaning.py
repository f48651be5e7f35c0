"""Clean the text dump of a web page: title, metadata, headings and paragraphs.

The rules are general ones for text dumps of web pages (and Markdown-ish text):

* Every non-blank line is classified first. *Chrome* lines never become content:
  navigation bars (3+ short items split by ``|`` ``·`` ``»`` ``›`` ``>`` ``•``, or
  two one-to-three-word items), a bracketed link label or a lone Markdown link
  (``[pdf]``), "back to top"/"top of page", ``Source: ...`` (kept as metadata),
  copyright / "all rights reserved", "please send comments to ..." or short lines
  with an e-mail address, "... last updated ...", a bare date (kept as metadata),
  a dateline ``Place, <date>`` (kept as metadata), a byline ``By Name`` (kept as
  metadata) and decorative rules (``-----``).
* The *footer zone* is found from the end: the longest tail of the page made of
  chrome and short blocks of one sentence a line; it starts at its first footer marker
  (copyright, last updated, contact line, or the page's last "back to top":
  earlier ones only separate sections) and takes in the chrome and short
  heading-like lines just above it. All of it is dropped; a page without such a
  marker keeps its last lines, so content is not lost.
* The *header* is every line before the first prose block (6+ words ending with
  a full stop, or 40+ words; in a page without prose, the first text block). Its
  title is the first ``# `` heading, else the line just before a dateline, else
  the longest line of a repeated family (the title often appears two or three
  times, once with a site prefix), else the first line after the masthead (the
  first header block, when more follow and it has several lines or chrome), else
  the file name. Header lines before the title are site chrome; lines after it
  are body lines unless they copy the title.
* In the body, blocks are runs of non-blank lines; a block's lines are one
  hard-wrapped paragraph, joined with single spaces. ``#`` lines are headings;
  a short line (at most 10 words and 80 characters, no closing punctuation)
  standing alone is a heading when content follows it, else it is kept as a
  paragraph if it has 4+ words. A lone lead-in of at most two words ending with
  ``:`` ("We:") says nothing by itself and is dropped. Lines starting with a list
  bullet start a paragraph of their own. Copies of the title are dropped.
* Code is content, never chrome or a heading: in Markdown, the lines between fences
  (```` ``` ```` or ``~~~``) and blocks indented by four spaces or a tab after a blank
  line are paragraphs of their own. A short line standing alone right
  after a paragraph that ends with ``:`` is what that paragraph introduces ("...with
  the command:" + ``venv env``), so it is a paragraph too, not a heading.

Spans (``start``, ``end``) are offsets into the text given to :func:`clean_page`;
``text`` of a block is ``source[start:end]`` with whitespace runs collapsed.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Literal, get_args

from corpus.lines import BULLET, ChromeKind, Line, LineKind, is_heading_like
from corpus.sentences import split_sentences

_MONTH = (
    r"(?:January|February|March|April|May|June|July|August|September|October|November|December"
    r"|Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sept?|Oct|Nov|Dec)\.?"
)
_WEEKDAY = r"(?:(?:Mon|Tues?|Wed(?:nes)?|Thu(?:rs)?|Fri|Sat(?:ur)?|Sun)(?:day)?\.?,?\s+)?"
_DATE = (
    rf"{_WEEKDAY}(?:{_MONTH}\s+\d{{1,2}}(?:st|nd|rd|th)?,?\s+\d{{4}}"
    rf"|\d{{1,2}}(?:st|nd|rd|th)?\s+{_MONTH},?\s+\d{{4}}|{_MONTH}\s+\d{{4}}"
    r"|\d{4}-\d{2}-\d{2}|\d{1,2}[/.]\d{1,2}[/.]\d{2,4})"
)
_I = re.IGNORECASE
_BARE_DATE = re.compile(rf"(?:(?:date|published|posted(?: on)?)\s*:?\s*)?(?P<date>{_DATE})\.?", _I)
_DATELINE = re.compile(
    rf"(?P<place>[A-Z][^\d,]{{0,40}}(?:,\s*[A-Z][^\d,]{{0,30}})?)\s*[,\u2013\u2014-]\s*(?P<date>{_DATE})\.?"
)
_NAV_SEPARATOR = re.compile(r"\s*[|\u00b7\u00bb\u203a>\u2022]\s*")
_LINK_LABEL = re.compile(r"!?\[[^\[\]]{1,80}\](?:\([^()\s]*\))?")
_TO_TOP = re.compile(
    r"\W*(?:(?:back|return|go|scroll)\s+)?to\s+(?:the\s+)?top(?:\s+of\s+(?:the\s+)?page)?\W*"
    r"|\W*top\s+of\s+(?:the\s+)?page\W*",
    _I,
)
_SOURCE = re.compile(r"sources?\s*:\s*(?P<value>\S.*)", _I)
_COPYRIGHT = re.compile(
    # "Copyright" alone is not enough: "Copyright of the photograph belongs to..." is prose.
    r"\u00a9|\(c\)\s*\d{4}|\ball rights reserved\b|\bcopyright\s*(?:\u00a9|\(c\)|\d{4})"
    r"|^copyright\s*(?:$|[:,]|by\b|notice\b|information\b|policy\b|statement\b)", _I
)
_CONTACT = re.compile(
    r"(?:please\s+)?(?:send|e-?mail|direct|address|forward)\s+(?:your\s+|any\s+)?"
    r"(?:comments?|questions?|feedback|suggestions?|enquiries|inquiries)\b",
    _I,
)
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_UPDATED = re.compile(
    r"\blast\s+(?:updated|modified|revised|reviewed)\b|^(?:page\s+)?(?:updated|modified)\s*(?:on\b|:)", _I
)
_BYLINE = re.compile(r"[Bb]y\s+(?P<author>[A-Z][\w.'-]*(?:\s+[A-Z][\w.'-]*){0,3})")
_RULE = re.compile(r"[-=_*~#.\u2014\u2013\u2022\s]{3,}")
_MD_HEADING = re.compile(r"(?P<marks>#{1,6})\s+(?P<text>.*?)(?:\s+#+)?")
_LEAD_IN = re.compile(r"\S+(?:\s+\S+)?:")
_FENCE = re.compile(r"(?:```|~~~)[^`]*")
_INDENTED = re.compile(r"(?: {4}|\t)\s*\S")
_PROSE_END = re.compile(r"[.!?\u2026][\"'\u201d\u2019)\]]*$")

_FOOTER_MARKERS: frozenset[ChromeKind] = frozenset({"to_top", "copyright", "updated", "contact"})
_CHROME_KINDS: frozenset[ChromeKind] = frozenset(get_args(ChromeKind))
_SENTENCE_STOP = re.compile(r"""[.!?:;)\]"'”’»]$""")


BlockKind = Literal["heading", "paragraph"]


@dataclass(frozen=True)
class Block:
    """A heading or a paragraph of a cleaned page, with its span in the source.

    ``page`` is the 1-based page a PDF block comes from (``None`` for other formats).
    """

    kind: BlockKind
    text: str
    start: int
    end: int
    page: int | None = None


@dataclass(frozen=True)
class CleanPage:
    """The result of :func:`clean_page`."""

    title: str
    blocks: tuple[Block, ...]
    metadata: dict = field(default_factory=dict)


def collapse_whitespace(text: str) -> str:
    """Return ``text`` with every whitespace run replaced by one space, stripped."""
    return " ".join(text.split())


def clean_page(text: str, name: str = "", *, markdown: bool = False) -> CleanPage:
    """Clean a web-page text dump into a title, metadata and content blocks.

    ``name`` (usually the file name without extension) is the title of last resort.
    ``markdown`` reads fenced blocks and lines indented by four spaces as code (in
    plain text a ``~~~~`` line is a decorative rule and an indented first line just
    starts a paragraph).

    >>> page = clean_page("Site | News | About\\n\\nBig News\\n\\nIt happened today, as planned.\\n")
    >>> page.title, [b.text for b in page.blocks]
    ('Big News', ['It happened today, as planned.'])
    """
    lines = _split_lines(text, markdown)
    metadata = _metadata(lines)
    units = _units(lines)
    units = units[: _footer_start(units)]
    first_prose = next((i for i, u in enumerate(units) if _is_prose(u)), None)
    if first_prose is None:  # no prose at all: only the first text block can be a header
        first_prose = next((i + 1 for i, u in enumerate(units) if u[0].kind == "text"), len(units))
    title, title_line = _title(units[:first_prose], name)
    header = _after_title(units[:first_prose], title, title_line)
    body = header + units[first_prose:]
    return CleanPage(title=title, blocks=tuple(_blocks(body, title, len(header))), metadata=metadata)


def classify_line(text: str) -> LineKind:
    """Return the kind of one stripped line: a chrome kind, ``md_heading``, ``text`` or ``blank``."""
    if not text:
        return "blank"
    if _MD_HEADING.fullmatch(text):
        return "md_heading"
    words = len(text.split())
    checks: tuple[tuple[ChromeKind, object], ...] = (
        ("rule", _RULE.fullmatch(text)),
        ("to_top", _TO_TOP.fullmatch(text)),
        ("link_label", _LINK_LABEL.fullmatch(text)),
        ("date", _BARE_DATE.fullmatch(text)),
        ("dateline", words <= 12 and _DATELINE.fullmatch(text)),
        ("source", words <= 30 and _SOURCE.fullmatch(text)),
        ("copyright", words <= 40 and _COPYRIGHT.search(text)),
        ("contact", words <= 25 and (_CONTACT.match(text) or (words <= 15 and _EMAIL.search(text)))),
        ("updated", words <= 20 and _UPDATED.search(text)),
        ("byline", words <= 5 and _BYLINE.fullmatch(text)),
        ("nav", _is_nav(text)),
    )
    return next((kind for kind, hit in checks if hit), "text")


def _is_nav(text: str) -> bool:
    items = [item for item in _NAV_SEPARATOR.split(text) if item]
    separators = len(_NAV_SEPARATOR.findall(text))
    if separators == 0 or len(items) < 2:
        return False
    limit = 5 if len(items) >= 3 else 3
    return all(len(item.split()) <= limit and len(item) <= 40 for item in items)


def _split_lines(text: str, markdown: bool = False) -> list[Line]:
    lines, offset, fenced = [], 0, False
    for raw in text.split("\n"):
        stripped = raw.strip()
        start = offset + (len(raw) - len(raw.lstrip())) if stripped else offset
        offset += len(raw) + 1
        if markdown and _FENCE.fullmatch(stripped):  # a fence: the lines up to the next one are code
            fenced = not fenced
            lines.append(Line(start, start + len(stripped), stripped, "blank"))
            continue
        after_blank = not lines or lines[-1].kind in ("blank", "code")
        kind: LineKind
        if fenced or (markdown and stripped and after_blank and _INDENTED.match(raw)):
            kind = "code" if stripped or fenced else "blank"  # "    python3 -m venv env" is code, not a heading
        else:
            kind = classify_line(stripped)
            if kind in _CHROME_KINDS and lines and _continues_sentence(lines[-1]):
                kind = "text"  # "...held that the\ncopyright of the photo..." is one sentence
        lines.append(Line(start, start + len(stripped), stripped, kind))
    return lines


def _continues_sentence(previous: Line) -> bool:
    """True when ``previous`` is prose that stops mid-sentence, so the next line goes on with it."""
    return previous.kind == "text" and len(previous.text.split()) >= 3 and not _SENTENCE_STOP.search(previous.text)


def _group(pattern: re.Pattern, text: str, name: str) -> str:
    """Group ``name`` of ``pattern`` matched against the whole of ``text`` ("" if it does not match).

    Lines reach here already classified by the same patterns, so the match is certain.
    """
    match = pattern.fullmatch(text)
    return match[name] if match else ""


def _metadata(lines: list[Line]) -> dict:
    found: dict[str, str] = {}
    for line in lines:
        if line.kind == "source":
            found.setdefault("source", _group(_SOURCE, line.text, "value").strip())
        elif line.kind == "dateline":
            found.setdefault("dateline", line.text.rstrip("."))
            found.setdefault("date", _group(_DATELINE, line.text, "date"))
        elif line.kind == "date":
            found.setdefault("date", _group(_BARE_DATE, line.text, "date"))
        elif line.kind == "byline":
            found.setdefault("author", _group(_BYLINE, line.text, "author"))
    return found


def _units(lines: list[Line]) -> list[list[Line]]:
    """Group lines into units: one chrome or heading line, or a run of text (or code) lines."""
    units: list[list[Line]] = []
    run: list[Line] = []
    for line in lines + [Line(0, 0, "", "blank")]:
        starts_item = line.kind == "text" and run and BULLET.match(line.text)
        if line.kind not in ("text", "code") or starts_item or (run and run[-1].kind != line.kind):
            if run:
                units.append(run)
            run = []
        if line.kind in ("text", "code"):
            run.append(line)
        elif line.kind != "blank":
            units.append([line])
        elif units and units[-1][-1].kind != "blank":
            units.append([line])  # blank separators matter for "standing alone"
    return units


def _unit_text(unit: list[Line]) -> str:
    return collapse_whitespace(" ".join(line.text for line in unit))


def _is_prose(unit: list[Line]) -> bool:
    if unit[0].kind == "code":
        return True  # content: the header ends before it
    if unit[0].kind != "text":
        return False
    text = _unit_text(unit)
    words = len(text.split())
    # Titles repeated on consecutive lines can be long, but they lack a full stop.
    return words > 40 or (words >= 6 and bool(_PROSE_END.search(text)))


def _footer_start(units: list[list[Line]]) -> int:
    """Index of the first unit of the footer zone (``len(units)`` when none)."""
    tail = len(units)
    while tail > 0 and _footer_compatible(units[tail - 1]):
        tail -= 1
    # Pages that end every section with "back to top" have a footer only after the last
    # one, and only if no new section (a heading followed by prose) starts after it.
    tops = [i for i, unit in enumerate(units) if unit[0].kind == "to_top"]

    def opens_footer(i: int) -> bool:
        if units[i][0].kind != "to_top":
            return True
        after = [u for u in units[i + 1 :] if u[0].kind != "blank"]
        new_section = any(
            len(a) == 1 and (a[0].kind == "md_heading" or (a[0].kind == "text" and is_heading_like(a[0].text)))
            and _is_prose(b)
            for a, b in zip(after, after[1:])
        )
        return i == tops[-1] and not new_section

    markers = [i for i in range(tail, len(units)) if units[i][0].kind in _FOOTER_MARKERS and opens_footer(i)]
    if not markers:
        return len(units)
    start = markers[0]
    while start > 0 and _chrome_like(units[start - 1]):
        start -= 1  # a site name or orphan label just above the footer belongs to it
    return start


def _chrome_like(unit: list[Line]) -> bool:
    kind = unit[0].kind
    if kind == "text":
        return len(unit) == 1 and is_heading_like(unit[0].text)
    return kind not in ("md_heading", "code")


def _footer_compatible(unit: list[Line]) -> bool:
    if unit[0].kind != "text":
        return True
    return len(_unit_text(unit)) <= 200 and all(len(split_sentences(line.text)) <= 1 for line in unit)


def _norm(text: str) -> str:
    return collapse_whitespace(text).strip("#*_ ").casefold()


def _title(header_units: list[list[Line]], name: str) -> tuple[str, Line | None]:
    """Pick the title among the header lines; return it and its line (None: the name)."""
    line = _title_line(header_units)
    if line is None:
        return name, None
    title = _heading_text(line) if line.kind == "md_heading" else line.text
    return collapse_whitespace(title), line


def _after_title(header_units: list[list[Line]], title: str, title_line: Line | None) -> list[list[Line]]:
    """Header lines after the title, one unit each, without copies of the title."""
    if title_line is None:
        return []
    key = _norm(title)
    kept: list[list[Line]] = []
    for unit in header_units:
        if unit[0].kind == "blank":
            kept.append(unit)
            continue
        for line in unit:
            copy = _norm(line.text) in key and 2 * len(_norm(line.text)) >= len(key)
            if line.start > title_line.start and not copy:
                kept.append([line])
    return kept


def _title_line(header_units: list[list[Line]]) -> Line | None:
    header = [line for unit in header_units for line in unit if line.kind != "blank"]
    candidates = [line for line in header if line.kind in ("text", "md_heading")]
    if not candidates:
        return None
    for line in candidates:
        if line.kind == "md_heading" and _group(_MD_HEADING, line.text, "marks") == "#":
            return line
    dateline = next((line for line in header if line.kind == "dateline"), None)
    before = [c for c in candidates if dateline and c.start < dateline.start]
    if before:
        return before[-1]
    keys = [_norm(c.text) for c in candidates]
    repeats = [sum(k in other for other in keys) for k in keys]
    if max(repeats) >= 2:
        family = keys[repeats.index(max(repeats))]
        return max((c for c, k in zip(candidates, keys) if family in k), key=lambda c: len(c.text))
    masthead = _masthead(header_units)
    return next((c for c in candidates if c not in masthead), candidates[0])


def _masthead(header_units: list[list[Line]]) -> list[Line]:
    """The first header block when it looks like a site banner: several lines or chrome."""
    blocks: list[list[Line]] = [[]]
    for unit in header_units:
        if unit[0].kind == "blank":
            blocks.append([])
        else:
            blocks[-1].extend(unit)
    blocks = [block for block in blocks if block]
    if len(blocks) >= 2 and (len(blocks[0]) >= 2 or any(line.kind != "text" for line in blocks[0])):
        return blocks[0]
    return []


def _heading_text(line: Line) -> str:
    return _group(_MD_HEADING, line.text, "text")


# A page's own dateline, date or byline under its title says where, when and by whom it was
# issued: "When was the declaration signed?" is answered by "Naples, October 19, 2024".
_HEADER_FACTS = ("dateline", "date", "byline")


def _blocks(units: list[list[Line]], title: str, header: int = 0) -> list[Block]:
    """Heading and paragraph blocks of ``units``; the first ``header`` units are the lines under the title."""
    blocks: list[Block] = []
    title_key = _norm(title)
    for i, unit in enumerate(units):
        first = unit[0]
        if i < header and first.kind in _HEADER_FACTS:
            blocks.append(_paragraph(unit))
            continue
        if first.kind == "md_heading":
            text = _heading_text(first)
            start = first.start + first.text.index(text) if text else first.start
            blocks.append(Block("heading", collapse_whitespace(text), start, start + len(text)))
            continue
        if first.kind == "code":
            blocks.append(Block("paragraph", _unit_text(unit), first.start, unit[-1].end))
            continue
        if first.kind != "text" or all(_norm(line.text) == title_key for line in unit):
            continue
        text = _unit_text(unit)
        if _LEAD_IN.fullmatch(text):
            continue
        alone = len(unit) == 1 and _blank_or_edge(units, i - 1) and _blank_or_edge(units, i + 1)
        introduced = bool(blocks) and blocks[-1].kind == "paragraph" and blocks[-1].text.endswith(":")
        if alone and is_heading_like(text) and not introduced:  # "...with the command:" + "venv env"
            blocks.append(Block("heading", text, first.start, first.end))
            continue
        if (len(unit) > 1 and is_heading_like(first.text) and 2 * len(first.text) <= len(unit[1].text)
                and not unit[1].text[:1].islower()):  # a lower-case next line continues the sentence
            blocks.append(Block("heading", first.text, first.start, first.end))
            unit = unit[1:]
        blocks.append(_paragraph(unit))
    return _settle_headings(blocks)


def _blank_or_edge(units: list[list[Line]], i: int) -> bool:
    return i < 0 or i >= len(units) or units[i][0].kind != "text"


def _paragraph(unit: list[Line]) -> Block:
    first = unit[0]
    bullet = BULLET.match(first.text)
    skip = bullet.end() if bullet else 0
    text = collapse_whitespace(" ".join([first.text[skip:]] + [line.text for line in unit[1:]]))
    return Block("paragraph", text, first.start + skip, unit[-1].end)


def _settle_headings(blocks: list[Block]) -> list[Block]:
    """Keep a heading only when a paragraph follows it; a long orphan stays as text."""
    settled: list[Block] = []
    for i, block in enumerate(blocks):
        followed = i + 1 < len(blocks) and blocks[i + 1].kind == "paragraph"
        if block.kind == "paragraph" or followed:
            settled.append(block)
        elif len(block.text.split()) >= 4:
            settled.append(Block("paragraph", block.text, block.start, block.end))
    return settled
