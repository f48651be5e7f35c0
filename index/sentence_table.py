"""The index's sentences as numpy arrays: loaded in milliseconds, a SentenceInfo made when asked for.

On disk one uncompressed ``sentences.npz``::

    spans          (sentences, 3) int32   paragraph row, start, end (offsets into the paragraph)
    entity_bounds  (sentences + 1,) int64 sentence i's entities are rows bounds[i]:bounds[i+1] of
    entity_spans   (entities, 3) int32    label id, start, end (relative to the sentence)
    labels         (labels,) str          entity labels, by id

Read as JSON lines, the 92,000 sentences of the Python documentation took a second and
40 MiB of Python objects at every start; a question needs a few dozen of them.
"""
from __future__ import annotations

import zipfile
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import overload

import numpy as np

from index.types import SentenceInfo


class SentenceTable(Sequence[SentenceInfo]):
    """A read-only sequence of :class:`SentenceInfo` over four arrays (see the module docstring).

    >>> table = SentenceTable.of([SentenceInfo(0, 0, 12, (("GPE", 0, 5),))])
    >>> table[0]
    SentenceInfo(row=0, start=0, end=12, entities=(('GPE', 0, 5),))
    """

    def __init__(self, spans: np.ndarray, entity_bounds: np.ndarray, entity_spans: np.ndarray, labels: Sequence[str]):
        self.spans = spans
        self.entity_bounds = entity_bounds
        self.entity_spans = entity_spans
        self.labels = [str(label) for label in labels]

    @classmethod
    def of(cls, sentences: Iterable[SentenceInfo]) -> SentenceTable:
        """The table of ``sentences``, in order."""
        sentences = list(sentences)
        labels: dict[str, int] = {}
        entities = [(labels.setdefault(label, len(labels)), a, b) for s in sentences for label, a, b in s.entities]
        return cls(
            np.array([(s.row, s.start, s.end) for s in sentences], dtype=np.int32).reshape(-1, 3),
            np.cumsum([0] + [len(s.entities) for s in sentences], dtype=np.int64),
            np.array(entities, dtype=np.int32).reshape(-1, 3),
            list(labels),
        )

    def save(self, path: Path) -> None:
        """Write the table to ``path`` (an uncompressed ``.npz``)."""
        with open(path, "wb") as f:
            np.savez(f, spans=self.spans, entity_bounds=self.entity_bounds, entity_spans=self.entity_spans,
                     labels=np.array(self.labels, dtype=str))

    @classmethod
    def load(cls, path: Path) -> SentenceTable:
        """Read a table written by :meth:`save`; ``ValueError`` when it is damaged or inconsistent."""
        try:
            with np.load(path, allow_pickle=False) as data:
                table = cls(data["spans"], data["entity_bounds"], data["entity_spans"], data["labels"].tolist())
        except (zipfile.BadZipFile, EOFError) as e:  # a truncated file
            raise ValueError(f"{path.name} is not a complete .npz file") from e
        n = len(table.spans)
        if (table.spans.ndim != 2 or table.spans.shape[1] != 3 or table.entity_bounds.shape != (n + 1,)
                or table.entity_spans.ndim != 2 or int(table.entity_bounds[-1]) != len(table.entity_spans)
                or (len(table.entity_spans) and int(table.entity_spans[:, 0].max()) >= len(table.labels))):
            raise ValueError(f"{path.name} holds arrays of inconsistent shapes")
        return table

    @property
    def rows(self) -> np.ndarray:
        """Each sentence's paragraph row (non-decreasing)."""
        return self.spans[:, 0]

    def __len__(self) -> int:
        return len(self.spans)

    @overload
    def __getitem__(self, index: int) -> SentenceInfo: ...

    @overload
    def __getitem__(self, index: slice) -> list[SentenceInfo]: ...

    def __getitem__(self, index: int | slice) -> SentenceInfo | list[SentenceInfo]:
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(len(self)))]
        if index < 0:
            index += len(self)
        if not 0 <= index < len(self):
            raise IndexError("sentence index out of range")
        row, start, end = (int(x) for x in self.spans[index])
        first, last = int(self.entity_bounds[index]), int(self.entity_bounds[index + 1])
        entities = tuple((self.labels[int(label)], int(a), int(b)) for label, a, b in self.entity_spans[first:last])
        return SentenceInfo(row, start, end, entities)

    def __iter__(self) -> Iterator[SentenceInfo]:
        return (self[i] for i in range(len(self)))

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Sequence):
            return NotImplemented
        return len(self) == len(other) and all(a == b for a, b in zip(self, other))

    __hash__ = None  # type: ignore[assignment]  # mutable arrays inside: not hashable
