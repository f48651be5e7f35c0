"""The index folder: build it aside and swap it in; load it only after checks pass.

Layout (see DESIGN.md)::

    manifest.json            Manifest
    paragraphs.jsonl         one Paragraph a line, in vector order
    vectors.npy/.faiss/.docs.json           paragraph vectors (index.vectors.FaissVectorStore), or
    vectors.milvus.json + milvus-*.db/      with --store milvus (index.milvus_store; a server keeps no .db here)
    sentences.npz                           every sentence's paragraph row, span, entities (index.sentence_table)
    sentence_vectors.npy/.faiss/.docs.json  sentence vectors, in sentences.npz order
    bm25/                    bm25s' own files (numpy arrays + JSON, no pickle)
    words.json/.npy          the vocabulary and its word vectors (index.vocabulary)
"""
from __future__ import annotations

import hashlib
import json
import math
import os
import shutil
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from corpus.loader import corpus_hash
from corpus.sentences import split_sentences
from corpus.types import Document, Paragraph
from index.annotate import Annotator
from index.atomic import replace_dir
from index.backends import OpenStores, StoreBuild, StoreChoice, open_stores
from index.encoder import Encoder, SpanEncoder
from index.entries import entry_table, vector_span
from index.errors import IndexFolderError
from index.lexical import tokenize
from index.lock import build_lock
from index.manifest import FORMAT_VERSION, MANIFEST, Manifest, package_version
from index.sentence_table import SentenceTable
from index.types import SentenceInfo
from index.vectors import StorePlan, VectorStore
from index.vocabulary import WORDS, WordVectors, vocabulary

if TYPE_CHECKING:
    import bm25s  # imported where used: it imports scipy (0.2 s), which the up-to-date check does not need

PARAGRAPHS = "paragraphs.jsonl"
VECTORS = "vectors"  # vectors.npy, vectors.faiss, vectors.docs.json
SENTENCES = "sentences.npz"
SENTENCE_VECTORS = "sentence_vectors"
BM25_DIR = "bm25"
LEXICAL = {"tokenizer": "words-stopwords-snowball-english", "k1": 1.5, "b": 0.75, "method": "lucene"}


def heading_path(paragraph: Paragraph) -> str:
    """Where a paragraph stands: "page title › section" (either may be missing)."""
    return " › ".join(part for part in (paragraph.title, paragraph.section) if part)


def embedding_text(paragraph: Paragraph) -> str:
    """The text a paragraph is embedded and searched as: its heading path gives it context.

    "width: (default: 70) The maximum length..." says nothing on its own; under
    "textwrap — Text wrapping and filling › TextWrapper" it answers a question.
    """
    path = heading_path(paragraph)
    return f"{path}: {paragraph.text}" if path else paragraph.text


def build_key(model: str, annotator: str) -> str:
    """Hash of every setting that changes what is built (model, annotator, format)."""
    key = json.dumps([FORMAT_VERSION, package_version(), model, annotator, LEXICAL, "heading-path-v1", "pooled-sentences-v1",
                      "word-vectors-v1", "html-lead-ins-v1", "entry-descriptions-v1", "header-facts-v1",
                      "class-members-v1", "section-anchors-v1"])
    return hashlib.sha256(key.encode()).hexdigest()[:16]


def is_current(manifest: Manifest, documents: Sequence[Document], model: str, annotator: str) -> bool:
    """True when ``manifest`` describes an index of exactly this corpus built with these settings."""
    return manifest.corpus_hash == corpus_hash(documents) and manifest.build_key == build_key(model, annotator)


def built_by_other_code(manifest: Manifest) -> bool:
    """True when ``manifest``'s index was built by code that builds differently from this version.

    Same model and annotator, another build key: an upgrade changed how paragraphs are cut or
    embedded. The index still answers; ``qa index`` re-embeds it (:func:`is_current` fails).
    """
    return manifest.build_key != build_key(manifest.model, manifest.annotator)


