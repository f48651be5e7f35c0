"""Read an HTML page: its main content as headings and paragraphs, page chrome removed.

trafilatura finds the main content (navigation, header, footer, sidebars, scripts,
styles, ``noscript`` notices and cookie banners are left out) and returns it as a
small XML tree: ``head`` elements become headings (every ``h1``-``h6`` sets the
section of the paragraphs after it), ``p``/``quote``/``code`` and each list item become a paragraph, and each
table row becomes one (``"Header: value; ..."`` when the table has a header row).
Paragraphs that the text cleaner takes for chrome (copyright, "back to top", bare
dates, ...) are dropped, as for .txt files, and so is a heading that copies the title.

The title is the first ``h1`` of the main content (the article's own heading),
else trafilatura's metadata title (``og:title``, ``<title>``, ...), else the file
name: the metadata title alone is easily fooled by site banners and pop-up titles.

Spans cannot point into the raw HTML: they are offsets into the *extracted text*,
the blocks' texts joined by blank lines (``read_html(...).metadata["span_basis"]``
is ``"extracted-text"``). Everything runs offline; no URL is fetched.
"""
from __future__ import annotations

import re
from pathlib import PurePath

from corpus.cleaning import Block, BlockKind, CleanPage, classify_line, collapse_whitespace
from corpus.errors import CorpusError

HTML_SUFFIXES = (".html", ".htm")
SPAN_BASIS = "extracted-text"
_SEPARATOR = "\n\n"
_PARAGRAPH_TAGS = frozenset({"p", "quote", "code"})
_KEPT_METADATA = ("author", "date", "sitename", "url", "description")
# Removed before extraction: "please enable JavaScript" notices, and the permalink
# anchors documentation generators put after headings (Sphinx's "¶", MkDocs' and
# GitHub's "#", "§"), which would otherwise end every title and section name.
_PRUNED = [
    "//noscript",
    "//a[contains(concat(' ', normalize-space(@class), ' '), ' headerlink ')]",
    "//a[normalize-space()='¶' or normalize-space()='#' or normalize-space()='§' or normalize-space()='🔗']",
]


def read_html(data: bytes, name: str) -> CleanPage:
    """Extract the title, metadata and content blocks of an HTML page.

    ``name`` (the file's path in the corpus) names the file in errors; its stem is
    the title when the page has none. Raises :class:`CorpusError` naming ``name``
    when no main content is found.

    >>> page = read_html(b"<title>T</title><nav>Home | About</nav><p>Rain fell all day.</p>", "t")
    >>> page.title, [b.text for b in page.blocks]
    ('T', ['Rain fell all day.'])
    """
    import trafilatura  # 0.4 s to import: only when a corpus holds HTML
    from trafilatura.utils import load_html

    try:
        tree = load_html(data)
        extracted = None if tree is None else trafilatura.bare_extraction(
            _undo_chrome_rules(tree),
            with_metadata=True,
            favor_recall=True,
            include_tables=True,
            include_comments=False,
            prune_xpath=_PRUNED,
            date_extraction_params={"extensive_search": False},  # no dates guessed from "© 2024"
        )
    except Exception as e:  # a third-party parser on arbitrary bytes: report, never crash
        raise CorpusError(f"{name}: cannot be parsed as HTML ({e})") from e
    if extracted is None or isinstance(extracted, dict) or extracted.body is None:
        raise CorpusError(f"{name}: no main text found in the HTML")
    texts = merge_fragments(_texts(extracted.body))
    first_h1 = next((text for kind, text in texts if kind == "h1"), "")
    title = first_h1 or collapse_whitespace(extracted.title or "") or PurePath(name).stem
    blocks = _layout(texts, title)
    metadata = {key: value for key in _KEPT_METADATA if (value := getattr(extracted, key, None))}
    metadata["span_basis"] = SPAN_BASIS
    return CleanPage(title=title, blocks=tuple(blocks), metadata=metadata)


_HEADINGS = frozenset({"h1", "h2", "h3", "h4", "h5", "h6"})
_NOTE_ROLES = frozenset({"note", "doc-footnote", "doc-endnote"})
_LINK_HOLDERS = frozenset({"p", "li", "td", "th", "dt", "nav"})  # the nearest one says what a link is part of


def _undo_chrome_rules(tree):
    """``tree`` with the documentation trafilatura's page-chrome rules would misread marked up as content."""
    _drop_heading_anchors(tree)
    _unwrap_code_links(tree)
    _keep_notes(tree)
    return tree


def _drop_heading_anchors(tree) -> None:
    """Remove the ids that only name a section after its heading, before trafilatura reads the page.

    trafilatura discards any section whose id holds a word it knows from page chrome
    ("share", "nav", "menu", "related", "author", "tags", ...). Documentation generators
    give each section the slug of its heading as id, so the Python FAQ's "How do I share
    global variables across modules?" (id "how-do-i-share-global-variables-across-modules")
    vanished, answer and all. An id that spells the section's own first heading (numbering
    aside: "2.1.3. Comments" / "comments") is an anchor, never a marker of chrome.
    """
    for element in tree.iter("section", "div", "article"):
        ident = _letters(element.get("id") or "")
        first = next((child for child in element if child.tag in _HEADINGS), None)  # after any label <span id>
        if ident and first is not None and _letters(first.text_content()).endswith(ident):
            del element.attrib["id"]


