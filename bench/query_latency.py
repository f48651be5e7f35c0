"""Query latency: question in -> cited answer out, index loaded (the bundled corpus by default).

    python bench/query_latency.py [--gold FILE] [--rounds 5]
    python bench/query_latency.py --corpus /tmp/pydocs --index /tmp/idx-pydocs \
        --gold ../shared/eval/pydocs_dev.jsonl          # a documentation set, its index kept
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("HF_HUB_OFFLINE", "1")

from bench.common import pct  # noqa: E402
from qa.engine import Engine  # noqa: E402
from qa.settings import Settings  # noqa: E402

FALLBACK = ["Which vessel should the Houthis release?", "How many experts attended the meeting?",
            "What do the ministers say about North Korea?", "interoperability shared standards",
            "What percentage of GDP goes to defense?"]


def main() -> None:
    """Print p50/p95 of the whole ask and of each stage."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--gold", default=str(Path(__file__).resolve().parents[2] / "shared/eval/dev.jsonl"))
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--corpus", help="folder of documents (default: the bundled corpus)")
    parser.add_argument("--index", help="its index folder, built if missing (default: a temporary one)")
    args = parser.parse_args()
    gold = Path(args.gold)
    lines = gold.read_text().splitlines() if gold.exists() else []
    questions = [json.loads(line)["question"] for line in lines if line.strip()] or FALLBACK
    with tempfile.TemporaryDirectory() as tmp:
        engine = Engine.open(Settings.resolve(env={}, corpus=args.corpus, index=args.index or str(Path(tmp) / "index")))
        for q in questions[:5]:
            engine.ask(q)
        stages: dict[str, list[float]] = {}
        for _ in range(args.rounds):
            for q in questions:
                for stage, ms in engine.ask(q).timings.items():
                    stages.setdefault(stage, []).append(ms)
    print(f"{len(stages['total'])} questions ({len(questions)} x {args.rounds} rounds), ms:")
    for stage, values in stages.items():
        print(f"  {stage:<8} p50 {pct(values, .5):6.2f}  p95 {pct(values, .95):6.2f}  mean {statistics.mean(values):6.2f}")


if __name__ == "__main__":
    main()
