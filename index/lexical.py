"""Lexical side: one tokenizer shared by BM25 and the answer step."""
from __future__ import annotations

import re
from collections.abc import Callable
from functools import lru_cache

import Stemmer

_WORD = re.compile(r"\w+(?:[-'’]\w+)*", re.UNICODE)
# Function words, including the question words that carry no topic ("which", "how").
STOPWORDS = frozenset(
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
def stem(word: str) -> str:
    """The Snowball stem of a lower-cased word, as BM25 indexes it."""
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
    return [stem(w) for w in words(text) if w not in STOPWORDS and (len(w) > 1 or w.isdigit())]


_RAW_WORD = re.compile(r"[A-Za-z][A-Za-z]*")


def initialisms(text: str, known: Callable[[str], bool], max_words: int = 6) -> dict[str, frozenset[str]]:
    """Acronyms the corpus uses for phrases spelled out in ``text``.

    Runs of 2..``max_words`` words (skipping function words) give an initialism: the
    first letter of each word, or the whole word when it is already upper case ("UN
    Security Council resolution" -> "unscr"). Only initialisms of at least three letters
    that ``known`` accepts (i.e. the corpus has that token) are kept, mapped to the
    stemmed tokens of the phrase they abbreviate.

    >>> sorted(initialisms("UN Security Council resolution", lambda t: t == "unscr")["unscr"])
    ['council', 'resolut', 'secur', 'un']
    """
    words = [w for w in _RAW_WORD.findall(text) if w.lower() not in STOPWORDS]
    found: dict[str, frozenset[str]] = {}
    for start in range(len(words)):
        letters = ""
        for end in range(start, min(len(words), start + max_words)):
            word = words[end]
            letters += word.lower() if word.isupper() and len(word) <= 4 else word[0].lower()
            if end > start and len(letters) >= 3 and known(letters):
                found[letters] = frozenset(tokenize(" ".join(words[start : end + 1])))
    return found
