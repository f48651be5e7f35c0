"""One settings object: defaults, then environment variables, then CLI flags."""
from __future__ import annotations

import hashlib
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from corpus.errors import SettingsError
from corpus.loader import default_corpus_dir
from index.backends import StoreChoice
from index.encoder import DEFAULT_MODEL, check_runtime
from qa.llm import LLM_USES, LLMSettings

ENV = {"corpus": "QA_CORPUS", "index": "QA_INDEX", "model": "QA_MODEL", "feedback": "QA_FEEDBACK", "runtime": "QA_RUNTIME",
       "nprobe": "QA_NPROBE", "llm_url": "QA_LLM_URL", "llm_model": "QA_LLM_MODEL", "llm_timeout": "QA_LLM_TIMEOUT",
       "llm_for": "QA_LLM_FOR",
       "store": "QA_STORE", "milvus_uri": "QA_MILVUS_URI",
       "allow_upload": "QA_ALLOW_UPLOAD", "max_upload_mb": "QA_MAX_UPLOAD_MB",
       "max_upload_total_mb": "QA_MAX_UPLOAD_TOTAL_MB"}
TOKEN_ENV = "QA_MILVUS_TOKEN"  # environment only: a command-line flag would show in `ps`
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
    # An OpenAI-compatible endpoint that writes answers (qa/generated.py); off when empty.
    # Its API key is read from QA_LLM_API_KEY by the client only, never held here.
    llm_url: str = ""
    llm_model: str = ""
    llm_timeout: float = 60.0
    # What the model does: "answer" (writes the answer), "search" (guesses an answer to search
    # with, qa/expansion.py; the answer stays extractive) or "both".
    llm_for: str = "answer"
    store: str = "faiss"  # where the vectors are: "faiss" (files in the index folder) or "milvus"
    milvus_uri: str | None = None  # None: the database the index records, else Milvus Lite inside the index folder
    milvus_token: str = field(default="", repr=False, compare=False)  # never printed or stored

    allow_upload: bool = False  # the page may add and remove documents (qa serve --allow-upload)
    max_upload_mb: float = 20.0  # per uploaded file
    max_upload_total_mb: float = 50.0  # per upload (all files dropped at once)

    @property
    def store_choice(self) -> StoreChoice:
        """The vector store these settings ask for (validated in ``__post_init__``)."""
        return StoreChoice(self.store, self.milvus_uri if self.store == "milvus" else None, self.milvus_token)

    def __post_init__(self):
        check_runtime(self.runtime)
        _ = self.store_choice  # raises SettingsError for an unknown store or a malformed Milvus URI
        if not 1 <= self.nprobe <= 65536:
            raise SettingsError(f"nprobe must be between 1 and 65536, not {self.nprobe}")
        if not 1 <= self.k <= 100:
            raise SettingsError(f"k must be between 1 and 100, not {self.k}")
        if self.max_question_chars < 10:
            raise SettingsError("max_question_chars must be at least 10")
        if self.llm_url and not self.llm_url.startswith(("http://", "https://")):
            raise SettingsError(f"the language model URL must start with http:// or https://, not {self.llm_url!r}")
        if self.llm_for not in LLM_USES:
            raise SettingsError(f"the language model is for one of {', '.join(LLM_USES)}, not {self.llm_for!r}")
        if not 0 < self.llm_timeout <= 3600:
            raise SettingsError(f"the language model timeout must be between 0 and 3600 seconds, not {self.llm_timeout}")

        if not 0 < self.max_upload_mb <= self.max_upload_total_mb:
            raise SettingsError(f"upload limits must satisfy 0 < per file ({self.max_upload_mb} MB) "
                                f"<= per upload ({self.max_upload_total_mb} MB)")

    @property
    def llm(self) -> LLMSettings | None:
        """The language model's settings, or ``None`` when none is configured."""
        return LLMSettings(self.llm_url, self.llm_model, self.llm_timeout) if self.llm_url else None

    @property
    def llm_answers(self) -> bool:
        """True when a language model writes the answers (qa/generated.py)."""
        return bool(self.llm_url) and self.llm_for in ("answer", "both")

    @property
    def llm_searches(self) -> bool:
        """True when a language model's guessed answer widens the search (qa/expansion.py)."""
        return bool(self.llm_url) and self.llm_for in ("search", "both")

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
        given_timeout = pick("llm_timeout") or str(cls.llm_timeout)
        try:
            llm_timeout = float(given_timeout)
        except ValueError:
            raise SettingsError(f"QA_LLM_TIMEOUT must be a number of seconds, not {given_timeout!r}") from None
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
            store=pick("store") or cls.store,
            milvus_uri=pick("milvus_uri"),
            milvus_token=env.get(TOKEN_ENV, ""),
            feedback=Path(feedback).expanduser() if feedback else None,
            llm_url=pick("llm_url") or "",
            llm_model=pick("llm_model") or "",
            llm_timeout=llm_timeout,
            llm_for=pick("llm_for") or cls.llm_for,
            allow_upload=str(allow).strip().lower() in _TRUE,  # a flag gives True, the environment "1"
            max_upload_mb=limits["max_upload_mb"],
            max_upload_total_mb=limits["max_upload_total_mb"],
            **extra,
        )
