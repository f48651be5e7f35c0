"""Thumbs up/down on answers, kept in an append-only JSON-lines file.

The file sits beside the index folder, not inside it: an index rebuild swaps the
whole folder and would take the feedback with it.

>>> store = FeedbackStore(feedback_path(settings))          # doctest: +SKIP
>>> store.record("up", answer, asked="and what about Africa?")   # doctest: +SKIP
"""
from __future__ import annotations

import json
import os
import threading
from datetime import datetime, timezone
from pathlib import Path

from corpus.errors import QAError
from qa.settings import Settings
from qa.types import Answer

VOTES = ("up", "down")


def feedback_path(settings: Settings) -> Path:
    """``settings.feedback``, else ``<index>.feedback.jsonl`` beside the index folder."""
    if settings.feedback is not None:
        return settings.feedback
    return settings.index.parent / (settings.index.name + ".feedback.jsonl")


class FeedbackStore:
    """Appends one JSON object a line; each line goes out in a single ``write`` to an
    ``O_APPEND`` file, so concurrent writers never interleave or truncate lines."""

    def __init__(self, path: Path):
        self.path = Path(path)
        self._lock = threading.Lock()

    def record(self, vote: str, answer: Answer, *, asked: str | None = None) -> dict:
        """Store ``vote`` ("up" or "down") on ``answer``; return the stored row.

        ``asked`` is the question as the user typed it when it differs from the
        standalone question the answer was given for (a follow-up).
        """
        if vote not in VOTES:
            raise QAError(f"feedback must be one of {', '.join(VOTES)}, not {vote!r}")
        data = answer.to_dict()
        row = {
            "time": datetime.now(timezone.utc).isoformat(timespec="seconds"),
            "vote": vote,
            "question": asked if asked is not None else answer.question,
            "standalone_question": answer.question,
            "answer": data["answer"],
            "abstained": data["abstained"],
            "citations": data["citations"],
        }
        line = (json.dumps(row, ensure_ascii=False) + "\n").encode("utf-8")
        with self._lock:
            try:
                self.path.parent.mkdir(parents=True, exist_ok=True)
                fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
                try:
                    written = os.write(fd, line)
                finally:
                    os.close(fd)
            except OSError as e:
                raise QAError(f"cannot write feedback to {self.path}: {e.strerror or e}") from e
        if written != len(line):
            raise QAError(f"feedback to {self.path} was cut short (disk full?)")
        return row

    def read(self) -> list[dict]:
        """Every stored row, oldest first (an empty list when there is no file yet)."""
        if not self.path.exists():
            return []
        return [json.loads(line) for line in self.path.read_text(encoding="utf-8").splitlines() if line.strip()]