def _check_target(folder: Path) -> None:
    if folder.exists() and not folder.is_dir():
        raise IndexFolderError(f"{folder} is a file, not an index folder", hint="choose another --index")
    if folder.is_dir() and any(folder.iterdir()) and not (folder / MANIFEST).exists():
        raise IndexFolderError(f"{folder} is a non-empty folder that is not an index (left untouched)",
                               hint="choose another --index")


@dataclass(frozen=True)
class _DocumentPart:
    """One document's share of an index: paragraphs, sentences (rows relative), vectors."""

    paragraphs: list[Paragraph]
    sentences: list[SentenceInfo]
    paragraph_vectors: np.ndarray
    sentence_vectors: np.ndarray


def build_index(
    documents: Sequence[Document],
    folder: Path,
    encoder: Encoder,
    annotator: Annotator,
    *,
    previous: LoadedIndex | None = None,
    plan: StorePlan = StorePlan(),
    progress: bool = False,
    store: StoreChoice = StoreChoice(),
) -> tuple[Manifest, dict]:
    """Build the index of ``documents`` into ``folder``, replacing any previous one atomically.

    With ``previous`` (the loaded old index, built with the same settings) only new and
    changed files are cleaned, annotated and embedded; unchanged files keep their
    paragraphs, ids and vectors. Rows follow sorted document order either way, so the
    result equals a full rebuild. Returns the manifest and the counts ``added``,
    ``changed``, ``removed``, ``unchanged``, ``paragraphs``.

    Everything is written into a temporary sibling folder first; only a complete,
    flushed index is swapped in, so a crash leaves the previous index untouched. With
    ``store`` Milvus, the vectors go to new collections (a Milvus Lite database inside
    the temporary folder by default); the previous build's collections are dropped only
    after the swap, and ``previous`` is closed before it (its files are replaced).
    """
    folder = Path(folder)
    with build_lock(folder):
        return _build_locked(documents, folder, encoder, annotator, previous, plan, progress, store)


