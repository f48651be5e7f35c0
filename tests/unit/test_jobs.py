"""Indexing jobs: one at a time, in order, queued not lost, undone when the build fails."""
from __future__ import annotations

import threading
import time

import pytest

from corpus.errors import QAError
from qa import jobs as jobs_module
from qa.jobs import IndexJobs, Job


class FakeLive:
    last_error = None
    settings = None

    def refresh(self, wait: bool = False) -> None:
        pass


def wait_until(predicate, timeout=10.0):
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline
        time.sleep(0.01)


def test_jobs_run_one_at_a_time_in_order_and_report_progress():
    gate, order, running = threading.Event(), [], []

    def build(report, warn):
        running.append(1)
        assert len(running) == 1  # never two builds at once
        report(3, 10)
        gate.wait(5)
        order.append(len(order))
        running.pop()
        return "1 added"

    jobs = IndexJobs(FakeLive(), build)
    assert jobs.submit(Job("a.pdf")) == "indexing a.pdf…"
    wait_until(lambda: jobs.status.total == 10)
    assert jobs.status.running == "a.pdf"
    assert (jobs.status.done, jobs.status.stage) == (3, "embedding")
    assert "queued behind 1" in jobs.submit(Job("b.md"))
    assert jobs.status.waiting == ("b.md",)
    gate.set()
    wait_until(lambda: jobs.status.finished == 2)
    assert order == [0, 1]
    assert jobs.status.last_ok
    assert jobs.status.last.startswith("b.md: indexed")
    assert not jobs.status.busy


def test_a_failed_build_undoes_its_change_and_says_so():
    undone, committed = [], []

    def build(report, warn):
        raise QAError("disk full")

    jobs = IndexJobs(FakeLive(), build)
    jobs.submit(Job("x.md", undo=lambda: undone.append(1), commit=lambda: committed.append(1)))
    wait_until(lambda: jobs.status.finished == 1)
    assert undone == [1]
    assert committed == []
    assert not jobs.status.last_ok
    assert "x.md: not indexed, nothing changed (disk full)" == jobs.status.last


def test_a_full_queue_refuses_with_a_message(monkeypatch):
    monkeypatch.setattr(jobs_module, "MAX_WAITING", 1)
    gate = threading.Event()
    jobs = IndexJobs(FakeLive(), lambda report, warn: gate.wait(5) and "ok")
    jobs.submit(Job("1"))
    wait_until(lambda: jobs.status.running == "1")
    jobs.submit(Job("2"))
    with pytest.raises(QAError, match="already waiting"):
        jobs.submit(Job("3"))
    gate.set()
    wait_until(lambda: jobs.status.finished == 2)
