"""An engine that follows its index folder: a rebuilt index is picked up without a restart."""
from __future__ import annotations

import os
import threading
from collections.abc import Callable, Sequence
from pathlib import Path

from corpus.errors import QAError
from corpus.types import Paragraph
from index.store import LoadedIndex, load_index
from qa.engine import Engine
from qa.settings import Settings
from qa.types import Answer


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
        self._state = threading.Lock()  # guards _stamp and _loader together
        self._loader: threading.Thread | None = None
        self.last_error: str | None = None

    @property
    def current(self) -> Engine:
        """The engine answering now (after starting a reload if the index changed)."""
        self.refresh()
        return self._engine

    def refresh(self, wait: bool = False) -> None:
        """Start loading a rebuilt index, if there is one.

        With ``wait``, return only once the engine serves the index that is in the folder
        now: a reload already in flight (whoever started it) is waited for, and if the
        folder changed again meanwhile, that newer index is loaded and waited for too.
        """
        while True:
            with self._state:
                if _stamp(self._engine.settings.index) in (None, self._stamp):
                    return
                loader = self._loader
                if loader is None or not loader.is_alive():
                    loader = self._loader = threading.Thread(target=self._reload, daemon=True)
                    loader.start()
            if not wait:
                return
            loader.join()

    def _reload(self) -> None:
        """Load the index now in the folder; record the stamp it was read under.

        The stamp is taken before loading and checked again after: a rebuild swapped in
        while loading leaves the recorded stamp behind the folder's, so the next
        :meth:`refresh` loads again instead of keeping a mixed or older index unseen.
        """
        old = self._engine
        folder = old.settings.index
        stamp = _stamp(folder)
        try:
            index = load_index(folder, model=old.encoder.name, nprobe=old.settings.nprobe, store=old.settings.store_choice)
            if _stamp(folder) == stamp:
                self._engine = Engine(old.settings, index, old.encoder, old.policy, old.searcher.weights,
                                      old.focus_policy, generator=old.generator, searching_model=old.searching_model)
                self.last_error = None
        except QAError as e:
            if _stamp(folder) == stamp:
                self.last_error = str(e)
        with self._state:
            self._stamp = stamp

    @property
    def settings(self) -> Settings:
        """The settings of the engine answering now."""
        return self.current.settings

    @property
    def index(self) -> LoadedIndex:
        """The index answering now."""
        return self.current.index

    def ask(self, question: str, k: int | None = None, docs: Sequence[str] | None = None,
            on_text: Callable[[str], None] | None = None) -> Answer:
        """Answer ``question`` with the newest complete index (see :meth:`Engine.ask`)."""
        return self.current.ask(question, k, docs, on_text)

    def context(self, paragraph_id: str, radius: int = 2) -> list[Paragraph]:
        """Neighbouring paragraphs in the newest complete index (see :meth:`Engine.context`)."""
        return self.current.context(paragraph_id, radius)