def _build_locked(documents: Sequence[Document], folder: Path, encoder: Encoder, annotator: Annotator,
                  previous: LoadedIndex | None, plan: StorePlan, progress: bool,
                  store: StoreChoice) -> tuple[Manifest, dict]:
    _check_target(folder)
    documents = sorted(documents, key=lambda d: d.doc)
    if not any(doc.paragraphs for doc in documents):
        raise IndexFolderError("nothing to index: the corpus has no paragraphs")
    key = build_key(encoder.name, annotator.name)
    reuse = previous if previous is not None and previous.manifest.build_key == key else None
    old_files = reuse.manifest.files if reuse is not None else {}
    reused = {d.doc: reuse.document_part(d.doc) for d in documents if reuse is not None and old_files.get(d.doc) == d.sha256}
    to_compute = [d for d in documents if d.doc not in reused]
    parts = {**reused, **_compute_parts(to_compute, encoder, annotator, progress)}
    changed = sum(d.doc in old_files for d in to_compute)
    counts = {
        "added": len(to_compute) - changed,
        "changed": changed,
        "removed": len(set(old_files) - {d.doc for d in documents}),
        "unchanged": len(reused),
    }
    folder.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{folder.name}.building-", dir=folder.parent))
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(tmp, 0o777 & ~umask)  # mkdtemp makes it private; an index is an ordinary folder
    stores: StoreBuild | None = None
    try:
        stores = StoreBuild(store, tmp, _manifest_or_none(folder), encoder.dimension, plan)
        paragraphs: list[Paragraph] = []
        sentences: list[SentenceInfo] = []
        paragraph_store, sentence_store = stores.new(VECTORS), stores.new(SENTENCE_VECTORS)
        for doc in documents:
            part = parts[doc.doc]
            offset = len(paragraphs)
            paragraphs += part.paragraphs
            sentences += [SentenceInfo(x.row + offset, x.start, x.end, x.entities) for x in part.sentences]
            paragraph_store.add(doc.doc, part.paragraph_vectors)
            sentence_store.add(doc.doc, part.sentence_vectors)
        _write_jsonl(tmp / PARAGRAPHS, (p.to_dict() for p in paragraphs))
        SentenceTable.of(sentences).save(tmp / SENTENCES)
        paragraph_store.save(tmp, VECTORS)
        sentence_store.save(tmp, SENTENCE_VECTORS)
        _write_bm25(tmp / BM25_DIR, paragraphs)
        words = WordVectors.build(
            vocabulary(text for p in paragraphs for text in (p.text, p.section, p.title)), encoder,
            reuse.words if reuse is not None else None,
        )
        words.save(tmp)
        now = datetime.now(timezone.utc).isoformat(timespec="seconds")
        manifest = Manifest(
            model=encoder.name,
            model_fingerprint=encoder.fingerprint,
            dimension=encoder.dimension,
            counts={"documents": len(documents), "paragraphs": len(paragraphs), "sentences": len(sentences),
                    "words": len(words)},
            corpus_hash=corpus_hash(documents),
            files={doc.doc: doc.sha256 for doc in documents},
            build_key=key,
            built_at=now,
            indexed_at={d.doc: _indexed_at(reuse, d.doc) if d.doc in reused else now for d in documents},
            lexical=LEXICAL,
            annotator=annotator.name,
            similarity_percentiles=similarity_percentiles(paragraphs, sentences, encoder),
            **stores.describe(),
        )
        stores.before_swap()
        manifest.write(tmp)  # written last: a folder without it is never taken for an index
        _fsync_tree(tmp)
        if previous is not None:
            previous.close()
        replace_dir(tmp, folder)
    except BaseException:
        if stores is not None:
            stores.abort()
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    stores.finish()
    return manifest, {**counts, "paragraphs": len(paragraphs)}


def _manifest_or_none(folder: Path) -> Manifest | None:
    """The manifest of the index now at ``folder``, if it reads: names the collections a build replaces."""
    try:
        return Manifest.read(folder)
    except IndexFolderError:
        return None


def _indexed_at(previous: LoadedIndex | None, doc: str) -> str:
    """When the previous index says ``doc`` (unchanged since) was indexed."""
    if previous is None:
        return ""
    return previous.manifest.indexed_at.get(doc, previous.manifest.built_at)


def _compute_parts(documents: list[Document], encoder: Encoder, annotator: Annotator, progress: bool) -> dict[str, _DocumentPart]:
    """Split, annotate and embed ``documents`` in one batch (length-sorted by the encoder).

    The annotator runs on a thread of its own while the encoder works: spaCy's NER is
    a quarter of the CPU time of a build, and overlapping it with the encoder's threads
    makes builds ~15 % faster on two cores (bench/RESULTS.md).
    """
    from concurrent.futures import ThreadPoolExecutor

    paragraphs = [p for d in documents for p in d.paragraphs]
    spans = [(row, start, end) for row, p in enumerate(paragraphs) for start, end in split_sentences(p.text)]
    with ThreadPoolExecutor(1, thread_name_prefix="annotator") as pool:
        entities = pool.submit(annotator.annotate, [paragraphs[row].text[start:end] for row, start, end in spans])
        paragraph_vectors, sentence_vectors = _vectors(paragraphs, spans, encoder, progress)
        sentences = [SentenceInfo(row, start, end, tuple((label, a, b) for label, a, b in ents))
                     for (row, start, end), ents in zip(spans, entities.result())]
    parts, row, sent = {}, 0, 0
    for doc in documents:
        n = len(doc.paragraphs)
        end = sent
        while end < len(sentences) and sentences[end].row < row + n:  # sentences are in row order
            end += 1
        own = sentences[sent:end]
        parts[doc.doc] = _DocumentPart(
            list(doc.paragraphs),
            [SentenceInfo(x.row - row, x.start, x.end, x.entities) for x in own],
            paragraph_vectors[row : row + n],
            sentence_vectors[sent : sent + len(own)],
        )
        row, sent = row + n, sent + len(own)
    return parts


