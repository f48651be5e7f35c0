"""Naive baseline vs this project on a gold file, same model, same metric code.

Naive: every non-empty line of every corpus file is a passage (boilerplate included),
dense retrieval only (FAISS flat, cosine), the top passage is the answer, no abstention.

    python bench/naive_baseline.py --gold ../shared/eval/dev.jsonl
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

import faiss  # noqa: E402

from corpus import default_corpus_dir  # noqa: E402
from corpus.types import Paragraph  # noqa: E402
from index.torch_encoder import load_encoder  # noqa: E402
from index.types import Hit  # noqa: E402
from qa.engine import Engine  # noqa: E402
from qa.evaluation import evaluate, read_gold  # noqa: E402
from qa.indexing import update_index  # noqa: E402
from qa.settings import Settings  # noqa: E402
from qa.types import Answer, Citation  # noqa: E402

KEYS = ["recall@1", "recall@3", "recall@5", "mrr@10", "answer_hit", "citation_hit",
        "abstain_unanswerable", "abstain_answerable", "latency_ms_p50", "latency_ms_p95"]


def raw_lines(corpus: Path) -> list[Paragraph]:
    """Every non-empty line of every .txt/.md file, as a passage."""
    out = []
    for path in sorted(p for p in corpus.rglob("*") if p.suffix in (".txt", ".md")):
        for number, line in enumerate((line.strip() for line in path.read_text("utf-8").splitlines() if line.strip()), 1):
            out.append(Paragraph(f"{path.name}#l{number}", path.name, path.name, "", number, line, 0, 0))
    return out


def naive_system(passages: list[Paragraph], encoder):
    """An ``ask`` function: dense top-10, the first passage is the answer."""
    index = faiss.IndexFlatIP(encoder.dimension)
    index.add(encoder.encode([p.text for p in passages]))

    def ask(question: str) -> Answer:
        scores, ids = index.search(encoder.encode([question]), 10)
        hits = tuple(Hit(passages[i], r, float(s), float(s), 0.0) for r, (s, i) in enumerate(zip(scores[0], ids[0]), 1) if i >= 0)
        top = hits[0]
        return Answer(question, f"{top.paragraph.text} [1]", False, (Citation(1, top, ((0, len(top.paragraph.text)),)),), hits)

    return ask


def main() -> None:
    """Print both systems' metrics side by side (and as JSON with --json)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--gold", default=str(Path(__file__).resolve().parents[2] / "shared/eval/dev.jsonl"))
    parser.add_argument("--corpus", default=str(default_corpus_dir()))
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    items = read_gold(Path(args.gold))
    encoder = load_encoder()
    passages = raw_lines(Path(args.corpus))
    naive_ask = naive_system(passages, encoder)
    naive_ask("warm-up")
    naive = evaluate(items, naive_ask)
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings.resolve(env={}, corpus=args.corpus, index=str(Path(tmp) / "index"))
        started = time.perf_counter()
        update_index(settings, encoder)
        build_s = time.perf_counter() - started
        engine = Engine.open(settings, encoder=encoder, build_if_missing=False)
        engine.ask("warm-up")
        ours = evaluate(items, lambda q: engine.ask(q, k=10))
    if args.json:
        print(json.dumps({"naive": naive, "citeqa": ours}))
        return
    print(f"gold: {args.gold} ({naive['n']} items); naive passages: {len(passages)}; "
          f"citeqa paragraphs: {len(engine.index.paragraphs)} (built in {build_s:.1f} s)")
    print(f"{'metric':<22}{'naive':>10}{'citeqa':>10}")
    for key in KEYS:
        print(f"{key:<22}{naive[key]:>10}{ours[key]:>10}")


if __name__ == "__main__":
    main()
