"""The line rules shared by the text cleaner (``cleaning.py``) and the PDF reader (``pdf.py``).

Both readers cut their input into stripped lines with spans, then ask the same
questions of each line: does it start a list item, and could it head a section?
The answers live here, once, so that a change to a rule reaches both formats
together instead of drifting apart in two copies. The line type and the names
of line kinds live here too, because both readers carry lines of this type.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

ChromeKind = Literal[
    "rule", "to_top", "link_label", "date", "dateline", "source", "copyright", "contact", "updated", "byline", "nav"
]
LineKind = Literal[ChromeKind, "md_heading", "code", "text", "blank"]


@dataclass(frozen=True)
class Line:
    """One stripped line with its span (``start``, ``end``) in the text it was read from."""

    start: int
    end: int
    text: str
    kind: LineKind = "text"  # the PDF reader never classifies its lines, so they are all text


_BULLET_MARKS = "-*+\u2022\u25e6"
_NUMBERED_ITEM = r"\d{1,2}[.)]"
BULLET = re.compile(rf"(?:[{_BULLET_MARKS}]|{_NUMBERED_ITEM})\s+")
# PDF text layers also show Word's square bullet; the text cleaner has never taken it
# for one, and adding it there would change how web-page dumps are cut into paragraphs.
PDF_BULLET = re.compile(rf"(?:[{_BULLET_MARKS}\u25aa]|{_NUMBERED_ITEM})\s+")

_HEADING_END = re.compile(r"[.!?;:,\u2026][\"'\u201d\u2019)\]]*$")


def is_heading_like(text: str) -> bool:
    """A short line (few words, no closing sentence punctuation) that can head a section."""
    return len(text.split()) <= 10 and len(text) <= 80 and not _HEADING_END.search(text) and any(
        ch.isalpha() for ch in text
    )
