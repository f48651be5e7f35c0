"""Answers as HTML for the chat page and as Markdown for export (pure, no gradio).

Every piece of corpus or user text goes through :func:`html.escape` before it lands in
HTML, and through :func:`md_escape` before it lands in Markdown: a paragraph holding
``<script>`` or ``[x](javascript:...)`` shows as those characters, nothing more.

>>> html_text = render_conversation([Turn("Who?", "Who?", answer=answer)])   # doctest: +SKIP
"""
from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from html import escape

from corpus.types import Paragraph
from index.types import Hit
from qa.types import Answer

# Thumb icons drawn inline: emoji fonts are not everywhere (a bare Linux box shows boxes).
_THUMB_PATH = ("M2 21h4V9H2v12zm20-11a2 2 0 0 0-2-2h-6.3l1-4.6v-.3c0-.4-.2-.8-.4-1.1L13.2 1 6.6 7.6"
               "C6.2 8 6 8.5 6 9v10a2 2 0 0 0 2 2h9c.8 0 1.5-.5 1.8-1.2l3-7.1c.1-.2.2-.5.2-.7v-2z")
_THUMB = {v: (f'<svg viewBox="0 0 24 24" width="16" height="16" aria-hidden="true">'
              f'<path fill="currentColor"{turn} d="{_THUMB_PATH}"/></svg>')
          for v, turn in (("up", ""), ("down", ' transform="rotate(180 12 12)"'))}
_MARKER = re.compile(r"\[(\d+)\]")
_ESCAPED_MARKER = re.compile(r"\\\[(\d+)\\\]")  # an escaped [n]: a marker, not a link, left plain
_MD_SPECIAL = re.compile(r"([\\`*_\[\]<>{}|!#~])")


@dataclass(frozen=True)
class Turn:
    """One exchange of the chat: what was typed, what was asked, and what came back.

    ``standalone`` is the question retrieval saw (a follow-up rewritten to stand
    alone); ``context`` maps a cited paragraph's id to it and its neighbours; ``error``
    is a user-facing message when the question could not be answered at all.
    """

    asked: str
    standalone: str
    answer: Answer | None = None
    error: str = ""
    context: Mapping[str, tuple[Paragraph, ...]] = field(default_factory=dict)
    vote: str | None = None
    streaming: str = ""  # a language model's text so far, before the verifier has seen it


def html_text(text: object) -> str:
    """HTML-escape ``text`` (quotes too, so it is safe inside attributes)."""
    return escape(str(text), quote=True)


def highlight(text: str, spans: Sequence[tuple[int, int]]) -> str:
    """``text`` escaped, with the ``(start, end)`` spans wrapped in ``<mark>``.

    >>> highlight("a <b> c", [(2, 5)])
    'a <mark>&lt;b&gt;</mark> c'
    """
    out, pos = [], 0
    for start, end in sorted((max(0, a), min(len(text), b)) for a, b in spans):
        if start < pos or start >= end:
            continue
        out += [html_text(text[pos:start]), "<mark>", html_text(text[start:end]), "</mark>"]
        pos = end
    out.append(html_text(text[pos:]))
    return "".join(out)


def _anchor(turn: int, n: int) -> str:
    return f"cq-t{turn}-s{n}"


def answer_html(text: str, turn: int, cited: set[int]) -> str:
    """The answer text escaped, its ``[n]`` markers made links to source ``n``."""
    def link(match: re.Match) -> str:
        n = int(match.group(1))
        if n not in cited:
            return match.group(0)
        return (f'<a class="cq-marker" href="#{_anchor(turn, n)}" data-target="{_anchor(turn, n)}" '
                f'title="Go to source {n}">[{n}]</a>')
    return _MARKER.sub(link, html_text(text))


def _where(hit: Hit) -> str:
    p = hit.paragraph
    parts = [f'<span class="cq-title">{html_text(p.title or p.doc)}</span>']
    if p.section:
        parts.append(f'<span class="cq-section">{html_text(p.section)}</span>')
    if p.page is not None:
        parts.append(f'<span class="cq-page">page {p.page}</span>')
    parts.append(f'<span class="cq-para">¶ {p.number}</span>')
    parts.append(f'<span class="cq-score" title="retrieval score">score {hit.score:.2f}</span>')
    return '<span class="cq-sep"> · </span>'.join(parts)


def context_html(paragraphs: Sequence[Paragraph], hit: Paragraph, spans: Sequence[tuple[int, int]]) -> str:
    """A source in its document: its neighbours, section headings, the source marked."""
    out, section = [], None
    for p in paragraphs:
        if p.section != section and p.section:
            out.append(f'<div class="cq-ctx-section">{html_text(p.section)}</div>')
        section = p.section
        here = p.id == hit.id
        body = highlight(p.text, spans) if here else html_text(p.text)
        out.append(f'<p class="cq-ctx-p{" cq-ctx-hit" if here else ""}">'
                   f'<span class="cq-ctx-n">¶ {p.number}</span> {body}</p>')
    return "".join(out)


