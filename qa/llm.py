"""An OpenAI-compatible chat endpoint (llama.cpp server, Ollama, vLLM, a hosted API) as a text generator.

Off unless a URL is set (``--llm-url`` / ``QA_LLM_URL``). The API key comes from the
environment only (``QA_LLM_API_KEY``): it is never a flag, never in the settings object,
the manifest or a log line. Every failure (endpoint down, timeout, HTTP error, an empty
or malformed reply) becomes one :class:`GenerationError` line; the engine then keeps the
extractive answer.
"""
from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, cast

from corpus.errors import QAError

API_KEY_ENV = "QA_LLM_API_KEY"
LLM_USES = ("answer", "search", "both")  # what a configured model does (Settings.llm_for)


class GenerationError(QAError):
    """The language model gave no usable text (the message says why, in one line)."""


@dataclass(frozen=True)
class LLMSettings:
    """Where the generator is and how long to wait for it."""

    url: str
    model: str = ""  # "" lets a single-model server (llama.cpp) use the one it serves
    timeout: float = 60.0
    max_tokens: int = 300


class LLMClient:
    """Chat completions through the ``openai`` client library, deterministic (temperature 0).

    >>> client = LLMClient(LLMSettings("http://127.0.0.1:8080/v1"))        # doctest: +SKIP
    >>> client.complete([{"role": "user", "content": "Hello"}])             # doctest: +SKIP
    """

    def __init__(self, settings: LLMSettings):
        from openai import OpenAI  # imported only when a generator is configured

        self.settings = settings
        # A local server needs no key, but the client refuses to start without one.
        self._client = OpenAI(base_url=settings.url, api_key=os.environ.get(API_KEY_ENV) or "not-needed",
                              timeout=settings.timeout, max_retries=0)

    @property
    def model_name(self) -> str:
        """The model as shown to users ("the endpoint's model" when none was named)."""
        return self.settings.model or "the endpoint's model"

    def complete(self, messages: list[dict], max_tokens: int | None = None) -> str:
        """The reply to ``messages`` (at most ``max_tokens``, default the settings'); GenerationError on failure."""
        return "".join(self.stream(messages, max_tokens))

    def stream(self, messages: list[dict], max_tokens: int | None = None) -> Iterator[str]:
        """The reply to ``messages`` piece by piece as it is generated; :class:`GenerationError` on failure."""
        import openai

        try:
            chunks = self._client.chat.completions.create(
                model=self.settings.model or "default", messages=cast(Any, messages), temperature=0,
                max_tokens=max_tokens or self.settings.max_tokens, stream=True)
            produced = False
            for chunk in chunks:
                piece = chunk.choices[0].delta.content if chunk.choices else None
                if piece:
                    produced = True
                    yield piece
        except openai.APITimeoutError as e:
            raise GenerationError(f"the language model at {self.settings.url} did not answer within "
                                  f"{self.settings.timeout:g} s") from e
        except openai.APIConnectionError as e:
            raise GenerationError(f"cannot reach the language model at {self.settings.url}") from e
        except openai.APIStatusError as e:
            raise GenerationError(f"the language model at {self.settings.url} answered HTTP {e.status_code}") from e
        except (openai.APIError, ValueError, AttributeError, IndexError, TypeError) as e:
            raise GenerationError(f"the language model at {self.settings.url} sent a reply that is not a chat "
                                  f"completion ({type(e).__name__})") from e
        if not produced:
            raise GenerationError(f"the language model at {self.settings.url} sent no text (an empty or malformed reply)")
