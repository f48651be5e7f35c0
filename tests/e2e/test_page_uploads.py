"""Uploads in real Chromium against a real `qa serve --allow-upload`: add, index, ask within, remove."""
from __future__ import annotations

import os
import shutil
import subprocess

import pytest

from tests.data.formats.minimal_pdf import make_pdf
from tests.e2e.conftest import QA, ask, start_server, stop

pytestmark = pytest.mark.e2e

INDEXING_TIMEOUT = 240_000  # ms: the first job loads the model into the server
PDF = make_pdf([["Quokka Valley Observatory", "", "This report describes the observatory and its telescopes."],
                ["History", "", "The Quokka Valley observatory was founded in 1873 by the astronomer",
                 "Marguerite Olsen, who ground its first mirror by hand."]], title="Quokka Valley Observatory")
MARKDOWN = b"""# Tidepool notes

The amber tidepool crabs migrate each March toward the northern reef of Saltmarsh Bay.

## Feeding

Amber crabs feed on green algae that grow on the basalt stones at low tide.
"""


@pytest.fixture(scope="module")
def upload_server(tmp_path_factory, e2e_corpus, e2e_index):
    """`qa serve --allow-upload` over a copy of the e2e corpus (and its index, if built already)."""
    folder = tmp_path_factory.mktemp("uploads")
    corpus, index = folder / "corpus", folder / "index"
    shutil.copytree(e2e_corpus, corpus)
    if (e2e_index / "manifest.json").exists():
        shutil.copytree(e2e_index, index)
    running = start_server(folder / "logs", "--allow-upload", "--corpus", str(corpus), "--index", str(index))
    running.corpus = corpus
    yield running
    stop(running.process)


@pytest.fixture(scope="module")
def upload_page(browser, upload_server):
    """One page for the whole module: the tests below build on each other's uploads."""
    context = browser.new_context(viewport={"width": 1100, "height": 1000})
    page = context.new_page()
    page.dialogs = []
    page.on("dialog", lambda dialog: (page.dialogs.append(dialog.message), dialog.dismiss()))
    page.goto(upload_server.url)
    page.wait_for_selector("#cq-doc-list .cq-docs", timeout=30_000)
    yield page
    context.close()


def upload(page, *files):
    page.locator("#cq-upload input[type=file]").set_input_files(
        [{"name": name, "mimeType": "application/octet-stream", "buffer": data} for name, data in files])


def wait_indexed(page, label: str):
    page.locator("#cq-upload-status .cq-job-done", has_text=label).wait_for(timeout=INDEXING_TIMEOUT)


def doc_rows(page) -> list[str]:
    return page.locator("#cq-doc-list tr[data-doc]").evaluate_all("rows => rows.map(r => r.dataset.doc)")


def test_upload_a_pdf_and_markdown_then_ask_what_only_the_pdf_answers(upload_page, upload_server):
    page = upload_page
    before = doc_rows(page)
    upload(page, ("quokka.pdf", PDF), ("tidepool.md", MARKDOWN))
    wait_indexed(page, "quokka.pdf, tidepool.md")
    page.locator("#cq-doc-list tr[data-doc='uploads/quokka.pdf']").wait_for(timeout=10_000)
    assert doc_rows(page) == sorted([*before, "uploads/quokka.pdf", "uploads/tidepool.md"])
    row = page.locator("#cq-doc-list tr[data-doc='uploads/quokka.pdf']")
    assert "Quokka Valley Observatory" in row.inner_text()
    assert row.locator("td").nth(3).inner_text() == "2"  # pages
    assert page.locator(".cq-doc-count").inner_text() == f"{len(before) + 2} documents"
    article = ask(page, "Who founded the Quokka Valley observatory?")
    assert "Marguerite Olsen" in article.locator(".cq-answer-text").inner_text()
    source = article.locator(".cq-sources .cq-source").first
    assert "Quokka Valley Observatory" in source.inner_text()
    assert "page 2" in source.locator(".cq-source-head").inner_text()
    assert "1873" in source.locator(".cq-excerpt").inner_text()
    assert sorted(p.name for p in (upload_server.corpus / "uploads").iterdir()) == ["quokka.pdf", "tidepool.md"]


