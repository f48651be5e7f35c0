"""One million paragraph vectors in the project's vector stores: FAISS IVF and Milvus Lite.

Vectors are drawn to look like real ones: each is a real paragraph or sentence vector
of an existing index (``--real``, e.g. the one bench/python_docs.py builds; by default
the bundled corpus is indexed in a temp folder) plus isotropic gaussian noise
(``--sigma`` per dimension), renormalised. With sigma 0.04 a drawn vector has cosine
~0.78 with the real vector it came from. Queries are 200 fresh draws of the same kind
(not stored vectors). The drawn vectors are written once to ``drawn.npy``; every store
gets the same rows in the same order, and the same queries.

Each ``--store`` is built in a separate process from ``drawn.npy`` (timed: adding the
vectors and ``save``; for FAISS that is IVF training, adding, its own recall sample and
writing; for Milvus (``MilvusVectorStore`` in a Milvus Lite database, ``--milvus-uri``
for another one) inserting, flushing, building the index the store picks by size
(IVF_FLAT above 100k) and loading the collection). Exact top-10 is computed with
``faiss.IndexFlatIP`` over ``drawn.npy`` in chunks. Then for each store and each
``--nprobe`` value a separate process loads the saved store and answers the 200 queries;
it reports p50/p95, its own peak RSS and that of any child process (Milvus Lite 3.x
serves pymilvus from threads inside the process, so its server is in the process's own
RSS), and the parent computes recall@10 against the exact top-10::

    python bench/million_vectors.py [--n 1000000] [--real INDEX_DIR] [--store faiss milvus]
                                    [--nprobe 16 32 64 128]
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
from common import folder_mb, load, machine, own_peak_rss_mb, pct  # noqa: E402

from index.vectors import FaissVectorStore, StorePlan, VectorStore  # noqa: E402

NAME = "vectors"
CHUNK = 100_000
STORES = ("faiss", "milvus")


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


def memory() -> dict:
    """This process's peak RSS (VmHWM), its anonymous / file-backed RSS now, and its children's peak RSS.

    Children are found through /proc/<pid>/stat's parent field (a Milvus Lite that ran
    its server as a subprocess would show here; 3.x runs it in threads, so it is 0).
    """
    status = {line.split(":")[0]: int(line.split()[1]) / 1024
              for line in open("/proc/self/status") if line.startswith(("RssAnon", "RssFile"))}
    children = 0.0
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            stat = Path(f"/proc/{pid}/stat").read_text()
            if int(stat.rsplit(")", 1)[1].split()[1]) == os.getpid():
                hwm = [line for line in open(f"/proc/{pid}/status") if line.startswith("VmHWM:")]
                children += int(hwm[0].split()[1]) / 1024 if hwm else 0
        except (OSError, ValueError, IndexError):
            continue
    return {"peak_rss_mb": own_peak_rss_mb(), "rss_anon_mb": status.get("RssAnon"),
            "rss_file_mb": status.get("RssFile"), "children_peak_rss_mb": children}


def open_store(kind: str, folder: Path, nprobe: int, uri: str | None):
    """A saved store of ``kind`` in ``folder`` and a function that closes it."""
    plan = StorePlan(nprobe=nprobe)
    if kind == "faiss":
        return FaissVectorStore.load(folder, NAME, plan), lambda: None
    from index.milvus_store import MilvusDatabase, MilvusVectorStore

    database = MilvusDatabase(uri or str(folder / "milvus.db"), os.environ.get("QA_MILVUS_TOKEN", ""))
    return MilvusVectorStore.load(folder, NAME, database, plan), database.close


def add_and_save(store: VectorStore, drawn: np.ndarray, folder: Path) -> None:
    """Add ``drawn`` in 100k-row documents (copied into memory, as an encoder hands vectors over), then save."""
    for number, begin in enumerate(range(0, len(drawn), CHUNK)):
        store.add(f"chunk_{number:04d}", np.array(drawn[begin : begin + CHUNK]))
    store.save(folder, NAME)


def build_child(kind: str, root: Path, uri: str | None) -> None:
    """Separate process: build ``kind``'s store from drawn.npy into root/kind, print JSON."""
    folder = root / kind
    folder.mkdir(exist_ok=True)
    drawn = np.load(root / "drawn.npy", mmap_mode="r")
    started = time.perf_counter()
    if kind == "faiss":
        store = FaissVectorStore(drawn.shape[1])
        add_and_save(store, drawn, folder)
        out = {"build_s": time.perf_counter() - started, **memory(), "index": store.factory,
               "store_recall_at_10": store.recall_at_10}
    else:
        from index.milvus_store import MilvusDatabase, MilvusVectorStore, new_collection_name

        database = MilvusDatabase(uri or str(folder / "milvus.db"), os.environ.get("QA_MILVUS_TOKEN", ""))
        milvus = MilvusVectorStore(drawn.shape[1], database, new_collection_name(NAME))
        add_and_save(milvus, drawn, folder)
        out = {"build_s": time.perf_counter() - started, **memory(), "index": milvus.index.describe()}
        database.close()
    out["store_mb"] = folder_mb(folder)
    print(json.dumps(out))


