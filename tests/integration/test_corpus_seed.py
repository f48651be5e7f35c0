"""The bundled seed corpus loads into clean, well-attached, stable paragraphs."""
import hashlib
import re

import pytest

from corpus import CorpusError, corpus_hash, default_corpus_dir, load_corpus
from corpus.cleaning import collapse_whitespace
from corpus.decoding import decode_bytes

DEFENSE = "000_d2885f09925ae4a5.txt"
PARTNERSHIP = "002_9584fc23a3ef617f.txt"

# Page chrome of the two seed files, spelled out here to check the general rules.
CHROME = re.compile(
    r"\[back to top\]|source:|copyright|please send comments|last updated|all rights reserved"
    r"|this information system is provided|top of page",
    re.IGNORECASE,
)
BARE_DATE = re.compile(r"\d{1,2}/\d{1,2}/\d{4}|(January|February|March|April|May|June|July|August"
                       r"|September|October|November|December) \d{1,2}, \d{4}")


@pytest.fixture(scope="module")
def documents():
    warnings = []
    docs = load_corpus(default_corpus_dir(), warnings.append)
    assert warnings == []
    return {d.doc: d for d in docs}


def paragraph_with(documents, needle):
    (found,) = [p for d in documents.values() for p in d.paragraphs if needle in p.text]
    return found


def test_both_documents_load(documents):
    assert sorted(documents) == [DEFENSE, PARTNERSHIP]
    assert len(documents[DEFENSE].paragraphs) == 46  # 45 of the declaration's text and its dateline
    assert len(documents[PARTNERSHIP].paragraphs) == 6


def test_no_paragraph_is_boilerplate(documents):
    for doc in documents.values():
        for p in doc.paragraphs:
            assert not CHROME.search(p.text), p.id
            assert "|" not in p.text, p.id
            assert not BARE_DATE.fullmatch(p.text), p.id
            assert p.text not in ("We:", doc.title), p.id
            assert len(p.text.split()) >= 5 or p.text == doc.metadata.get("dateline"), p.id


def test_headings_are_attached(documents):
    assert paragraph_with(documents, "Galaxy Leader").section == "Middle East"
    assert paragraph_with(documents, "Taiwan Strait").section == "Indo-Pacific"
    assert paragraph_with(documents, "have gathered in Naples").section == "Preamble"
    assert paragraph_with(documents, "interconnected security challenges").section == "Defense readiness"
    assert {p.section for p in documents[PARTNERSHIP].paragraphs} == {""}


def test_titles(documents):
    assert documents[DEFENSE].title == "G7 Defense Joint Declaration"
    assert documents[PARTNERSHIP].title == (
        "G7 Global Partnership Against the Spread of Weapons and Materials of Mass Destruction"
    )
    for doc in documents.values():
        assert {p.title for p in doc.paragraphs} == {doc.title}


def test_metadata(documents):
    meta = documents[DEFENSE].metadata
    assert meta["dateline"] == "Naples, October 19, 2024"
    assert meta["source"] in ("Official website of Italy's 2024 G7 presidency", "Official website of Italy’s 2024 G7 presidency")
    assert meta["date"] == "October 19, 2024"
    assert documents[PARTNERSHIP].metadata["date"] == "24/02/2017"


def test_first_and_last_paragraphs(documents):
    dateline, first, *_, last = documents[DEFENSE].paragraphs
    assert dateline.text == "Naples, October 19, 2024"  # where and when it was issued: a paragraph of its own
    assert first.text.startswith("We, the G7 Defense Ministers")
    assert "have gathered in Naples" in first.text
    assert last.section == "Conclusions"
    assert last.text.endswith("including the UN Charter.")
    first, *_, last = documents[PARTNERSHIP].paragraphs
    assert first.text.startswith("On February 22-24 the")
    assert last.text.startswith("The meeting was attended by over 150 experts")


def test_ids_are_unique_and_stable():
    first = load_corpus(default_corpus_dir(), lambda _: None)
    second = load_corpus(default_corpus_dir(), lambda _: None)
    ids = [p.id for d in first for p in d.paragraphs]
    assert len(ids) == len(set(ids))
    assert ids == [p.id for d in second for p in d.paragraphs]
    assert ids[0] == f"{DEFENSE}#p1"
    assert [p.number for p in first[0].paragraphs] == list(range(1, len(first[0].paragraphs) + 1))
    assert corpus_hash(first) == corpus_hash(reversed(second))


