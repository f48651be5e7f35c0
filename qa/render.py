"""Plain-text rendering of answers and reports for people at a terminal."""
from __future__ import annotations

import textwrap

from index.types import Hit
from qa.types import Answer


def _source_line(hit: Hit) -> str:
    page = f", page {hit.paragraph.page}" if hit.paragraph.page is not None else ""
    return f"{hit.paragraph.location()}  ({hit.paragraph.doc}{page}, score {hit.score:.3f})"


def _wrapped(text: str, indent: str = "    ") -> str:
    return textwrap.fill(text, width=100, initial_indent=indent, subsequent_indent=indent)


def render_answer(answer: Answer) -> str:
    """The answer, then its numbered sources (or, on abstention, the closest passages)."""
    lines = [textwrap.fill(answer.text, width=100), ""]
    if answer.within:
        lines = [f"(asked within: {', '.join(answer.within)})", *lines]
    if answer.abstained:
        if answer.reason:
            lines[0] += f" {answer.reason}"
        lines.append("Closest passages (not an answer):")
        for hit in answer.passages:
            lines += [f" {hit.rank}. {_source_line(hit)}", _wrapped(hit.paragraph.text), ""]
    else:
        lines.append("Sources:")
        for c in answer.citations:
            lines += [f"[{c.n}] {_source_line(c.hit)}", _wrapped(c.hit.paragraph.text), ""]
    return "\n".join(lines).rstrip() + "\n"


def render_metrics(metrics: dict) -> str:
    """Eval metrics as an aligned two-column table."""
    flat = {k: v for k, v in metrics.items() if not isinstance(v, dict)}
    width = max(len(k) for k in flat)
    rows = [f"{k:<{width}}  {v}" for k, v in flat.items()]
    for kind, figures in metrics.get("by_type", {}).items():
        rows.append(f"{'  ' + kind:<{width}}  " + ", ".join(f"{k}={v}" for k, v in figures.items()))
    return "\n".join(rows) + "\n"
