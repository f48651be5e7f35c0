"""The chat page: a Gradio app around one :class:`qa.engine.Engine` (presentation only).

    qa serve [--corpus DIR] [--index DIR] [--host 127.0.0.1] [--port 7860]

Also serves the ``ask`` API endpoint: a question in, ``Answer.to_dict()`` out. What each
event does is :class:`ui.handlers.ChatHandlers`; here are the layout and the wiring.
"""
import errno
import os
import signal
import socket
import sys
import threading
import time
from collections.abc import Callable
from contextlib import contextmanager
from pathlib import Path

from corpus.errors import QAError
from qa.conversation import example_questions
from qa.engine import Engine, QuestionAnswerer
from qa.feedback import FeedbackStore, feedback_path
from qa.jobs import IndexJobs
from qa.live import LiveEngine
from qa.phrases import warm_parser
from qa.settings import Settings
from ui.render import html_text, render_conversation

STATIC = Path(__file__).with_name("static")
MAX_EXAMPLES = 4


def pick_examples(engine: QuestionAnswerer, limit: int = MAX_EXAMPLES, tries: int = 10) -> list[str]:
    """Example questions from the corpus's titles and sections that the engine answers."""
    chosen = []
    for question in example_questions(engine.index.paragraphs, limit=tries):
        try:
            if not engine.ask(question).abstained:
                chosen.append(question)
        except QAError:
            continue
        if len(chosen) == limit:
            break
    return chosen


def _header(engine: QuestionAnswerer) -> str:
    counts = engine.index.manifest.counts
    return (f'<div class="cq-header"><h1>Ask the documents</h1><p>Answers come only from '
            f'{counts.get("documents", "?")} documents ({counts.get("paragraphs", "?")} paragraphs) in '
            f'<code>{html_text(engine.settings.corpus.name)}</code>, each sentence cited to its paragraph.</p></div>')


def build_app(engine: QuestionAnswerer, feedback: FeedbackStore | None = None, examples: list[str] | None = None,
              jobs: IndexJobs | None = None):
    """The chat page over ``engine`` as a ``gr.Blocks`` (not launched).

    With ``jobs`` the page can add and remove documents (uploads on); without, it only
    lists them. Pass ``css=ui.app.CSS`` and ``theme`` to ``launch()`` (Gradio 6 takes them there).

    >>> build_app(Engine.open(Settings.resolve())).launch(css=CSS)   # doctest: +SKIP
    """
    import gradio as gr

    from ui.handlers import ChatHandlers  # imports gradio, hence here
    from ui.library import LibraryHandlers, within_choices

    feedback = feedback or FeedbackStore(feedback_path(engine.settings))
    examples = pick_examples(engine) if examples is None else examples
    handlers = ChatHandlers(engine, feedback, examples)
    library = LibraryHandlers(engine, jobs)

    with gr.Blocks(title="citeqa — ask the documents") as demo:
        turns = gr.State([])
        gr.HTML(_header(engine), js_on_load=None)
        chat = gr.HTML(render_conversation([], examples), elem_id="cq-chat", js_on_load=JS, min_height=120)
        with gr.Row(equal_height=True):
            question = gr.Textbox(show_label=False, placeholder="Ask a question about the documents…",
                                  max_length=engine.settings.max_question_chars * 2, lines=1, max_lines=6,
                                  submit_btn="Ask", elem_id="cq-question", autofocus=True, scale=1)
        within = gr.Dropdown(choices=within_choices(engine), value=[], multiselect=True, label="Ask within",
                             info="Only these documents are searched (none chosen: all of them)",
                             elem_id="cq-within")
        with gr.Row():
            export = gr.DownloadButton("Export as Markdown", interactive=False, size="sm", elem_id="cq-export")
            new_chat = gr.Button("New chat", size="sm", elem_id="cq-new")
        with gr.Accordion("Documents", open=jobs is not None, elem_id="cq-documents"):
            documents = gr.HTML(library.documents(), elem_id="cq-doc-list", js_on_load=DOCUMENTS_JS)
            if jobs is not None:
                files = gr.File(label="Add documents (.txt .md .html .htm .pdf)", file_count="multiple",
                                file_types=list(UPLOAD_TYPES), type="filepath", elem_id="cq-upload")
            else:
                gr.HTML('<p class="cq-upload-off">Adding documents from the page is off '
                        "(start the server with <code>qa serve --allow-upload</code>).</p>")
            messages = gr.HTML("", elem_id="cq-upload-messages")
            status = gr.HTML("", elem_id="cq-upload-status")
        question.submit(handlers.respond, [question, turns, within], [chat, turns, question, export],
                        api_visibility="private", show_progress="minimal")
        chat.example(handlers.respond_example, [turns, within], [chat, turns, question, export],
                     api_visibility="private", show_progress="minimal")
        chat.vote(handlers.vote, [turns], [chat, turns], api_visibility="private", show_progress="hidden")
        new_chat.click(handlers.clear, None, [chat, turns, export], api_visibility="private")
        if jobs is not None:
            seen = gr.State(jobs.status.finished)
            files.upload(library.upload, [files], [messages, files, status], api_visibility="private")
            documents.remove(library.remove, None, [messages, status], api_visibility="private")
            # Progress is polled: a job outlives the event that queued it. Its own concurrency
            # group, so a tick never waits behind questions (nor they behind it).
            gr.Timer(POLL_SECONDS).tick(library.poll, [seen], [status, documents, within, seen],
                                        api_visibility="private", show_progress="hidden",
                                        concurrency_id="poll", concurrency_limit=None)
        gr.api(handlers.ask, api_name="ask")  # handlers.ask's docstring is the API's description
    return demo


