"""A real large corpus: Debian's python3.11-doc HTML pages, indexed with ``update_index``.

The corpus is the HTML pages under /usr/share/doc/python3.11/html (installed with
``apt-get install -y python3.11-doc`` when missing), linked into a temp folder without
``_sources/`` (the reST sources as .txt, which would index everything twice),
``_static/``, ``_images/``, ``_downloads/`` and the generated genindex/search/modindex
pages. A full build does not fit in a short run on 2 cores, so by default a documented
subset is indexed and the full build time is extrapolated (labelled as such); ``--full``
indexes everything.

Prints: files, paragraphs, sentences, build time (load/clean, encode, NER, rest), index
size on disk, peak RSS, query latency p50/p95 over the ten questions, and the ten
answers with their citations (title, section, doc, cited sentences)::

    python bench/python_docs.py [--full] [--index DIR] [--rounds 3] [--extrapolate]
"""
from __future__ import annotations

import argparse
import fnmatch
import json
import os
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))
os.environ.setdefault("HF_HUB_OFFLINE", "1")

from common import Timed, folder_mb, load, machine, pct, peak_rss_mb  # noqa: E402

from corpus.loader import load_corpus  # noqa: E402
from corpus.sentences import split_sentences  # noqa: E402
from index.annotate import default_annotator  # noqa: E402
from index.torch_encoder import load_encoder  # noqa: E402
from qa.engine import Engine  # noqa: E402
from qa.indexing import update_index  # noqa: E402
from qa.settings import Settings  # noqa: E402

DOCS = Path("/usr/share/doc/python3.11/html")
SUBSET = ["tutorial/*", "faq/*", "howto/*", "reference/*", "*.html", "library/stdtypes.html",
          "library/functions.html", "library/io.html", "library/threading.html", "library/venv.html"]
QUESTIONS = [
    "How do I remove a key from a dict?",
    "What does the walrus operator do?",
    "How do I read a file line by line?",
    "What is the GIL?",
    "How do I sort a list of dictionaries by a key?",
    "What is a list comprehension?",
    "How do I create a virtual environment?",
    "What is the difference between a list and a tuple?",
    "How do I catch an exception?",
    "What does the with statement do?",
]


def ensure_docs() -> None:
    """Install Debian's python3.11-doc when its HTML folder is missing (needs root)."""
    if not DOCS.is_dir():
        subprocess.run(["apt-get", "install", "-y", "python3.11-doc"], check=True, timeout=900)


def link_corpus(target: Path, patterns: list[str] | None) -> int:
    """Symlink the HTML pages (all, or those matching ``patterns``) under ``target``."""
    count = 0
    for page in sorted(DOCS.rglob("*.html")):
        rel = page.relative_to(DOCS)
        if rel.parts[0].startswith("_") or rel.name.startswith(("genindex", "search", "py-modindex")):
            continue
        if patterns and not any(fnmatch.fnmatch(rel.as_posix(), p) and
                                (p.count("/") == rel.as_posix().count("/")) for p in patterns):
            continue
        (target / rel).parent.mkdir(parents=True, exist_ok=True)
        (target / rel).symlink_to(page)
        count += 1
    return count


def show(answer) -> str:
    """An answer with its citations: title, section, doc#paragraph, the cited sentences."""
    lines = [f"Q: {answer.question}", "A: " + textwrap.shorten(answer.text, 600)]
    if answer.abstained:
        lines.append(f"   (abstained: {answer.reason})")
        for hit in answer.passages[:2]:
            p = hit.paragraph
            lines.append(f"   closest: {p.title} — {p.section} — {p.id} (score {hit.score:.3f}): "
                         + textwrap.shorten(p.text, 200))
    for c in answer.citations:
        p = c.hit.paragraph
        lines.append(f"   [{c.n}] {p.title} — {p.section or '(no section)'} — {p.id} (score {c.hit.score:.3f})")
        for a, b in c.spans:
            lines.append("       » " + textwrap.shorten(p.text[a:b], 300))
    return "\n".join(lines)


def full_counts() -> dict:
    """Load/clean time and paragraph/sentence counts of the whole documentation."""
    with tempfile.TemporaryDirectory() as tmp:
        files = link_corpus(Path(tmp), None)
        started = time.perf_counter()
        documents = load_corpus(Path(tmp), warn=lambda m: None)
        load_s = time.perf_counter() - started
    paragraphs = [p for d in documents for p in d.paragraphs]
    sentences = sum(len(split_sentences(p.text)) for p in paragraphs)
    return {"files": files, "documents": len(documents), "paragraphs": len(paragraphs),
            "sentences": sentences, "load_s": load_s}


