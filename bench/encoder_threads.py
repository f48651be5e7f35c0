"""Single-question encode latency with torch's default 2 threads vs 1 thread, traced and eager.

On a 2-core machine where another process keeps one core busy, 2 OpenMP threads per
forward pass wait on each other (p50 ~470 ms measured) while 1 thread stays at ~15 ms:

    python bench/encoder_threads.py [--repeats 30]
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

import torch  # noqa: E402

from common import load, pct  # noqa: E402
from index.encoder import SentenceTransformerEncoder  # noqa: E402

QUESTION = "Which vessel should the Houthis release?"


def main() -> None:
    """Print p50/p95 per (path, threads)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=30)
    args = parser.parse_args()
    encoder = SentenceTransformerEncoder()
    default_threads = torch.get_num_threads()
    for path in ("traced", "eager"):
        if path == "eager":
            encoder._traced = False  # the encoder's own eager fallback (private: a bench-only switch)
        for threads in (default_threads, 1):
            torch.set_num_threads(threads)
            encoder.encode([QUESTION])
            times = []
            for _ in range(args.repeats):
                started = time.perf_counter()
                encoder.encode([QUESTION])
                times.append(1000 * (time.perf_counter() - started))
            print(f"{path:<7} threads {threads}: p50 {pct(times, .5):6.1f} ms  p95 {pct(times, .95):6.1f} ms  (load {load()})")


if __name__ == "__main__":
    main()
