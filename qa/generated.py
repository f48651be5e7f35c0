"""A generated answer held to the extractive answer's standard, or the extractive answer itself.

The language model sees the top passages numbered [1]…[k] (qa/prompt.py); its reply is
checked sentence by sentence (qa/verify.py). The sentences that survive become the
answer, renumbered in order of first use like an extractive answer, each citation
pointing at the passage sentence that supports it. When the model is unreachable, says
the passages do not answer, or nothing it wrote survives, the extractive answer (or its
abstention) is returned with a ``reason`` that says so.
"""
from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace

import numpy as np

from index.types import Hit
from qa.llm import GenerationError, LLMClient
from qa.prompt import build_messages, is_decline
from qa.types import Answer, Citation
from qa.verify import Unverified, Verified, VerifierPolicy, verify


def generate_answer(
    extractive: Answer,
    passages: Sequence[Hit],
    client: LLMClient,
    question_vector: np.ndarray,
    encode: Callable[[list[str]], np.ndarray],
    passage_sentences: Callable[[Hit], list[tuple[int, int, np.ndarray]]],
    policy: VerifierPolicy = VerifierPolicy(),
    on_text: Callable[[str], None] | None = None,
) -> Answer:
    """The verified generated answer to ``extractive.question`` from ``passages``, or ``extractive``.

    ``on_text`` receives the model's text as it streams in (for the page), unverified.
    """
    fallback = "showing the extractive answer" if not extractive.abstained else "keeping the extractive abstention"
    try:
        pieces = []
        for piece in client.stream(build_messages(extractive.question, passages)):
            pieces.append(piece)
            if on_text is not None:
                on_text("".join(pieces))
        text = "".join(pieces)
    except GenerationError as e:
        return replace(extractive, generation_error=f"{e}; {fallback}",
                       reason=_joined(extractive.reason, f"No generated answer: {e}."))
    if is_decline(text):
        return replace(extractive, model=client.model_name,
                       reason=_joined(extractive.reason, f"The language model said the passages do not answer; {fallback}."))
    kept, dropped = verify(text, passages, question_vector, extractive.question, encode, passage_sentences, policy)
    if not kept:
        return replace(extractive, model=client.model_name, unverified=tuple(dropped),
                       reason=_joined(extractive.reason, "No generated sentence was supported by the passages "
                                                         f"it cites; {fallback}."))
    return _compose(extractive, passages, kept, dropped, client.model_name)


def _compose(extractive: Answer, passages: Sequence[Hit], kept: list[Verified], dropped: list[Unverified],
             model: str) -> Answer:
    """Kept sentences with markers renumbered by first use; citations with their supporting sentences."""
    numbers: dict[int, int] = {}
    spans: dict[int, set[tuple[int, int]]] = {}
    parts = []
    for sentence in kept:
        markers = [numbers.setdefault(n, len(numbers) + 1) for n in sentence.markers]
        for n, start, end in sentence.support:
            spans.setdefault(n, set()).add((start, end))
        parts.append(f"{sentence.text} " + "".join(f"[{m}]" for m in markers))
    citations = tuple(Citation(new, passages[old - 1], tuple(sorted(spans.get(old, ()))))
                      for old, new in sorted(numbers.items(), key=lambda kv: kv[1]))
    # replace() keeps what the retrieval recorded (passages, timings, focus, the documents it
    # was asked within, the search guess); a new Answer(...) here once dropped ``within``.
    return replace(extractive, text=" ".join(parts), abstained=False, citations=citations, reason="",
                   generated=True, model=model, unverified=tuple(dropped), extractive=extractive)


def _joined(first: str, second: str) -> str:
    return f"{first} {second}".strip()
