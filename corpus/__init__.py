"""The corpus layer: files on disk to cleaned documents made of paragraphs.

>>> from corpus import load_corpus, default_corpus_dir
>>> docs = load_corpus(default_corpus_dir(), warn=print)
"""
from corpus import errors
from corpus.errors import CorpusError
from corpus.html import read_html
from corpus.loader import SUPPORTED_SUFFIXES, corpus_hash, default_corpus_dir, load_corpus
from corpus.pdf import read_pdf
from corpus.sentences import split_sentences
from corpus.types import Document, Paragraph

__all__ = [
    "SUPPORTED_SUFFIXES",
    "CorpusError",
    "Document",
    "Paragraph",
    "corpus_hash",
    "default_corpus_dir",
    "errors",
    "load_corpus",
    "read_html",
    "read_pdf",
    "split_sentences",
]
