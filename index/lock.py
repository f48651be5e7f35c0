"""One builder per index folder: an exclusive lock file beside it."""
from __future__ import annotations

import errno
import fcntl
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from index.errors import IndexFolderError


def lock_path(folder: Path) -> Path:
    """The lock file of the index at ``folder`` (a sibling: the folder itself gets swapped)."""
    return folder.with_name(f".{folder.name}.lock")


@contextmanager
def build_lock(folder: Path) -> Iterator[None]:
    """Hold the exclusive build lock of ``folder``, or fail at once with a clear message.

    The lock is an ``flock`` on a sibling file: the kernel drops it when the holder exits,
    even when killed, so a crashed build never leaves the index locked.
    """
    path = lock_path(Path(folder))
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as e:
            if e.errno not in (errno.EWOULDBLOCK, errno.EAGAIN):
                raise
            holder = os.pread(fd, 32, 0).decode(errors="replace").strip() or "?"
            raise IndexFolderError(f"another `qa index` (pid {holder}) is building the index at {folder}",
                                   hint="wait for it to finish, then run the command again") from e
        os.ftruncate(fd, 0)
        os.pwrite(fd, str(os.getpid()).encode(), 0)
        yield
    finally:
        os.close(fd)
