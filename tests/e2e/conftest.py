"""End-to-end fixtures: `qa serve` as a subprocess on a free 127.0.0.1 port, headless Chromium.

The corpus is the bundled one plus a file of HTML/JS payloads; its index is built in a
session tmp folder by the first server (so `qa serve` builds a missing index), then
reused by the next module's server.
"""
from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import pytest

QA = str(Path(sys.executable).with_name("qa"))
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
START_TIMEOUT = 180  # s; the first server also builds the index
PAYLOAD = """Lighthouse notes

The Zanzibar lighthouse keepers polish the brass lamp every Tuesday <script>alert(1)</script> before sunrise.

The harbour office <img src=x onerror=alert(1)> opens at dawn for the Zanzibar lighthouse keepers.

Read the [x](javascript:alert(1)) manual of the Zanzibar lighthouse before climbing the tower.
"""


@dataclass
class Server:
    """A running `qa serve`: its address, process and log files."""

    url: str
    process: subprocess.Popen
    stdout: Path
    stderr: Path
    feedback: Path
    seconds: float


def free_port() -> int:
    """A TCP port nobody listens on right now (on 127.0.0.1)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for_http(url: str, process: subprocess.Popen, timeout: float) -> None:
    """Poll ``url`` until it answers 200; fail early if the process dies."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"qa serve exited with {process.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.25)
    raise TimeoutError(f"{url} did not answer within {timeout:.0f} s")


def start_server(folder: Path, *args: str, feedback: Path | None = None, timeout: float = START_TIMEOUT,
                 env: dict[str, str] | None = None) -> Server:
    """Start `qa serve *args` on a free port (``env`` added to its environment); logs go to ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    port = free_port()
    feedback = feedback or folder / "feedback.jsonl"
    environment = {**os.environ, "HF_HUB_OFFLINE": "1", "GRADIO_ANALYTICS_ENABLED": "False",
                   "TOKENIZERS_PARALLELISM": "false", "QA_FEEDBACK": str(feedback), **(env or {})}
    out, err = folder / "serve.out", folder / "serve.err"
    started = time.monotonic()
    with open(out, "w") as o, open(err, "w") as e:
        process = subprocess.Popen([QA, "serve", *args, "--host", "127.0.0.1", "--port", str(port)],
                                   stdout=o, stderr=e, env=environment)
    url = f"http://127.0.0.1:{port}/"
    try:
        wait_for_http(url, process, timeout)
    except Exception as exc:
        stop(process)
        raise RuntimeError(f"{exc}\nstdout:\n{out.read_text()}\nstderr:\n{err.read_text()[-3000:]}") from exc
    return Server(url, process, out, err, feedback, time.monotonic() - started)


def stop(process: subprocess.Popen) -> None:
    """Terminate the server (kill it if it does not stop within 10 s)."""
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(10)


@pytest.fixture(scope="session")
def e2e_corpus(tmp_path_factory) -> Path:
    """The bundled documents plus `lighthouse.txt`, a document full of HTML/JS payloads."""
    from corpus import default_corpus_dir

    folder = tmp_path_factory.mktemp("e2e") / "corpus"
    shutil.copytree(default_corpus_dir(), folder)
    (folder / "lighthouse.txt").write_text(PAYLOAD, encoding="utf-8")
    return folder


@pytest.fixture(scope="session")
def e2e_index(e2e_corpus) -> Path:
    """Where the e2e index lives (built by the first `qa serve` that needs it)."""
    return e2e_corpus.parent / "index"


@pytest.fixture(scope="module")
def server(tmp_path_factory, e2e_corpus, e2e_index):
    """One `qa serve` per test module over the e2e corpus."""
    folder = tmp_path_factory.mktemp("server")
    running = start_server(folder, "--corpus", str(e2e_corpus), "--index", str(e2e_index))
    yield running
    stop(running.process)


@pytest.fixture(scope="module")
def browser():
    """Debian's Chromium, headless, driven by Playwright (never `playwright install`)."""
    if not Path(CHROMIUM).exists():
        pytest.skip(f"{CHROMIUM} is not installed")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser, server):
    """A fresh page on the chat, with every JavaScript dialog recorded in ``page.dialogs``."""
    context = browser.new_context(viewport={"width": 1100, "height": 900})
    page = context.new_page()
    page.dialogs = []

    def on_dialog(dialog):
        page.dialogs.append(dialog.message)
        dialog.dismiss()

    page.on("dialog", on_dialog)
    page.goto(server.url)
    page.wait_for_selector("#cq-chat .cq-chat", timeout=30_000)
    yield page
    context.close()


def ask(page, question: str, turn: int = 0, timeout: float = 30_000):
    """Type ``question``, press Enter, and wait until turn ``turn`` has its answer."""
    box = page.locator("#cq-question textarea")
    box.fill(question)
    box.press("Enter")
    article = page.locator(f"#cq-t{turn}")
    article.locator(".cq-a").wait_for(timeout=timeout)
    return article
