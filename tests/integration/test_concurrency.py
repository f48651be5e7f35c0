"""Concurrent use: one builder per index folder; a live engine follows rebuilds."""
from __future__ import annotations

import shutil
import threading

import pytest

from corpus import default_corpus_dir, load_corpus
from corpus.errors import IndexError_
from index.lock import build_lock
from index.store import build_index, load_index
from qa.engine import Engine
from qa.live import LiveEngine
from qa.settings import Settings

NEW_DOC = "Harbour Report\n\nThe harbour authority opened a third container terminal in March, raising capacity to nine million containers a year.\n"


def test_a_second_builder_fails_clearly_and_the_index_stays_whole(tmp_path, seed_documents, encoder, annotator):
    folder = tmp_path / "index"
    build_index(seed_documents, folder, encoder, annotator)
    with build_lock(folder):
        with pytest.raises(IndexError_, match="another `qa index`") as caught:
            build_index(seed_documents[:1], folder, encoder, annotator)
    assert "wait for it" in caught.value.hint
    assert len(load_index(folder).paragraphs) == sum(len(d.paragraphs) for d in seed_documents)
    build_index(seed_documents[:1], folder, encoder, annotator)  # the lock is free again


def test_live_engine_switches_to_a_rebuilt_index_without_failing_a_request(tmp_path, encoder, annotator):
    corpus = tmp_path / "docs"
    shutil.copytree(default_corpus_dir(), corpus)
    settings = Settings.resolve(env={}, corpus=str(corpus), index=str(tmp_path / "index"))
    build_index(load_corpus(corpus, warn=print), settings.index, encoder, annotator)
    live = LiveEngine(Engine.open(settings, encoder=encoder, build_if_missing=False))
    question = "How many containers a year can the harbour handle?"
    assert "nine million" not in live.ask(question).text

    failures, answered, stop = [], [], threading.Event()

    def keep_asking():
        while not stop.is_set():
            try:
                answered.append(live.ask("Which vessel should the Houthis release?").text)
            except Exception as e:  # any failure during the rebuild is a bug
                failures.append(repr(e))

    asker = threading.Thread(target=keep_asking)
    asker.start()
    try:
        (corpus / "harbour.txt").write_text(NEW_DOC, "utf-8")
        build_index(load_corpus(corpus, warn=print), settings.index, encoder, annotator)
        live.refresh(wait=True)
    finally:
        stop.set()
        asker.join()
    assert failures == [] and answered and all("Galaxy Leader" in text for text in answered)
    assert "nine million" in live.ask(question).text
    assert live.index.manifest.counts["documents"] == 3
