"""Lexical side: one tokenizer shared by BM25 and the answer step."""
from __future__ import annotations

import re
from functools import lru_cache

import Stemmer

_WORD = re.compile(r"\w+(?:[-'’]\w+)*", re.UNICODE)
# Function words, including the question words that carry no topic ("which", "how").
_STOPWORDS = frozenset(
    """a about above after again against all also am an and any are as at be been before
    being below between both but by can could did do does doing down during each few for
    from further had has have having he her here hers herself him himself his how i if in
    into is it its itself just me more most my myself no nor not now of off on once only or
    other our ours ourselves out over own same she should so some such than that the their
    theirs them themselves then there these they this those through to too under until up
    us very was we were what when where which while who whom whose why will with would you
    your yours yourself yourselves s t""".split()
)
_stemmer = Stemmer.Stemmer("english")


@lru_cache(maxsize=65536)
def _stem(word: str) -> str:
    return _stemmer.stemWord(word)


def words(text: str) -> list[str]:
    """Lower-cased word tokens of ``text``; hyphenated words are also split into parts.

    >>> words("Indo-Pacific region's")
    ['indo-pacific', 'indo', 'pacific', 'region']
    """
    out: list[str] = []
    for match in _WORD.finditer(text.lower().replace("’", "'")):
        token = match.group()
        if token.endswith("'s"):
            token = token[:-2]
        out.append(token)
        if "-" in token or "'" in token:
            out.extend(part for part in re.split(r"[-']", token) if part)
    return out


def tokenize(text: str) -> list[str]:
    """Stemmed content tokens (stopwords dropped) of ``text``, as BM25 indexes them."""
    return [_stem(w) for w in words(text) if w not in _STOPWORDS and (len(w) > 1 or w.isdigit())]
