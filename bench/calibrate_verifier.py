"""Calibrate the generated-answer verifier's thresholds on the gold files (qa/verify.py).

For every answerable gold item whose evidence is in the top 5 passages, each evidence
string stands in for a generated claim:

* **supported**: the claim checked against the passage that holds it;
* **unsupported**: the same claim checked against the best-ranked passage of the top 5
  that does not hold it (a near miss: same topic, other statement).

A claim passes when its closest sentence in the passage has cosine >= S and >= O of its
content words are in the passage. The thresholds chosen are the smallest pair (S, O)
that lets at most ``--max-unsupported`` of the unsupported claims through: as loose as
possible for paraphrases (which a model writes, and verbatim evidence does not show),
as strict as the near misses require. The question floor is the ``--floor-percentile``
of the supported claims' cosine with their question::

    python bench/calibrate_verifier.py [--gold FILE ...] [--index DIR]
"""
from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("HF_HUB_OFFLINE", "1")

import numpy as np  # noqa: E402

from index.lexical import tokenize  # noqa: E402
from qa.engine import Engine  # noqa: E402
from qa.evaluation import normalize, read_gold  # noqa: E402
from qa.settings import Settings  # noqa: E402

SHARED = Path(__file__).resolve().parents[2] / "shared" / "eval"


def claim_scores(engine: Engine, claim: str, vector: np.ndarray, hit) -> tuple[float, float]:
    """(closest-sentence cosine, share of content words) of ``claim`` against ``hit``'s passage."""
    sentences = engine.passage_sentences(hit)
    similarity = max((float(vector @ v) for _, _, v in sentences), default=-1.0)
    terms = set(tokenize(claim))
    p = hit.paragraph
    overlap = len(terms & set(tokenize(f"{p.title} {p.section} {p.text}"))) / max(len(terms), 1)
    return similarity, overlap


def main() -> None:
    """Print both distributions, the pass rates on a grid, and the chosen thresholds."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--gold", nargs="*", default=[str(SHARED / "dev.jsonl"), str(SHARED / "topical_dev.jsonl")])
    parser.add_argument("--index", help="index of the gold files' corpus (default: the bundled corpus' index)")
    parser.add_argument("--corpus")
    parser.add_argument("--max-unsupported", type=float, default=0.10)
    parser.add_argument("--floor-percentile", type=float, default=2.0)
    args = parser.parse_args()
    engine = Engine.open(Settings.resolve(index=args.index, corpus=args.corpus))
    supported, unsupported, question_cos = [], [], []
    for path in args.gold:
        for item in read_gold(Path(path)):
            if not item.evidence:
                continue
            hits = engine.searcher.search(engine.encoder.encode([item.question])[0], item.question, 5, frozenset())
            question_vector = engine.encoder.encode([item.question])[0]
            for evidence in item.evidence:
                holding = [h for h in hits if normalize(evidence) in normalize(h.paragraph.text)]
                if not holding:
                    continue
                vector = engine.encoder.encode([evidence])[0]
                supported.append(claim_scores(engine, evidence, vector, holding[0]))
                question_cos.append(float(vector @ question_vector) if not set(tokenize(evidence)) & set(
                    tokenize(item.question)) else 1.0)
                other = [h for h in hits if h not in holding]
                if other:
                    unsupported.append(claim_scores(engine, evidence, vector, other[0]))
    sup, uns = np.array(supported), np.array(unsupported)
    print(f"{len(sup)} supported claims, {len(uns)} unsupported (near-miss) claims")
    for label, data in (("supported", sup), ("unsupported", uns)):
        print(f"  {label:<12} cosine p10/p50/p90 {np.percentile(data[:, 0], [10, 50, 90]).round(2)}  "
              f"overlap p10/p50/p90 {np.percentile(data[:, 1], [10, 50, 90]).round(2)}")
    print("  S     O     supported passes  unsupported passes")
    best = None
    for s in np.arange(0.30, 0.91, 0.05):
        for o in np.arange(0.0, 0.91, 0.1):
            sup_pass = float(np.mean((sup[:, 0] >= s) & (sup[:, 1] >= o)))
            uns_pass = float(np.mean((uns[:, 0] >= s) & (uns[:, 1] >= o)))
            if o in (0.0, 0.5) or abs(s - 0.6) < 1e-9:
                print(f"  {s:.2f}  {o:.1f}   {sup_pass:6.2f}            {uns_pass:6.2f}")
            if uns_pass <= args.max_unsupported and (best is None or sup_pass > best[2]):
                best = (round(float(s), 2), round(float(o), 1), sup_pass, uns_pass)
    floor = float(np.percentile(question_cos, args.floor_percentile))
    print(f"chosen: min_similarity {best[0]}, min_overlap {best[1]} (supported {best[2]:.2f}, unsupported {best[3]:.2f}); "
          f"question floor (p{args.floor_percentile:g} of supported claims' cosine with the question) {floor:.2f}"
          if best else "no threshold pair meets --max-unsupported")


if __name__ == "__main__":
    main()
