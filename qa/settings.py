"""One settings object: defaults, then environment variables, then CLI flags."""
from __future__ import annotations

import hashlib
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from corpus.errors import SettingsError
from corpus.loader import default_corpus_dir
from index.encoder import DEFAULT_MODEL, check_runtime

ENV = {"corpus": "QA_CORPUS", "index": "QA_INDEX", "model": "QA_MODEL", "feedback": "QA_FEEDBACK", "runtime": "QA_RUNTIME",
       "nprobe": "QA_NPROBE", "allow_upload": "QA_ALLOW_UPLOAD", "max_upload_mb": "QA_MAX_UPLOAD_MB",
       "max_upload_total_mb": "QA_MAX_UPLOAD_TOTAL_MB"}
_TRUE = ("1", "true", "yes", "on")


def default_index_dir(corpus: Path) -> Path:
    """Where the index of ``corpus`` lives by default: a per-corpus folder in the user cache."""
    cache = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    tag = hashlib.sha256(str(corpus.resolve()).encode()).hexdigest()[:10]
    return cache / "citeqa" / f"index-{corpus.resolve().name}-{tag}"


@dataclass(frozen=True)
class Settings:
    """Validated settings shared by every command and the web page.

    >>> s = Settings.resolve(env={}, corpus="docs/")          # doctest: +SKIP
    """

    corpus: Path
    index: Path
    model: str = DEFAULT_MODEL
    k: int = 5
    max_question_chars: int = 2000
    feedback: Path | None = None
    runtime: str = "onnx"  # how the model runs: "onnx" (ONNX Runtime) or "torch"; same vectors
    nprobe: int = 128  # IVF lists searched per question (indexes over 100k rows): more = slower, higher recall
    allow_upload: bool = False  # the page may add and remove documents (qa serve --allow-upload)
    max_upload_mb: float = 20.0  # per uploaded file
    max_upload_total_mb: float = 50.0  # per upload (all files dropped at once)

    def __post_init__(self):
        check_runtime(self.runtime)
        if not 1 <= self.nprobe <= 65536:
            raise SettingsError(f"nprobe must be between 1 and 65536, not {self.nprobe}")
        if not 1 <= self.k <= 100:
            raise SettingsError(f"k must be between 1 and 100, not {self.k}")
        if self.max_question_chars < 10:
            raise SettingsError("max_question_chars must be at least 10")
        if not 0 < self.max_upload_mb <= self.max_upload_total_mb:
            raise SettingsError(f"upload limits must satisfy 0 < per file ({self.max_upload_mb} MB) "
                                f"<= per upload ({self.max_upload_total_mb} MB)")

    @classmethod
    def resolve(cls, env: Mapping[str, str] | None = None, **flags) -> Settings:
        """Build settings from ``flags`` (None = not given), else ``env``, else defaults."""
        env = os.environ if env is None else env

        def pick(name: str) -> str | None:
            value = flags.get(name)
            if value is None:
                value = env.get(ENV[name]) or None
            return value

        corpus = Path(pick("corpus") or default_corpus_dir()).expanduser()
        given_index = pick("index")
        index = Path(given_index).expanduser() if given_index else default_index_dir(corpus)
        feedback = pick("feedback")
        given_nprobe = pick("nprobe") or str(cls.nprobe)
        try:
            nprobe = int(given_nprobe)
        except ValueError:
            raise SettingsError(f"QA_NPROBE must be a whole number, not {given_nprobe!r}") from None
        extra = {k: v for k, v in flags.items() if k in ("k", "max_question_chars") and v is not None}
        allow = pick("allow_upload")
        limits: dict[str, float] = {"max_upload_mb": cls.max_upload_mb, "max_upload_total_mb": cls.max_upload_total_mb}
        for name in ("max_upload_mb", "max_upload_total_mb"):
            given = pick(name)
            if given is not None:
                try:
                    limits[name] = float(given)
                except ValueError:
                    raise SettingsError(f"{ENV[name]} must be a number of megabytes, not {given!r}") from None
        return cls(
            corpus=corpus,
            index=index,
            model=pick("model") or DEFAULT_MODEL,
            runtime=pick("runtime") or cls.runtime,
            nprobe=nprobe,
            feedback=Path(feedback).expanduser() if feedback else None,
            allow_upload=str(allow).strip().lower() in _TRUE,  # a flag gives True, the environment "1"
            max_upload_mb=limits["max_upload_mb"],
            max_upload_total_mb=limits["max_upload_total_mb"],
            **extra,
        )
