"""The chat page's event handlers: what a question, an example, a thumb, "New chat" and
the ``ask`` API endpoint do. :func:`ui.app.build_app` lays out the page and wires them.

Unlike ``ui.app``, this module imports gradio at the top, and has no
``from __future__ import annotations``: Gradio finds a handler's ``gr.Request`` and
``gr.EventData`` parameters by their type hints at run time, so the hints must be the
classes themselves. ``build_app`` imports this module, which keeps ``import ui.app`` (and
so ``qa serve``'s port check) free of gradio's import of several seconds.
"""
import sys
import tempfile
import threading
import traceback
from collections.abc import Callable, Sequence
from dataclasses import replace
from pathlib import Path

import gradio as gr

from corpus.errors import QAError
from qa.conversation import standalone_question
from qa.engine import QuestionAnswerer
from qa.feedback import FeedbackStore
from ui.render import Turn, conversation_markdown, render_conversation

CONTEXT_RADIUS = 2
STREAM_INTERVAL = 0.25  # seconds between updates of a streaming answer


def _context(engine: QuestionAnswerer, answer) -> dict:
    """Each cited (or closest) paragraph with its neighbours, looked up by index id."""
    hits = [c.hit for c in answer.citations] or list(answer.passages)
    return {h.paragraph.id: tuple(engine.context(h.paragraph.id, CONTEXT_RADIUS)) for h in hits}


def shown_question(engine: QuestionAnswerer, asked: str) -> str:
    """``asked`` as the chat shows it (a very long paste is cut)."""
    limit = engine.settings.max_question_chars
    return asked if len(asked) <= limit + 200 else asked[: limit + 200] + "…"


def answer_turn(engine: QuestionAnswerer, asked: str, turns: list[Turn], within: Sequence[str] = (),
                on_text: Callable[[str], None] | None = None) -> Turn:
    """Ask ``asked`` in the light of the earlier ``turns`` (within documents ``within``, if any);
    a failure becomes an error turn. ``on_text`` gets a language model's text as it streams."""
    limit = engine.settings.max_question_chars
    shown = shown_question(engine, asked)
    history = [t.standalone for t in turns if t.answer is not None]
    standalone = standalone_question(asked, history) if len(asked) <= limit else asked
    try:
        answer = engine.ask(standalone, docs=list(within) or None, on_text=on_text)
        return Turn(shown, answer.question, answer=answer, context=_context(engine, answer))
    except QAError as err:
        return Turn(shown, "", error=str(err))
    except Exception:  # a bug, not bad input: log it for the operator, say so in the chat
        traceback.print_exc(file=sys.stderr)
        return Turn(shown, "", error="Something went wrong while answering; the server log has the details.")


class ChatHandlers:
    """The page's event handlers over one engine, one method per event.

    Each chat handler takes the conversation so far (``turns``, the page's ``gr.State``)
    and returns its event's outputs in the order ``build_app`` lists them. The custom
    events of ``ui/static/chat.js`` (``trigger('example', …)``, ``trigger('vote', …)``)
    carry a payload object; Gradio hands its keys to the handler as attributes of the
    ``gr.EventData`` argument (guide "Custom Components with gr.HTML", section
    "Triggering Events and Custom Input Components").
    """

    def __init__(self, engine: QuestionAnswerer, feedback: FeedbackStore, examples: list[str]):
        self.engine = engine
        self.feedback = feedback
        self.examples = examples
        # Exported conversations, one subfolder per browser session; the folder is removed
        # when the handlers go or the process exits (`qa serve` turns SIGTERM into an exit).
        self._exports = tempfile.TemporaryDirectory(prefix="citeqa-export-", ignore_cleanup_errors=True)
        self.exports = Path(self._exports.name)

    def export_file(self, turns: list[Turn], session: str) -> str:
        """Write ``turns`` as Markdown into ``session``'s own export folder; return the file's path."""
        folder = self.exports / "".join(ch for ch in session if ch.isalnum())[:40]
        folder.mkdir(exist_ok=True)
        path = folder / "citeqa-conversation.md"
        path.write_text(conversation_markdown(turns), encoding="utf-8")
        return str(path)

    def respond(self, asked: str, turns: list[Turn], within: list[str] | None, request: gr.Request):
        """A question submitted: answer it in the light of ``turns``, within the chosen documents.

        Outputs: chat, turns, question box (emptied), export button (the updated file).
        A blank question changes nothing.
        """
        if not (asked or "").strip():
            yield gr.skip(), turns, gr.skip(), gr.skip()
            return
        # Answered on a worker thread: with a language model, its text is shown as it
        # streams in (marked as not yet checked), then replaced by the verified answer.
        streamed: list[str] = []
        done: list[Turn] = []
        worker = threading.Thread(target=lambda: done.append(
            answer_turn(self.engine, asked, turns, within or (), on_text=streamed.append)), daemon=True)
        worker.start()
        shown = ""
        while worker.is_alive():
            worker.join(STREAM_INTERVAL)
            if streamed and streamed[-1] != shown and worker.is_alive():
                shown = streamed[-1]
                writing = Turn(shown_question(self.engine, asked), "", streaming=shown)
                yield render_conversation([*turns, writing], self.examples), turns, "", gr.skip()
        turns = [*turns, done[0]]
        download = gr.DownloadButton(value=self.export_file(turns, request.session_hash or "local"), interactive=True)
        yield render_conversation(turns, self.examples), turns, "", download

    def respond_example(self, turns: list[Turn], within: list[str] | None, request: gr.Request, evt: gr.EventData):
        """An example question clicked (``trigger('example', {question})``): ask it as if typed.

        Outputs: as :meth:`respond`.
        """
        yield from self.respond(str(getattr(evt, "question", "")), turns, within, request)

    def vote(self, turns: list[Turn], evt: gr.EventData):
        """A thumb clicked (``trigger('vote', {turn, vote})``): store the feedback and mark the turn.

        Outputs: chat, turns. A payload that names no answered turn changes nothing; a
        vote the store refuses is a warning toast.
        """
        turn, choice = getattr(evt, "turn", -1), getattr(evt, "vote", "")
        try:
            index, choice = int(turn), str(choice)
        except (TypeError, ValueError):
            return gr.skip(), turns
        answer = turns[index].answer if 0 <= index < len(turns) else None
        if answer is None:
            return gr.skip(), turns
        try:
            self.feedback.record(choice, answer, asked=turns[index].asked)
        except QAError as err:
            gr.Warning(str(err))
            return gr.skip(), turns
        turns = [*turns[:index], replace(turns[index], vote=choice), *turns[index + 1:]]
        gr.Info("Thanks — feedback saved.")
        return render_conversation(turns, self.examples), turns

    def clear(self):
        """The "New chat" button: outputs an empty chat (with the examples), no turns, a disabled export button."""
        return render_conversation([], self.examples), [], gr.DownloadButton(value=None, interactive=False)

    def ask(self, question: str, documents: list[str] | None = None) -> dict:
        """Answer ``question`` from the documents: the JSON object of ``qa ask --json``.

        ``documents`` (optional: ids, file names or titles) restricts the search to them,
        like ``qa ask --doc``; the answer's ``within`` lists them.
        """
        try:
            return self.engine.ask(question, docs=documents or None).to_dict()
        except QAError as err:
            raise gr.Error(str(err)) from err