def _vectors(paragraphs: Sequence[Paragraph], sentences: Sequence[tuple[int, int, int]], encoder: Encoder,
             progress: bool) -> tuple[np.ndarray, np.ndarray]:
    """Paragraph vectors, and sentence vectors pooled from the same forward pass.

    One pass over the paragraphs instead of a second one over every sentence: builds
    1.6x faster (bench/build_throughput.py), and on the dev set recall@5 is unchanged,
    MRR and citation_hit rose, answer_hit fell by one question (bench/RESULTS.md).
    """
    if not paragraphs:
        return np.zeros((0, encoder.dimension), np.float32), np.zeros((0, encoder.dimension), np.float32)
    # An entry's first sentence is embedded without its signature (index.entries.vector_span).
    pieces = [(row, *vector_span(paragraphs[row].text, start, end)) for row, start, end in sentences]
    if not isinstance(encoder, SpanEncoder):  # a plain Encoder: sentences encoded on their own
        texts = [embedding_text(p) for p in paragraphs]
        vectors = encoder.encode(texts + [paragraphs[row].text[start:end] for row, start, end in pieces],
                                 progress=progress)
        return vectors[: len(texts)], vectors[len(texts) :]
    embedded = _EmbeddingTexts(paragraphs)
    spans: list[list[tuple[int, int]]] = [[] for _ in paragraphs]
    for row, start, end in pieces:
        shift = embedded.prefix_length(row)  # the "title › section: " prefix
        spans[row].append((start + shift, end + shift))
    return encoder.encode_with_spans(embedded, spans, progress=progress)


class _EmbeddingTexts(Sequence[str]):
    """:func:`embedding_text` of each paragraph, made when asked for: no second copy of the corpus."""

    def __init__(self, paragraphs: Sequence[Paragraph]):
        self._paragraphs = paragraphs

    def __len__(self) -> int:
        return len(self._paragraphs)

    def __getitem__(self, i):
        if isinstance(i, slice):
            return [embedding_text(p) for p in self._paragraphs[i]]
        return embedding_text(self._paragraphs[i])

    def prefix_length(self, i: int) -> int:
        """Characters :func:`embedding_text` puts before paragraph ``i``'s text."""
        path = heading_path(self._paragraphs[i])
        return len(path) + 2 if path else 0


SIMILARITY_PROBES = 200


def similarity_percentiles(paragraphs: Sequence[Paragraph], sentences: Sequence[SentenceInfo],
                           encoder: Encoder) -> list[float]:
    """Percentiles 0..100 of cosines between pairs of the corpus's sentences, each embedded alone.

    Up to :data:`SIMILARITY_PROBES` sentences drawn with a fixed seed are embedded on their
    own, without the heading path their indexed vectors carry, so that they compare with
    a question as questions do (shared headings would make any two sentences of one page
    look related).
    """
    if len(sentences) < 2:
        return []
    picked = np.sort(np.random.default_rng(0).choice(len(sentences), min(len(sentences), SIMILARITY_PROBES),
                                                     replace=False))
    texts = [paragraphs[sentences[i].row].text[sentences[i].start : sentences[i].end] for i in picked]
    vectors = encoder.encode(texts)
    similarities = (vectors @ vectors.T)[np.triu_indices(len(texts), k=1)]
    return [round(float(x), 4) for x in np.percentile(similarities, np.arange(101))]


def _write_jsonl(path: Path, rows) -> None:
    with open(path, "w", encoding="utf-8") as f:
        for row in rows:
            f.write(json.dumps(row, ensure_ascii=False) + "\n")


