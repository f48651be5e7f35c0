"""Vectors of the corpus's words: how a question's word is matched by meaning, not spelling.

A question may name its topic in other words than the documents ("Tehran" for "Iran",
"atomic" for "nuclear"); the abstention check asks whether each of the question's focus
words is in the evidence literally or as a close match. The close match compares the
model's own vector of the question's word with the vectors of the evidence's words,
each word embedded on its own with the index's model once, when the index is built.

Saved beside the index as ``words.json`` (the sorted vocabulary, with names of two or
three capitalised words) and ``words.npy``
(float16 unit vectors in that order, memory-mapped when loaded).
"""
from __future__ import annotations

import json
import re
from collections.abc import Iterable, Sequence
from pathlib import Path

import numpy as np

from index.encoder import Encoder
from index.lexical import STOPWORDS, words

WORDS = "words"
MAX_WORD_CHARS = 30


def is_vocabulary_word(word: str) -> bool:
    """True for the words that get a vector: alphabetic, 3 to 30 letters, not function words.

    Numbers, identifiers and one- or two-letter tokens are matched literally only.
    """
    return word.isalpha() and 3 <= len(word) <= MAX_WORD_CHARS and word not in STOPWORDS


_OPENERS = STOPWORDS | frozenset("since following across upon within without among along despite per via".split())
_NAME_WORD = r"(?:[A-Z][a-z]+|[A-Z]{2,})"
_NAME_PHRASE = re.compile(rf"\b{_NAME_WORD}(?:\s+(?:of\s+)?{_NAME_WORD}){{1,2}}\b")


def name_phrases(text: str) -> set[str]:
    """Names of two or three capitalised words in ``text``, lower-cased ("north korea", "gulf of aden").

    A name written as a phrase carries a meaning its words do not have alone: "Pyongyang"
    is close to "North Korea", not to "north" or "Korea".
    """
    out = set()
    for m in _NAME_PHRASE.finditer(text):
        phrase = m.group().lower().split()
        while phrase and phrase[0] in _OPENERS:  # "On Monday", "Since Russia": capitalised by the sentence
            phrase = phrase[1:]
        if len(phrase) >= 2:
            out.add(" ".join(phrase))
    return out


def vocabulary(texts: Iterable[str]) -> list[str]:
    """The sorted distinct vocabulary words and name phrases (lower-cased) of ``texts``."""
    found: set[str] = set()
    for text in texts:
        found.update(w for w in words(text) if is_vocabulary_word(w))
        found |= name_phrases(text)
    return sorted(found)


class WordVectors:
    """Unit vectors of a vocabulary, one row a word, looked up by word.

    >>> vectors = WordVectors.build(["nuclear", "atomic"], encoder)   # doctest: +SKIP
    >>> float(vectors.matrix(["nuclear"]) @ vectors.vector("atomic"))  # doctest: +SKIP
    0.61
    """

    def __init__(self, vocabulary: Sequence[str], vectors: np.ndarray):
        if len(vocabulary) != len(vectors):
            raise ValueError(f"{len(vocabulary)} words but {len(vectors)} vectors")
        self.words = list(vocabulary)
        self._vectors = vectors
        self._row = {w: i for i, w in enumerate(self.words)}
        self._all32: np.ndarray | None = None

    def __len__(self) -> int:
        return len(self.words)

    def __contains__(self, word: str) -> bool:
        return word in self._row

    @property
    def dimension(self) -> int:
        """Length of each vector (0 for an empty vocabulary saved without vectors)."""
        return int(self._vectors.shape[1]) if self._vectors.ndim == 2 else 0

    def vector(self, word: str) -> np.ndarray | None:
        """The float32 vector of ``word``, or ``None`` when it is not in the vocabulary."""
        row = self._row.get(word)
        return None if row is None else np.asarray(self._vectors[row], dtype=np.float32)

    def matrix(self, vocabulary_words: Sequence[str]) -> np.ndarray:
        """Float32 rows of ``vocabulary_words`` (each must be in the vocabulary), in that order."""
        rows = np.fromiter((self._row[w] for w in vocabulary_words), dtype=np.int64, count=len(vocabulary_words))
        return np.asarray(self._vectors[rows], dtype=np.float32)

    def similarities(self, vector: np.ndarray) -> np.ndarray:
        """Cosine of ``vector`` (unit) with every word of the vocabulary, in vocabulary order.

        The first call reads every vector into a float32 copy, kept (23,036 words of the
        full Python docs: 35 MiB, ~60 ms once; then ~3 ms a call): only questions with a
        name the evidence lacks need it.
        """
        if not self.words:
            return np.zeros(0, dtype=np.float32)
        if self._all32 is None:
            self._all32 = np.asarray(self._vectors, dtype=np.float32)
        return self._all32 @ np.asarray(vector, dtype=np.float32)

    @classmethod
    def build(cls, vocabulary_words: Sequence[str], encoder: Encoder, previous: WordVectors | None = None) -> WordVectors:
        """Embed each word of ``vocabulary_words`` on its own, reusing ``previous``'s vectors where it has them."""
        vectors = np.zeros((len(vocabulary_words), encoder.dimension), dtype=np.float16)
        source = previous if previous is not None and previous.dimension == encoder.dimension else None
        todo = []
        for i, word in enumerate(vocabulary_words):
            old = source.vector(word) if source is not None else None
            if old is None:
                todo.append(i)
            else:
                vectors[i] = old
        if todo:
            vectors[todo] = encoder.encode([vocabulary_words[i] for i in todo]).astype(np.float16)
        return cls(vocabulary_words, vectors)

    def save(self, folder: Path) -> None:
        """Write ``words.json`` and ``words.npy`` into ``folder``."""
        (folder / f"{WORDS}.json").write_text(json.dumps(self.words, ensure_ascii=False), "utf-8")
        np.save(folder / f"{WORDS}.npy", np.ascontiguousarray(self._vectors, dtype=np.float16))

    @classmethod
    def load(cls, folder: Path) -> WordVectors:
        """Read what :meth:`save` wrote (vectors memory-mapped: only the rows asked for are read)."""
        vocabulary_words = json.loads((folder / f"{WORDS}.json").read_text("utf-8"))
        path = folder / f"{WORDS}.npy"
        vectors = np.load(path, mmap_mode="r" if vocabulary_words else None, allow_pickle=False)  # no map of 0 bytes
        if not isinstance(vocabulary_words, list) or vectors.dtype != np.float16:
            raise ValueError("not a word-vector file of this program")
        return cls(vocabulary_words, vectors)
