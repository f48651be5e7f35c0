"""FAISS vs Milvus (Lite by default) on one corpus: same top-5?, eval metrics side by side, ask latency.

Builds both indexes of the corpus in a temporary folder (or of --corpus), then for each
gold file prints how many questions get the same top-5 passages from both stores, the
``qa eval`` metrics of each, and p50/p95 of a whole ``ask`` with each store.

    python bench/milvus_store.py [--corpus DIR] [--gold FILE ...] [--milvus-uri URI]
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("HF_HUB_OFFLINE", "1")

from bench.common import DEFAULT_GOLD, load, pct  # noqa: E402
from qa.engine import Engine  # noqa: E402
from qa.evaluation import evaluate, read_gold  # noqa: E402
from qa.indexing import update_index  # noqa: E402
from qa.settings import Settings  # noqa: E402


def main() -> None:
    """Print agreement, metrics and latency of the two stores."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--corpus", default=None)
    parser.add_argument("--gold", nargs="+", default=[str(DEFAULT_GOLD), str(DEFAULT_GOLD.with_name("topical_dev.jsonl"))])
    parser.add_argument("--milvus-uri", default=None)
    args = parser.parse_args()
    print(f"load {load()}")
    with tempfile.TemporaryDirectory() as tmp:
        engines = {}
        for store in ("faiss", "milvus"):
            settings = Settings.resolve(env={}, corpus=args.corpus, index=str(Path(tmp) / store), store=store,
                                        milvus_uri=args.milvus_uri if store == "milvus" else None)
            started = time.perf_counter()
            report = update_index(settings)
            print(f"{store}: built in {time.perf_counter() - started:.1f} s ({report.manifest.vector_index})")
            engines[store] = Engine.open(settings, build_if_missing=False)
            engines[store].ask("warm-up question")
        for gold in map(Path, args.gold):
            items = read_gold(gold)
            same = sum([h.paragraph.id for h in engines["faiss"].ask(i.question, k=5).passages]
                       == [h.paragraph.id for h in engines["milvus"].ask(i.question, k=5).passages] for i in items)
            print(f"\n{gold.name}: same top-5 passages for {same} of {len(items)} questions ({same / len(items):.1%})")
            metrics = {s: evaluate(items, lambda q, e=e: e.ask(q, k=10)) for s, e in engines.items()}
            print(f"{'metric':24} {'faiss':>10} {'milvus':>10}")
            for key in metrics["faiss"]:
                a, b = metrics["faiss"][key], metrics["milvus"][key]
                if isinstance(a, (int, float)) and isinstance(b, (int, float)):
                    print(f"{key:24} {a:10.3f} {b:10.3f}")
        questions = [i.question for g in args.gold for i in read_gold(Path(g))]
        print("\nask latency (whole question, index loaded):")
        for store, engine in engines.items():
            times = []
            for q in questions:
                started = time.perf_counter()
                engine.ask(q)
                times.append(1000 * (time.perf_counter() - started))
            print(f"  {store:7} p50 {pct(times, 0.5):6.1f} ms  p95 {pct(times, 0.95):6.1f} ms  ({len(times)} questions)")
        engines["milvus"].index.close()
    print(json.dumps({"load": load()}))


if __name__ == "__main__":
    main()
