"""Load test of the `ask` API: many concurrent users against one `qa serve`.

    python bench/load_test.py [--clients 50] [--seconds 60] [--warm-up 10] [--max-requests 20000]
                              [--client http|http-fresh|gradio] [--corpus DIR] [--index DIR]
                              [--url URL --pid PID]

Without ``--url`` it builds the index if needed (``qa index``), starts ``qa serve`` on a
free 127.0.0.1 port, and stops it at the end. With ``--url`` it attaches to a running
server (loopback addresses only); pass ``--pid`` to get its memory and CPU figures.

Users run a closed loop (next question as soon as the answer arrives), cycling through
a fixed list of questions (answerable and unanswerable) from different starting points.
``http`` (default): asyncio users in this one process over Gradio's HTTP API, each with
its own session, as a page or a ``gradio_client.Client`` has; ``http-fresh``: a new
session per request; ``gradio``: a ``gradio_client.Client`` per thread (about 160 ms of
client CPU per request: on 2 cores the clients, not the server, become the bottleneck).
Prints requests, errors (with the first messages), latency p50/p95/max, throughput,
CPU per request on both sides, and the server's RSS at ready, after the warm-up (every
question once, then ``--warm-up`` seconds of the same load) and after the load.
Targets: 0 errors, p95 <= 2 s, RSS growth (after warm-up) <= 50 MB. Figures: bench/RESULTS.md.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from urllib.parse import urlparse

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import pct  # noqa: E402
from ui_latency import ENV, QA, free_port, stop, wait_http  # noqa: E402

QUESTIONS = [
    "How many countries are involved in the Global Partnership?",
    "Which vessel should the Houthis release?",
    "How many experts attended the Global Partnership meeting?",
    "What do the ministers say about North Korea?",
    "Which UN Security Council resolution on Gaza do the ministers welcome?",
    "freedom of navigation Red Sea",
    "Why does the G7 care about the Taiwan Strait?",
    "What did the leaders pledge in 2002?",
    "Who took part in the G7 Defense Ministers meeting in Naples?",
    "What support do the ministers give to Ukraine?",
    "What is said about the Indo-Pacific?",
    "What is the Global Partnership Against the Spread of Weapons and Materials of Mass Destruction?",
    "Which countries' defense ministers signed the declaration?",
    "What does the declaration say about Iran?",
    "nuclear security",
    "What is the capital of Australia?",  # unanswerable from here on
    "How many hostages were released last week?",
    "What percentage of GDP do G7 members commit to spend on defense?",
    "Who won the football world cup in 2022?",
    "<script>alert(1)</script> what about Africa?",
]
LOOPBACK = ("127.0.0.1", "localhost", "::1")


def rss_mb(pid: int | None) -> float | None:
    """VmRSS of process ``pid`` in MiB, from /proc (None when unknown)."""
    if pid is None:
        return None
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        return None
    return None


def fmt_mb(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.0f} MiB"


class Results:
    """Latencies and errors from all client threads (appended under a lock)."""

    def __init__(self, max_requests: int):
        self.lock = threading.Lock()
        self.latencies: list[float] = []
        self.errors: list[str] = []
        self.abstained = 0
        self.started = 0
        self.max_requests = max_requests

    def record(self, question: str, elapsed: float, problem: str | None, data: dict | None) -> None:
        """One finished request: its latency, and an error or whether it abstained."""
        with self.lock:
            self.latencies.append(elapsed)
            if problem:
                self.errors.append(f"{question!r}: {problem}")
            elif data.get("abstained"):
                self.abstained += 1

    def claim(self) -> bool:
        """Reserve one request under the hard cap."""
        with self.lock:
            if self.started >= self.max_requests:
                return False
            self.started += 1
            return True


def client_loop(url: str, offset: int, deadline: list[float], results: Results, ready: threading.Barrier,
                go: threading.Event) -> None:
    """One user: its own Client, questions in a loop until ``deadline[0]`` or the cap.

    Every client connects first; the clock starts (``go``) once all of them are ready.
    """
    from gradio_client import Client

    try:
        client = Client(url, verbose=False)
    except Exception as err:  # noqa: BLE001 - a client that cannot connect is an error to report
        with results.lock:
            results.errors.append(f"connect: {type(err).__name__}: {err}")
        ready.wait()
        return
    ready.wait()
    go.wait()
    i = offset
    while time.monotonic() < deadline[0] and results.claim():
        question = QUESTIONS[i % len(QUESTIONS)]
        i += 1
        t0 = time.perf_counter()
        try:
            data = client.predict(question, api_name="/ask")
            elapsed = time.perf_counter() - t0
            problem = None if isinstance(data, dict) and "answer" in data else f"unexpected reply {data!r:.200}"
        except Exception as err:  # noqa: BLE001
            elapsed, problem, data = time.perf_counter() - t0, f"{type(err).__name__}: {err}", None
        results.record(question, elapsed, problem, data)


async def http_user(http, url: str, offset: int, deadline: float, results: Results,
                    fresh_sessions: bool = False) -> None:
    """One user over Gradio's plain HTTP API: POST /gradio_api/call/ask, then read its event stream.

    The user keeps one session, as a browser page or a ``gradio_client.Client`` does;
    with ``fresh_sessions`` every request is a new anonymous session (the server keeps
    a bounded number of them).
    """
    i = offset
    session = f"load-{os.getpid()}-{offset}"
    while time.monotonic() < deadline and results.claim():
        question = QUESTIONS[i % len(QUESTIONS)]
        i += 1
        t0 = time.perf_counter()
        data, problem = None, None
        try:
            body = {"data": [question]} if fresh_sessions else {"data": [question], "session_hash": session}
            posted = await http.post(f"{url}gradio_api/call/ask", json=body)
            posted.raise_for_status()
            event_id = posted.json()["event_id"]
            async with http.stream("GET", f"{url}gradio_api/call/ask/{event_id}") as stream:
                event = None
                async for line in stream.aiter_lines():
                    if line.startswith("event: "):
                        event = line[7:]
                    elif line.startswith("data: ") and event in ("complete", "error"):
                        payload = json.loads(line[6:])
                        if event == "error":
                            problem = f"error event: {payload}"
                        else:
                            data = payload[0]
                        break
            if problem is None and not (isinstance(data, dict) and "answer" in data):
                problem = f"unexpected reply {data!r:.200}"
        except Exception as err:  # noqa: BLE001 - every failure is an error to report
            problem = f"{type(err).__name__}: {err}"
        elapsed = time.perf_counter() - t0
        results.record(question, elapsed, problem, data)


async def http_load(url: str, clients: int, seconds: float, results: Results,
                    fresh_sessions: bool = False) -> None:
    """``clients`` concurrent users in one event loop, each with its own connection."""
    import httpx

    limits = httpx.Limits(max_connections=clients * 2, max_keepalive_connections=clients * 2)
    async with httpx.AsyncClient(limits=limits, timeout=httpx.Timeout(120.0)) as http:
        deadline = time.monotonic() + seconds
        await asyncio.gather(*(http_user(http, url, c, deadline, results, fresh_sessions) for c in range(clients)))


def gradio_load(url: str, clients: int, seconds: float, results: Results) -> None:
    """``clients`` threads, each with its own ``gradio_client.Client`` (heavier on the client side)."""
    ready, go, deadline = threading.Barrier(clients + 1), threading.Event(), [float("inf")]
    threads = [threading.Thread(target=client_loop, args=(url, c, deadline, results, ready, go), daemon=True)
               for c in range(clients)]
    for thread in threads:
        thread.start()
    ready.wait()
    deadline[0] = time.monotonic() + seconds
    go.set()
    for thread in threads:
        thread.join(seconds + 120)


def warm_up(url: str, clients: int, seconds: float, mode: str) -> None:
    """Ask every question once, then run the same load for ``seconds``.

    One-off costs (first answers, the server's worker threads, allocator arenas and
    buffers for ``clients`` open requests) are paid here, so RSS growth after it
    measures what the load keeps: sessions and leaks.
    """
    from gradio_client import Client

    client = Client(url, verbose=False)
    for question in QUESTIONS:
        client.predict(question, api_name="/ask")
    if seconds > 0:
        burst = Results(10 ** 9)
        drive(url, clients, seconds, burst, mode)
        if burst.errors:
            raise SystemExit(f"warm-up failed: {burst.errors[0]}")


def drive(url: str, clients: int, seconds: float, results: Results, mode: str) -> None:
    """Run ``clients`` users of kind ``mode`` for ``seconds``, recording into ``results``."""
    if mode.startswith("http"):
        asyncio.run(http_load(url, clients, seconds, results, fresh_sessions=mode == "http-fresh"))
    else:
        gradio_load(url, clients, seconds, results)


def cpu_seconds(pid: int | None) -> float | None:
    """User + system CPU time of process ``pid`` so far, from /proc (None when unknown)."""
    if pid is None:
        return None
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, IndexError, ValueError):
        return None


def run(url: str, pid: int | None, clients: int, seconds: float, max_requests: int, mode: str,
        warm_up_seconds: float) -> bool:
    """Warm up, then drive the load and print the figures; True when the targets are met."""
    rss_ready = rss_mb(pid)
    warm_up(url, clients, warm_up_seconds, mode)
    rss_before = rss_mb(pid)
    results = Results(max_requests)
    load_start, cpu_server, cpu_client = os.getloadavg()[0], cpu_seconds(pid), time.process_time()
    started = time.monotonic()
    drive(url, clients, seconds, results, mode)
    wall = time.monotonic() - started
    cpu_client = time.process_time() - cpu_client
    cpu_after = cpu_seconds(pid)
    rss_after = rss_mb(pid)
    lat = results.latencies
    print(f"clients {clients} ({mode}), {seconds:.0f} s after a {warm_up_seconds:.0f} s warm-up, "
          f"server {url} (pid {pid or 'unknown'})")
    print(f"load average 1 min: {load_start:.2f} at start, {os.getloadavg()[0]:.2f} at end "
          f"({os.cpu_count()} cores)")
    print(f"requests {len(lat)} ({results.abstained} abstained), errors {len(results.errors)}")
    for message in results.errors[:5]:
        print(f"  error: {message[:300]}")
    if lat:
        print(f"latency p50 {pct(lat, 0.5):.2f} s, p95 {pct(lat, 0.95):.2f} s, max {max(lat):.2f} s")
        print(f"throughput {len(lat) / wall:.1f} requests/s over {wall:.1f} s")
        server = "n/a" if cpu_after is None or cpu_server is None else f"{(cpu_after - cpu_server) / len(lat) * 1e3:.0f}"
        print(f"CPU per request: server {server} ms, load generator {cpu_client / len(lat) * 1e3:.0f} ms")
    growth = None if rss_after is None or rss_before is None else rss_after - rss_before
    print(f"server RSS: at ready {fmt_mb(rss_ready)}, after warm-up {fmt_mb(rss_before)}, "
          f"after load {fmt_mb(rss_after)} (growth {'n/a' if growth is None else f'{growth:+.0f} MiB'})")
    ok = bool(not results.errors and lat and pct(lat, 0.95) <= 2.0 and (growth is None or growth <= 50))
    print("targets (0 errors, p95 <= 2 s, RSS growth <= 50 MB):", "met" if ok else "NOT met")
    return ok


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--max-requests", type=int, default=20_000, help="hard cap on requests in total")
    parser.add_argument("--corpus", help="corpus folder (default: the bundled one)")
    parser.add_argument("--index", default=str(Path(tempfile.gettempdir()) / "citeqa-load-test" / "index"),
                        help="index folder (built with `qa index` when missing or stale)")
    parser.add_argument("--warm-up", type=float, default=10.0,
                        help="seconds of the same load before measuring (0: only one round of questions)")
    parser.add_argument("--client", choices=("http", "http-fresh", "gradio"), default="http",
                        help="http: asyncio users over Gradio's HTTP API, one session each (light on the client); "
                             "http-fresh: a new session per request; gradio: a gradio_client thread each")
    parser.add_argument("--url", help="attach to this running server instead of starting one")
    parser.add_argument("--pid", type=int, help="with --url: the server's process id, for its RSS")
    args = parser.parse_args()
    if not (1 <= args.clients <= 500 and 0 < args.seconds <= 600 and args.max_requests >= 1
            and 0 <= args.warm_up <= 120):
        parser.error("--clients 1..500, --seconds up to 600, --max-requests >= 1, --warm-up 0..120")
    if args.url:
        if urlparse(args.url).hostname not in LOOPBACK:
            parser.error("--url must be a loopback address (127.0.0.1, localhost, ::1)")
        run(args.url, args.pid, args.clients, args.seconds, args.max_requests, args.client, args.warm_up)
        return 0
    common = ["--index", args.index] + (["--corpus", args.corpus] if args.corpus else [])
    subprocess.run([QA, "index", *common], env=ENV, check=True)
    port = free_port()
    url = f"http://127.0.0.1:{port}/"
    log = Path(tempfile.gettempdir()) / f"citeqa-load-test-serve-{port}.log"
    with open(log, "w") as out:
        server = subprocess.Popen([QA, "serve", *common, "--host", "127.0.0.1", "--port", str(port)],
                                  env=ENV, stdout=out, stderr=subprocess.STDOUT)
    try:
        wait_http(url, server, timeout=180)
        run(url, server.pid, args.clients, args.seconds, args.max_requests, args.client, args.warm_up)
    finally:
        stop(server)
    print(f"server log: {log}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
