"""An engine that follows its index folder: a rebuilt index is picked up without a restart."""
from __future__ import annotations

import os
import threading
from pathlib import Path

from corpus.errors import QAError
from index.store import load_index
from qa.engine import Engine


def _stamp(folder: Path) -> tuple[int, int] | None:
    """Identity of the index now at ``folder``: a rebuild swaps in a new manifest file."""
    try:
        st = os.stat(folder / "manifest.json")
    except OSError:
        return None
    return st.st_ino, st.st_mtime_ns


class LiveEngine:
    """Delegates to the current :class:`Engine`; switches when the index is rebuilt.

    Each call checks (one ``stat``) whether the index folder holds a newer index. If so,
    a background thread loads it with the same encoder while requests keep being
    answered by the old engine, which stays valid in memory; the new engine replaces it
    in one assignment once it is complete. A new index that fails to load is ignored
    (the old one keeps serving) and retried after the next change.

    >>> live = LiveEngine(Engine.open(settings))   # doctest: +SKIP
    >>> live.ask("...")                              # doctest: +SKIP
    """

    def __init__(self, engine: Engine):
        self._engine = engine
        self._stamp = _stamp(engine.settings.index)
        self._loading = threading.Lock()
        self.last_error: str | None = None

    @property
    def current(self) -> Engine:
        """The engine answering now (after starting a reload if the index changed)."""
        self.refresh()
        return self._engine

    def refresh(self, wait: bool = False) -> None:
        """Start loading a rebuilt index, if there is one; ``wait`` blocks until done."""
        stamp = _stamp(self._engine.settings.index)
        if stamp is None or stamp == self._stamp or not self._loading.acquire(blocking=False):
            return
        thread = threading.Thread(target=self._reload, args=(stamp,), daemon=True)
        thread.start()
        if wait:
            thread.join()

    def _reload(self, stamp) -> None:
        try:
            old = self._engine
            index = load_index(old.settings.index, model=old.encoder.name, nprobe=old.settings.nprobe)
            self._engine = Engine(old.settings, index, old.encoder, old.policy, old.searcher.weights)
            self.last_error = None
        except QAError as e:
            self.last_error = str(e)
        finally:
            self._stamp = stamp
            self._loading.release()

    def __getattr__(self, name):
        return getattr(self.current, name)
