"""Messy corpus folders: each case gives a warning naming the file and indexing goes on."""
from __future__ import annotations

import os

import pytest

from corpus import load_corpus
from corpus.cleaning import collapse_whitespace
from corpus.loader import MAX_PARAGRAPH_CHARS

GOOD = "A plain note about apples that grow in orchards in the north of the country every year.\n"


def load(folder):
    warnings = []
    return load_corpus(folder, warn=warnings.append), warnings


def test_a_huge_single_line_becomes_sentence_chunks_with_exact_spans(tmp_path):
    sentence = "The harbour authority opened a third container terminal to raise capacity. "
    text = sentence * 20_000  # 1.5 MB on one line
    (tmp_path / "big.txt").write_text(text, "utf-8")
    docs, warnings = load(tmp_path)
    paragraphs = docs[0].paragraphs
    assert len(paragraphs) > 500
    assert max(len(p.text) for p in paragraphs) <= MAX_PARAGRAPH_CHARS
    assert all(collapse_whitespace(text[p.start : p.end]) == p.text for p in paragraphs)
    assert all(p.text.endswith("capacity.") for p in paragraphs)  # cut between sentences


def test_files_over_the_size_limit_are_skipped_with_a_warning(tmp_path, monkeypatch):
    import corpus.loader

    monkeypatch.setattr(corpus.loader, "MAX_FILE_BYTES", 1000)
    (tmp_path / "big.txt").write_text("word " * 1000, "utf-8")
    (tmp_path / "good.txt").write_text(GOOD, "utf-8")
    docs, warnings = load(tmp_path)
    assert [d.doc for d in docs] == ["good.txt"]
    assert any("big.txt" in w and "limit" in w and "QA_MAX_FILE_MB" in w for w in warnings)


def test_symlink_loop_is_skipped_with_a_warning(tmp_path):
    (tmp_path / "good.txt").write_text(GOOD, "utf-8")
    os.symlink(tmp_path / "loop-b.txt", tmp_path / "loop-a.txt")
    os.symlink(tmp_path / "loop-a.txt", tmp_path / "loop-b.txt")
    os.symlink(tmp_path, tmp_path / "self-dir")  # a directory loop: os.walk does not follow it
    docs, warnings = load(tmp_path)
    assert [d.doc for d in docs] == ["good.txt"]
    assert any("loop-a.txt" in w for w in warnings)
    assert any("loop-b.txt" in w for w in warnings)


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads files whatever their permissions")
def test_unreadable_file_is_skipped_with_a_warning(tmp_path):
    (tmp_path / "good.txt").write_text(GOOD, "utf-8")
    secret = tmp_path / "secret.txt"
    secret.write_text(GOOD, "utf-8")
    secret.chmod(0)
    docs, warnings = load(tmp_path)
    assert [d.doc for d in docs] == ["good.txt"]
    assert any("secret.txt" in w for w in warnings)


def test_unreadable_file_as_root_is_simulated(tmp_path, monkeypatch):
    """Root ignores permission bits: simulate the read error the loader must survive."""
    from pathlib import Path

    (tmp_path / "good.txt").write_text(GOOD, "utf-8")
    (tmp_path / "secret.txt").write_text(GOOD, "utf-8")
    real = Path.read_bytes

    def read_bytes(self):
        if self.name == "secret.txt":
            raise PermissionError(13, "Permission denied", str(self))
        return real(self)

    monkeypatch.setattr(Path, "read_bytes", read_bytes)
    docs, warnings = load(tmp_path)
    assert [d.doc for d in docs] == ["good.txt"]
    assert any("secret.txt" in w and "Permission denied" in w for w in warnings)


def test_file_that_vanishes_during_indexing_is_skipped(tmp_path, monkeypatch):
    from pathlib import Path

    (tmp_path / "good.txt").write_text(GOOD, "utf-8")
    (tmp_path / "gone.txt").write_text(GOOD, "utf-8")
    real = Path.stat

    def stat(self, *args, **kwargs):
        if self.name == "gone.txt":  # deleted between the folder walk and the read
            self.unlink(missing_ok=True)
        return real(self, *args, **kwargs)

    monkeypatch.setattr(Path, "stat", stat)
    docs, warnings = load(tmp_path)
    assert [d.doc for d in docs] == ["good.txt"]
    assert any("gone.txt" in w for w in warnings)
