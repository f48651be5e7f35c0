"""An encoder wrapper that reports how many paragraphs are embedded, for a progress bar on the page."""
from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from index.encoder import SpanEncoder

SLICE = 64  # paragraphs per reported step: small enough to move the bar, big enough to batch well


class ReportingEncoder:
    """Delegates to ``inner`` slice by slice, calling ``report(done, total)`` after each.

    Only the paragraph pass (``encode_with_spans``) is reported: it is nearly all of a
    build's time; short texts (vocabulary words, probes) go straight through.
    """

    def __init__(self, inner: SpanEncoder, report: Callable[[int, int], None]):
        self.inner = inner
        self.report = report
        self.name, self.dimension = inner.name, inner.dimension
        self.runtime, self.fingerprint = inner.runtime, inner.fingerprint

    def encode(self, texts: Sequence[str], *, progress: bool = False) -> np.ndarray:
        """See :meth:`index.encoder.Encoder.encode` (not reported)."""
        return self.inner.encode(texts, progress=progress)

    def encode_with_spans(self, texts: Sequence[str], spans: Sequence[Sequence[tuple[int, int]]], *,
                          progress: bool = False) -> tuple[np.ndarray, np.ndarray]:
        """See :meth:`index.encoder.SpanEncoder.encode_with_spans`; reports after every slice."""
        total = len(texts)
        whole, parts = [], []
        self.report(0, total)
        for start in range(0, total, SLICE):
            end = min(total, start + SLICE)
            text_vectors, span_vectors = self.inner.encode_with_spans(texts[start:end], spans[start:end])
            whole.append(text_vectors)
            parts.append(span_vectors)
            self.report(end, total)
        empty = np.zeros((0, self.dimension), np.float32)
        return (np.concatenate(whole) if whole else empty), (np.concatenate(parts) if parts else empty)
