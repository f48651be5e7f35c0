"""Which documents a question is asked within: names as people type them -> index document ids."""
from __future__ import annotations

from collections.abc import Sequence
from pathlib import PurePosixPath

from corpus.errors import QuestionError

SHOWN_CHOICES = 8  # documents named in the error for an unknown name


def resolve_documents(names: Sequence[str], titles: dict[str, str]) -> tuple[str, ...]:
    """The document ids that ``names`` mean, in the order given, without repeats.

    A name is a document id (its path in the corpus, e.g. ``uploads/notes.md``), else a
    file name, else a title (both compared without case); it must name exactly one
    document. Raises :class:`QuestionError` naming some known documents otherwise.

    >>> resolve_documents(["NOTES.md"], {"uploads/notes.md": "Notes", "a.txt": "A"})
    ('uploads/notes.md',)
    """
    chosen: list[str] = []
    for name in names:
        doc = _resolve_one(name.strip(), titles)
        if doc not in chosen:
            chosen.append(doc)
    return tuple(chosen)


def _resolve_one(name: str, titles: dict[str, str]) -> str:
    if name in titles:
        return name
    wanted = name.casefold()
    for key in (lambda d: d.casefold(), lambda d: PurePosixPath(d).name.casefold(), lambda d: titles[d].casefold()):
        found = [d for d in titles if key(d) == wanted]
        if len(found) == 1:
            return found[0]
        if len(found) > 1:
            raise QuestionError(f"{name!r} names {len(found)} documents ({', '.join(found[:SHOWN_CHOICES])}); "
                                "give its path in the corpus")
    known = ", ".join(list(titles)[:SHOWN_CHOICES]) + (", …" if len(titles) > SHOWN_CHOICES else "")
    raise QuestionError(f"no document named {name!r} in the index; documents: {known}")