def _write_bm25(path: Path, paragraphs: Sequence[Paragraph]) -> None:
    import bm25s

    retriever = bm25s.BM25(k1=LEXICAL["k1"], b=LEXICAL["b"], method=LEXICAL["method"])
    tokens = [tokenize(embedding_text(p)) or ["\0empty"] for p in paragraphs]
    retriever.index(tokens, show_progress=False)
    retriever.save(str(path), show_progress=False)


def _fsync_tree(folder: Path) -> None:
    for root, _, files in os.walk(folder):
        for name in files:
            with open(os.path.join(root, name), "rb") as f:
                os.fsync(f.fileno())


@dataclass
class LoadedIndex:
    """A checked, loaded index: everything search and the answer step read."""

    folder: Path
    manifest: Manifest
    paragraphs: list[Paragraph]
    vectors: VectorStore
    sentences: SentenceTable
    sentence_vectors: VectorStore
    loaded_bm25: bm25s.BM25 | None  # None: read from the folder on first use (see load_index's ``lexical``)
    words: WordVectors
    stores: OpenStores | None = None

    @cached_property
    def bm25(self) -> bm25s.BM25:
        """The lexical index (bm25s), loaded with the rest or on first use."""
        return self.loaded_bm25 if self.loaded_bm25 is not None else _read_part(self.folder, BM25_DIR, _load_bm25)

    def close(self) -> None:
        """Release the vector stores' database connection (Milvus); the index is not used afterwards."""
        if self.stores is not None:
            self.stores.close()

    @cached_property
    def _ranges(self) -> dict[str, tuple[int, int, int, int]]:
        """doc -> (first paragraph row, end row, first sentence, end sentence); one pass each."""
        ranges: dict[str, list[int]] = {}
        for row, p in enumerate(self.paragraphs):
            ranges.setdefault(p.doc, [row, row + 1, 0, 0])[1] = row + 1
        rows = self.sentences.rows
        for r in ranges.values():
            r[2], r[3] = (int(i) for i in np.searchsorted(rows, r[:2]))
        return {doc: (r[0], r[1], r[2], r[3]) for doc, r in ranges.items()}

    def documents(self) -> list[str]:
        """The indexed documents, in row order."""
        return list(self._ranges)

    @cached_property
    def titles(self) -> dict[str, str]:
        """Document id -> its title (its first paragraph's, else the id), in row order."""
        return {doc: self.paragraphs[r[0]].title or doc for doc, r in self._ranges.items()}

    def document_rows(self, docs: Sequence[str]) -> tuple[list[tuple[int, int]], list[tuple[int, int]]]:
        """The ``[start, end)`` paragraph-row ranges and sentence ranges of ``docs``.

        A document's paragraphs (and sentences) are contiguous rows, so a few ranges
        describe any choice of documents; search restricts itself to them. Unknown
        documents have no rows.
        """
        ranges = [self._ranges[d] for d in docs if d in self._ranges]
        return [(r[0], r[1]) for r in ranges], [(r[2], r[3]) for r in ranges]

    def document_part(self, doc: str) -> _DocumentPart:
        """Everything this index holds for ``doc`` (rows relative to its first paragraph)."""
        first, end, s_first, s_end = self._ranges[doc]
        return _DocumentPart(
            self.paragraphs[first:end],
            [SentenceInfo(s.row - first, s.start, s.end, s.entities) for s in self.sentences[s_first:s_end]],
            np.array(self.vectors.vectors_of(doc)),
            np.array(self.sentence_vectors.vectors_of(doc)),
        )

    def known_document(self, doc: str, sha256: str) -> Document | None:
        """``doc`` as this index holds it, if it was built from a file with these bytes.

        For :func:`corpus.loader.load_corpus`'s ``known``: the title comes from the
        stored paragraphs; metadata, which the index does not keep, is left empty.
        """
        if self.manifest.files.get(doc) != sha256 or doc not in self._ranges:
            return None
        first, end, _, _ = self._ranges[doc]
        paragraphs = tuple(self.paragraphs[first:end])
        return Document(doc=doc, title=paragraphs[0].title if paragraphs else doc, sha256=sha256, paragraphs=paragraphs)

    @cached_property
    def _term_columns(self) -> tuple[np.ndarray, np.ndarray]:
        """Per lexical term id: how many paragraphs hold it, and its best BM25 contribution.

        Read from bm25s' sparse score matrix (one column a term) here, so that no other
        layer depends on bm25s' internal layout.
        """
        scores = self.bm25.scores
        data, indptr = np.asarray(scores["data"]), np.asarray(scores["indptr"])
        frequency = np.diff(indptr)
        best = np.zeros(len(frequency), dtype=np.float32)
        used = frequency > 0
        if used.any():
            best[used] = np.maximum.reduceat(data, indptr[:-1][used])
        return frequency, best

    def document_frequency(self, term_id: int) -> int:
        """How many paragraphs hold the lexical term with id ``term_id``."""
        frequency = self._term_columns[0]
        return int(frequency[term_id]) if 0 <= term_id < len(frequency) else 0

    def best_term_score(self, term_ids: Sequence[int]) -> float:
        """The highest BM25 score that the terms ``term_ids`` can reach, each in its best paragraph.

        Dividing a paragraph's BM25 score by this says how much of the query it matches,
        instead of how it compares with the best match (which scores 1 even when that
        match holds only one common term of the question).
        """
        best = self._term_columns[1]
        return float(sum(best[i] for i in term_ids if 0 <= i < len(best)))

    def typical_similarity(self, percentile: float) -> float:
        """The ``percentile`` of cosines between two sentences of this corpus drawn at random.

        How close two unrelated passages of *this* corpus are: a question whose best
        passage is no closer than that is off-domain here, whatever the absolute cosine
        (0.33 for two sentences of the two-page seed corpus, 0.09 on the Python docs).
        Measured at build time on sentences embedded alone, as questions are (see
        :func:`similarity_percentiles`); 0 for an index too small to measure.
        """
        table = self.manifest.similarity_percentiles
        return float(np.interp(percentile, np.linspace(0, 100, len(table)), table)) if table else 0.0

    def term_in_documents(self, term: str, docs: frozenset[str]) -> bool:
        """True when a paragraph of one of ``docs`` holds the lexical (stemmed) token ``term``."""
        term_id = self.bm25.vocab_dict.get(term)
        if term_id is None or not docs:
            return False
        scores = self.bm25.scores
        start, end = int(scores["indptr"][term_id]), int(scores["indptr"][term_id + 1])
        rows = np.asarray(scores["indices"][start:end])  # a common word: thousands of rows, so no Python loop
        spans = [self._ranges[doc][:2] for doc in docs if doc in self._ranges]
        return any(bool(((rows >= first) & (rows < end_row)).any()) for first, end_row in spans)

    @cached_property
    def sentences_of_row(self) -> dict[int, list[int]]:
        """Paragraph row -> indices of its sentences, in order."""
        rows = self.sentences.rows
        starts = np.flatnonzero(np.r_[True, rows[1:] != rows[:-1]])  # rows are in order: one run per paragraph
        ends = np.r_[starts[1:], len(rows)]
        return {int(rows[a]): list(range(a, b)) for a, b in zip(starts.tolist(), ends.tolist())}

    def sentences_of(self, paragraph_id: str) -> tuple[list[int], np.ndarray]:
        """The indices of a paragraph's sentences, in order, and their vectors (read from the store)."""
        ids = self.sentences_of_row.get(self.row_of[paragraph_id], [])
        if not ids:
            return [], np.zeros((0, self.manifest.dimension), dtype=np.float32)
        return ids, self.sentence_vectors.rows(np.array(ids, dtype=np.int64))

    @cached_property
    def row_of(self) -> dict[str, int]:
        """Paragraph id -> its row."""
        return {p.id: row for row, p in enumerate(self.paragraphs)}

    @cached_property
    def sentence_paragraph_rows(self) -> np.ndarray:
        """Sentence index -> the row of its paragraph, as an array (for vectorised look-ups)."""
        return self.sentences.rows.astype(np.int64)

    @cached_property
    def entries(self) -> dict[str, list[int]]:
        """Name -> rows of the reference entries defining it ("textwrap.dedent", "-o"; index.entries).

        Built on the first question that names code (~140 ms for 46,000 paragraphs), not
        with the other look-ups: a one-shot ``qa ask`` that names none never pays for it.
        """
        return entry_table(p.text for p in self.paragraphs)

    def build_lookups(self) -> None:
        """Build the cached look-up tables (rows, sentences, idf) now instead of on first use."""
        _ = self._idf_of_term_id, self.sentences_of_row, self.row_of, self.sentence_paragraph_rows, self._ranges

    @cached_property
    def _idf_of_term_id(self) -> np.ndarray:
        frequency = self._term_columns[0].astype(np.float64)
        return np.log1p((len(self.paragraphs) - frequency + 0.5) / (frequency + 0.5))

    def idf(self, term: str) -> float:
        """Inverse document frequency of a stemmed term over the paragraphs.

        A term the corpus never uses is often the asker's own wording (a paraphrase):
        it weighs like the rarest term the corpus has, not more.
        """
        term_id = self.bm25.vocab_dict.get(term)
        if term_id is None or not 0 <= term_id < len(self._idf_of_term_id):
            return math.log(1 + (len(self.paragraphs) - 0.5) / 1.5)
        return float(self._idf_of_term_id[term_id])

    def sentence_terms(self, sentence: int) -> frozenset[str]:
        """The lexical tokens of sentence ``sentence``, computed once (the same sentences come back)."""
        terms = self._sentence_terms.get(sentence)
        if terms is None:
            info = self.sentences[sentence]
            terms = frozenset(tokenize(self.paragraphs[info.row].text[info.start : info.end]))
            self._sentence_terms[sentence] = terms
        return terms

    @cached_property
    def _sentence_terms(self) -> dict[int, frozenset[str]]:
        return {}


