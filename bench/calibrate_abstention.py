"""Calibrate abstention on the three dev files, with leave-one-file-out validation.

    python bench/calibrate_abstention.py                    # seed files only
    python bench/calibrate_abstention.py --pydocs /tmp/pydocs   # plus pydocs_dev on its corpus

(the pydocs corpus comes from ``python ../shared/eval/pydocs_corpus.py /tmp/pydocs``,
after ``apt-get install -y python3.11-doc``; its index is built on first use).
``--extra bench/data/heldout_seed.jsonl`` adds 22 questions on the bundled corpus that were
written before any result was looked at (12 the documents do not answer, 10 paraphrases);
they are only reported, never used to choose a setting:

    python bench/calibrate_abstention.py --pydocs /tmp/pydocs --extra bench/data/heldout_seed.jsonl

``--model DIR`` sweeps another embedding model (its own indexes: give it an ``--index-dir``
of its own); the thresholds are cosines of that model's word vectors.

Every question is asked once with the focus check switched off, keeping how each focus
word matched the evidence; the focus thresholds are then swept offline. Printed:

1. the trade-off curve per file: abstain_unanswerable vs abstain_answerable (and
   answer_hit) for the focus settings, best first;
2. leave-one-file-out: thresholds chosen on two files (maximising the sum of
   abstain_unanswerable - 2 x abstain_answerable), scored on the third;
3. the typed-question bar (``min_typed_coverage``), swept as before.
"""
from __future__ import annotations

import argparse
import itertools
import os
import sys
from dataclasses import dataclass, replace
from functools import partial
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("HF_HUB_OFFLINE", "1")

from corpus import default_corpus_dir  # noqa: E402
from qa.abstention import FocusPolicy, missing_focus  # noqa: E402
from qa.engine import Engine  # noqa: E402
from qa.evaluation import GoldItem, evaluate, item_scores, read_gold  # noqa: E402
from qa.focus import TermMatch  # noqa: E402
from qa.phrases import noun_phrases  # noqa: E402
from qa.settings import Settings  # noqa: E402

EVAL = Path(__file__).resolve().parents[2] / "shared/eval"
NEVER = FocusPolicy(name_match=0.0, word_match=0.0, missing_words=1000, off_domain_percentile=0.0, name_ratio=100.0,
                    phrase_match=0.0)
NAME_MATCH = (0.6, 0.65, 0.68, 0.7, 0.71, 0.72, 0.75)
WORD_MATCH = (0.4, 0.45, 0.5, 0.55, 0.6)
MISSING_WORDS = (1, 2, 3)
PERCENTILES = (0.0, 30.0, 40.0, 50.0, 60.0)
NAME_RATIOS = (0.7, 0.75, 0.8, 0.85, 0.9, 100.0)  # Lowe's ratio test for names matched by vector; 100: off
PHRASE_MATCH = (0.0, 0.5, 0.55, 0.6)  # a noun phrase all of whose words are below this is missing; 0: off


@dataclass(frozen=True)
class Observed:
    """One gold item asked with the focus check off."""

    item: GoldItem
    abstained: bool  # by the other checks (typed questions, weak evidence)
    answer_hit: float
    focus: tuple[TermMatch, ...]
    phrases: tuple[tuple[str, ...], ...]  # groups of focus words in one noun phrase (qa.phrases)
    best_similarity: float  # cosine of the closest of the passages the answer is drawn from
    typical: dict[float, float]  # off_domain_percentile -> the corpus's typical similarity


def observe(engine: Engine, items: list[GoldItem]) -> list[Observed]:
    """Ask every item once with the focus check off."""
    engine.focus_policy = NEVER
    out = []
    for item in items:
        answer = engine.ask(item.question, k=10)
        hit = item_scores(item, answer)["answer_hit"] if item.answerable else 0.0
        best = max((h.dense for h in answer.passages[: engine.policy.answer_passages]), default=0.0)
        typical = {p: engine.index.typical_similarity(p) for p in PERCENTILES}
        phrases = noun_phrases(item.question, [m.term.word for m in answer.focus if m.term.kind == "word"])
        out.append(Observed(item, answer.abstained, hit, answer.focus, tuple(phrases), best, typical))
    return out


def rates(observed: list[Observed], policy: FocusPolicy) -> dict[str, float]:
    """abstain_unanswerable, abstain_answerable and answer_hit under ``policy``."""
    unans, ans, hits = [], [], []
    for o in observed:
        off_domain = o.best_similarity < o.typical[policy.off_domain_percentile]
        abstains = o.abstained or off_domain or bool(missing_focus(o.focus, policy, o.phrases))
        (ans if o.item.answerable else unans).append(abstains)
        if o.item.answerable:
            hits.append(0.0 if abstains else o.answer_hit)

    def mean(values):
        return sum(values) / len(values) if values else 0.0

    return {"abstain_unanswerable": mean(unans), "abstain_answerable": mean(ans), "answer_hit": mean(hits)}


