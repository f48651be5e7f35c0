"""Side by side with txtai: same model folder, same cleaned paragraphs, same gold questions.

txtai lives in its own venv (``.venv-txtai``, never in this project's; ``make bench-txtai``
sets it up and runs this script, or pass ``--txtai-python`` for another one); this script
runs its half there as a subprocess (``--txtai-child``) and reads back JSON. txtai indexes this
project's ``paragraphs.jsonl`` with ``Embeddings(path=MODEL_DIR, content=True,
hybrid=True)`` (0.5/0.5 weighted sum of cosine and normalised BM25), once on the plain
paragraph text and once on ``"section: text"`` (what this project embeds). Recall@5 and
MRR@10 are computed with ``qa.evaluation.evaluate`` on both sides (eval README
definitions). Build time excludes model loading on both sides (txtai: a second
``index()`` call on the loaded model; citeqa: encoder and spaCy loaded before). Latency: one query at a time, warm; citeqa's
figure is the whole ``ask`` (answer step included) and, separately, encode+search::

    python bench/vs_txtai.py --gold ../shared/eval/dev.jsonl [--rounds 3] [--json]
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from functools import partial
from pathlib import Path

# Made by `make bench-txtai` (a venv of its own: txtai's dependencies never enter the project's).
TXTAI_PYTHON = str(Path(__file__).resolve().parents[1] / ".venv-txtai/bin/python")


def txtai_child(paragraphs: str, questions: str, model_dir: str, variant: str, rounds: int) -> None:
    """Runs in the txtai venv: index, search every question, print JSON (no project imports)."""
    from txtai import Embeddings

    rows = [json.loads(line) for line in open(paragraphs, encoding="utf-8") if line.strip()]
    texts = [f"{r['section']}: {r['text']}" if variant == "section" and r["section"] else r["text"] for r in rows]
    docs = [(r["id"], t, None) for r, t in zip(rows, texts)]
    qs = json.loads(Path(questions).read_text())
    started = time.perf_counter()
    embeddings = Embeddings(path=model_dir, content=True, hybrid=True)
    embeddings.index(docs)
    first_s = time.perf_counter() - started
    started = time.perf_counter()
    embeddings.index(docs)  # model loaded now: the build alone
    build_s = time.perf_counter() - started
    for q in qs[:5]:
        embeddings.search(q, 10)
    latencies, ranked = [], {}
    for _ in range(rounds):
        for q in qs:
            t = time.perf_counter()
            hits = embeddings.search(q, 10)
            latencies.append(1000 * (time.perf_counter() - t))
            ranked[q] = [[h["id"], h["score"]] for h in hits]
    from importlib.metadata import version

    print(json.dumps({"version": version("txtai"), "variant": variant, "first_index_s": first_s,
                      "build_s": build_s, "latencies_ms": latencies, "ranked": ranked,
                      "peak_rss_mb": _vm_hwm_mb()}))


def _vm_hwm_mb() -> float:
    """Peak RSS of this process image (VmHWM; ru_maxrss would carry the parent's peak over exec)."""
    for line in open("/proc/self/status"):
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    """Run both systems and print build time, latency, recall@5 and MRR@10 side by side."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--gold", default=str(Path(__file__).resolve().parents[2] / "shared/eval/dev.jsonl"))
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--txtai-python", default=TXTAI_PYTHON)
    parser.add_argument("--txtai-child", nargs=4, metavar=("PARAGRAPHS", "QUESTIONS", "MODEL_DIR", "VARIANT"),
                        help=argparse.SUPPRESS)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    if args.txtai_child:
        txtai_child(*args.txtai_child, rounds=args.rounds)
        return

    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from common import load, machine, pct

    from corpus.types import Paragraph
    from index.annotate import default_annotator
    from index.encoder import DEFAULT_MODEL, resolve_model_path
    from index.torch_encoder import load_encoder
    from index.types import Hit
    from qa.engine import Engine
    from qa.evaluation import evaluate, read_gold
    from qa.indexing import update_index
    from qa.settings import Settings
    from qa.types import Answer

    items = read_gold(Path(args.gold))
    questions = [item.question for item in items]
    model_dir = resolve_model_path(DEFAULT_MODEL)
    out = {"machine": machine(), "gold": args.gold, "n": len(items), "model_dir": model_dir}
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings.resolve(env={}, index=str(Path(tmp) / "index"))
        encoder = load_encoder()
        encoder.encode(["warm-up"] * 2)
        annotator = default_annotator()  # spaCy loaded outside the timed build, as txtai's model is
        annotator.annotate(["Warm-up sentence in Paris."])
        report = update_index(settings, encoder, annotator=annotator, force=True)
        engine = Engine.open(settings, encoder=encoder, build_if_missing=False)
        for q in questions[:5]:
            engine.ask(q)
        metrics = evaluate(items, partial(engine.ask, k=10))
        total, retrieval = [], []
        for _ in range(args.rounds):
            for q in questions:
                t = engine.ask(q, k=10).timings
                total.append(t["total"])
                retrieval.append(t["encode"] + t["search"])
        out["citeqa"] = {"build_s": report.seconds, "paragraphs": report.manifest.counts["paragraphs"],
                         "sentences": report.manifest.counts["sentences"], "recall@5": metrics["recall@5"],
                         "mrr@10": metrics["mrr@10"], "recall@1": metrics["recall@1"],
                         "p50_ms": pct(total, .5), "p95_ms": pct(total, .95),
                         "retrieval_p50_ms": pct(retrieval, .5), "retrieval_p95_ms": pct(retrieval, .95),
                         "load": load()}
        exported = Path(tmp) / "paragraphs.jsonl"
        exported.write_text((settings.index / "paragraphs.jsonl").read_text("utf-8"), "utf-8")
        qfile = Path(tmp) / "questions.json"
        qfile.write_text(json.dumps(questions))
        paragraphs = {p.id: p for p in (Paragraph.from_dict(json.loads(line))
                                        for line in exported.read_text().splitlines() if line.strip())}
        del engine, encoder
        out["txtai"] = []
        for variant in ("text", "section"):
            result = subprocess.run([args.txtai_python, __file__, "--rounds", str(args.rounds), "--txtai-child",
                                     str(exported), str(qfile), model_dir, variant],
                                    capture_output=True, text=True, timeout=1200, env={**os.environ, "HF_HUB_OFFLINE": "1"})
            if result.returncode:
                raise SystemExit(f"txtai child failed:\n{result.stderr[-3000:]}")
            child = json.loads(result.stdout.strip().splitlines()[-1])

            def ask(q: str, child: dict = child) -> Answer:
                hits = tuple(Hit(paragraphs[i], rank, s, 0.0, 0.0) for rank, (i, s) in enumerate(child["ranked"][q], 1))
                return Answer(q, "", False, (), hits)

            m = evaluate(items, ask)
            out["txtai"].append({"variant": variant, "version": child["version"], "build_s": child["build_s"],
                                 "first_index_s": child["first_index_s"], "recall@5": m["recall@5"],
                                 "mrr@10": m["mrr@10"], "recall@1": m["recall@1"],
                                 "p50_ms": pct(child["latencies_ms"], .5), "p95_ms": pct(child["latencies_ms"], .95),
                                 "peak_rss_mb": child["peak_rss_mb"], "load": load()})
    if args.json:
        print(json.dumps(out, indent=1))
        return
    c = out["citeqa"]
    print(out["machine"])
    print(f"gold {args.gold}: {out['n']} items; bundled corpus, {c['paragraphs']} paragraphs; model {model_dir}")
    print(f"{'system':<34}{'build s':>9}{'p50 ms':>8}{'p95 ms':>8}{'R@1':>7}{'R@5':>7}{'MRR@10':>8}")
    print(f"{'citeqa (whole ask)':<34}{c['build_s']:>9.2f}{c['p50_ms']:>8.1f}{c['p95_ms']:>8.1f}"
          f"{c['recall@1']:>7.3f}{c['recall@5']:>7.3f}{c['mrr@10']:>8.3f}")
    print(f"{'citeqa (encode+search only)':<34}{'':>9}{c['retrieval_p50_ms']:>8.1f}{c['retrieval_p95_ms']:>8.1f}")
    for t in out["txtai"]:
        label = f"txtai {t['version']} hybrid ({t['variant']})"
        print(f"{label:<34}{t['build_s']:>9.2f}{t['p50_ms']:>8.1f}{t['p95_ms']:>8.1f}"
              f"{t['recall@1']:>7.3f}{t['recall@5']:>7.3f}{t['mrr@10']:>8.3f}")
    print(f"citeqa build = {c['paragraphs']} paragraphs + {c['sentences']} sentences embedded, NER, BM25, FAISS, write; "
          f"txtai build = paragraphs embedded + BM25 + SQLite content (first index() incl. model load: "
          + ", ".join(f"{t['first_index_s']:.1f} s" for t in out["txtai"]) + ")")


if __name__ == "__main__":
    main()