def test_ask_within_one_document_returns_its_passages_only(upload_page):
    page = upload_page
    within = page.locator("#cq-within input")
    within.click()
    page.keyboard.type("Tidepool")
    page.locator("[role=option]", has_text="tidepool.md").first.click()
    page.keyboard.press("Escape")
    article = ask(page, "When do the amber crabs migrate?", turn=1)
    assert "asked within: uploads/tidepool.md" in article.locator(".cq-within").inner_text()
    sources = article.locator(".cq-source").evaluate_all("els => els.map(e => e.dataset.paragraph)")
    assert sources
    assert all(s.startswith("uploads/tidepool.md#") for s in sources)


def test_api_ask_within_documents(upload_server):
    from gradio_client import Client

    client = Client(upload_server.url, verbose=False)
    answer = client.predict("What do the ministers say about Ukraine?", ["tidepool.md"], api_name="/ask")
    assert answer["within"] == ["uploads/tidepool.md"]
    assert {p["doc"] for p in answer["passages"]} == {"uploads/tidepool.md"}
    assert len(answer["passages"]) == 2  # the whole document: it has two paragraphs
    plain = client.predict("What do the ministers say about Ukraine?", api_name="/ask")
    assert plain["within"] == []


def test_a_binary_file_renamed_pdf_is_refused_and_changes_nothing(upload_page, upload_server):
    page = upload_page
    before = doc_rows(page)
    upload(page, ("fake.pdf", bytes(range(256)) * 64))
    error = page.locator("#cq-upload-messages .cq-upload-error")
    error.wait_for(timeout=30_000)
    assert "fake.pdf" in error.inner_text()
    assert error.count() == 1
    assert doc_rows(page) == before
    assert not (upload_server.corpus / "uploads" / "fake.pdf").exists()


def test_a_path_in_the_file_name_lands_inside_the_corpus(upload_page, upload_server):
    page = upload_page
    upload(page, ("../../x.md", b"# Escape notes\n\nThe zebra ferry leaves Pier Nine at noon on Sundays.\n"))
    wait_indexed(page, "x.md")
    corpus = upload_server.corpus
    assert (corpus / "uploads" / "x.md").exists()
    assert not (corpus.parent / "x.md").exists()
    assert not (corpus.parent.parent / "x.md").exists()
    page.locator("#cq-doc-list tr[data-doc='uploads/x.md']").wait_for(timeout=10_000)


def test_remove_a_document_and_its_passages_are_gone(upload_page, upload_server):
    page = upload_page
    row = page.locator("#cq-doc-list tr[data-doc='uploads/x.md']")
    row.locator("button.cq-remove").click()
    assert "and its passages?" in row.locator(".cq-confirm").inner_text()
    row.locator("button.cq-remove-yes").click()
    wait_indexed(page, "removing uploads/x.md")
    page.locator("#cq-doc-list tr[data-doc='uploads/x.md']").wait_for(state="detached", timeout=10_000)
    assert not (upload_server.corpus / "uploads" / "x.md").exists()
    assert not list((upload_server.corpus / "uploads").glob(".*"))  # no hidden leftovers
    from gradio_client import Client

    answer = Client(upload_server.url, verbose=False).predict("When does the zebra ferry leave Pier Nine?",
                                                              api_name="/ask")
    assert all(not p["doc"].endswith("x.md") for p in answer["passages"])
    assert page.dialogs == []


def test_uploads_beyond_loopback_need_a_login(tmp_path):
    result = subprocess.run([QA, "serve", "--allow-upload", "--host", "0.0.0.0", "--port", "0"],
                            capture_output=True, text=True, timeout=60,
                            env={**os.environ, "QA_AUTH": "", "HOME": str(tmp_path)})
    assert result.returncode == 1
    errors = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 1
    assert "uploads are refused on 0.0.0.0 without a login" in errors[0]
    assert "QA_AUTH" in errors[0]