def utility(r: dict[str, float]) -> float:
    """What a setting is worth: catching unanswerable questions, at twice the cost per wrong refusal.

    A wrong refusal still shows the closest passages; a confident answer to a question
    the documents do not answer is the worse bug, but refusing answerable questions
    makes the bot useless, hence the weight of two.
    """
    return r["abstain_unanswerable"] - 2 * r["abstain_answerable"]


def grid() -> list[FocusPolicy]:
    """Every focus setting swept."""
    return [FocusPolicy(n, w, m, p, r, f) for n, w, m, p, r, f
            in itertools.product(NAME_MATCH, WORD_MATCH, MISSING_WORDS, PERCENTILES, NAME_RATIOS, PHRASE_MATCH)]


def describe(policy: FocusPolicy) -> str:
    """A short label of a focus setting."""
    ratio = "off" if policy.name_ratio >= 100 else f"{policy.name_ratio:.2f}"
    phrase = "off" if policy.phrase_match <= 0 else f"{policy.phrase_match:.2f}"
    return (f"name {policy.name_match:.2f} ratio {ratio} word {policy.word_match:.2f} words {policy.missing_words} "
            f"phrase {phrase} p{policy.off_domain_percentile:.0f}")


def engine_for(corpus: Path, index: Path, model: str | None = None) -> Engine:
    """An engine over ``corpus`` with ``model`` (default: the default model), its index built at ``index`` if missing."""
    return Engine.open(Settings.resolve(env={}, corpus=str(corpus), index=str(index), model=model), progress=True)


def main() -> None:
    """Print the curves, the leave-one-file-out table and the typed-question sweep."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--index-dir", default="/tmp/citeqa-calibrate", help="where the indexes are kept")
    parser.add_argument("--pydocs", help="a corpus laid out by pydocs_corpus.py (adds pydocs_dev.jsonl)")
    parser.add_argument("--extra", action="append", default=[], metavar="GOLD",
                        help="another gold file on the bundled corpus (e.g. bench/data/heldout_seed.jsonl)")
    parser.add_argument("--model", help="the embedding model (name or folder; default: the default model)")
    args = parser.parse_args()
    base = Path(args.index_dir)
    seed = engine_for(default_corpus_dir(), base / "seed", args.model)
    files = {name: (seed, read_gold(EVAL / f"{name}.jsonl")) for name in ("dev", "topical_dev")}
    files.update({Path(extra).stem: (seed, read_gold(Path(extra))) for extra in args.extra})
    if args.pydocs:
        files["pydocs_dev"] = (engine_for(Path(args.pydocs), base / "pydocs", args.model), read_gold(EVAL / "pydocs_dev.jsonl"))
    observed = {name: observe(engine, items) for name, (engine, items) in files.items()}
    current = FocusPolicy()

    print("1. Trade-off per file (abstain_unanswerable / abstain_answerable / answer_hit), by focus setting")
    names = list(observed)
    tuned = [n for n in names if n in ("dev", "topical_dev", "pydocs_dev")]  # extra files are only reported
    print(f"{'setting':<45}" + "".join(f"{n:>26}" for n in names))
    ranked = sorted(grid(), key=lambda p: -sum(utility(rates(observed[n], p)) for n in tuned))
    for policy in [NEVER] + ranked[:12] + [current]:
        label = "focus check off" if policy == NEVER else describe(policy) + (" (default)" if policy == current else "")
        cells = []
        for n in names:
            r = rates(observed[n], policy)
            cells.append(f"{r['abstain_unanswerable']:.2f} / {r['abstain_answerable']:.2f} / {r['answer_hit']:.2f}")
        print(f"{label:<45}" + "".join(f"{c:>26}" for c in cells))

    print("\n2. Leave one file out: chosen on the other files, scored on the held-out one")
    for held in tuned:
        train = [n for n in tuned if n != held]
        best = max(grid(), key=lambda p: sum(utility(rates(observed[n], p)) for n in train))
        r = rates(observed[held], best)
        print(f"held out {held:<12} chosen: {describe(best):<42} -> abstain_unanswerable {r['abstain_unanswerable']:.2f}, "
              f"abstain_answerable {r['abstain_answerable']:.2f}, answer_hit {r['answer_hit']:.2f}")

    print("\n3. Typed questions: min_typed_coverage (focus check at the default)")
    for name, (engine, items) in files.items():
        engine.focus_policy = current
        policy = engine.policy
        for value in (0.3, 0.4, 0.5, 0.6):
            engine.policy = replace(policy, min_typed_coverage=value)
            m = evaluate(items, partial(engine.ask, k=10))
            print(f"{name:<12} min_typed_coverage={value}: abstain_unanswerable {m['abstain_unanswerable']}, "
                  f"abstain_answerable {m['abstain_answerable']}, answer_hit {m['answer_hit']}")
        engine.policy = policy


if __name__ == "__main__":
    main()
