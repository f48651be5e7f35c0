"""Uploads: safe names, checks with the corpus loader, saving without overwriting, removal, permission."""
from __future__ import annotations

import pytest

from corpus.errors import QAError
from qa.settings import Settings
from qa.uploads import UPLOADS, Upload, UploadError, hide_document, safe_name, save_uploads
from tests.data.formats.minimal_pdf import make_pdf
from ui.app import check_uploads


@pytest.mark.parametrize(("name", "safe"), [
    ("../../x.md", "x.md"), ("..\\..\\evil.txt", "evil.txt"), ("/etc/passwd.md", "passwd.md"),
    (".hidden.md", "hidden.md"), ("..", "upload"), ("a<script>.html", "a_script.html"),
    ("notes\x00\n.md", "notes.md"), ("Rapport d’été.pdf", "Rapport d_été.pdf"),
])
def test_safe_name(name, safe):
    assert safe_name(name) == safe


def test_safe_name_is_short_and_keeps_the_extension():
    name = safe_name("x" * 500 + ".pdf")
    assert len(name) == 100
    assert name.endswith(".pdf")


@pytest.fixture
def settings(tmp_path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "seed.txt").write_text("Seed\n\nThe seed document talks about lighthouses and harbours.\n")
    return Settings.resolve(env={}, corpus=str(corpus), index=str(tmp_path / "index"))


def upload(tmp_path, name, data: bytes) -> Upload:
    path = tmp_path / "incoming" / f"file{len(list(tmp_path.glob('incoming/*')))}"
    path.parent.mkdir(exist_ok=True)
    path.write_bytes(data)
    return Upload(path, name)


def files(settings) -> list[str]:
    return sorted(p.relative_to(settings.corpus).as_posix() for p in settings.corpus.rglob("*") if p.is_file())


def test_good_files_are_saved_under_safe_names_inside_the_corpus(settings, tmp_path):
    pdf = make_pdf([["Quokka Valley", "", "The observatory opened in 1873."]], title="Quokka")
    result = save_uploads([upload(tmp_path, "../../x.md", b"# X\n\nA paragraph about crabs in tidepools.\n"),
                           upload(tmp_path, "report.PDF", pdf)], settings)
    assert result.errors == []
    assert result.saved == [f"{UPLOADS}/x.md", f"{UPLOADS}/report.PDF"]
    assert files(settings) == ["seed.txt", f"{UPLOADS}/report.PDF", f"{UPLOADS}/x.md"]


@pytest.mark.parametrize(("name", "data", "reason"), [
    ("photo.png", b"\x89PNG....", ".png is not supported"),
    ("fake.pdf", bytes(range(256)) * 40, "fake.pdf"),
    ("blob.md", b"\x00\x01\x02binary\x00" * 100, "binary"),
    ("empty.txt", b"   \n", "empty"),
])
def test_a_bad_file_gets_one_message_and_changes_nothing(settings, tmp_path, name, data, reason):
    result = save_uploads([upload(tmp_path, name, data)], settings)
    assert result.saved == []
    assert len(result.errors) == 1
    assert reason in result.errors[0]
    assert files(settings) == ["seed.txt"]


def test_size_limits(tmp_path):
    corpus = tmp_path / "c"
    corpus.mkdir()
    small = Settings.resolve(env={"QA_MAX_UPLOAD_MB": "0.001", "QA_MAX_UPLOAD_TOTAL_MB": "0.002"}, corpus=str(corpus))
    text = b"Title\n\n" + b"A sentence about harbours. " * 60
    result = save_uploads([upload(tmp_path, "big.txt", text)], small)
    assert "over the 0.001 MB limit per file" in result.errors[0]
    with pytest.raises(UploadError, match="limit per upload"):
        save_uploads([upload(tmp_path, f"{i}.txt", b"x" * 900) for i in range(3)], small)
    assert not (corpus / UPLOADS).exists()


def test_an_existing_file_is_never_overwritten(settings, tmp_path):
    first = b"# A\n\nThe first version of the notes about crabs.\n"
    save_uploads([upload(tmp_path, "notes.md", first)], settings)
    again = save_uploads([upload(tmp_path, "notes.md", first)], settings)
    assert "already in the corpus" in again.errors[0]
    other = save_uploads([upload(tmp_path, "notes.md", b"# B\n\nAnother text about harbour lights.\n")], settings)
    assert other.saved == [f"{UPLOADS}/notes-2.md"]
    assert "saved as notes-2.md" in other.notes[0]
    assert (settings.corpus / UPLOADS / "notes.md").read_bytes() == first


def test_hide_document_stays_inside_the_corpus(settings, tmp_path):
    outside = tmp_path / "outside.txt"
    outside.write_text("not yours")
    (settings.corpus / "link.txt").symlink_to(outside)
    for doc in ("../outside.txt", "link.txt", "missing.md"):
        with pytest.raises(UploadError, match="nothing was removed"):
            hide_document(settings, doc)
    assert outside.exists()
    path, hidden = hide_document(settings, "seed.txt")
    assert not path.exists()
    assert hidden.name.startswith(".")


def test_uploads_need_a_login_beyond_loopback():
    check_uploads(True, "127.0.0.1", None)
    check_uploads(False, "0.0.0.0", None)
    check_uploads(True, "0.0.0.0", ("u", "p"))
    with pytest.raises(QAError, match="uploads are refused on 0.0.0.0 without a login"):
        check_uploads(True, "0.0.0.0", None)


def test_settings_from_the_environment():
    assert Settings.resolve(env={}).allow_upload is False
    assert Settings.resolve(env={"QA_ALLOW_UPLOAD": "1"}).allow_upload is True
    assert Settings.resolve(env={}, allow_upload=True).allow_upload is True
    with pytest.raises(QAError):
        Settings.resolve(env={"QA_MAX_UPLOAD_MB": "lots"})