def _unwrap_code_links(tree) -> None:
    """Turn a link around a code name inside running text into the code name alone.

    Reference documentation links every name it mentions to its entry ("Returns ``True``
    if year is a leap year, otherwise ``False``"); trafilatura reads a short paragraph
    that is mostly link text as navigation and drops it (``calendar.isleap`` vanished).
    Only links in a paragraph: a list of such links (a table of contents) stays links.
    """
    for link in list(tree.iter("a")):
        children = [child for child in link if isinstance(child.tag, str)]
        only_code = (len(children) == 1 and children[0].tag == "code" and not (link.text or "").strip()
                     and not (children[0].tail or "").strip())
        holder = next((e for e in link.iterancestors() if e.tag in _LINK_HOLDERS), None) if only_code else None
        if holder is not None and holder.tag == "p":
            link.drop_tag()


def _keep_notes(tree) -> None:
    """Read footnotes and notes marked up as ``<aside>`` as the content they are.

    trafilatura drops every ``<aside>`` (a blog's sidebar); docutils puts footnotes and
    topic boxes in one (``<aside class="footnote" role="note">``: the Python reference's
    "In pattern matching, a sequence is defined as one of the following: …"). One marked
    as a note (ARIA ``note``, ``doc-footnote``, ``doc-endnote``), a footnote (or their list)
    or a topic box is kept.
    """
    for aside in tree.iter("aside"):
        role, classes = aside.get("role") or "", (aside.get("class") or "").split()
        if role in _NOTE_ROLES or "topic" in classes or any(c.startswith("footnote") for c in classes):
            aside.tag = "div"


def _letters(text: str) -> str:
    """Lower-case letters and digits of ``text`` only: how a heading and its slug are compared."""
    return re.sub(r"[^0-9a-z]+", "", text.lower())


def _texts(element) -> list[tuple[str, str]]:
    """(kind, text) of the content under ``element``, in document order.

    ``kind`` is ``"paragraph"``, ``"heading"``, or ``"h1"`` for a top-level heading.
    """
    found: list[tuple[str, str]] = []
    for child in element:
        tag = child.tag if isinstance(child.tag, str) else ""
        if tag == "head":
            found.append(("h1" if child.get("rend") == "h1" else "heading", _text(child)))
        elif tag in _PARAGRAPH_TAGS:
            found.append(("paragraph", _text(child)))
        elif tag == "list":
            found.extend(_list_items(child))
        elif tag == "table":
            found.extend(("paragraph", row) for row in _table_rows(child))
        elif tag:
            found.extend(_texts(child))  # a container (div, ...): look inside
    return [(kind, text) for kind, text in found if text]


_LEAD_IN_WORDS = 15  # "Parsing a TOML string:", "It also allows ... using the from None idiom:"
_LABEL_WORDS = 3  # "Note", "See also", "Warning"
_MERGED_CHARS = 800  # a lead-in is not glued to a long block: the answer step follows it instead