def query_child(kind: str, root: Path, nprobe: int, uri: str | None) -> None:
    """Separate process: load the saved store, answer the saved queries, print JSON."""
    started = time.perf_counter()
    store, close = open_store(kind, root / kind, nprobe, uri)
    load_s = time.perf_counter() - started
    queries = np.load(root / "queries.npy")
    for q in np.load(root / "warmup.npy"):
        store.search(q, 10)
    times, rows = [], []
    for q in queries:
        t = time.perf_counter()
        _, found = store.search(q, 10)
        times.append(1000 * (time.perf_counter() - t))
        rows.append(found)
    np.save(root / f"found_{kind}_{nprobe}.npy", np.array(rows))
    out = {"store": kind, "nprobe": nprobe, "load_s": load_s, "p50_ms": pct(times, .5), "p95_ms": pct(times, .95),
           "mean_ms": float(np.mean(times)), **memory()}
    close()
    print(json.dumps(out))


def run_child(*args: str) -> dict:
    """Run this script with ``args`` in a new process and return its JSON line."""
    result = subprocess.run([sys.executable, __file__, *args], capture_output=True, text=True, timeout=4 * 3600)
    if result.returncode:
        raise SystemExit(f"child {args} failed:\n{result.stderr[-3000:]}")
    return json.loads(result.stdout.strip().splitlines()[-1])


