"""The index folder: build it aside and swap it in; load it only after checks pass.

Layout (see DESIGN.md)::

    manifest.json            Manifest
    paragraphs.jsonl         one Paragraph a line, in vector order
    vectors.faiss            paragraph vectors (inner product on unit vectors)
    sentences.jsonl          one SentenceInfo a line (paragraph row, span, entities)
    sentence_vectors.faiss   sentence vectors, in sentences.jsonl order
    bm25/                    bm25s' own files (numpy arrays + JSON, no pickle)
"""
from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable, Sequence

import bm25s
import faiss
import numpy as np

from corpus.errors import IndexError_
from corpus.loader import corpus_hash
from corpus.sentences import split_sentences
from corpus.types import Document, Paragraph
from index.annotate import Annotator
from index.atomic import replace_dir
from index.encoder import Encoder
from index.lexical import tokenize
from index.manifest import FORMAT_VERSION, MANIFEST, Manifest
from index.types import SentenceInfo

PARAGRAPHS = "paragraphs.jsonl"
VECTORS = "vectors.faiss"
SENTENCES = "sentences.jsonl"
SENTENCE_VECTORS = "sentence_vectors.faiss"
BM25_DIR = "bm25"
LEXICAL = {"tokenizer": "words-stopwords-snowball-english", "k1": 1.5, "b": 0.75, "method": "lucene"}


def embedding_text(paragraph: Paragraph) -> str:
    """The text a paragraph is embedded as: its section heading gives it context."""
    return f"{paragraph.section}: {paragraph.text}" if paragraph.section else paragraph.text


def build_key(model: str, annotator: str) -> str:
    """Hash of every setting that changes what is built (model, annotator, format)."""
    key = json.dumps([FORMAT_VERSION, model, annotator, LEXICAL, "section-prefix-v1"])
    return hashlib.sha256(key.encode()).hexdigest()[:16]


def is_current(folder: Path, documents: Sequence[Document], model: str, annotator: str) -> bool:
    """True when ``folder`` holds a readable index of exactly this corpus and these settings."""
    try:
        manifest = Manifest.read(folder)
    except IndexError_:
        return False
    return (
        manifest.corpus_hash == corpus_hash(documents)
        and manifest.build_key == build_key(model, annotator)
        and all((folder / name).exists() for name in (PARAGRAPHS, VECTORS, SENTENCES, SENTENCE_VECTORS, BM25_DIR))
    )


def _check_target(folder: Path) -> None:
    if folder.exists() and not folder.is_dir():
        raise IndexError_(f"{folder} is a file, not an index folder", hint="choose another --index")
    if folder.is_dir() and any(folder.iterdir()) and not (folder / MANIFEST).exists():
        raise IndexError_(f"{folder} is a non-empty folder that is not an index (left untouched)",
                          hint="choose another --index")


def build_index(
    documents: Sequence[Document],
    folder: Path,
    encoder: Encoder,
    annotator: Annotator,
    *,
    progress: bool = False,
    on_stage: Callable[[str], None] = lambda stage: None,
) -> Manifest:
    """Build the index of ``documents`` into ``folder``, replacing any previous one atomically.

    Everything is written into a temporary sibling folder first; only a complete,
    flushed index is swapped in, so a crash leaves the previous index untouched.
    """
    folder = Path(folder)
    _check_target(folder)
    paragraphs = [p for doc in documents for p in doc.paragraphs]
    if not paragraphs:
        raise IndexError_("nothing to index: the corpus has no paragraphs")
    folder.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{folder.name}.building-", dir=folder.parent))
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(tmp, 0o777 & ~umask)  # mkdtemp makes it private; an index is an ordinary folder
    try:
        on_stage("sentences")
        sentences = _sentences(paragraphs, annotator)
        on_stage("embedding")
        texts = [embedding_text(p) for p in paragraphs] + [
            paragraphs[s.row].text[s.start : s.end] for s in sentences
        ]
        vectors = encoder.encode(texts, progress=progress)
        para_vectors, sent_vectors = vectors[: len(paragraphs)], vectors[len(paragraphs) :]
        on_stage("writing")
        _write_jsonl(tmp / PARAGRAPHS, (p.to_dict() for p in paragraphs))
        _write_jsonl(tmp / SENTENCES, ({"row": s.row, "start": s.start, "end": s.end,
                                         "entities": [list(e) for e in s.entities]} for s in sentences))
        _write_faiss(tmp / VECTORS, para_vectors)
        _write_faiss(tmp / SENTENCE_VECTORS, sent_vectors)
        _write_bm25(tmp / BM25_DIR, paragraphs)
        manifest = Manifest(
            model=encoder.name,
            dimension=encoder.dimension,
            counts={"documents": len(documents), "paragraphs": len(paragraphs), "sentences": len(sentences)},
            corpus_hash=corpus_hash(documents),
            files={doc.doc: doc.sha256 for doc in documents},
            build_key=build_key(encoder.name, annotator.name),
            built_at=datetime.now(timezone.utc).isoformat(timespec="seconds"),
            faiss_type="Flat",
            lexical=LEXICAL,
            annotator=annotator.name,
        )
        manifest.write(tmp)  # written last: a folder without it is never taken for an index
        _fsync_tree(tmp)
        replace_dir(tmp, folder)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return manifest


