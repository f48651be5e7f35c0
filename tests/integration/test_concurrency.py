"""Concurrent use: one builder per index folder; a live engine follows rebuilds."""
from __future__ import annotations

import shutil
import threading

import pytest

from corpus import default_corpus_dir, load_corpus
from index.errors import IndexFolderError
from index.lock import build_lock
from index.store import build_index, load_index
from qa.engine import Engine
from qa.live import LiveEngine
from qa.settings import Settings

NEW_DOC = ("Harbour Report\n\nThe harbour authority opened a third container terminal in March, "
           "raising capacity to nine million containers a year.\n")


def test_a_second_builder_fails_clearly_and_the_index_stays_whole(tmp_path, seed_documents, encoder, annotator):
    folder = tmp_path / "index"
    build_index(seed_documents, folder, encoder, annotator)
    with build_lock(folder):
        with pytest.raises(IndexFolderError, match="another `qa index`") as caught:
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
    assert failures == []
    assert answered
    assert all("Galaxy Leader" in text for text in answered)
    assert "nine million" in live.ask(question).text
    assert live.index.manifest.counts["documents"] == 3


def live_engine_behind_a_rebuild(tmp_path, encoder, annotator, **flags):
    """A live engine on the bundled corpus (``flags`` to its settings), and a rebuild with a third document not loaded yet."""
    corpus = tmp_path / "docs"
    shutil.copytree(default_corpus_dir(), corpus)
    settings = Settings.resolve(env={}, corpus=str(corpus), index=str(tmp_path / "index"), **flags)
    build_index(load_corpus(corpus, warn=print), settings.index, encoder, annotator)
    live = LiveEngine(Engine.open(settings, encoder=encoder, build_if_missing=False))
    (corpus / "harbour.txt").write_text(NEW_DOC, "utf-8")
    build_index(load_corpus(corpus, warn=print), settings.index, encoder, annotator)
    return corpus, settings, live


def test_refresh_wait_waits_for_a_reload_another_thread_started(tmp_path, encoder, annotator, monkeypatch):
    """The race of a flaky run: a request starts the reload, then ``refresh(wait=True)`` must still wait."""
    import qa.live

    corpus, settings, live = live_engine_behind_a_rebuild(tmp_path, encoder, annotator)

    loading, release = threading.Event(), threading.Event()
    real_load = qa.live.load_index

    def slow_load(*args, **kwargs):
        loading.set()
        release.wait(timeout=60)
        return real_load(*args, **kwargs)

    monkeypatch.setattr(qa.live, "load_index", slow_load)
    live.refresh()  # a request notices the new index and starts loading it
    assert loading.wait(timeout=60)
    waiter = threading.Thread(target=live.refresh, kwargs={"wait": True})
    waiter.start()
    waiter.join(timeout=0.5)
    assert waiter.is_alive(), "refresh(wait=True) returned while the reload was still in flight"
    release.set()
    waiter.join(timeout=60)
    assert not waiter.is_alive()
    assert live.index.manifest.counts["documents"] == 3


def test_a_rebuild_swapped_in_during_a_reload_is_loaded_next(tmp_path, encoder, annotator, monkeypatch):
    """A reload that read the folder before a second rebuild cannot leave that rebuild unseen."""
    import qa.live

    corpus, settings, live = live_engine_behind_a_rebuild(tmp_path, encoder, annotator)

    real_load, rebuilt = qa.live.load_index, []

    def load_then_rebuild(*args, **kwargs):
        index = real_load(*args, **kwargs)
        if not rebuilt:  # the second rebuild lands while the first reload is finishing
            (corpus / "port.txt").write_text(NEW_DOC.replace("harbour", "port"), "utf-8")
            build_index(load_corpus(corpus, warn=print), settings.index, encoder, annotator)
            rebuilt.append(True)
        return index

    monkeypatch.setattr(qa.live, "load_index", load_then_rebuild)
    live.refresh(wait=True)
    assert live.index.manifest.counts["documents"] == 4


def test_a_reloaded_engine_keeps_its_language_model_roles(tmp_path, encoder, annotator):
    # --llm-for both: after a rebuild (an upload) the engine still writes answers and still
    # searches with the model's guess; nothing is asked of the model here (no server needed).
    _, _, live = live_engine_behind_a_rebuild(tmp_path, encoder, annotator,
                                              llm_url="http://127.0.0.1:9/v1", llm_for="both")
    before = live.current
    assert before.generator is not None
    assert before.searching_model is before.generator
    live.refresh(wait=True)
    assert live.current is not before  # reloaded
    assert live.current.generator is before.generator
    assert live.current.searching_model is before.searching_model
