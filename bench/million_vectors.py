"""One million paragraph vectors in a ``FaissVectorStore`` with the default ``StorePlan``.

Vectors are drawn to look like real ones: each is a real paragraph or sentence vector
of an existing index (``--real``, e.g. the one bench/python_docs.py builds; by default
the bundled corpus is indexed in a temp folder) plus isotropic gaussian noise
(``--sigma`` per dimension), renormalised. With sigma 0.04 a drawn vector has cosine
~0.78 with the real vector it came from. Queries are 200 fresh draws of the same kind
(not stored vectors).

The store is built and saved (timed: IVF training, adding, FAISS's own recall sample,
writing), exact top-10 is computed with ``faiss.IndexFlatIP`` over the saved .npy in
chunks, then for each ``--nprobe`` value a separate process loads the saved store and
answers the 200 queries; it reports p50/p95 and its own peak RSS, and the parent
computes recall@10 against the exact top-10::

    python bench/million_vectors.py [--n 1000000] [--real INDEX_DIR] [--nprobe 16 32 64 128]
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))
os.environ.setdefault("HF_HUB_OFFLINE", "1")

import faiss  # noqa: E402
import numpy as np  # noqa: E402
from common import folder_mb, load, machine, own_peak_rss_mb, pct, peak_rss_mb  # noqa: E402

from index.vectors import FaissVectorStore, StorePlan  # noqa: E402

NAME = "vectors"
CHUNK = 100_000


def real_vectors(index: str | None) -> tuple[np.ndarray, str]:
    """Paragraph and sentence vectors of an existing index (or of the bundled corpus)."""
    if index is None:
        from qa.indexing import update_index
        from qa.settings import Settings

        index = tempfile.mkdtemp(prefix="million-real-")
        update_index(Settings.resolve(env={}, index=index))
        label = "bundled corpus"
    else:
        label = index
    parts = [np.load(Path(index) / f"{n}.npy") for n in ("vectors", "sentence_vectors")]
    return np.concatenate(parts).astype(np.float32), label


def draw(real: np.ndarray, n: int, sigma: float, rng: np.random.Generator) -> np.ndarray:
    """``n`` unit vectors: random real vectors plus gaussian noise, renormalised."""
    out = real[rng.integers(0, len(real), n)] + rng.normal(0, sigma, (n, real.shape[1])).astype(np.float32)
    out /= np.linalg.norm(out, axis=1, keepdims=True)
    return out


def exact_top10(npy: Path, queries: np.ndarray) -> np.ndarray:
    """Exact inner-product top-10 rows over the saved matrix, one chunk in memory at a time."""
    matrix = np.load(npy, mmap_mode="r")
    best_s = np.full((len(queries), 0), -np.inf, np.float32)
    best_i = np.zeros((len(queries), 0), np.int64)
    for begin in range(0, len(matrix), CHUNK):
        flat = faiss.IndexFlatIP(matrix.shape[1])
        flat.add(np.ascontiguousarray(matrix[begin : begin + CHUNK]))
        s, i = flat.search(queries, 10)
        best_s, best_i = np.hstack([best_s, s]), np.hstack([best_i, i + begin])
        order = np.argsort(-best_s, axis=1, kind="stable")[:, :10]
        best_s, best_i = np.take_along_axis(best_s, order, 1), np.take_along_axis(best_i, order, 1)
    return best_i


def child(folder: Path, nprobe: int) -> None:
    """Separate process: load the saved store, answer the saved queries, print JSON."""
    started = time.perf_counter()
    store = FaissVectorStore.load(folder, NAME, StorePlan(nprobe=nprobe))
    load_s = time.perf_counter() - started
    queries = np.load(folder / "queries.npy")
    warm = np.load(folder / "warmup.npy")
    for q in warm:
        store.search(q, 10)
    times, rows = [], []
    for q in queries:
        t = time.perf_counter()
        _, found = store.search(q, 10)
        times.append(1000 * (time.perf_counter() - t))
        rows.append(found)
    np.save(folder / f"found_{nprobe}.npy", np.array(rows))
    status = {line.split(":")[0]: int(line.split()[1]) / 1024
              for line in open("/proc/self/status") if line.startswith(("RssAnon", "RssFile"))}
    print(json.dumps({"rss_anon_mb": status.get("RssAnon"), "rss_file_mb": status.get("RssFile"), "nprobe": nprobe,
                      "load_s": load_s, "p50_ms": pct(times, .5), "p95_ms": pct(times, .95),
                      "mean_ms": float(np.mean(times)), "peak_rss_mb": own_peak_rss_mb(), "factory": store.factory}))


def main() -> None:
    """Build, save, compute exact truth, then measure each nprobe in its own process."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=1_000_000)
    parser.add_argument("--real", help="an index folder whose vectors the drawn ones imitate")
    parser.add_argument("--sigma", type=float, default=0.04)
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--nprobe", type=int, nargs="+", default=[16, 32, 64, 128])
    parser.add_argument("--folder", help="where to save the store (default: a temp folder, deleted)")
    parser.add_argument("--child", nargs=2, metavar=("FOLDER", "NPROBE"), help=argparse.SUPPRESS)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    if args.child:
        child(Path(args.child[0]), int(args.child[1]))
        return
    real, label = real_vectors(args.real)
    rng = np.random.default_rng(0)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(args.folder or tmp)
        folder.mkdir(parents=True, exist_ok=True)
        out = {"machine": machine(), "n": args.n, "real_vectors": len(real), "real_from": label, "sigma": args.sigma}
        started = time.perf_counter()
        store = FaissVectorStore(real.shape[1])
        for number, begin in enumerate(range(0, args.n, CHUNK)):
            store.add(f"chunk_{number:04d}", draw(real, min(CHUNK, args.n - begin), args.sigma, rng))
        out["draw_s"] = time.perf_counter() - started
        out["load_before_build"] = load()
        started = time.perf_counter()
        store.save(folder, NAME)  # trains, adds, measures its own recall sample, writes
        out.update(build_s=time.perf_counter() - started, factory=store.factory, plan=vars(StorePlan()),
                   store_recall_at_10=store.recall_at_10, store_mb=folder_mb(folder), build_peak_rss_mb=peak_rss_mb(),
                   load_after_build=load())
        del store
        queries = draw(real, args.queries, args.sigma, rng)
        np.save(folder / "queries.npy", queries)
        np.save(folder / "warmup.npy", draw(real, 20, args.sigma, rng))
        started = time.perf_counter()
        truth = exact_top10(folder / f"{NAME}.npy", queries)
        out["exact_s"] = time.perf_counter() - started
        runs = []
        for nprobe in args.nprobe:
            result = subprocess.run([sys.executable, __file__, "--child", str(folder), str(nprobe)],
                                    capture_output=True, text=True, timeout=900, check=True)
            run = json.loads(result.stdout.strip().splitlines()[-1])
            found = np.load(folder / f"found_{nprobe}.npy")
            run["recall_at_10"] = float(np.mean([len(set(f) & set(t)) / 10 for f, t in zip(found, truth)]))
            run["load"] = load()
            runs.append(run)
        out["runs"] = runs
    if args.json:
        print(json.dumps(out, indent=1))
        return
    print(out["machine"])
    print(f"{args.n} vectors drawn from {len(real)} real vectors ({label}) + N(0, {args.sigma}²) noise, "
          f"renormalised (drawing {out['draw_s']:.1f} s)")
    print(f"store build+save ({out['factory']}, default StorePlan {out['plan']}): {out['build_s']:.1f} s, "
          f"{out['store_mb']:.0f} MiB on disk (incl. queries), build process peak RSS {out['build_peak_rss_mb']:.0f} MiB, "
          f"recall@10 measured by the store itself {out['store_recall_at_10']} "
          f"(load {out['load_before_build']}->{out['load_after_build']})")
    print(f"exact top-10 for {args.queries} queries (IndexFlatIP in {CHUNK}-row chunks): {out['exact_s']:.1f} s")
    print("RSS = peak (VmHWM) of the query process; anon = its own memory at the end, file = pages of the")
    print("memory-mapped .npy (page cache, shared and reclaimable) mapped into it at the end")
    print(f"{'nprobe':>7}{'p50 ms':>9}{'p95 ms':>9}{'mean ms':>9}{'recall@10':>11}"
          f"{'RSS MiB':>9}{'anon':>7}{'file':>7}{'load s':>8}")
    for r in runs:
        print(f"{r['nprobe']:>7}{r['p50_ms']:>9.2f}{r['p95_ms']:>9.2f}{r['mean_ms']:>9.2f}{r['recall_at_10']:>11.3f}"
              f"{r['peak_rss_mb']:>9.0f}{r['rss_anon_mb']:>7.0f}{r['rss_file_mb']:>7.0f}{r['load_s']:>8.2f}")


if __name__ == "__main__":
    main()
