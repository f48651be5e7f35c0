"""Follow-up questions: turn "and what about Africa?" into a question that stands alone.

Pure string logic, no model: retrieval only ever sees standalone questions, so the
index and the answer step need not know about conversations.

>>> standalone_question("And what about Africa?", ["What does the G7 say about Asia?"])
'What does the G7 say about Africa?'
>>> standalone_question("When was it founded?", ["What is the Global Partnership?"])
'When was the Global Partnership founded?'
"""
from __future__ import annotations

import re
from collections.abc import Sequence

# "and what about X", "how about X", "what of X", "and X?" — X replaces the earlier topic.
_SHIFT = re.compile(r"^(?:and|but|also|so)?[\s,]*(?:(?:what|how)\s+about|what\s+of|and)\s+(?P<focus>.+)$", re.I)
_PRONOUN = re.compile(r"\b(it|its|they|them|their|this|that|these|those|he|she|his|her|him)\b", re.I)
_POSSESSIVE = {"its", "their", "his", "her"}
# The last prepositional phrase: "... involved in <the Global Partnership>".
_PREPOSITION = re.compile(r"^.*\b(?:about|in|on|for|to|of|regarding|concerning|towards?|with|against|from|by)\s+"
                          r"(?P<object>[^,;:]+)$", re.I)
_LEADING_PREPOSITION = re.compile(r"^(?:about|in|on|for|regarding|concerning|with)\s+", re.I)
# A run of capitalised words, with a leading "the", is the likeliest topic of a question.
_NAME = re.compile(r"(?:\bthe\s+)?(?:[A-Z0-9][\w'’-]*)(?:\s+(?:of|and|for|the|on|de|[A-Z0-9][\w'’-]*))*"
                   r"(?<!\bof)(?<!\band)(?<!\bfor)(?<!\bthe)(?<!\bon)")
# Words that open a question; capitalised only because they come first.
_OPENERS = frozenset("what who whom whose which when where why how is are was were do does did can could "
                     "should would will has have had tell list name give describe explain".split())
MAX_FOLLOW_UP_WORDS = 8


def _strip(question: str) -> str:
    return question.strip().rstrip("?!. ").strip()


def topic_of(question: str) -> str | None:
    """The phrase a question is about: its last proper name, else its last prepositional object.

    >>> topic_of("How many countries are involved in the Global Partnership?")
    'the Global Partnership'
    >>> topic_of("what do ministers say about cyber threats?")
    'cyber threats'
    """
    text = _strip(question)
    first = re.match(r"\w+", text)
    skip = first.end() if first and first.group(0).lower() in _OPENERS else 0
    names = list(_NAME.finditer(text, skip))
    if names:
        return names[-1].group(0)
    match = _PREPOSITION.search(text)
    return match.group("object") if match else None


def _has_own_topic(question: str) -> bool:
    """Whether the question names something itself (a proper name past its first word)."""
    words = _strip(question).split()
    return any(w[:1].isupper() for w in words[1:])


def _replace_topic(previous: str, focus: str) -> str:
    """``previous`` with its topic swapped for ``focus`` (or ``focus`` added when no topic)."""
    text = _strip(previous)
    match = _PREPOSITION.search(text)
    if match:
        return f"{text[:match.start('object')]}{focus}?"
    topic = topic_of(text)
    if topic:
        start = text.rfind(topic)
        return f"{text[:start]}{focus}{text[start + len(topic):]}?"
    return f"{text} — {focus}?"


def standalone_question(question: str, previous: Sequence[str]) -> str:
    """Rewrite ``question`` so it stands alone, given the earlier standalone questions.

    Short follow-ups that shift the topic ("and what about Africa?", "how about Japan?")
    take the previous question with its topic replaced; short ones leaning on a pronoun
    ("when was it founded?") get the previous topic in place of the pronoun. Anything
    else, and any question when there is no previous one, is returned unchanged.
    """
    question = question.strip()
    if not previous or not question:
        return question
    last = previous[-1]
    words = _strip(question).split()
    if len(words) > MAX_FOLLOW_UP_WORDS:
        return question
    shift = _SHIFT.match(_strip(question))
    if shift and shift.group("focus").strip():
        focus = _LEADING_PREPOSITION.sub("", shift.group("focus").strip()) or shift.group("focus")
        return _replace_topic(last, focus.strip())
    pronoun = _PRONOUN.search(question)
    topic = topic_of(last)
    if pronoun and topic and not _has_own_topic(question):
        word = pronoun.group(0)
        replacement = topic + ("'s" if word.lower() in _POSSESSIVE else "")
        if pronoun.start() == 0:
            replacement = replacement[:1].upper() + replacement[1:]
        return question[: pronoun.start()] + replacement + question[pronoun.end():]
    return question


def example_questions(paragraphs: Sequence, limit: int = 12) -> list[str]:
    """Candidate example questions built from a corpus's document titles and section names.

    One per (title, section) pair, documents taken in turn so the first few cover
    several documents. ``paragraphs`` are :class:`corpus.types.Paragraph` in index order.
    Callers keep the ones the corpus actually answers.
    """
    by_doc: dict[str, list[str]] = {}
    for p in paragraphs:
        title = " ".join(p.title.split())
        if not title:
            continue  # "What is 000_x.txt?" is no example worth showing
        article = "" if title.lower().startswith("the ") else "the "
        section = " ".join(p.section.split())
        if section and section.lower() not in {"preamble", "introduction", "conclusions", "conclusion", "summary"}:
            q = f"What does {article}{title} say about {section}?"
        else:
            q = f"What is {article}{title}?"
        questions = by_doc.setdefault(p.doc, [])
        if q not in questions:
            questions.append(q)
    out: list[str] = []
    for i in range(max((len(v) for v in by_doc.values()), default=0)):
        out += [v[i] for v in by_doc.values() if i < len(v)]
    return out[:limit]
