"""Sweep the abstention thresholds on a gold file and print what each setting does.

    python bench/calibrate_abstention.py --gold ../shared/eval/dev.jsonl

For each value of ``min_typed_coverage`` (typed questions) and ``min_score`` (open
questions): abstain_unanswerable, abstain_answerable and answer_hit.
"""
from __future__ import annotations

import argparse
import os
import sys
import tempfile
from dataclasses import replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("HF_HUB_OFFLINE", "1")

from qa.engine import Engine  # noqa: E402
from qa.evaluation import evaluate, read_gold  # noqa: E402
from qa.settings import Settings  # noqa: E402


def main() -> None:
    """Print one row per threshold value."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--gold", default=str(Path(__file__).resolve().parents[2] / "shared/eval/dev.jsonl"))
    args = parser.parse_args()
    items = read_gold(Path(args.gold))
    with tempfile.TemporaryDirectory() as tmp:
        engine = Engine.open(Settings.resolve(env={}, index=str(Path(tmp) / "index")))
        base = engine.policy
        print(f"{'setting':<28}{'abst_unans':>11}{'abst_ans':>10}{'answer_hit':>11}")
        for value in (0.0, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8):
            engine.policy = replace(base, min_typed_coverage=value)
            m = evaluate(items, lambda q: engine.ask(q, k=10))
            print(f"{'min_typed_coverage=' + str(value):<28}{m['abstain_unanswerable']:>11}{m['abstain_answerable']:>10}{m['answer_hit']:>11}")
        for value in (0.0, 0.45, 0.5, 0.55, 0.6, 0.65, 0.7):
            engine.policy = replace(base, min_score=value)
            m = evaluate(items, lambda q: engine.ask(q, k=10))
            print(f"{'min_score=' + str(value):<28}{m['abstain_unanswerable']:>11}{m['abstain_answerable']:>10}{m['answer_hit']:>11}")


if __name__ == "__main__":
    main()
