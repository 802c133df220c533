"""HTML for the page: answers with clickable [n] markers and their cited passages.

Article text is data, never markup: every string that comes from an article is
HTML-escaped here before it reaches the page (Gradio's sanitiser is a second line, not
the first).
"""

from __future__ import annotations

import html
import re

from footnote.records import Answer, Citation


def esc(text: str) -> str:
    """HTML-escaped text with line breaks kept (and no blank line, which would end the
    chatbot's HTML block and let Markdown read the rest)."""
    return html.escape(text or "", quote=True).replace("\r", "").replace("\n", "<br>")


def safe_url(url: str) -> str:
    """``url`` escaped when it is http(s), else empty (no javascript: links)."""
    return html.escape(url, quote=True) if re.match(r"^https?://", url or "", re.I) else ""


def mark_sentences(text: str, sentences: list[str]) -> str:
    """``text`` HTML-escaped with every occurrence of each of ``sentences`` in <mark>."""
    spans: list[tuple[int, int]] = []
    for q in {(q or "").strip() for q in sentences}:
        start = text.find(q) if q else -1
        while start >= 0:
            spans.append((start, start + len(q)))
            start = text.find(q, start + len(q))
    out, pos = [], 0
    for a, b in sorted(spans):
        if a < pos:  # overlapping: extend the open mark
            continue
        out += [html.escape(text[pos:a]), f'<mark class="fn-quote">{html.escape(text[a:b])}</mark>']
        pos = b
    out.append(html.escape(text[pos:]))
    return "".join(out).replace("\r", "").replace("\n", "<br>")


def render_citation(c: Citation | dict, turn: str) -> str:
    """One cited passage with id ``fn-<turn>-<n>``: its cited sentence(s) shown, all of them
    marked, and the whole passage one click away (a closed <details>)."""
    c = c if isinstance(c, dict) else c.to_dict()
    n = int(c["n"])
    text = c.get("text") or ""
    quotes = [q for q in (c.get("quotes") or [c.get("quote") or ""]) if q and q.strip() in text]
    shown = " … ".join(f'<mark class="fn-quote">{esc(q.strip())}</mark>' for q in quotes) if quotes else esc(
        text[:240] + ("…" if len(text) > 240 else ""))
    meta = " · ".join(esc(x) for x in (c.get("source"), c.get("date")) if x)
    url = safe_url(c.get("url") or "")
    link = f' <a class="fn-link" href="{url}" target="_blank" rel="noopener noreferrer">open article</a>' if url else ""
    flag = "" if c.get("supported", True) else ' <span class="fn-unsupported" title="the passage may not support this">unverified</span>'
    return (
        f'<div class="fn-cite" id="fn-{turn}-{n}">'
        f'<div class="fn-cite-h"><span class="fn-n">[{n}]</span> <span class="fn-title">{esc(c.get("title") or "(untitled)")}</span>'
        f' <span class="fn-meta">{meta}</span>{flag}</div>'
        f'<div class="fn-cited">{shown}</div>'
        f'<details class="fn-more"><summary>Whole passage</summary><div class="fn-passage">{mark_sentences(text, quotes)}</div>'
        f'{link}</details></div>'
    )


def render_answer(answer: Answer | dict, turn: str) -> str:
    """The bot message: the answer with clickable [n] markers, then its cited passages;
    a refusal is a distinct note without citations."""
    a = answer if isinstance(answer, dict) else answer.to_dict()
    notice = f'<div class="fn-notice">{esc(a["notice"])}</div>' if a.get("notice") else ""
    if a.get("asked_as_of"):
        notice += f'<div class="fn-asked">Asked as of {esc(a["asked_as_of"])}</div>'
    if a["refused"] and not a["citations"]:
        return (
            f'<div class="fn-msg fn-refused" id="fn-msg-{turn}"><div class="fn-refusal"><span class="fn-refusal-label">Not in the articles</span>'
            f'<div>{esc(a["answer"])}</div></div>{notice}</div>'
        )
    known = {int(c["n"]) for c in a["citations"]}

    def link(m: re.Match) -> str:
        n = int(m.group(1))
        if n not in known:
            return m.group(0)
        return f'<a class="fn-ref" href="#fn-{turn}-{n}" data-fn-target="fn-{turn}-{n}">[{n}]</a>'

    body = re.sub(r"\[(\d+)\]", link, esc(a["answer"]))
    # The short answer comes first, in bold ("**Dmitry Peskov** — “…” [1]"): only the answer's
    # own short_answer at the very start; ** anywhere else came from an article and stays text
    short = a.get("short_answer")
    lead = f"**{esc(short)}**" if short else ""
    if lead and body.startswith(lead):
        body = f'<strong class="fn-short">{esc(short)}</strong>' + body[len(lead):]
    cites = "".join(render_citation(c, turn) for c in a["citations"])
    from ui.news import render_news  # as of, newer, support, disputes (ui.news builds on this module)

    notes, others = render_news(a, turn)
    return (
        f'<div class="fn-msg" id="fn-msg-{turn}"><div class="fn-answer">{body}</div>{notice}{notes}'
        f'<div class="fn-cites"><div class="fn-cites-h">Cited passages</div>{cites}</div>{others}</div>'
    )


def render_streaming(text: str) -> str:
    """The answer while it is being written."""
    return f'<div class="fn-answer fn-streaming">{esc(text)}</div>'


def render_error(why: str) -> str:
    """A failed answer: the reason, in place of the answer."""
    return f'<div class="fn-msg fn-error"><div class="fn-notice">{esc(why)}</div></div>'


def status_line(model: str, store: str) -> str:
    """The page's status Markdown: the answerer and the store's size."""
    return f"**Model:** {html.escape(model)} · **Store:** {html.escape(store)}"
