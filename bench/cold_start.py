"""Whole-process start-up cost of the `qa` commands: wall time and peak RSS, from outside.

Each command runs once as a warm-up (page cache, ONNX export), then ``--runs`` times;
the median and the spread (min-max) are printed. Peak RSS is the child's own
``ru_maxrss`` from ``wait4`` (this script stays small, so a fork does not lend it the
parent's memory)::

    python bench/cold_start.py [--runs 5] [--big-index DIR --big-corpus DIR] [--json]

Measured: ``qa ask`` on the bundled corpus (index built first), ``qa ask`` on a big
index when given (e.g. the full Python docs, ~49,000 paragraphs), ``qa index`` on an
unchanged corpus, and ``qa serve`` from start until the page's ``ask`` API has returned
its first answer.
"""
from __future__ import annotations

import argparse
import json
import os
import socket
import statistics
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

QA = str(Path(sys.executable).with_name("qa"))
QUESTION = "When was the Global Partnership launched?"
BIG_QUESTION = "How do I read a CSV file into dictionaries?"


def run_once(args: list[str]) -> tuple[float, float]:
    """(wall seconds, peak RSS MiB) of ``qa ARGS`` run to completion; a failure stops the bench."""
    started = time.perf_counter()
    process = subprocess.Popen([QA, *args], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - started
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode != 0:
        raise SystemExit(f"qa {' '.join(args)} failed: {process.stderr.read().decode() if process.stderr else ''}")
    return seconds, usage.ru_maxrss / 1024


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def first_answer(port: int, process: subprocess.Popen, timeout: float = 300) -> str:
    """Ask the page's ``ask`` API (Gradio's HTTP queue) once the server listens; return the event data."""
    deadline = time.monotonic() + timeout
    body = json.dumps({"data": [QUESTION, None]}).encode()  # the question, no "ask within"
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"qa serve exited with {process.returncode}")
        try:
            request = urllib.request.Request(f"http://127.0.0.1:{port}/gradio_api/call/ask", body,
                                             {"Content-Type": "application/json"})
            with urllib.request.urlopen(request, timeout=60) as response:
                event = json.load(response)["event_id"]
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/gradio_api/call/ask/{event}", timeout=120) as response:
                stream = response.read().decode()
            if "event: complete" in stream:
                return stream
            raise SystemExit(f"qa serve did not answer: {stream[:300]}")
        except (urllib.error.URLError, ConnectionError):
            time.sleep(0.05)
    raise SystemExit("qa serve did not answer in time")


def serve_once(extra: list[str]) -> tuple[float, float]:
    """(seconds from start to the first answer, peak RSS MiB) of ``qa serve``."""
    port = free_port()
    started = time.perf_counter()
    process = subprocess.Popen([QA, "serve", "--host", "127.0.0.1", "--port", str(port), *extra],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        first_answer(port, process)
        seconds = time.perf_counter() - started
    finally:
        process.terminate()
    _, _, usage = os.wait4(process.pid, 0)
    return seconds, usage.ru_maxrss / 1024


def measure(label: str, once, runs: int) -> dict:
    """Warm-up, then ``runs`` runs of ``once()``; median and range of both figures."""
    once()
    samples = [once() for _ in range(runs)]
    seconds, rss = [s for s, _ in samples], [m for _, m in samples]
    row = {"command": label, "runs": runs, "seconds_median": statistics.median(seconds), "seconds_min": min(seconds),
           "seconds_max": max(seconds), "rss_mib_median": statistics.median(rss), "rss_mib_max": max(rss),
           "load": f"{os.getloadavg()[0]:.2f}"}
    print(f"{label:<46} {row['seconds_median']:6.2f} s ({min(seconds):.2f}-{max(seconds):.2f})  "
          f"{row['rss_mib_median']:5.0f} MiB (max {max(rss):.0f})  load {row['load']}", flush=True)
    return row


def main() -> None:
    """Print one line per command (or JSON with ``--json``)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--big-index", help="an existing big index folder (e.g. the full Python docs)")
    parser.add_argument("--big-corpus", help="its corpus folder")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    subprocess.run([QA, "index"], check=True, capture_output=True)  # the bundled corpus' index exists from here on
    print(f"{os.cpu_count()} cores, Python {sys.version.split()[0]}, {args.runs} runs after one warm-up", flush=True)
    rows = [measure('qa ask "…" (bundled corpus, index exists)', lambda: run_once(["ask", QUESTION]), args.runs)]
    if args.big_index:
        big = ["--index", args.big_index] + (["--corpus", args.big_corpus] if args.big_corpus else [])
        rows.append(measure(f'qa ask "…" ({Path(args.big_index).name})', lambda: run_once(["ask", *big, BIG_QUESTION]),
                            args.runs))
    rows.append(measure("qa index (unchanged bundled corpus)", lambda: run_once(["index"]), args.runs))
    rows.append(measure("qa serve: start -> first answer", lambda: serve_once([]), args.runs))
    if args.json:
        print(json.dumps(rows, indent=1))


if __name__ == "__main__":
    main()
