"""The page's document events: upload, remove, and the poll that shows indexing progress.

Like ``ui.handlers`` this module imports gradio at the top and has no
``from __future__ import annotations`` (Gradio reads ``gr.EventData`` from the hints).
"""
from pathlib import Path

import gradio as gr

from corpus.errors import QAError
from qa.documents import list_documents
from qa.engine import QuestionAnswerer
from qa.jobs import IndexJobs, Job, delete_files, move_back
from qa.uploads import Upload, UploadError, hide_document, save_uploads
from ui.library_render import documents_html, messages_html, status_html


def within_choices(engine: QuestionAnswerer) -> list[tuple[str, str]]:
    """(label, document id) pairs for the "Ask within" choice: title and file name."""
    return [(f"{d.title} ({Path(d.doc).name})" if d.title != d.doc else d.doc, d.doc)
            for d in list_documents(engine.index)]


class LibraryHandlers:
    """Upload, remove and poll over one engine; ``jobs`` is None when uploads are off."""

    def __init__(self, engine: QuestionAnswerer, jobs: IndexJobs | None):
        self.engine = engine
        self.jobs = jobs

    def documents(self) -> str:
        """The documents panel for the index answering now."""
        return documents_html(list_documents(self.engine.index), removable=self.jobs is not None)

    def upload(self, files: list[str] | None):
        """Files dropped or picked: save the good ones, queue their indexing, say what happened.

        Outputs: messages, the file input (cleared), the status.
        """
        if not files:
            return gr.skip(), gr.skip(), gr.skip()
        if self.jobs is None:
            return messages_html(["Uploads are off on this server (start it with qa serve --allow-upload)."]), None, \
                gr.skip()
        uploads = [Upload(Path(f), Path(f).name) for f in files]
        try:
            result = save_uploads(uploads, self.engine.settings)
        except UploadError as err:
            return messages_html([str(err)]), None, gr.skip()
        notes = list(result.notes)
        if result.saved:
            try:
                notes.append(self.jobs.submit(Job(", ".join(Path(d).name for d in result.saved),
                                                  undo=delete_files(result.paths))))
            except QAError as err:
                delete_files(result.paths)()  # refused, so nothing may stay behind
                return messages_html([*result.errors, str(err)], result.notes), None, gr.skip()
        return messages_html(result.errors, notes), None, status_html(self.jobs.status)

    def remove(self, evt: gr.EventData):
        """A confirmed Remove in the documents panel (``trigger('remove', {doc})``): take the file out, re-index.

        Outputs: messages, the status.
        """
        doc = str(getattr(evt, "doc", ""))
        if self.jobs is None:
            return messages_html(["Removing documents is off on this server (start it with --allow-upload)."]), \
                gr.skip()
        known = [d.doc for d in list_documents(self.engine.index)]
        if doc not in known:
            return messages_html([f"{doc} is not an indexed document; nothing was removed"]), gr.skip()
        if len(known) == 1:
            return messages_html(["the last document cannot be removed: the index needs at least one"]), gr.skip()
        try:
            path, hidden = hide_document(self.engine.settings, doc)
            message = self.jobs.submit(Job(f"removing {doc}", undo=move_back(hidden, path),
                                           commit=lambda: hidden.unlink(missing_ok=True)))
        except QAError as err:
            return messages_html([str(err)]), gr.skip()
        return messages_html([], [message]), status_html(self.jobs.status)

    def poll(self, seen: int):
        """Timer tick: the status, and (when a job finished since ``seen``) the documents and choices.

        Outputs: status, documents panel, "ask within" choice, seen.
        """
        status = self.jobs.status if self.jobs is not None else None
        if status is None:
            return gr.skip(), gr.skip(), gr.skip(), seen
        if status.finished == seen:
            return status_html(status), gr.skip(), gr.skip(), seen
        return status_html(status), self.documents(), gr.Dropdown(choices=within_choices(self.engine)), status.finished
