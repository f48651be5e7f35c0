"""`qa eval`: score the system on a gold file (metric definitions: eval README)."""
from __future__ import annotations

import json
import re
import time
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from corpus.errors import QAError
from qa.types import Answer

_QUOTES = str.maketrans({"‘": "'", "’": "'", "‚": "'", "‛": "'", "“": '"', "”": '"', "„": '"', "‟": '"', "′": "'", "″": '"'})
_TYPES = {"factoid", "paraphrase", "keyword", "multi", "unanswerable"}


def normalize(text: str) -> str:
    """NFKC, straight quotes, whitespace runs collapsed, case-folded (both sides of a match)."""
    text = unicodedata.normalize("NFKC", text).translate(_QUOTES)
    return re.sub(r"\s+", " ", text).strip().casefold()


@dataclass(frozen=True)
class GoldItem:
    """One gold question."""

    id: str
    question: str
    type: str
    evidence: tuple[str, ...]
    answers: tuple[str, ...]

    @property
    def answerable(self) -> bool:
        """False for items whose type is ``unanswerable``."""
        return self.type != "unanswerable"


def read_gold(path: Path) -> list[GoldItem]:
    """Read a gold JSON-lines file; one clear error for a missing or malformed file."""
    try:
        lines = Path(path).read_text("utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as e:
        raise QAError(f"cannot read gold file {path}: {e.strerror if isinstance(e, OSError) else e}") from e
    items = []
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
            item = GoldItem(str(row["id"]), str(row["question"]), str(row.get("type", "factoid")),
                            tuple(row.get("evidence") or ()), tuple(row.get("answers") or ()))
        except (json.JSONDecodeError, KeyError, TypeError) as e:
            raise QAError(f"{path}, line {number}: not a gold item ({e})") from e
        if item.type not in _TYPES:
            raise QAError(f"{path}, line {number}: unknown type {item.type!r}")
        items.append(item)
    if not items:
        raise QAError(f"gold file {path} holds no items")
    return items


def _percentile(values: Sequence[float], q: float) -> float:
    """The ``q``-quantile of ``values`` (linear interpolation, numpy's default); 0 for none."""
    return float(np.percentile(values, 100 * q)) if len(values) else 0.0


def _mean(values: Sequence[float]) -> float:
    return sum(values) / len(values) if values else 0.0


def item_scores(item: GoldItem, answer: Answer) -> dict:
    """Per-item figures: evidence recall at 1/3/5, reciprocal rank, answer and citation hits."""
    passages = [normalize(h.paragraph.text) for h in answer.passages]
    evidence = [normalize(e) for e in item.evidence]

    def recall(k: int) -> float:
        top = passages[:k]
        return _mean([any(e in p for p in top) for e in evidence]) if evidence else 0.0

    rr = 0.0
    for rank, p in enumerate(passages[:10], 1):
        if any(e in p for e in evidence):
            rr = 1.0 / rank
            break
    text = normalize(answer.text)
    cited = [normalize(c.hit.paragraph.text) for c in answer.citations]
    return {
        "recall@1": recall(1), "recall@3": recall(3), "recall@5": recall(5), "mrr@10": rr,
        "answer_hit": float(not answer.abstained and any(normalize(a) in text for a in item.answers)),
        "citation_hit": float(any(e in c for e in evidence for c in cited)),
    }


def evaluate(items: Sequence[GoldItem], ask: Callable[[str], Answer], on_item=None) -> dict:
    """Run every item through ``ask`` and return the metrics (eval README key names).

    ``ask`` must return passages ranked before any abstention, at least 10 of them
    when the index has that many (MRR@10 looks that deep).
    """
    rows, latencies, abstain_unans, abstain_ans = [], [], [], []
    by_type: dict[str, list[dict]] = {}
    for item in items:
        started = time.perf_counter()
        answer = ask(item.question)
        latencies.append(1000 * (time.perf_counter() - started))
        if item.answerable:
            scores = item_scores(item, answer)
            rows.append(scores)
            by_type.setdefault(item.type, []).append(scores)
            abstain_ans.append(float(answer.abstained))
        else:
            abstain_unans.append(float(answer.abstained))
        if on_item:
            on_item(item, answer)
    keys = ["recall@1", "recall@3", "recall@5", "mrr@10", "answer_hit", "citation_hit"]
    metrics: dict[str, Any] = {"n": len(items), "n_answerable": len(rows), "n_unanswerable": len(abstain_unans)}
    metrics.update({k: round(_mean([r[k] for r in rows]), 4) for k in keys})
    metrics["abstain_unanswerable"] = round(_mean(abstain_unans), 4)
    metrics["abstain_answerable"] = round(_mean(abstain_ans), 4)
    metrics["latency_ms_p50"] = round(_percentile(latencies, 0.5), 2)
    metrics["latency_ms_p95"] = round(_percentile(latencies, 0.95), 2)
    metrics["by_type"] = {
        t: {"n": len(v), "recall@5": round(_mean([r["recall@5"] for r in v]), 4),
            "answer_hit": round(_mean([r["answer_hit"] for r in v]), 4)}
        for t, v in sorted(by_type.items())
    }
    return metrics
