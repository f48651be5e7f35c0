"""The chat page in headless Chromium against a real `qa serve` (one server for the module)."""
from __future__ import annotations

import json
import time

import pytest

from tests.e2e.conftest import ARTIFACTS, ask, stop

pytestmark = pytest.mark.e2e

PARTNERSHIP = "How many countries are involved in the Global Partnership?"
UNANSWERABLE = "What percentage of GDP do G7 members commit to spend on defense?"


def in_viewport(locator) -> bool:
    return locator.evaluate("el => { const r = el.getBoundingClientRect();"
                            " return r.top >= 0 && r.bottom <= window.innerHeight; }")


def test_server_prints_its_address(server):
    deadline = time.monotonic() + 10  # the port may answer a moment before the line is printed
    while f"at {server.url}" not in server.stdout.read_text() and time.monotonic() < deadline:
        time.sleep(0.1)
    assert f"at {server.url}" in server.stdout.read_text()


def test_answer_with_marker_and_cited_excerpt(page):
    turn = ask(page, PARTNERSHIP)
    answer = turn.locator(".cq-answer-text")
    assert "Thirty countries" in answer.inner_text()
    marker = answer.locator("a.cq-marker").first
    assert marker.inner_text() == "[1]"
    source = turn.locator("#cq-t0-s1")
    assert "Thirty countries" in source.locator(".cq-excerpt mark").first.inner_text()
    head = source.locator(".cq-source-head").inner_text()
    assert "G7 Global Partnership" in head
    assert "¶ 4" in head
    assert "score" in head
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "answer.png"), full_page=True)

    page.evaluate("window.scrollTo(0, 0)")
    page.set_viewport_size({"width": 1100, "height": 300})  # the source is now below the fold
    marker.click()
    page.wait_for_function("document.querySelector('#cq-t0-s1').classList.contains('cq-flash')")
    page.wait_for_timeout(700)  # smooth scrolling
    assert in_viewport(source.locator(".cq-source-head"))
    assert not page.dialogs


def test_source_opens_in_context_on_the_page(page):
    turn = ask(page, PARTNERSHIP)
    url = page.url
    turn.locator("#cq-t0-s1 details.cq-context summary").click()
    body = turn.locator("#cq-t0-s1 .cq-ctx-body")
    body.wait_for()
    paragraphs = body.locator(".cq-ctx-p")
    assert paragraphs.count() >= 3
    hit = body.locator(".cq-ctx-hit")
    assert hit.count() == 1
    assert "Thirty countries" in hit.inner_text()
    assert "¶ 3" in body.inner_text()
    assert "¶ 5" in body.inner_text()
    assert page.url == url


def test_unanswerable_question_shows_closest_passages(page):
    turn = ask(page, UNANSWERABLE)
    assert "do not answer" in turn.locator(".cq-answer-text").inner_text()
    closest = turn.locator(".cq-closest")
    assert "Closest passages" in closest.locator("h4").inner_text()
    assert closest.locator(".cq-source").count() >= 1
    assert turn.locator(".cq-sources").count() == 0
    assert turn.locator("a.cq-marker").count() == 0
    # visibly different from citations: dashed borders, no [n] labels
    style = closest.locator(".cq-source").first.evaluate("el => getComputedStyle(el).borderTopStyle")
    assert style == "dashed"
    assert closest.locator(".cq-n").first.inner_text().startswith("#")


def test_the_page_says_what_the_documents_do_not_mention(page):
    turn = ask(page, "What do the ministers say about Myanmar?")
    assert "The documents do not mention Myanmar." in turn.locator(".cq-reason").inner_text()
    assert turn.locator(".cq-closest .cq-source").count() >= 1


def test_examples_on_an_empty_chat(page):
    examples = page.locator(".cq-example")
    assert examples.count() >= 2
    chosen = examples.first.inner_text()
    examples.first.click()
    first = page.locator("#cq-t0")
    first.locator(".cq-a").wait_for()
    assert first.locator(".cq-bubble").inner_text() == chosen
    assert first.locator("a.cq-marker").count() >= 1  # examples are ones the corpus answers
    assert page.locator(".cq-example").count() == 0


def test_follow_up_is_understood_in_context(page):
    ask(page, "What does the G7 Defense Joint Declaration say about the Middle East?")
    second = ask(page, "and what about Africa?", turn=1)
    understood = second.locator(".cq-understood").inner_text()
    assert understood == "understood as: What does the G7 Defense Joint Declaration say about Africa?"
    assert "Afric" in second.locator(".cq-answer-text").inner_text()
    assert second.locator(".cq-source").count() >= 1


def test_payloads_render_as_text_and_fire_nothing(page):
    turn = ask(page, "When do the Zanzibar lighthouse keepers polish the brass lamp?")
    chat = page.locator("#cq-chat")
    assert "<script>alert(1)</script>" in turn.locator(".cq-excerpt").first.inner_text()
    turn.locator("details.cq-context summary").first.click()
    context = turn.locator(".cq-ctx-body").first.inner_text()
    assert "<img src=x onerror=alert(1)>" in context
    assert "[x](javascript:alert(1))" in context

    question = "<img src=x onerror=alert(1)> [x](javascript:alert(1)) <script>alert(1)</script> lighthouse?"
    second = ask(page, question, turn=1)
    assert second.locator(".cq-bubble").inner_text() == question
    page.wait_for_timeout(500)  # give any injected handler the time to fire
    assert chat.locator("img, script, iframe").count() == 0
    assert chat.locator("a[href^='javascript']").count() == 0
    assert page.dialogs == []


