"""Query expansion with a language model: search with the question and a guessed answer to it.

A question in the user's words ("halt my program at a line and give me a prompt") often
shares no word with the passage that answers it ("breakpoint() drops you into the
debugger"). A language model that knows the subject can guess the answer in the words a
reference would use; searching with the question and that guess together (HyDE, Gao et
al. 2022) finds passages the question alone ranks 10th or lower. The guess is only ever
a search key: the answer is still taken verbatim from the passages found, each sentence
cited, and the focus-word check still reads the question's own words. A wrong guess can
therefore rank a wrong passage first, but cannot put a claim in the answer that no
passage makes.
"""
from __future__ import annotations

import numpy as np

from qa.llm import LLMClient

SYSTEM = ("Write one or two sentences, phrased as reference documentation would phrase them, that answer the "
          "question. Use the exact names of the functions, methods, options, terms, people or places involved. "
          "No preamble, no code block.")
MAX_TOKENS = 80  # two sentences; a longer guess costs seconds and drifts off the question


def guess_answer(client: LLMClient, question: str) -> str:
    """The model's guess at an answer to ``question`` (a search key only); raises qa.llm.GenerationError."""
    messages = [{"role": "system", "content": SYSTEM}, {"role": "user", "content": question}]
    return client.complete(messages, max_tokens=MAX_TOKENS).strip()


def expanded_vector(question_vector: np.ndarray, guess_vector: np.ndarray) -> np.ndarray:
    """The unit vector halfway between the question's and the guess's (equal weights).

    The question keeps half the say: a guess that drifts to another topic moves the
    search only part of the way (weights 0.5 and 2 for the guess were no better on the
    documentation dev questions; bench/RESULTS.md).
    """
    mixed = np.asarray(question_vector, dtype=np.float32) + np.asarray(guess_vector, dtype=np.float32)
    norm = float(np.linalg.norm(mixed))
    return mixed / norm if norm > 0 else np.asarray(question_vector, dtype=np.float32)