def main() -> None:
    """Draw and save the vectors, compute exact truth, then build and query each store in its own processes."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=1_000_000)
    parser.add_argument("--real", help="an index folder whose vectors the drawn ones imitate")
    parser.add_argument("--sigma", type=float, default=0.04)
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--store", nargs="+", choices=STORES, default=["faiss"])
    parser.add_argument("--milvus-uri", help="a Milvus server (default: a Milvus Lite database in the folder)")
    parser.add_argument("--nprobe", type=int, nargs="+", default=[16, 32, 64, 128])
    parser.add_argument("--folder", help="where to save the stores (default: a temp folder, deleted)")
    parser.add_argument("--build-child", nargs=2, metavar=("STORE", "FOLDER"), help=argparse.SUPPRESS)
    parser.add_argument("--query-child", nargs=3, metavar=("STORE", "FOLDER", "NPROBE"), help=argparse.SUPPRESS)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    if args.build_child:
        build_child(args.build_child[0], Path(args.build_child[1]), args.milvus_uri)
        return
    if args.query_child:
        query_child(args.query_child[0], Path(args.query_child[1]), int(args.query_child[2]), args.milvus_uri)
        return
    uri = ["--milvus-uri", args.milvus_uri] if args.milvus_uri else []
    real, label = real_vectors(args.real)
    rng = np.random.default_rng(0)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(args.folder or tmp)
        folder.mkdir(parents=True, exist_ok=True)
        out: dict = {"machine": machine(), "n": args.n, "real_vectors": len(real), "real_from": label,
                     "sigma": args.sigma, "plan": vars(StorePlan())}
        started = time.perf_counter()
        drawn = np.lib.format.open_memmap(folder / "drawn.npy", "w+", np.float32, (args.n, real.shape[1]))
        for begin in range(0, args.n, CHUNK):  # the same draws, in the same order, as before the stores were separated
            drawn[begin : begin + CHUNK] = draw(real, min(CHUNK, args.n - begin), args.sigma, rng)
        drawn.flush()
        del drawn
        out["draw_s"] = time.perf_counter() - started
        queries = draw(real, args.queries, args.sigma, rng)
        np.save(folder / "queries.npy", queries)
        np.save(folder / "warmup.npy", draw(real, 20, args.sigma, rng))
        started = time.perf_counter()
        truth = exact_top10(folder / "drawn.npy", queries)
        out["exact_s"] = time.perf_counter() - started
        out["builds"], out["runs"] = {}, []
        for kind in args.store:
            before = load()
            out["builds"][kind] = {**run_child("--build-child", kind, str(folder), *uri), "load": f"{before}->{load()}"}
            for nprobe in args.nprobe:
                before = load()
                run = run_child("--query-child", kind, str(folder), str(nprobe), *uri)
                found = np.load(folder / f"found_{kind}_{nprobe}.npy")
                run["recall_at_10"] = float(np.mean([len(set(f) & set(t)) / 10 for f, t in zip(found, truth)]))
                run["load"] = f"{before}->{load()}"
                out["runs"].append(run)
    if args.json:
        print(json.dumps(out, indent=1))
        return
    report(out, args)


def report(out: dict, args: argparse.Namespace) -> None:
    """The figures as text."""
    print(out["machine"])
    print(f"{args.n} vectors drawn from {out['real_vectors']} real vectors ({out['real_from']}) + N(0, {args.sigma}²) "
          f"noise, renormalised (drawing {out['draw_s']:.1f} s); exact top-10 for {args.queries} queries "
          f"(IndexFlatIP in {CHUNK}-row chunks): {out['exact_s']:.1f} s; default StorePlan {out['plan']}")
    for kind, b in out["builds"].items():
        extra = f", recall@10 measured by the store itself {b['store_recall_at_10']}" if kind == "faiss" else ""
        print(f"{kind} build ({b['index']}): {b['build_s']:.1f} s, {b['store_mb']:.0f} MiB on disk, build process "
              f"peak RSS {b['peak_rss_mb']:.0f} MiB (children {b['children_peak_rss_mb']:.0f}){extra} (load {b['load']})")
    print("RSS = peak (VmHWM) of the query process, + its child processes' peak (none for Milvus Lite 3.x);")
    print("anon = its own memory at the end, file = file pages mapped into it at the end")
    print(f"{'store':>7}{'nprobe':>7}{'p50 ms':>9}{'p95 ms':>9}{'mean ms':>9}{'recall@10':>11}"
          f"{'RSS MiB':>9}{'child':>7}{'anon':>7}{'file':>7}{'load s':>8}  load avg")
    for r in out["runs"]:
        print(f"{r['store']:>7}{r['nprobe']:>7}{r['p50_ms']:>9.2f}{r['p95_ms']:>9.2f}{r['mean_ms']:>9.2f}"
              f"{r['recall_at_10']:>11.3f}{r['peak_rss_mb']:>9.0f}{r['children_peak_rss_mb']:>7.0f}"
              f"{r['rss_anon_mb']:>7.0f}{r['rss_file_mb']:>7.0f}{r['load_s']:>8.2f}  {r['load']}")


if __name__ == "__main__":
    main()