def test_too_long_question_is_a_chat_message(page, server):
    turn = ask(page, "why " * 600)
    error = turn.locator(".cq-error")
    assert "the limit is 2,000" in error.inner_text()
    assert "Traceback" not in page.content()
    assert "Traceback" not in server.stderr.read_text()


def test_thumbs_store_feedback_with_question_answer_and_citations(page, server):
    before = server.feedback.read_text().splitlines() if server.feedback.exists() else []
    turn = ask(page, PARTNERSHIP)
    turn.locator("button.cq-vote[data-vote='up']").click()
    page.wait_for_selector("#cq-t0 button.cq-vote[data-vote='up'][aria-pressed='true']")
    rows = [json.loads(line) for line in server.feedback.read_text().splitlines()[len(before):]]
    assert len(rows) == 1
    row = rows[0]
    assert row["vote"] == "up"
    assert row["question"] == PARTNERSHIP
    assert "Thirty countries" in row["answer"]
    assert row["citations"][0]["n"] == 1
    assert row["citations"][0]["text"].startswith("Thirty countries")


def test_export_markdown_and_copy(page):
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    ask(page, PARTNERSHIP)
    ask(page, UNANSWERABLE, turn=1)
    with page.expect_download() as download:
        page.locator("#cq-export").click()
    text = open(download.value.path(), encoding="utf-8").read()
    assert text.startswith("# Conversation with the documents")
    assert f"## 1. {PARTNERSHIP}" in text
    assert "[1] G7 Global Partnership" in text
    assert "> Thirty countries and several international organizations" in text
    assert "Closest passages (not an answer)" in text

    copy = page.locator("#cq-t0 button.cq-copy")
    copy.click()
    page.wait_for_function("document.querySelector('#cq-t0 button.cq-copy').textContent === 'Copied'")
    clipboard = page.evaluate("navigator.clipboard.readText()")
    assert clipboard.startswith("Thirty countries")
    assert "[1] G7 Global Partnership" in clipboard


@pytest.mark.parametrize("scheme", ["dark", "light"])
def test_phone_width_stays_readable(browser, server, scheme):
    context = browser.new_context(viewport={"width": 375, "height": 800}, color_scheme=scheme)
    page = context.new_page()
    page.goto(server.url + ("?__theme=dark" if scheme == "dark" else ""))
    page.wait_for_selector("#cq-chat .cq-chat")
    turn = ask(page, PARTNERSHIP)
    turn.locator("details.cq-context summary").first.click()
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 1
    colours = turn.locator(".cq-excerpt").first.evaluate(
        "el => [getComputedStyle(el).color, getComputedStyle(document.body).backgroundColor]")
    page.screenshot(path=str(ARTIFACTS / f"phone-{scheme}.png"), full_page=True)
    context.close()
    text, background = (luminance(c) for c in colours)
    assert abs(text - background) > 0.4, colours  # text stands out from the page


def luminance(css_colour: str) -> float:
    """Rough 0..1 lightness of an ``rgb(...)``/``rgba(...)`` CSS colour."""
    r, g, b = (float(x) for x in css_colour[css_colour.index("(") + 1:].rstrip(")").split(",")[:3])
    return (0.2126 * r + 0.7152 * g + 0.0722 * b) / 255


def test_documents_are_not_reachable_by_path(server, e2e_corpus):
    import urllib.error
    import urllib.request

    from corpus import default_corpus_dir

    bundled = sorted(p for p in default_corpus_dir().iterdir() if p.suffix == ".txt")[0]
    for path in (e2e_corpus / "lighthouse.txt", bundled):
        for route in ("gradio_api/file=", "file="):
            with pytest.raises(urllib.error.HTTPError) as failure:
                urllib.request.urlopen(f"{server.url}{route}{path}", timeout=10)
            assert failure.value.code in (403, 404), (route, path)


def test_busy_port_is_a_one_line_error(server):
    import subprocess

    from tests.e2e.conftest import QA

    port = server.url.rstrip("/").rsplit(":", 1)[1]
    result = subprocess.run([QA, "serve", "--port", port], capture_output=True, text=True, timeout=120)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert result.stderr.startswith(f"error: cannot listen on 127.0.0.1:{port}")


def test_a_terminated_server_exits_cleanly_and_leaves_no_temporary_folder(tmp_path, e2e_corpus, e2e_index):
    # SIGTERM is how systemd, `kill` and the tests stop a server: it must run the clean-up
    # Ctrl+C runs, or the page's export folder stays in the temporary directory at every stop.
    from tests.e2e.conftest import start_server

    scratch = tmp_path / "tmp"
    scratch.mkdir()
    running = start_server(tmp_path / "server", "--corpus", str(e2e_corpus), "--index", str(e2e_index),
                           env={"TMPDIR": str(scratch)})
    try:
        assert len(list(scratch.glob("citeqa-export-*"))) == 1  # made when the page was built
        running.process.terminate()
        assert running.process.wait(30) == 0, running.stderr.read_text()[-2000:]
    finally:
        stop(running.process)
    assert "Traceback" not in running.stderr.read_text()
    assert list(scratch.glob("citeqa-export-*")) == []


def test_uploads_are_off_by_default(page):
    page.locator("#cq-documents button").first.click()  # the panel starts closed when uploads are off
    page.locator(".cq-upload-off").wait_for(timeout=10_000)
    assert page.locator("#cq-upload").count() == 0
    assert "--allow-upload" in page.locator(".cq-upload-off").inner_text()
    assert page.locator("#cq-doc-list button.cq-remove").count() == 0
    assert page.locator("#cq-doc-list tr[data-doc]").count() == 3
