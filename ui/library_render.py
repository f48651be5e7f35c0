"""The documents panel and the indexing status as HTML (pure, no gradio; everything escaped)."""
from __future__ import annotations

from collections.abc import Sequence

from qa.documents import DocumentInfo
from qa.jobs import JobStatus
from ui.render import html_text


def _when(iso: str) -> str:
    """``2025-01-31T09:15:00+00:00`` -> ``2025-01-31 09:15 UTC`` (the index stores UTC)."""
    return f"{iso[:10]} {iso[11:16]} UTC" if len(iso) >= 16 else iso


def documents_html(documents: Sequence[DocumentInfo], removable: bool) -> str:
    """The indexed documents as a table with a count; a Remove button per row when ``removable``."""
    rows = []
    for d in documents:
        remove = (f'<td><button type="button" class="cq-remove" data-doc="{html_text(d.doc)}" '
                  f'title="Delete this file and re-index">Remove</button></td>') if removable else ""
        rows.append(f'<tr data-doc="{html_text(d.doc)}"><td class="cq-doc-title">{html_text(d.title)}</td>'
                    f'<td><code>{html_text(d.doc)}</code></td><td class="cq-num">{d.paragraphs}</td>'
                    f'<td class="cq-num">{"" if d.pages is None else d.pages}</td>'
                    f'<td>{html_text(_when(d.indexed_at))}</td>{remove}</tr>')
    head = "".join(f"<th>{h}</th>" for h in ("Title", "File", "Paragraphs", "Pages", "Indexed")) + \
        ("<th></th>" if removable else "")
    count = f'{len(documents)} document{"" if len(documents) == 1 else "s"}'
    return (f'<div class="cq-docs"><p class="cq-doc-count">{count}</p>'
            f'<table><thead><tr>{head}</tr></thead><tbody>{"".join(rows)}</tbody></table></div>')


def status_html(status: JobStatus) -> str:
    """The running indexing job with a progress bar, the waiting ones, and the last outcome."""
    parts = []
    if status.running:
        bar = (f'<progress max="{status.total}" value="{status.done}"></progress> '
               f'{status.done}/{status.total} paragraphs') if status.total else "<progress></progress>"
        parts.append(f'<div class="cq-job" role="status">Indexing {html_text(status.running)} — '
                     f'{html_text(status.stage)} {bar}. Questions are answered from the current index meanwhile.</div>')
    for label in status.waiting:
        parts.append(f'<div class="cq-job cq-waiting">Waiting: {html_text(label)}</div>')
    if status.last and not status.running:
        kind = "cq-job-done" if status.last_ok else "cq-job-failed"
        parts.append(f'<div class="cq-job {kind}" role="status">{html_text(status.last)}</div>')
    return f'<div class="cq-status">{"".join(parts)}</div>'


def messages_html(errors: Sequence[str], notes: Sequence[str] = ()) -> str:
    """What an upload or a removal says back: each refused file's reason, then any notes."""
    out = [f'<div class="cq-upload-error" role="alert">{html_text(e)}</div>' for e in errors]
    out += [f'<div class="cq-upload-note">{html_text(n)}</div>' for n in notes]
    return f'<div class="cq-messages">{"".join(out)}</div>'
