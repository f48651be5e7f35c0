"""Load a folder of .txt, .md, .html/.htm and .pdf files as cleaned documents made of paragraphs.

Each format has its own reader that yields a title, metadata and a list of heading
and paragraph blocks (``cleaning.clean_page`` for text, ``html.read_html``,
``pdf.read_pdf``); this module picks the reader by extension and turns the blocks
into :class:`Paragraph` objects, each in the section of the heading above it.
"""
from __future__ import annotations

import hashlib
import os
from collections import Counter
from collections.abc import Callable, Iterable
from pathlib import Path

from corpus.cleaning import Block, CleanPage, clean_page
from corpus.decoding import decode_bytes
from corpus.errors import CorpusError
from corpus.html import HTML_SUFFIXES, read_html
from corpus.pdf import PDF_SUFFIXES, read_pdf
from corpus.sentences import split_sentences
from corpus.types import Document, Paragraph

TEXT_SUFFIXES = (".txt", ".md")
MAX_PARAGRAPH_CHARS = 2000  # longer blocks are cut into chunks of whole sentences
MAX_FILE_BYTES = int(float(os.environ.get("QA_MAX_FILE_MB", "20")) * 1024 * 1024)
SUPPORTED_SUFFIXES = TEXT_SUFFIXES + HTML_SUFFIXES + PDF_SUFFIXES


def default_corpus_dir() -> Path:
    """Return the folder of the corpus bundled with the package."""
    return Path(__file__).parent / "documents"


def load_corpus(folder: Path, warn: Callable[[str], None],
                known: Callable[[str, str], Document | None] | None = None) -> list[Document]:
    """Read every supported file under ``folder`` as a cleaned :class:`Document`.

    Supported: ``.txt``/``.md`` (web-page text dumps and Markdown), ``.html``/``.htm``
    (main content only) and ``.pdf`` (text layer, every paragraph with its ``page``).
    Files are walked recursively in sorted order (hidden files and folders are
    ignored). ``warn`` receives one line per file that is skipped (binary,
    undecodable, unreadable, empty, encrypted or broken PDF, PDF without a text
    layer, no main content, nothing left after cleaning) and one summary line for
    files with other extensions. Paragraph ids are ``"<doc>#p<n>"``, with ``doc``
    the POSIX path relative to ``folder`` and ``n`` counted from 1 (across pages
    for a PDF). Spans of .txt/.md paragraphs point into the decoded file; those of
    HTML and PDF paragraphs into the extracted text, which ``metadata["span_basis"]
    == "extracted-text"`` says.

    ``known(doc, sha256)`` may return the document as cleaned before from a file with
    exactly these bytes (the index does, for files it holds): that file is then not
    parsed again, which makes re-indexing an unchanged large corpus take seconds
    instead of minutes (HTML extraction is the slow part of loading).

    Raises :class:`CorpusError` when ``folder`` is missing, not a folder, or yields
    no paragraph at all.

    >>> docs = load_corpus(default_corpus_dir(), warn=print)
    >>> docs[0].paragraphs[0].id
    '000_d2885f09925ae4a5.txt#p1'
    """
    folder = Path(folder)
    if not folder.exists():
        raise CorpusError(f"corpus folder {folder} does not exist")
    if not folder.is_dir():
        raise CorpusError(f"corpus folder {folder} is not a directory")
    documents: list[Document] = []
    skipped: Counter[str] = Counter()
    for path in _walk(folder):
        suffix = path.suffix.lower()
        if suffix not in SUPPORTED_SUFFIXES:
            skipped[suffix or "(no extension)"] += 1
            continue
        document = _load_file(path, path.relative_to(folder).as_posix(), warn, known)
        if document is not None:
            documents.append(document)
    if skipped:
        kinds = ", ".join(f"{suffix} ({count})" for suffix, count in sorted(skipped.items()))
        formats = ", ".join(SUPPORTED_SUFFIXES)
        warn(f"skipped {sum(skipped.values())} file(s) in formats other than {formats}: {kinds}")
    if not documents:
        raise CorpusError(
            f"corpus folder {folder} holds no readable documents (.txt, .md, .html, .htm, .pdf)"
        )
    return documents


def corpus_hash(documents: Iterable[Document]) -> str:
    """Return a sha256 hex digest identifying the corpus by its files' names and bytes."""
    digest = hashlib.sha256()
    for doc, sha in sorted((d.doc, d.sha256) for d in documents):
        digest.update(f"{doc}\0{sha}\n".encode())
    return digest.hexdigest()


def _walk(folder: Path) -> Iterable[Path]:
    for root, dirs, files in os.walk(folder):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for name in sorted(files):
            if not name.startswith("."):
                yield Path(root) / name