def _sentences(paragraphs: Sequence[Paragraph], annotator: Annotator) -> list[SentenceInfo]:
    spans = [(row, start, end) for row, p in enumerate(paragraphs) for start, end in split_sentences(p.text)]
    entities = annotator.annotate([paragraphs[row].text[start:end] for row, start, end in spans])
    return [SentenceInfo(row, start, end, tuple(map(tuple, ents))) for (row, start, end), ents in zip(spans, entities)]


def _write_jsonl(path: Path, rows) -> None:
    with open(path, "w", encoding="utf-8") as f:
        for row in rows:
            f.write(json.dumps(row, ensure_ascii=False) + "\n")


def _write_faiss(path: Path, vectors: np.ndarray) -> None:
    index = faiss.IndexFlatIP(vectors.shape[1])
    index.add(np.ascontiguousarray(vectors, dtype=np.float32))
    faiss.write_index(index, str(path))


def _write_bm25(path: Path, paragraphs: Sequence[Paragraph]) -> None:
    retriever = bm25s.BM25(k1=LEXICAL["k1"], b=LEXICAL["b"], method=LEXICAL["method"])
    tokens = [tokenize(f"{p.section} {p.text}") or ["\0empty"] for p in paragraphs]
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
    vectors: faiss.Index
    sentences: list[SentenceInfo]
    sentence_vectors: faiss.Index
    bm25: bm25s.BM25

    def sentence_rows(self) -> dict[int, list[int]]:
        """Map paragraph row -> indices of its sentences."""
        rows: dict[int, list[int]] = {}
        for i, s in enumerate(self.sentences):
            rows.setdefault(s.row, []).append(i)
        return rows


def load_index(folder: Path, *, model: str | None = None) -> LoadedIndex:
    """Load the index at ``folder`` after checking manifest, model and counts.

    Raises :class:`IndexError_` with a one-line reason for anything missing, damaged
    or built for another model; the CLI adds the command that rebuilds it.
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise IndexError_(f"no index at {folder}")
    manifest = Manifest.read(folder)
    if model is not None and manifest.model != model:
        raise IndexError_(f"the index at {folder} was built with model {manifest.model!r}, not {model!r}")
    paragraphs = _read_part(folder, PARAGRAPHS, lambda path: [Paragraph.from_dict(r) for r in _read_jsonl(path)])
    sentences = _read_part(folder, SENTENCES, lambda path: [
        SentenceInfo(r["row"], r["start"], r["end"], tuple(tuple(e) for e in r["entities"])) for r in _read_jsonl(path)
    ])
    vectors = _read_part(folder, VECTORS, lambda path: faiss.read_index(str(path)))
    sentence_vectors = _read_part(folder, SENTENCE_VECTORS, lambda path: faiss.read_index(str(path)))
    bm25 = _read_part(folder, BM25_DIR, lambda path: bm25s.BM25.load(str(path), allow_pickle=False, show_progress=False))
    counts = manifest.counts
    problems = []
    if len(paragraphs) != counts.get("paragraphs") or vectors.ntotal != len(paragraphs):
        problems.append(f"{len(paragraphs)} paragraphs, {vectors.ntotal} vectors, manifest says {counts.get('paragraphs')}")
    if len(sentences) != counts.get("sentences") or sentence_vectors.ntotal != len(sentences):
        problems.append(f"{len(sentences)} sentences, {sentence_vectors.ntotal} sentence vectors, manifest says {counts.get('sentences')}")
    if vectors.d != manifest.dimension or sentence_vectors.d != manifest.dimension:
        problems.append(f"vector dimension {vectors.d}, manifest says {manifest.dimension}")
    if int(bm25.scores.get("num_docs", -1)) != len(paragraphs):
        problems.append(f"BM25 holds {bm25.scores.get('num_docs')} paragraphs, not {len(paragraphs)}")
    if any(not 0 <= s.row < len(paragraphs) for s in sentences):
        problems.append("sentences point at paragraphs that do not exist")
    if problems:
        raise IndexError_(f"the index at {folder} is inconsistent: " + "; ".join(problems))
    return LoadedIndex(folder, manifest, paragraphs, vectors, sentences, sentence_vectors, bm25)


def _read_part(folder: Path, name: str, read: Callable):
    path = folder / name
    if not path.exists():
        raise IndexError_(f"the index at {folder} is incomplete: {name} is missing")
    try:
        return read(path)
    except (OSError, RuntimeError, ValueError, KeyError, TypeError, IndexError, json.JSONDecodeError) as e:
        raise IndexError_(f"the index at {folder} is damaged: {name} cannot be read "
                          f"(truncated or not written by this program)") from e


def _read_jsonl(path: Path) -> list[dict]:
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]
