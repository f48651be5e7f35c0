"""Documents added from the chat page: safe file names, checks, saving into the corpus, removal.

Nothing here indexes: saved files are indexed by :mod:`qa.jobs` through the same
:func:`qa.indexing.update_index` as ``qa index``. A file is checked with the corpus
loader itself (:func:`corpus.loader.read_document`) before it is saved, so a file the
index would skip (binary, encrypted or image-only PDF, nothing left after cleaning) is
refused with that reason and never lands in the corpus.
"""
from __future__ import annotations

import os
import re
import shutil
import tempfile
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from corpus.errors import QAError
from corpus.loader import SUPPORTED_SUFFIXES, read_document
from index.export import file_sha256
from qa.settings import Settings

UPLOADS = "uploads"  # uploaded files go to <corpus>/uploads/
MAX_NAME_CHARS = 100
_UNSAFE = re.compile(r"[^\w.\- ]+", re.UNICODE)


class UploadError(QAError):
    """An upload (or a removal) the page refuses; the message is shown as is."""


def safe_name(name: str) -> str:
    """A file name that cannot leave the uploads folder, hide itself, or hold control characters.

    Only the last path component is kept (``/`` and ``\\`` both count), characters other
    than letters, digits, ``. - _`` and space become ``_``, leading dots and spaces go
    (no hidden files, no ``..``), and the name is cut to :data:`MAX_NAME_CHARS` keeping
    its extension.

    >>> safe_name("../../x.md"), safe_name("C:\\\\temp\\\\.bashrc.md"), safe_name("a<b>|c.PDF")
    ('x.md', 'bashrc.md', 'a_b_c.PDF')
    """
    base = re.split(r"[/\\]", unicodedata.normalize("NFKC", name))[-1]
    base = _UNSAFE.sub("_", "".join(ch for ch in base if ch.isprintable()))
    base = base.strip().lstrip(". ").rstrip(". ")
    stem, dot, suffix = base.rpartition(".")
    if not dot:
        stem, suffix = base, ""
    stem = stem.strip(" ._") or "upload"
    suffix = f".{suffix}" if suffix else ""
    return stem[: MAX_NAME_CHARS - len(suffix)] + suffix


@dataclass(frozen=True)
class Upload:
    """One uploaded file: where Gradio stored it and the name the browser sent."""

    path: Path
    name: str


@dataclass
class UploadResult:
    """What an upload did: the documents saved (ids in the corpus), and one message per refused file."""

    saved: list[str] = field(default_factory=list)
    paths: list[Path] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # e.g. a file saved under another name


def _mb(n: float) -> str:
    return f"{n / 2**20:.1f} MB"


def check_upload(upload: Upload, settings: Settings) -> str:
    """The safe name ``upload`` would be saved under; raises :class:`UploadError` saying why not."""
    name = safe_name(upload.name)
    suffix = PurePosixPath(name).suffix.lower()
    if suffix not in SUPPORTED_SUFFIXES:
        raise UploadError(f"{name}: {suffix or 'files without an extension'} is not supported "
                          f"(supported: {' '.join(SUPPORTED_SUFFIXES)})")
    size = upload.path.stat().st_size
    if size > settings.max_upload_mb * 2**20:
        raise UploadError(f"{name}: {_mb(size)} is over the {settings.max_upload_mb:g} MB limit per file")
    problems: list[str] = []
    if read_document(upload.path, name, problems.append) is None:
        # The loader's reason ("looks like a binary file", "is encrypted", ...) without its "skipped " prefix.
        reason = problems[-1].removeprefix("skipped ") if problems else f"{name}: cannot be read"
        raise UploadError(reason)
    return name


def save_uploads(uploads: Sequence[Upload], settings: Settings) -> UploadResult:
    """Check each file and save the good ones into ``<corpus>/uploads/``; a bad file changes nothing.

    An existing file is never overwritten: the same bytes again are refused as already
    there, other bytes under an existing name are saved as ``name-2.ext`` (and noted).
    Raises :class:`UploadError` when the files together are over the per-upload limit.
    """
    total = sum(u.path.stat().st_size for u in uploads)
    if total > settings.max_upload_total_mb * 2**20:
        raise UploadError(f"these {len(uploads)} files are {_mb(total)} together, over the "
                          f"{settings.max_upload_total_mb:g} MB limit per upload; nothing was added")
    folder = settings.corpus / UPLOADS
    result = UploadResult()
    for upload in uploads:
        try:
            name = check_upload(upload, settings)
            path = _save_new(upload.path, folder, name)
        except UploadError as err:
            result.errors.append(str(err))
            continue
        if path.name != name:
            result.notes.append(f"{name} already exists with other content: saved as {path.name}")
        result.saved.append(path.relative_to(settings.corpus).as_posix())
        result.paths.append(path)
    return result


def _save_new(source: Path, folder: Path, name: str) -> Path:
    """Copy ``source`` into ``folder`` under ``name`` (or ``name-N``), never replacing a file."""
    folder.mkdir(parents=True, exist_ok=True)
    digest = file_sha256(source)
    stem, suffix = os.path.splitext(name)
    # Copied under a hidden name first (the loader skips hidden files), then linked into
    # place: os.link fails instead of replacing, so two uploads never clobber each other.
    fd, tmp = tempfile.mkstemp(prefix=".upload-", dir=folder)
    os.close(fd)
    try:
        shutil.copyfile(source, tmp)
        for n in range(1, 100):
            target = folder / (name if n == 1 else f"{stem}-{n}{suffix}")
            if target.exists() and file_sha256(target) == digest:
                raise UploadError(f"{name} is already in the corpus (as {target.name})")
            try:
                os.link(tmp, target)
                return target
            except FileExistsError:
                continue
        raise UploadError(f"{name}: too many files of that name already")
    finally:
        os.unlink(tmp)


def hide_document(settings: Settings, doc: str) -> tuple[Path, Path]:
    """Take document ``doc``'s file (an index id) out of the corpus: rename it to a hidden name.

    Returns ``(path, hidden)``: the loader skips hidden files, so the next build drops
    the document; the caller deletes ``hidden`` once that build is in, or renames it
    back if the build fails. Only a regular file inside the corpus folder is touched:
    an id that resolves elsewhere (``..``, a symlink out of the corpus) is refused.
    """
    corpus = settings.corpus.resolve()
    path = (corpus / doc).resolve()
    if corpus not in path.parents or not path.is_file() or (settings.corpus / doc).is_symlink():
        raise UploadError(f"{doc} is not a file of the corpus; nothing was removed")
    hidden = path.with_name(f".removed-{path.name}")
    path.rename(hidden)
    return path, hidden