JS = (STATIC / "chat.js").read_text(encoding="utf-8")
DOCUMENTS_JS = (STATIC / "documents.js").read_text(encoding="utf-8")
UPLOAD_TYPES = (".txt", ".md", ".html", ".htm", ".pdf")
POLL_SECONDS = 1.0
CSS = (STATIC / "chat.css").read_text(encoding="utf-8")


def page_theme(gr):
    """The page's theme: Gradio's Soft one with system fonts (an offline page loads no web fonts)."""
    system = ["ui-sans-serif", "system-ui", "-apple-system", "Segoe UI", "Roboto", "sans-serif"]
    mono = ["ui-monospace", "SFMono-Regular", "Menlo", "Consolas", "monospace"]
    return gr.themes.Soft(font=system, font_mono=mono)


def check_port(host: str, port: int) -> None:
    """Fail fast, before minutes of loading, when ``host:port`` cannot be listened on."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
        family, kind, proto, _, address = infos[0]
        with socket.socket(family, kind, proto) as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            probe.bind(address)
    except OSError as err:
        in_use = err.errno == errno.EADDRINUSE
        raise QAError(f"cannot listen on {host}:{port}: {err.strerror or err}",
                      hint="is another server running there? pick a free port with --port" if in_use
                      else "check --host") from err


def _import_gradio() -> None:
    import gradio  # noqa: F401  (warms the import while the engine loads)

    warm_parser()  # the phrase check's parser, so that no visitor waits for it to load


LOOPBACK = ("127.0.0.1", "localhost", "::1")
QUEUE_CONCURRENCY = 2
QUEUE_SIZE = 256
# Gradio keeps ~30 KB per session (a copy of the page's config) for the 10,000 most
# recent ones; API calls without a session hash are a new session each. Keep 1,000.
SESSION_CAPACITY = 1000
# Worker threads for Gradio's synchronous handlers (answers run two at a time anyway);
# fewer threads, fewer malloc arenas holding memory (Gradio's default is 40).
WORKER_THREADS = 8
# Gradio's per-event analytics, 10,000 events by default.
ANALYTICS_EVENTS = "1000"


def _auth_from_env() -> tuple[str, str] | None:
    """Login for the page from ``QA_AUTH=user:password`` (None: no login)."""
    value = os.environ.get("QA_AUTH", "")
    if not value:
        return None
    user, sep, password = value.partition(":")
    if not sep or not user or not password:
        raise QAError("QA_AUTH must look like user:password")
    return user, password


def check_uploads(allowed: bool, host: str, auth: tuple[str, str] | None) -> None:
    """Refuse uploads on a server others can reach without a login: anyone could fill its disk."""
    if allowed and host not in LOOPBACK and auth is None:
        raise QAError(f"uploads are refused on {host} without a login: anyone who reaches the page could add files",
                      hint="set QA_AUTH=user:password, or listen on 127.0.0.1, or drop --allow-upload")


def serve(settings: Settings, host: str = "127.0.0.1", port: int = 7860,
          warn: Callable[[str], None] = lambda m: print(m, file=sys.stderr)) -> int:
    """Build the index if it is missing, then serve the chat page until interrupted.

    Binds to ``host`` (127.0.0.1 unless told otherwise); returns the exit code.
    """
    os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("GRADIO_ANALYTICS_MAX_EVENTS", ANALYTICS_EVENTS)
    started = time.perf_counter()
    with _sigterm_as_interrupt():
        return _serve(settings, host, port, warn, started)


def _serve(settings: Settings, host: str, port: int, warn: Callable[[str], None], started: float) -> int:
    check_port(host, port)
    loader = threading.Thread(target=_import_gradio, daemon=True)
    loader.start()
    auth = _auth_from_env()
    check_uploads(settings.allow_upload, host, auth)
    if host not in LOOPBACK:
        warn(f"listening on {host}: the page is reachable from other machines"
             + ("" if auth else " without a login (set QA_AUTH=user:password to require one)"))
    engine = LiveEngine(Engine.open(settings, progress=True, warn=warn))
    engine.ask("warm-up question")  # the first question pays one-off costs; pay them now
    loader.join()
    import gradio as gr

    jobs = IndexJobs(engine) if settings.allow_upload else None
    demo = build_app(engine, FeedbackStore(feedback_path(settings)), jobs=jobs)
    # Answers are CPU-bound on a small machine: two at a time, a bounded waiting line.
    demo.queue(default_concurrency_limit=QUEUE_CONCURRENCY, max_size=QUEUE_SIZE)
    try:
        try:
            demo.launch(server_name=host, server_port=port, prevent_thread_lock=True, quiet=True, show_error=False,
                        ssr_mode=False, mcp_server=False, state_session_capacity=SESSION_CAPACITY,
                        max_threads=WORKER_THREADS, css=CSS, theme=page_theme(gr), auth=auth,
                        max_file_size=f"{settings.max_upload_mb:g}mb")
        except OSError as err:
            raise QAError(f"cannot listen on {host}:{port}: {err}", hint="pick a free port with --port") from err
        url = f"http://{'[' + host + ']' if ':' in host else host}:{demo.server_port}/"
        uploads = f"; uploads on, into {settings.corpus / 'uploads'}" if jobs else ""
        print(f"citeqa: serving {settings.corpus} (index {settings.index}{uploads}) at {url}  "
              f"— ready in {time.perf_counter() - started:.1f} s; Ctrl+C to stop", flush=True)
        demo.block_thread()
    except KeyboardInterrupt:  # Ctrl+C or SIGTERM once the page is up: a clean stop
        pass
    finally:
        demo.close()
    return 0


@contextmanager
def _sigterm_as_interrupt():
    """While inside, SIGTERM (``kill``, systemd, a test's ``terminate()``) stops like Ctrl+C.

    Python's default for SIGTERM ends the process at once, skipping ``finally`` blocks and
    exit handlers: the page's temporary export folder was left behind at every stop. The
    previous handler is put back on the way out.
    """
    def interrupt(signum, frame):
        raise KeyboardInterrupt

    if threading.current_thread() is not threading.main_thread():  # only the main thread may set handlers
        yield
        return
    previous = signal.signal(signal.SIGTERM, interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)