def print_build(out: dict, args) -> None:
    """The build figures, printed as soon as the build is done (a long run may be cut short)."""
    print(out["machine"])
    print(f"corpus: {'all pages' if args.full else 'subset ' + ' '.join(SUBSET)} of {DOCS}")
    print(f"{out['files']} files -> {out['documents']} documents, {out['paragraphs']} paragraphs, {out['sentences']} sentences "
          f"({out['skipped']} warnings)")
    print(f"build {out['build_s']:.1f} s = encode {out['encode_s']:.1f} s (NER {out['ner_s']:.1f} s on its own thread "
          f"meanwhile) + load/clean/BM25/FAISS/write {out['other_s']:.1f} s; "
          f"{out['paragraphs'] / out['build_s']:.1f} paragraphs/s, "
          f"{(out['paragraphs'] + out['sentences']) / out['build_s']:.1f} texts/s; FAISS {out['faiss_type']} "
          f"(load {out['load_before_build']}->{out['load_after_build']})")
    print(f"index on disk {out['index_mb']:.1f} MiB; peak RSS {out['peak_rss_build_mb']:.0f} MiB after build")
    if not out["built"]:
        print("(index reused, not rebuilt: the build figures above are the skip check, not a build)")
    sys.stdout.flush()


def main() -> None:
    """Build, measure, ask the ten questions, print everything (and JSON with --json)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--full", action="store_true", help="index every page, not the subset")
    parser.add_argument("--index", help="index folder (default: a temp folder, deleted)")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--extrapolate", action="store_true", help="also load the full docs to extrapolate its build time")
    parser.add_argument("--reuse", action="store_true",
                        help="keep a current index at --index (no rebuild: build figures are not measured)")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    ensure_docs()
    out = {"machine": machine(), "subset": None if args.full else SUBSET}
    with tempfile.TemporaryDirectory() as tmp:
        corpus = Path(tmp) / "corpus"
        out["files"] = link_corpus(corpus, None if args.full else SUBSET)
        settings = Settings.resolve(env={}, corpus=str(corpus), index=args.index or str(Path(tmp) / "index"))
        encoder = Timed(load_encoder(), "encode", "encode_with_spans")
        annotator = Timed(default_annotator(), "annotate")
        out["load_before_build"] = load()
        report = update_index(settings, encoder, annotator=annotator, force=not args.reuse)
        out["built"] = report.built
        counts = report.manifest.counts
        out.update(documents=counts["documents"], paragraphs=counts["paragraphs"], sentences=counts["sentences"],
                   build_s=report.seconds, encode_s=encoder.seconds, ner_s=annotator.seconds,
                   other_s=report.seconds - max(encoder.seconds, annotator.seconds),
                   faiss_type=report.manifest.faiss_type, index_mb=folder_mb(settings.index),
                   load_after_build=load(), skipped=len(report.warnings))
        out["peak_rss_build_mb"] = peak_rss_mb()
        if not args.json:
            print_build(out, args)
        engine = Engine.open(settings, encoder=encoder.inner, build_if_missing=False)
        for q in QUESTIONS[:3]:
            engine.ask(q)
        totals, answers = [], {}
        for _ in range(args.rounds):
            for q in QUESTIONS:
                answer = engine.ask(q)
                totals.append(answer.timings["total"])
                answers[q] = answer
        out.update(latency_ms_p50=pct(totals, .5), latency_ms_p95=pct(totals, .95), asks=len(totals),
                   peak_rss_mb=peak_rss_mb(), load_after_queries=load())
        out["answers"] = [a.to_dict() for a in answers.values()]
    if args.extrapolate and not args.full:
        full = full_counts()
        texts = out["paragraphs"] + out["sentences"]
        per_text = (out["build_s"] - out["other_s"]) / texts  # encode and NER overlap
        other_per_paragraph = out["other_s"] / out["paragraphs"]  # load/clean/BM25/FAISS/write
        out["full"] = {**full,
                       "estimated_build_s": per_text * (full["paragraphs"] + full["sentences"])
                       + other_per_paragraph * full["paragraphs"],
                       "estimated_index_mb": out["index_mb"] * full["paragraphs"] / out["paragraphs"]}
    if args.json:
        print(json.dumps(out, indent=1))
        return
    print(f"query latency over {out['asks']} asks ({len(QUESTIONS)} questions x {args.rounds}): "
          f"p50 {out['latency_ms_p50']:.1f} ms, p95 {out['latency_ms_p95']:.1f} ms (load {out['load_after_queries']}); "
          f"peak RSS {out['peak_rss_mb']:.0f} MiB")
    if "full" in out:
        f = out["full"]
        print(f"EXTRAPOLATED full docs: {f['files']} files, {f['paragraphs']} paragraphs, {f['sentences']} sentences "
              f"(load+clean alone {f['load_s']:.0f} s): estimated build {f['estimated_build_s'] / 60:.0f} min, "
              f"index ~{f['estimated_index_mb']:.0f} MiB")
    print()
    for answer in answers.values():
        print(show(answer))
        print()


if __name__ == "__main__":
    main()
