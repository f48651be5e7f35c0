"""The `ask` API endpoint through gradio_client, against a real `qa serve`."""
from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from tests.e2e.conftest import QA

pytestmark = pytest.mark.e2e

# The README example, verbatim but for the address.
EXAMPLE = '''\
from gradio_client import Client
client = Client("http://127.0.0.1:7860/")
answer = client.predict("How many countries are involved in the Global Partnership?", api_name="/ask")
print(answer["answer"])
for c in answer["citations"]: print(f"[{c['n']}] {c['title']}, paragraph {c['paragraph']}: {' '.join(c['sentences'])}")
'''


def run_python(code: str, cwd) -> subprocess.CompletedProcess:
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "GRADIO_ANALYTICS_ENABLED": "False"}
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, cwd=cwd, env=env)


def test_readme_example_returns_citations(server, tmp_path):
    assert len(EXAMPLE.strip().splitlines()) == 5
    result = run_python(EXAMPLE.replace("http://127.0.0.1:7860/", server.url), tmp_path)
    assert result.returncode == 0, result.stderr
    lines = [line for line in result.stdout.splitlines() if not line.startswith("Loaded as API")]
    assert lines[0].startswith("Thirty countries and several international organizations")
    assert "[1]" in lines[0]
    assert lines[1].startswith("[1] G7 Global Partnership Against the Spread of Weapons")
    assert ", paragraph 4: " in lines[1]


def test_api_returns_the_json_of_qa_ask(server, e2e_corpus, e2e_index):
    from gradio_client import Client

    question = "Which vessel should the Houthis release?"
    api = Client(server.url, verbose=False).predict(question, api_name="/ask")
    cli = subprocess.run([QA, "ask", question, "--json", "--corpus", str(e2e_corpus), "--index", str(e2e_index)],
                         capture_output=True, text=True, timeout=300, env={**os.environ, "HF_HUB_OFFLINE": "1"})
    assert cli.returncode == 0, cli.stderr
    expected = json.loads(cli.stdout)
    assert set(api) == set(expected)
    for key in ("question", "answer", "abstained", "reason", "citations", "passages"):
        assert api[key] == expected[key], key
    assert set(api["timings_ms"]) == set(expected["timings_ms"])
    assert "Galaxy Leader" in api["answer"]
    assert api["citations"][0]["n"] == 1


def test_api_abstains_with_passages(server):
    from gradio_client import Client

    data = Client(server.url, verbose=False).predict(
        "What percentage of GDP do G7 members commit to spend on defense?", api_name="/ask")
    assert data["abstained"] is True
    assert data["citations"] == []
    assert len(data["passages"]) >= 1


def test_api_names_what_the_documents_do_not_mention(server):
    from gradio_client import Client

    data = Client(server.url, verbose=False).predict("What do the ministers say about Myanmar?", api_name="/ask")
    assert data["abstained"] is True
    assert data["missing"] == ["Myanmar"]
    assert data["reason"] == "The documents do not mention Myanmar."


def test_api_reports_bad_questions_as_errors(server):
    from gradio_client import Client
    from gradio_client.exceptions import AppError

    client = Client(server.url, verbose=False)
    with pytest.raises(AppError, match="the limit is 2,000"):
        client.predict("why " * 600, api_name="/ask")
    with pytest.raises(AppError, match="empty"):
        client.predict("   ", api_name="/ask")


def test_only_ask_is_public(server):
    from gradio_client import Client

    endpoints = Client(server.url, verbose=False).view_api(print_info=False, return_format="dict")
    assert list(endpoints["named_endpoints"]) == ["/ask"]
    assert endpoints["unnamed_endpoints"] == {}