def _source_item(turn: Turn, index: int, hit: Hit, n: int | None, spans) -> str:
    anchor = f' id="{_anchor(index, n)}"' if n is not None else ""
    label = f'<span class="cq-n">[{n}]</span> ' if n is not None else f'<span class="cq-n cq-rank">#{hit.rank}</span> '
    around = turn.context.get(hit.paragraph.id)
    ctx = ""
    if around:
        ctx = (f'<details class="cq-context"><summary>Show in context</summary>'
               f'<div class="cq-ctx-body">{context_html(around, hit.paragraph, spans)}</div></details>')
    return (f'<li class="cq-source"{anchor} data-paragraph="{html_text(hit.paragraph.id)}">'
            f'<div class="cq-source-head">{label}{_where(hit)}</div>'
            f'<blockquote class="cq-excerpt">{highlight(hit.paragraph.text, spans)}</blockquote>{ctx}</li>')


def _actions(turn: Turn, index: int) -> str:
    votes = "".join(
        f'<button type="button" class="cq-vote" data-turn="{index}" data-vote="{v}" aria-label="{label}" '
        f'aria-pressed="{"true" if turn.vote == v else "false"}" title="{label}">{_THUMB[v]}</button>'
        for v, label in (("up", "Helpful"), ("down", "Not helpful")))
    return (f'<div class="cq-actions"><button type="button" class="cq-copy" '
            f'data-copy="{html_text(turn_text(turn))}" title="Copy answer and sources">Copy</button>'
            f'{votes}</div>')


def generation_html(turn: Turn, index: int, a: Answer) -> str:
    """The label of a generated answer ("generated by MODEL, each sentence checked"), or nothing."""
    if not a.generated:
        return ""
    return (f'<div class="cq-generated" title="Every sentence was checked against the passage it cites">'
            f'generated by {html_text(a.model)}, each sentence checked</div>')


def generation_notes_html(turn: Turn, index: int, a: Answer) -> str:
    """What the language model did not get through: a fallback's reason, removed sentences, the extractive answer."""
    out = []
    if a.reason and not a.generated:
        out.append(f'<p class="cq-note">{html_text(a.reason)}</p>')
    if a.unverified:
        count = len(a.unverified)
        items = "".join(f'<li>{html_text(u.text)} <span class="cq-reason">— {html_text(u.reason)}</span></li>'
                        for u in a.unverified)
        out.append(f'<details class="cq-unverified"><summary>{count} sentence{"s" if count > 1 else ""} removed: '
                   f'not supported by the cited passages</summary><ul>{items}</ul></details>')
    if a.generated and a.extractive is not None:
        e = a.extractive
        sources = "".join(_source_item(turn, index, c.hit, None, c.spans) for c in e.citations)
        out.append(f'<details class="cq-extractive"><summary>Show the extractive answer (quoted from the sources)'
                   f'</summary><p class="cq-answer-text">{html_text(e.text)}</p><ol>{sources}</ol></details>')
    return "".join(out)


def search_guess_html(a: Answer | None) -> str:
    """The model's guess the search also used (collapsed, marked as not an answer), or why there was none."""
    if a is not None and a.search_guess:
        return (f'<details class="cq-guess"><summary>also searched with the model\'s guess — not an answer'
                f'</summary><p>{html_text(a.search_guess)}</p></details>')
    if a is not None and a.search_guess_error:
        return f'<div class="cq-guess">{html_text(a.search_guess_error)}</div>'
    return ""


def turn_html(turn: Turn, index: int) -> str:
    """One question and its answer (with numbered sources), abstention or error, as HTML."""
    question = f'<div class="cq-q"><div class="cq-bubble">{html_text(turn.asked)}</div>'
    if turn.standalone and " ".join(turn.standalone.split()) != " ".join(turn.asked.split()):
        question += f'<div class="cq-understood">understood as: {html_text(turn.standalone)}</div>'
    if turn.answer is not None and turn.answer.within:
        question += f'<div class="cq-within">asked within: {html_text(", ".join(turn.answer.within))}</div>'
    question += search_guess_html(turn.answer) + "</div>"
    a = turn.answer
    if a is None and turn.streaming:
        body = (f'<div class="cq-a"><div class="cq-generated">writing… each sentence is checked when the model '
                f'finishes</div><p class="cq-answer-text cq-streaming">{html_text(turn.streaming)}</p></div>')
    elif a is None:
        body = f'<div class="cq-a cq-error" role="alert">{html_text(turn.error or "No answer.")}</div>'
    elif a.abstained:
        reason = f' <span class="cq-reason">{html_text(a.reason)}</span>' if a.reason else ""
        items = "".join(_source_item(turn, index, h, None, ()) for h in a.passages)
        closest = (f'<section class="cq-closest"><h4>Closest passages <small>— not an answer</small></h4>'
                   f'<ol>{items}</ol></section>') if items else ""
        body = (f'<div class="cq-a cq-abstained"><p class="cq-answer-text">{html_text(a.text)}{reason}</p>'
                f'{_actions(turn, index)}{closest}</div>')
    else:
        items = "".join(_source_item(turn, index, c.hit, c.n, c.spans) for c in a.citations)
        body = (f'<div class="cq-a">{generation_html(turn, index, a)}'
                f'<p class="cq-answer-text">{answer_html(a.text, index, {c.n for c in a.citations})}</p>'
                f'{generation_notes_html(turn, index, a)}'
                f'{_actions(turn, index)}<section class="cq-sources"><h4>Sources</h4><ol>{items}</ol></section></div>')
    return f'<article class="cq-turn" id="cq-t{index}" data-turn="{index}">{question}{body}</article>'


