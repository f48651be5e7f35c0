"""Generated answers on a gold file: the eval metrics plus what the verifier kept, and how fast.

Needs an OpenAI-compatible endpoint, e.g. a llama.cpp server (``pip install -e ".[llm]"``)::

    python -m llama_cpp.server --model MODEL.gguf --host 127.0.0.1 --port 8080 --n_ctx 4096 &
    python bench/generated_answers.py --llm-url http://127.0.0.1:8080/v1 [--gold FILE ...] [--limit N]
        [--dump kept.jsonl]

Prints per gold file: answer_hit / citation_hit / abstention figures with and without
the model, the share of answers that are generated (at least one sentence kept), the
share of generated sentences the verifier kept, and seconds per answer. ``--dump``
writes every kept sentence beside the passage sentences it cites, to check by hand.
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("HF_HUB_OFFLINE", "1")

from qa.engine import Engine  # noqa: E402
from qa.evaluation import evaluate, read_gold  # noqa: E402
from qa.llm import LLMClient, LLMSettings  # noqa: E402
from qa.settings import Settings  # noqa: E402
from qa.types import Answer  # noqa: E402
from qa.verify import cited_sentences  # noqa: E402

SHARED = Path(__file__).resolve().parents[2] / "shared" / "eval"
KEYS = ("answer_hit", "citation_hit", "abstain_unanswerable", "abstain_answerable")


def report(engine: Engine, client: LLMClient, path: Path, limit: int | None, dump) -> None:
    """Evaluate ``path`` without and with the model; print the figures, dump kept sentences."""
    items = read_gold(path)[:limit]
    engine.generator = None
    plain = evaluate(items, lambda q: engine.ask(q, k=10))
    engine.generator = client
    seconds: list[float] = []
    answers: list[Answer] = []

    def ask(question: str) -> Answer:
        started = time.perf_counter()
        answer = engine.ask(question, k=10)
        seconds.append(time.perf_counter() - started)
        answers.append(answer)
        return answer

    generated = evaluate(items, ask)
    tried = [a for a in answers if a.model or a.generation_error]
    kept = sum(len(cited_sentences(a.text)) for a in answers if a.generated)
    dropped = sum(len(a.unverified) for a in answers)
    print(f"{path.name}: {len(items)} items, {len(tried)} sent to the model")
    for key in KEYS:
        print(f"  {key:<22} extractive {plain[key]:.2f}   generated {generated[key]:.2f}")
    print(f"  answers generated      {sum(a.generated for a in answers)} of {len(tried)} sent "
          f"(the rest fell back: declined, nothing kept, or an error)")
    print(f"  sentences kept         {kept} of {kept + dropped} ({kept / max(kept + dropped, 1):.0%})")
    print(f"  seconds per answer     median {statistics.median(seconds):.1f}, max {max(seconds):.1f}")
    errors = [a.generation_error for a in answers if a.generation_error]
    if errors:
        print(f"  errors                 {len(errors)}, e.g. {errors[0]}")
    if dump is not None:
        for a in answers:
            if a.generated:
                cited = {c.n: [c.hit.paragraph.text[s:e] for s, e in c.spans] for c in a.citations}
                dump.write(json.dumps({"question": a.question, "answer": a.text, "cited": cited,
                                       "unverified": [u.to_dict() for u in a.unverified]}, ensure_ascii=False) + "\n")


def main() -> None:
    """Print the figures of each gold file, extractive and generated side by side."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--llm-url", required=True)
    parser.add_argument("--llm-model", default="")
    parser.add_argument("--timeout", type=float, default=300)
    parser.add_argument("--gold", nargs="*", default=[str(SHARED / "dev.jsonl"), str(SHARED / "topical_dev.jsonl")])
    parser.add_argument("--index")
    parser.add_argument("--corpus")
    parser.add_argument("--limit", type=int, help="first N items of each file")
    parser.add_argument("--dump", help="write kept sentences and their cited passage sentences (JSON lines)")
    args = parser.parse_args()
    engine = Engine.open(Settings.resolve(index=args.index, corpus=args.corpus))
    client = LLMClient(LLMSettings(args.llm_url, args.llm_model, args.timeout))
    dump = open(args.dump, "w", encoding="utf-8") if args.dump else None
    for path in args.gold:
        report(engine, client, Path(path), args.limit, dump)
    if dump is not None:
        dump.close()


if __name__ == "__main__":
    main()
