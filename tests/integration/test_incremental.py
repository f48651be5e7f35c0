"""Incremental re-indexing: only new and changed files are embedded; result equals a rebuild."""
from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np

from corpus import default_corpus_dir
from index.store import SIMILARITY_PROBES, load_index
from qa.engine import Engine
from qa.indexing import update_index
from qa.settings import Settings

HARBOUR = Path(__file__).parent.parent / "data" / "harbour.txt"  # a third document, added between runs

class CountingEncoder:
    """The real encoder, counting the paragraphs (``texts``) and the vocabulary words (``words``) it embeds."""

    def __init__(self, real):
        self.real, self.name, self.dimension, self.texts, self.words = real, real.name, real.dimension, 0, 0
        self.runtime, self.fingerprint = real.runtime, real.fingerprint

    def encode(self, texts, *, progress=False):
        self.words += len(texts)  # the build encodes only vocabulary words and similarity probes through encode()
        return self.real.encode(texts, progress=progress)

    def encode_with_spans(self, texts, spans, *, progress=False):
        self.texts += len(texts)
        return self.real.encode_with_spans(texts, spans, progress=progress)



def test_add_edit_delete_between_runs_equals_a_full_rebuild(tmp_path, encoder, annotator):
    corpus = tmp_path / "docs"
    shutil.copytree(default_corpus_dir(), corpus)
    settings = Settings.resolve(env={}, corpus=str(corpus), index=str(tmp_path / "index"))
    counting = CountingEncoder(encoder)

    first = update_index(settings, counting, annotator=annotator)
    assert first.changes == {"added": 2, "changed": 0, "removed": 0, "unchanged": 0, "paragraphs": 52}
    before = load_index(settings.index)
    untouched_ids = [p.id for p in before.paragraphs if p.doc.startswith("000_")]

    shutil.copy(HARBOUR, corpus / "harbour.txt")
    small = corpus / "002_9584fc23a3ef617f.txt"
    small.write_text(small.read_text("utf-8").replace("Thirty countries", "Thirty-one countries"), "utf-8")
    counting.texts = counting.words = 0
    second = update_index(settings, counting, annotator=annotator)
    assert second.changes["added"] == 1
    assert second.changes["changed"] == 1
    assert second.changes["unchanged"] == 1
    # Only the paragraphs of the new and the edited file went through the model
    # (their sentence vectors come from the same forward pass).
    changed = load_index(settings.index)
    expected = sum(1 for p in changed.paragraphs if not p.doc.startswith("000_"))
    assert counting.texts == expected
    new_words = len(set(changed.words.words) - set(before.words.words))
    assert new_words <= counting.words <= new_words + SIMILARITY_PROBES  # words new to the corpus, and the probes
    assert [p.id for p in changed.paragraphs if p.doc.startswith("000_")] == untouched_ids

    (corpus / "002_9584fc23a3ef617f.txt").unlink()
    third = update_index(settings, counting, annotator=annotator)
    assert third.changes["removed"] == 1
    assert third.changes["added"] == 0

    full = Settings.resolve(env={}, corpus=str(corpus), index=str(tmp_path / "full"))
    update_index(full, encoder, annotator=annotator, force=True)
    inc, ref = load_index(settings.index), load_index(full.index)
    assert inc.paragraphs == ref.paragraphs
    assert inc.sentences == ref.sentences
    def all_rows(store):
        return store.rows(np.arange(store.ntotal))

    assert np.allclose(all_rows(inc.vectors), all_rows(ref.vectors), atol=1e-5)
    assert np.abs(all_rows(inc.sentence_vectors) - all_rows(ref.sentence_vectors)).max() < 1e-5
    assert inc.manifest.corpus_hash == ref.manifest.corpus_hash
    assert inc.words.words == ref.words.words
    assert np.abs(inc.words.matrix(inc.words.words) - ref.words.matrix(ref.words.words)).max() < 1e-3  # float16

    a = Engine.open(settings, encoder=encoder, build_if_missing=False)
    b = Engine.open(full, encoder=encoder, build_if_missing=False)
    for question in ("When will the northern channel dredging finish?", "Which vessel should the Houthis release?"):
        x, y = a.ask(question), b.ask(question)
        assert x.text == y.text
        assert [h.paragraph.id for h in x.passages] == [h.paragraph.id for h in y.passages]


def test_unchanged_corpus_is_skipped(tmp_path, encoder, annotator):
    settings = Settings.resolve(env={}, index=str(tmp_path / "index"))
    update_index(settings, encoder, annotator=annotator)
    report = update_index(settings, encoder, annotator=annotator)
    assert report.built is False
    assert report.changes["unchanged"] == 2


def test_only_new_and_changed_files_are_parsed_again(tmp_path, encoder, annotator, monkeypatch):
    import corpus.loader

    corpus_dir = tmp_path / "docs"
    shutil.copytree(default_corpus_dir(), corpus_dir)
    (corpus_dir / "page.html").write_text("<html><body><main><h1>Harbour</h1><p>The harbour opened a third "
                                          "container terminal in March.</p></main></body></html>", "utf-8")
    settings = Settings.resolve(env={}, corpus=str(corpus_dir), index=str(tmp_path / "index"))
    update_index(settings, encoder, annotator=annotator)
    parsed = []
    real_clean, real_html = corpus.loader.clean_page, corpus.loader.read_html
    monkeypatch.setattr(corpus.loader, "clean_page", lambda text, name, **kw: parsed.append(name) or real_clean(text, name, **kw))
    monkeypatch.setattr(corpus.loader, "read_html", lambda data, name: parsed.append(name) or real_html(data, name))

    assert update_index(settings, encoder, annotator=annotator).built is False
    assert parsed == []  # an unchanged corpus is hashed, not parsed

    small = corpus_dir / "002_9584fc23a3ef617f.txt"
    small.write_text(small.read_text("utf-8").replace("Thirty countries", "Thirty-one countries"), "utf-8")
    report = update_index(settings, encoder, annotator=annotator)
    assert report.changes["changed"] == 1
    assert report.changes["unchanged"] == 2
    assert parsed == ["002_9584fc23a3ef617f"]
    full = Settings.resolve(env={}, corpus=str(corpus_dir), index=str(tmp_path / "full"))
    update_index(full, encoder, annotator=annotator, force=True)
    assert load_index(settings.index).paragraphs == load_index(full.index).paragraphs
