"""Single-question encode latency per runtime, as the engine runs it (one thread each).

ONNX Runtime (the default), PyTorch through the traced and frozen transformer (the
torch runtime's question path), and PyTorch eager; the vectors are compared too::

    python bench/question_encoder.py [--repeats 200]
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

import numpy as np  # noqa: E402
from common import load, machine, pct  # noqa: E402

from index.torch_encoder import load_encoder  # noqa: E402

QUESTIONS = ["Which vessel should the Houthis release?",
             "How many experts attended the Global Partnership meeting?",
             "What do the G7 defence ministers say about maritime security in the Indo-Pacific region?"]


def timed(encoder, repeats: int) -> list[float]:
    """Milliseconds per ``encode([question])``, cycling through QUESTIONS after a warm-up."""
    for q in QUESTIONS:
        encoder.encode([q])
    times = []
    for i in range(repeats):
        started = time.perf_counter()
        encoder.encode([QUESTIONS[i % len(QUESTIONS)]])
        times.append(1000 * (time.perf_counter() - started))
    return times


def main() -> None:
    """Print p50/p95 per runtime and the largest difference between their vectors."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=200)
    args = parser.parse_args()
    print(machine())
    onnx = load_encoder(runtime="onnx")
    torch_traced = load_encoder(runtime="torch")
    torch_eager = load_encoder(runtime="torch")
    torch_eager.backend._traced = False  # type: ignore[attr-defined]  # the torch runtime's eager fallback (bench-only switch)
    reference = torch_eager.encode(QUESTIONS)
    for label, encoder in (("onnx", onnx), ("torch traced", torch_traced), ("torch eager", torch_eager)):
        times = timed(encoder, args.repeats)
        diff = float(np.abs(np.concatenate([encoder.encode([q]) for q in QUESTIONS]) - reference).max())
        print(f"{label:<13} ({encoder.runtime}): p50 {pct(times, .5):6.2f} ms  p95 {pct(times, .95):6.2f} ms  "
              f"max |v - eager| {diff:.1e}  (load {load()})")


if __name__ == "__main__":
    main()