def empty_html(examples: Sequence[str]) -> str:
    """The empty chat: what the page does and a few example questions to click."""
    buttons = "".join(f'<button type="button" class="cq-example" data-question="{html_text(q)}">{html_text(q)}</button>'
                      for q in examples)
    return ('<div class="cq-empty"><p>Ask a question about the documents. Every sentence of an answer '
            'cites the paragraph it comes from; click a marker like <span class="cq-n">[1]</span> to see it.</p>'
            + (f'<p class="cq-try">Try:</p><div class="cq-examples">{buttons}</div>' if buttons else "")
            + "</div>")


def render_conversation(turns: Sequence[Turn], examples: Sequence[str] = ()) -> str:
    """The whole chat as one HTML fragment (the empty state when there are no turns)."""
    if not turns:
        return f'<div class="cq-chat">{empty_html(examples)}</div>'
    return '<div class="cq-chat">' + "".join(turn_html(t, i) for i, t in enumerate(turns)) + "</div>"


# --- Markdown export --------------------------------------------------------------

def md_escape(text: str) -> str:
    r"""``text`` with Markdown syntax characters backslash-escaped, so it renders as itself.

    >>> md_escape("[x](javascript:alert(1)) <b>")
    '\\[x\\](javascript:alert(1)) \\<b\\>'
    """
    return _MD_SPECIAL.sub(r"\\\1", " ".join(str(text).split()))


def _md_source(label: str, hit: Hit, spans: Sequence[tuple[int, int]]) -> list[str]:
    p = hit.paragraph
    page = f", page {p.page}" if p.page is not None else ""
    lines = [f"{label} {p.location(md_escape)} (`{p.id.replace('`', '')}`{page}, score {hit.score:.3f})", "",
             f"> {md_escape(p.text)}"]
    used = [p.text[a:b] for a, b in spans]
    if used:
        lines += [">", "> Used: " + " … ".join(f"“{md_escape(s)}”" for s in used)]
    return lines + [""]


def turn_markdown(turn: Turn, number: int) -> str:
    """One question and its answer with every citation and its source text, as Markdown."""
    lines = [f"## {number}. {md_escape(turn.asked)}", ""]
    if turn.standalone and " ".join(turn.standalone.split()) != " ".join(turn.asked.split()):
        lines += [f"_Understood as: {md_escape(turn.standalone)}_", ""]
    if turn.answer is not None and turn.answer.within:
        lines += [f"_Asked within: {md_escape(', '.join(turn.answer.within))}_", ""]
    a = turn.answer
    if a is None:
        return "\n".join(lines + [f"**Error:** {md_escape(turn.error)}", ""])
    if a.abstained:
        lines += [md_escape(a.text) + (f" {md_escape(a.reason)}" if a.reason else ""), ""]
        if a.passages:
            lines += ["**Closest passages (not an answer)**", ""]
            for hit in a.passages:
                lines += _md_source(f"{hit.rank}.", hit, ())
    else:
        if a.generated:
            lines += [f"_Generated by {md_escape(a.model)}, each sentence checked against its cited passage._", ""]
        lines += [_ESCAPED_MARKER.sub(r"[\1]", md_escape(a.text)), ""]
        if a.reason:
            lines += [f"_{md_escape(a.reason)}_", ""]
        if a.unverified:
            lines += ["_Removed (not supported by the cited passages):_", ""]
            lines += [f"- {md_escape(u.text)} — {md_escape(u.reason)}" for u in a.unverified] + [""]
        lines += ["**Sources**", ""]
        for c in a.citations:
            lines += _md_source(f"[{c.n}]", c.hit, c.spans)
    if turn.vote:
        lines += [f"_Feedback: {'helpful' if turn.vote == 'up' else 'not helpful'}_", ""]
    return "\n".join(lines)


def turn_text(turn: Turn) -> str:
    """An answer and its sources as plain text, for the copy button."""
    a = turn.answer
    if a is None:
        return turn.error
    if a.abstained:
        return a.text + (f" {a.reason}" if a.reason else "")
    lines = [a.text, ""]
    for c in a.citations:
        p = c.hit.paragraph
        lines.append(f"[{c.n}] {p.location()}: " + " ".join(p.text[x:y] for x, y in c.spans))
    return "\n".join(lines)


def conversation_markdown(turns: Sequence[Turn], now: datetime | None = None) -> str:
    """The whole conversation as a Markdown document, every citation with its source text."""
    stamp = (now or datetime.now()).strftime("%Y-%m-%d %H:%M")
    parts = ["# Conversation with the documents", "", f"_Exported {stamp} from citeqa._", ""]
    parts += [turn_markdown(t, i + 1) for i, t in enumerate(turns)]
    return "\n".join(parts).rstrip() + "\n"
