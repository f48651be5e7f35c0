"""The corpus layer: files on disk to cleaned documents made of paragraphs.

>>> from corpus import load_corpus, default_corpus_dir
>>> docs = load_corpus(default_corpus_dir(), warn=print)
"""
from corpus import errors
from corpus.errors import CorpusError
from corpus.loader import corpus_hash, default_corpus_dir, load_corpus
from corpus.sentences import split_sentences
from corpus.types import Document, Paragraph

__all__ = [
    "CorpusError",
    "Document",
    "Paragraph",
    "corpus_hash",
    "default_corpus_dir",
    "errors",
    "load_corpus",
    "split_sentences",
]