def merge_fragments(texts: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """Glue a paragraph that cannot stand alone to the paragraph after it.

    A short lead-in ending in a colon ("Parsing a TOML string:") belongs with the code
    or list it introduces, and a bare label ("Note", "See also") with the note it
    heads: alone, each is a passage that matches many questions and answers none (a
    list of bare names, as on an index page, stays as it is).
    Merged as "lead-in body" / "Label: body", one passage, found and cited together.
    Never across a heading, and not when the result would be long.

    >>> merge_fragments([("paragraph", "Note"), ("paragraph", "Keys are always strings.")])
    [('paragraph', 'Note: Keys are always strings.')]
    """
    out: list[tuple[str, str]] = []
    for kind, text in texts:
        if out and kind == "paragraph" and out[-1][0] == "paragraph" and _introduces(out[-1][1], text):
            lead = out[-1][1]
            joined = f"{lead} {text}" if lead.endswith(":") else f"{lead}: {text}"
            if len(joined) <= _MERGED_CHARS:
                out[-1] = ("paragraph", joined)
                continue
        out.append((kind, text))
    return out


def _introduces(text: str, following: str) -> bool:
    """True when ``text`` is a short lead-in, or a label ("Note") heading a sentence of prose."""
    words = text.split()
    if text.endswith(":"):
        return len(words) <= _LEAD_IN_WORDS
    is_label = len(words) <= _LABEL_WORDS and text[:1].isupper() and all(w.isalpha() for w in words)
    return is_label and len(following.split()) >= 4 and following.rstrip()[-1:] in ".!?"


# Words Sphinx writes before a member's name in its signature ("classmethod fromkeys(iterable)");
# a class's or exception's signature starts with "class" or "exception" (index.entries reads both).
MEMBER_QUALIFIERS = ("async", "abstractmethod", "classmethod", "staticmethod", "coroutine", "awaitable", "property")
# A class entry's signature ("class timeit.Timer(stmt='pass', ...)", "exception json.JSONDecodeError(...)"),
# and a member's signature nested in its description, named without its class ("timeit(number=1000000)").
_CLASS_SIGNATURE = re.compile(r"(?:class|exception)\s+(?:[\w.]+\.)?(?P<name>[A-Za-z_]\w*)\b")
_MEMBER_SIGNATURE = re.compile(
    rf"(?P<qualifiers>(?:(?:{'|'.join(MEMBER_QUALIFIERS)})\s+)*)"
    r"(?P<name>[a-z_]\w*)(?P<rest>(?:\(.*|\[.*)?)", re.DOTALL)


def _qualified(term: str, owner: str) -> str:
    """``term`` with ``owner`` before a member name that lacks a class ("timeit(...)" -> "Timer.timeit(...)")."""
    match = _MEMBER_SIGNATURE.fullmatch(term) if owner else None
    if match is None:
        return term
    return f"{match.group('qualifiers')}{owner}.{match.group('name')}{match.group('rest')}"


def _list_items(element, owner: str = "") -> list[tuple[str, str]]:
    """One paragraph per item; a nested list's items follow their parent item.

    In a definition list (Sphinx API entries: ``dt`` signature, ``dd`` description) a
    term and its description are one paragraph, "term: description", so that the
    signature ``width`` and "(default: 70) The maximum length of wrapped lines" are
    found, embedded and cited together. A member documented inside its class's
    description is named with its class (``owner``), as the page's index names it:
    "Timer.timeit(number=1000000): ..." answers a question about ``Timer.timeit()``, which
    "timeit(number=1000000)" alone neither matches nor shows a reader of the excerpt.
    """
    found = []
    term = ""
    for item in element.iterchildren("item"):
        rend = item.get("rend") or ""
        text = _text(item, skip="list")
        if rend.startswith("dt"):
            if term:
                found.append(("paragraph", term))  # a term without a description
            term = _qualified(text.rstrip("¶#§ ").strip(), owner)
            continue
        members_of = owner
        if rend.startswith("dd") and term:
            text = f"{term}: {text}" if text else term
            members_of = m.group("name") if (m := _CLASS_SIGNATURE.match(term)) else owner
            term = ""
        found.append(("paragraph", text))
        for nested in item.iterchildren("list"):
            found.extend(_list_items(nested, members_of))
    if term:
        found.append(("paragraph", term))
    return found


_BLOCK_TAGS = frozenset({"p", "quote", "list", "head", "item", "table"})  # not "code": inline too


def _text(element, skip: str | None = None) -> str:
    """The text under ``element`` (without ``skip`` children); block-level children are
    separated by a space, so two paragraphs of one list item do not run together."""
    parts = [element.text or ""]
    for child in element:
        if child.tag != skip:
            inner = "".join(child.itertext())
            parts.append(f" {inner} " if child.tag in _BLOCK_TAGS else inner)
        parts.append(child.tail or "")
    return collapse_whitespace("".join(parts))


def _table_rows(table) -> list[str]:
    rows = [[_text(cell) for cell in row.iterchildren("cell")] for row in table.iter("row")]
    first = next(table.iter("row"), None)
    header = first is not None and any(cell.get("role") == "head" for cell in first.iterchildren("cell"))
    if not header:
        return ["; ".join(cell for cell in row if cell) for row in rows]
    names = rows[0]
    return [
        "; ".join(f"{key}: {value}" if key else value for key, value in zip(names, row) if value)
        for row in rows[1:]
    ]


def _layout(texts: list[tuple[str, str]], title: str) -> list[Block]:
    """Blocks with spans into the extracted text (the texts joined by blank lines)."""
    blocks, offset = [], 0
    title_key = title.casefold()
    for found, text in texts:
        kind: BlockKind = "paragraph" if found == "paragraph" else "heading"  # "h1" is a heading too
        if kind == "heading" and text.casefold() == title_key:
            continue
        if kind == "paragraph" and classify_line(text) not in ("text", "md_heading"):
            continue  # chrome that trafilatura kept (copyright, "back to top", ...)
        blocks.append(Block(kind, text, offset, offset + len(text)))
        offset += len(text) + len(_SEPARATOR)
    return blocks


def extracted_text(page: CleanPage) -> str:
    """The extracted text of an HTML page: what the spans of :func:`read_html`'s blocks point into.

    >>> page = CleanPage("T", (Block("paragraph", "One.", 0, 4), Block("paragraph", "Two.", 6, 10)))
    >>> extracted_text(page)[6:10]
    'Two.'
    """
    return _SEPARATOR.join(block.text for block in page.blocks)