def test_spans_match_the_decoded_source(documents):
    for doc in documents.values():
        source = decode_bytes((default_corpus_dir() / doc.doc).read_bytes(), doc.doc)
        for p in doc.paragraphs:
            assert collapse_whitespace(source[p.start : p.end]) == p.text, p.id


def test_no_content_is_lost(documents):
    texts = [p.text for d in documents.values() for p in d.paragraphs]
    for doc in documents.values():
        source = decode_bytes((default_corpus_dir() / doc.doc).read_bytes(), doc.doc)
        for line in source.split("\n"):
            line = collapse_whitespace(line)
            copies_title = line in doc.title
            if len(line) > 60 and not CHROME.search(line) and "|" not in line and not copies_title:
                assert any(line in text for text in texts), line[:80]


def test_sha256_is_of_the_raw_bytes(documents):
    for doc in documents.values():
        assert doc.sha256 == hashlib.sha256((default_corpus_dir() / doc.doc).read_bytes()).hexdigest()


# load_corpus on small folders written to tmp_path: walking, skipping, warnings, errors.

PAGE = "A Page Title\n\nThe first paragraph of this page is a sentence.\n\nSecond paragraph here.\n"


def load(folder):
    warnings = []
    return load_corpus(folder, warnings.append), warnings


def test_folder_is_walked_recursively_in_sorted_order(tmp_path):
    (tmp_path / "b").mkdir()
    (tmp_path / "b" / "z.md").write_text("# Notes\n\nA markdown note with a sentence.\n", encoding="utf-8")
    (tmp_path / "a.txt").write_bytes(PAGE.replace("\n", "\r\n").encode("cp1252"))
    (tmp_path / ".hidden.txt").write_text(PAGE, encoding="utf-8")
    docs, warnings = load(tmp_path)
    assert [d.doc for d in docs] == ["a.txt", "b/z.md"]
    assert [p.id for p in docs[1].paragraphs] == ["b/z.md#p1"]
    assert docs[1].title == "Notes"
    assert [p.text for p in docs[0].paragraphs] == [
        "The first paragraph of this page is a sentence.",
        "Second paragraph here.",
    ]
    assert warnings == []


def test_unreadable_files_are_skipped_with_one_warning_each(tmp_path):
    (tmp_path / "good.txt").write_text(PAGE, encoding="utf-8")
    (tmp_path / "blob.txt").write_bytes(b"\x00\x01\x02binary")
    (tmp_path / "empty.md").write_bytes(b"  \n")
    (tmp_path / "photo.jpg").write_bytes(b"\xff\xd8")
    (tmp_path / "paper.docx").write_bytes(b"PK\x03\x04")
    (tmp_path / "README").write_text("no extension", encoding="utf-8")
    docs, warnings = load(tmp_path)
    assert [d.doc for d in docs] == ["good.txt"]
    assert len(warnings) == 3
    assert "blob.txt" in warnings[0]
    assert "binary" in warnings[0]
    assert "empty.md" in warnings[1]
    assert warnings[2].startswith("skipped 3 file(s)")
    assert ".docx" in warnings[2]


@pytest.mark.parametrize("make, message", [
    (lambda p: p / "missing", "does not exist"),
    (lambda p: (p / "file.txt").write_text(PAGE) and p / "file.txt", "is not a directory"),
    (lambda p: p, "holds no readable documents"),
])
def test_bad_folders_raise_one_clear_error(tmp_path, make, message):
    with pytest.raises(CorpusError, match=message):
        load_corpus(make(tmp_path), lambda _: None)


def test_corpus_hash_follows_file_bytes(tmp_path):
    (tmp_path / "a.txt").write_text(PAGE, encoding="utf-8")
    before = corpus_hash(load(tmp_path)[0])
    (tmp_path / "a.txt").write_text(PAGE + "\nOne more sentence at the end.\n", encoding="utf-8")
    assert corpus_hash(load(tmp_path)[0]) != before