def load_index(folder: Path, *, model: str | None = None, nprobe: int | None = None,
               store: StoreChoice = StoreChoice(), any_store: bool = False, lexical: bool = True) -> LoadedIndex:
    """Load the index at ``folder`` after checking manifest, model and counts.

    ``nprobe`` sets how many IVF lists an approximate store searches (default: the
    :class:`StorePlan`'s); exact stores ignore it. ``store`` is the vector store asked
    for: an index built with another one is refused, unless ``any_store``.
    ``lexical=False`` checks the BM25 files' counts and array headers without loading
    them (nor bm25s and scipy): what ``qa index``'s up-to-date check needs; the index then
    reads them on first use.

    Raises :class:`IndexFolderError` with a one-line reason for anything missing, damaged
    or built for another model; the CLI adds the command that rebuilds it.
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise IndexFolderError(f"no index at {folder}")
    manifest = Manifest.read(folder)
    if model is not None and manifest.model != model:
        raise IndexFolderError(f"the index at {folder} was built with model {manifest.model!r}, not {model!r}")
    paragraphs = _read_part(folder, PARAGRAPHS, lambda path: [Paragraph.from_dict(r) for r in _read_jsonl(path)])
    sentences = _read_part(folder, SENTENCES, SentenceTable.load)
    plan = StorePlan() if nprobe is None else StorePlan(nprobe=nprobe)
    stores = open_stores(folder, manifest, store, plan, any_kind=any_store)
    try:
        return _check_loaded(folder, manifest, paragraphs, sentences, stores, lexical)
    except BaseException:
        stores.close()
        raise


def _check_loaded(folder: Path, manifest: Manifest, paragraphs: list[Paragraph], sentences: SentenceTable,
                  stores: OpenStores, lexical: bool) -> LoadedIndex:
    """The rest of :func:`load_index`: read BM25 and words, check every count against the manifest."""
    vectors, sentence_vectors = stores.vectors, stores.sentence_vectors
    if lexical:
        bm25 = _read_part(folder, BM25_DIR, _load_bm25)
        bm25_documents = int(bm25.scores.get("num_docs", -1))
    else:
        bm25, bm25_documents = None, _read_part(folder, BM25_DIR, _bm25_document_count)
    words = _read_part(folder, f"{WORDS}.npy", lambda path: WordVectors.load(folder))
    counts = manifest.counts
    problems = []
    if len(paragraphs) != counts.get("paragraphs") or vectors.ntotal != len(paragraphs):
        problems.append(f"{len(paragraphs)} paragraphs, {vectors.ntotal} vectors, manifest says {counts.get('paragraphs')}")
    if len(sentences) != counts.get("sentences") or sentence_vectors.ntotal != len(sentences):
        problems.append(f"{len(sentences)} sentences, {sentence_vectors.ntotal} sentence vectors, "
                        f"manifest says {counts.get('sentences')}")
    if vectors.dimension != manifest.dimension or sentence_vectors.dimension != manifest.dimension:
        problems.append(f"vector dimension {vectors.dimension}, manifest says {manifest.dimension}")
    if vectors.documents() != sorted({p.doc for p in paragraphs}):
        problems.append("the vectors' documents differ from the paragraphs'")
    if bm25_documents != len(paragraphs):
        problems.append(f"BM25 holds {bm25_documents} paragraphs, not {len(paragraphs)}")
    if len(words) != counts.get("words") or words.dimension not in (0, manifest.dimension):
        problems.append(f"{len(words)} word vectors of dimension {words.dimension}, manifest says {counts.get('words')}")
    rows = sentences.rows  # checked as an array: 92,000 SentenceInfo objects cost a second
    if len(rows) and (int(rows.min()) < 0 or int(rows.max()) >= len(paragraphs) or bool((np.diff(rows) < 0).any())):
        problems.append("sentences point at paragraphs that do not exist, or out of order")
    if problems:
        raise IndexFolderError(f"the index at {folder} is inconsistent: " + "; ".join(problems))
    return LoadedIndex(folder, manifest, paragraphs, vectors, sentences, sentence_vectors, bm25, words, stores)


def _load_bm25(path: Path) -> bm25s.BM25:
    """bm25s' index saved in ``path`` (arrays and JSON, no pickle)."""
    import bm25s

    return bm25s.BM25.load(str(path), allow_pickle=False, show_progress=False)


def _bm25_document_count(path: Path) -> int:
    """How many paragraphs bm25s' index in ``path`` holds, read without loading it (nor bm25s and scipy);
    every array's header and size are checked, so a truncated file is caught here too."""
    for name in ("data.csc.index.npy", "indices.csc.index.npy", "indptr.csc.index.npy"):
        np.load(path / name, mmap_mode="r", allow_pickle=False)  # a truncated file does not map
    json.loads((path / "vocab.index.json").read_text("utf-8"))
    return int(json.loads((path / "params.index.json").read_text("utf-8")).get("num_docs", -1))


def _read_part(folder: Path, name: str, read: Callable):
    path = folder / name
    if not path.exists():
        raise IndexFolderError(f"the index at {folder} is incomplete: {name} is missing")
    try:
        return read(path)
    except (OSError, RuntimeError, ValueError, KeyError, TypeError, IndexError, json.JSONDecodeError) as e:
        raise IndexFolderError(f"the index at {folder} is damaged: {name} cannot be read "
                               f"(truncated or not written by this program)") from e


def _read_jsonl(path: Path) -> list[dict]:
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]
