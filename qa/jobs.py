"""Indexing jobs of the chat page: one at a time, in order, on a background thread.

Uploads and removals change the corpus folder, then queue a job that runs
:func:`qa.indexing.update_index` (the path of ``qa index``: incremental, built aside and
swapped in under the build lock). The page keeps answering from the old index meanwhile;
:class:`qa.live.LiveEngine` switches once the new one has loaded, and only then is the
job reported done. A job that fails undoes its corpus change (an uploaded file is
deleted again), so the corpus never holds a file the index refused.
"""
from __future__ import annotations

import sys
import threading
import time
import traceback
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from corpus.errors import QAError
from index.encoder import SpanEncoder
from index.errors import IndexFolderError
from qa.live import LiveEngine
from qa.progress import ReportingEncoder

MAX_WAITING = 8  # jobs queued behind the running one; more are refused (with a message), never dropped
LOCK_WAIT = 600.0  # s: how long a job waits for a `qa index` run by someone else to finish
LOCK_POLL = 2.0


@dataclass(frozen=True)
class Job:
    """A corpus change to index: what to say, and how to undo the change if indexing fails."""

    label: str  # e.g. "report.pdf, notes.md"
    undo: Callable[[], None] = lambda: None
    commit: Callable[[], None] = lambda: None  # once indexed (e.g. delete a removed file for good)


@dataclass(frozen=True)
class JobStatus:
    """What the page shows: the running job and its progress, the waiting ones, the last outcome."""

    running: str = ""
    stage: str = ""
    done: int = 0
    total: int = 0
    waiting: tuple[str, ...] = ()
    last: str = ""  # the message of the last finished job
    last_ok: bool = True
    finished: int = 0  # jobs finished so far: the page refreshes its document list when it grows
    warnings: tuple[str, ...] = field(default=())

    @property
    def busy(self) -> bool:
        """True while a job runs or waits."""
        return bool(self.running or self.waiting)


class IndexJobs:
    """A single worker that indexes queued corpus changes in order (see the module docstring).

    ``build(report, warn)`` runs one incremental build; the default loads the model once
    (on the first job) and calls :func:`qa.indexing.update_index`.
    """

    def __init__(self, live: LiveEngine, build: Callable[[Callable[[int, int], None], Callable[[str], None]], str] | None = None):
        self.live = live
        self._build = build or self._update_index
        self._queue: deque[Job] = deque()
        self._lock = threading.Lock()
        self._wake = threading.Condition(self._lock)
        self._status = JobStatus()
        self._encoder: Any = None  # loaded by the first job (PyTorch: seconds, so not at start-up)
        self._annotator: Any = None
        threading.Thread(target=self._work, name="index-jobs", daemon=True).start()

    @property
    def status(self) -> JobStatus:
        """The current :class:`JobStatus` (a snapshot)."""
        with self._lock:
            return self._status

    def submit(self, job: Job) -> str:
        """Queue ``job``; return what to tell the user. Raises :class:`QAError` when the queue is full."""
        with self._lock:
            if len(self._queue) >= MAX_WAITING:
                raise QAError(f"{MAX_WAITING} indexing jobs are already waiting; try again when they are done")
            ahead = len(self._queue) + bool(self._status.running)
            self._queue.append(job)
            self._status = replace(self._status, waiting=tuple(j.label for j in self._queue))
            self._wake.notify()
        return f"indexing {job.label}…" if not ahead else f"{job.label}: queued behind {ahead} indexing job(s)"

    def _set(self, **changes) -> None:
        with self._lock:
            self._status = replace(self._status, **changes)

    def _work(self) -> None:
        while True:
            with self._lock:
                while not self._queue:
                    self._wake.wait()
                job = self._queue.popleft()
                self._status = replace(self._status, running=job.label, stage="starting", done=0, total=0,
                                       waiting=tuple(j.label for j in self._queue))
            ok, message, warnings = self._run(job)
            with self._lock:
                self._status = replace(self._status, running="", stage="", done=0, total=0, last=message,
                                       last_ok=ok, finished=self._status.finished + 1, warnings=tuple(warnings))

    def _run(self, job: Job) -> tuple[bool, str, list[str]]:
        warnings: list[str] = []

        def report(done: int, total: int) -> None:
            self._set(stage="embedding", done=done, total=total)

        started = time.monotonic()
        try:
            summary = self._build_waiting_for_lock(report, warnings.append)
            self._set(stage="loading the new index")
            self.live.refresh(wait=True)  # "done" means questions are answered from the new index
            if self.live.last_error:
                raise QAError(f"the new index does not load: {self.live.last_error}")
            job.commit()
            return True, f"{job.label}: indexed in {time.monotonic() - started:.0f} s ({summary})", warnings
        except Exception as err:
            if not isinstance(err, QAError):  # a bug: the operator gets the traceback, the page one line
                traceback.print_exc(file=sys.stderr)
            try:
                job.undo()
            except OSError as undo_error:
                warnings.append(f"could not undo the change: {undo_error}")
            return False, f"{job.label}: not indexed, nothing changed ({err})", warnings

    def _build_waiting_for_lock(self, report, warn) -> str:
        """Run the build; while someone else's `qa index` holds the lock, wait for it (up to LOCK_WAIT)."""
        deadline = time.monotonic() + LOCK_WAIT
        while True:
            try:
                return self._build(report, warn)
            except IndexFolderError as err:
                if "is building the index" not in str(err) or time.monotonic() > deadline:
                    raise
                self._set(stage="waiting for another `qa index` to finish")
                time.sleep(LOCK_POLL)

    def _update_index(self, report: Callable[[int, int], None], warn: Callable[[str], None]) -> str:
        """One incremental build of the served corpus, with the model loaded once for all jobs."""
        from index.annotate import default_annotator
        from index.torch_encoder import load_encoder
        from qa.indexing import update_index

        settings = self.live.settings
        if self._encoder is None:
            self._set(stage="loading the model")
            # Two threads at most: the chat keeps a core for questions while a build runs.
            self._encoder = load_encoder(settings.model, runtime=settings.runtime, threads=1, warn=warn)
            self._annotator = default_annotator()
        self._set(stage="reading files")
        encoder = ReportingEncoder(self._encoder, report) if isinstance(self._encoder, SpanEncoder) else self._encoder
        result = update_index(settings, encoder, annotator=self._annotator, warn=warn)
        changes = result.changes
        return ", ".join(f"{changes[k]} {k}" for k in ("added", "changed", "removed") if changes[k]) or "no change"


def delete_files(paths: list[Path]) -> Callable[[], None]:
    """An undo that deletes ``paths`` (files a failed job had saved)."""
    def undo() -> None:
        for path in paths:
            path.unlink(missing_ok=True)
    return undo


def move_back(hidden: Path, path: Path) -> Callable[[], None]:
    """An undo that puts a removed file back where it was."""
    def undo() -> None:
        hidden.rename(path)
    return undo
