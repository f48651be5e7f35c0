"""Reference entries: the names an API or option entry of a documentation page defines.

The HTML reader keeps a Sphinx definition as one paragraph, "signature: description"
("textwrap.dedent(text): Remove any common leading whitespace ...", "-O: Remove
assert statements ..."). A question that names that very function or option
("What does textwrap.dedent do?", "What does -O remove?") is about that entry, but
the entry need not rank first on meaning: every paragraph of the textwrap page is
about wrapping text, and BM25 drops a one-letter token like "o". Looking the names up
directly fixes both (index.search).
"""
from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

from corpus.html import MEMBER_QUALIFIERS

# What may stand before the name in a Sphinx signature ("class", "@" of a decorator, ...).
_QUALIFIERS = rf"(?:(?:{'|'.join(('class', 'exception', *MEMBER_QUALIFIERS))})\s+)*@?"
_NAME = re.compile(rf"{_QUALIFIERS}(?P<name>[A-Za-z_][\w.]*\w)(?P<rest>.*)", re.DOTALL)
# An option as a command line takes it: "-O", "-X", "--repeat" (its value "N", "=N" follows).
_OPTION = re.compile(r"(?<![\w-])(--?[A-Za-z][\w-]*)")
_SIGNATURE_CHARS = 400  # json.dumps' signature alone is 160 characters; a head of prose fails the name test anyway


def signature(text: str) -> str:
    """The signature heading the entry paragraph ``text`` ("" when it is no entry).

    It is the head before the first ": ", or the one after it when a lead-in comes first
    (the HTML reader joins "The shlex module defines the following functions:" to the
    entry it introduces).

    >>> signature("textwrap.dedent(text): Remove any common leading whitespace.")
    'textwrap.dedent(text)'
    >>> signature("The shlex module defines the following functions: shlex.split(s): Split s.")
    'shlex.split(s)'
    """
    rest = text
    for _ in range(2):  # the head, or the head after a lead-in
        head, colon, rest = rest.partition(": ")
        if not colon or len(head) > _SIGNATURE_CHARS:
            return ""
        if _names(head.strip()):
            return head.strip()
    return ""


def vector_span(text: str, start: int, end: int) -> tuple[int, int]:
    """The part of the sentence ``text[start:end]`` its vector is made of.

    An entry's first sentence is its description without the signature: "Return a k
    sized list of elements chosen from the population with replacement." is what
    random.choices does; "(population, weights=None, *, cum_weights=None, k=1)" before it
    only dilutes that meaning. The name stays in the paragraph's own vector, and a
    question naming it finds the entry by name (:func:`defining_rows`). Any other
    sentence is the whole span.

    >>> text = "textwrap.dedent(text): Remove any common leading whitespace."
    >>> text[slice(*vector_span(text, 0, len(text)))]
    'Remove any common leading whitespace.'
    """
    head = signature(text)
    if not head:
        return start, end
    description = description_start(text, head)
    return (description, end) if start <= description < end else (start, end)


def description_start(text: str, head: str) -> int:
    """Where the description of the entry paragraph ``text`` begins: past its signature ``head`` and ": "."""
    return text.find(head) + len(head) + 2


def entry_names(text: str) -> list[str]:
    """Names that the entry paragraph ``text`` defines: code names lower-cased, each with its
    dotted suffixes; options as written ("-O" and "-o" are different options).

    A signature is a name, optionally called or indexed ("dedent(text)", "heap[0]"), or
    a list of options ("-r N, --repeat=N"); a head of plain words ("Some tips for
    experts") defines nothing.

    >>> entry_names("class textwrap.TextWrapper(**kwargs): The TextWrapper constructor ...")
    ['textwrap.textwrapper', 'textwrapper']
    >>> entry_names("-r N, --repeat=N: how many times to repeat the timer (default 5)")
    ['-r', '--repeat']
    >>> entry_names("Some tips for experts: You can use the -O switch.")
    []
    """
    head = signature(text)
    return _names(head) if head else []


def _names(head: str) -> list[str]:
    """The names signature ``head`` defines, or [] when it is no signature."""
    if head.startswith("-"):
        return _OPTION.findall(head)
    match = _NAME.fullmatch(head)
    if match is None or match.group("rest")[:1] not in ("", "(", "["):
        return []
    parts = match.group("name").lower().split(".")
    return [".".join(parts[i:]) for i in range(len(parts))]


def question_options(question: str) -> list[str]:
    """Command-line options a question names, as written ("What does -O remove?" -> ["-O"])."""
    return [option for option in _OPTION.findall(question) if re.search(r"(?:^|\s)" + re.escape(option), question)]


def entry_table(texts: Iterable[str]) -> dict[str, list[int]]:
    """Name -> rows of the entry paragraphs that define it, over paragraph ``texts`` in row order."""
    table: dict[str, list[int]] = {}
    for row, text in enumerate(texts):
        for name in entry_names(text):
            table.setdefault(name, []).append(row)
    return table


def defining_rows(table: dict[str, list[int]], names: Sequence[str]) -> set[int]:
    """Rows of the entries that define any of ``names`` ("json.dumps()" -> the ``json.dumps`` entry).

    Code names are looked up lower-cased (questions spell them loosely), options as written.
    """
    keys = [name if name.startswith("-") else name.lower().removesuffix("()") for name in names]
    return {row for key in keys for row in table.get(key, ())}