def read_document(path: Path, doc: str, warn: Callable[[str], None]) -> Document | None:
    """Read one file as ``load_corpus`` would, as document ``doc``; None (after one ``warn``) if skipped.

    The upload check uses it: a file is accepted exactly when indexing would keep it.
    The reader is chosen by ``doc``'s extension (an upload's temporary path may differ).
    """
    suffix = Path(doc).suffix.lower()
    if suffix not in SUPPORTED_SUFFIXES:
        warn(f"skipped {doc}: not a supported type ({', '.join(SUPPORTED_SUFFIXES)})")
        return None
    return _load_file(path, doc, warn, suffix=suffix)


def _load_file(path: Path, doc: str, warn: Callable[[str], None],
               known: Callable[[str, str], Document | None] | None = None, suffix: str | None = None) -> Document | None:
    suffix = suffix or path.suffix.lower()
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES and suffix not in PDF_SUFFIXES:  # PDFs are big with images
            warn(f"skipped {doc}: {size / 2**20:.0f} MB is over the {MAX_FILE_BYTES / 2**20:.0f} MB limit "
                 "(raise it with QA_MAX_FILE_MB)")
            return None
        data = path.read_bytes()
    except OSError as e:  # vanished, unreadable, a symlink loop, ...
        warn(f"skipped {doc}: cannot be read ({e.strerror or e})")
        return None
    if not data.strip():
        warn(f"skipped {doc}: the file is empty")
        return None
    sha256 = hashlib.sha256(data).hexdigest()
    if known is not None and (document := known(doc, sha256)) is not None:
        return document
    source: str | None = None
    page: CleanPage
    try:
        if suffix in HTML_SUFFIXES:
            page = read_html(data, doc)
        elif suffix in PDF_SUFFIXES:
            page = read_pdf(data, doc)
        else:
            source = decode_bytes(data, doc)
            page = clean_page(source, Path(doc).stem, markdown=suffix == ".md")
    except CorpusError as e:
        warn(f"skipped {e}")
        return None
    paragraphs = _paragraphs(doc, page.title, page.blocks, source)
    if not paragraphs:
        warn(f"skipped {doc}: no paragraph left after cleaning")
        return None
    return Document(
        doc=doc,
        title=page.title,
        sha256=sha256,
        paragraphs=tuple(paragraphs),
        metadata=dict(page.metadata),
    )


def _paragraphs(doc: str, title: str, blocks: Iterable[Block], source: str | None = None) -> list[Paragraph]:
    """Number the paragraph blocks from 1; each takes the nearest heading above as section.

    A block longer than ``MAX_PARAGRAPH_CHARS`` becomes several paragraphs of whole
    sentences; with ``source`` (the text spans point into) each gets its own span.
    """
    paragraphs: list[Paragraph] = []
    section = ""
    for block in blocks:
        page = block.page
        if block.kind == "heading":
            section = block.text
            continue
        chunks = chunk_spans(block.text, MAX_PARAGRAPH_CHARS)
        for (a, b), (start, end) in zip(chunks, _source_spans(source, block, chunks)):
            number = len(paragraphs) + 1
            paragraphs.append(Paragraph(f"{doc}#p{number}", doc, title, section, number,
                                        block.text[a:b], start, end, page))
    return paragraphs


def chunk_spans(text: str, limit: int) -> list[tuple[int, int]]:
    """Spans of ``text`` cut into runs of whole sentences of at most ``limit`` characters.

    A single sentence over the limit is cut at the last space before it (or hard at the
    limit when there is none).

    >>> chunk_spans("One two. Three four. Five.", 12)
    [(0, 8), (9, 20), (21, 26)]
    """
    if len(text) <= limit:
        return [(0, len(text))]
    spans: list[tuple[int, int]] = []
    start = end = 0
    for s_start, s_end in split_sentences(text):
        if s_end - start > limit and end > start:
            spans.append((start, end))
            start = s_start
        while s_end - start > limit:
            cut = text.rfind(" ", start + 1, start + limit)
            cut = cut if cut > start else start + limit
            spans.append((start, cut))
            start = cut + 1 if text[cut : cut + 1] == " " else cut
        end = s_end
    if end > start:
        spans.append((start, end))
    return spans


def _source_spans(source: str | None, block: Block, chunks: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Map spans of the whitespace-collapsed ``block.text`` to spans of ``source`` (one pass).

    Falls back to the whole block's span when there is no source or the block's text is
    not a whitespace-collapsed copy of it (e.g. de-hyphenated PDF text).
    """
    whole = [(block.start, block.end)] * len(chunks)
    if source is None or len(chunks) == 1:
        return whole
    first, last = {}, {}  # collapsed offset -> source index of that character
    wanted_first = {a for a, _ in chunks}
    wanted_last = {b - 1 for _, b in chunks}
    position, in_space = 0, False
    for i in range(block.start, block.end):
        if source[i].isspace():
            if not in_space and position:
                in_space = True
                position += 1
            continue
        in_space = False
        if position in wanted_first:
            first[position] = i
        if position in wanted_last:
            last[position] = i + 1
        position += 1
    if any(a not in first or b - 1 not in last for a, b in chunks):
        return whole
    return [(first[a], last[b - 1]) for a, b in chunks]
