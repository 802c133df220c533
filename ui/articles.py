"""The Articles tab's events: list the stored articles (search, source and date filters,
paging), open one (its cleaned text as stored, with its passages), delete it, upload more.
"""

from __future__ import annotations

import contextlib
import html
from pathlib import Path

import gradio as gr

from assistant import QuestionError
from assistant.articles import ArticleNotFound
from footnote.records import IngestFailure
from ingest.errors import ArticleConflict
from server.service import Service
from ui.chat import BadInput, inline, parse_day, user_of
from ui.render import esc, status_line
from vectorstore.errors import StoreError

PAGE_SIZE = 20
COLUMNS = ["Title", "Source", "Date", "Passages", "Id"]


def list_articles(service: Service, query, sources, date_from, date_to, offset):
    """One page of the catalogue; returns (table rows, page label, offset, inline message)."""
    offset = max(0, int(offset or 0))
    try:
        page = service.catalogue().list(
            query, sources=sources or None, date_from=parse_day(date_from, "From"), date_to=parse_day(date_to, "To"),
            limit=PAGE_SIZE, offset=offset,
        )
    except (BadInput, QuestionError) as e:
        return gr.update(), gr.update(), offset, inline(str(e))
    except StoreError as e:
        return gr.update(), gr.update(), offset, inline(f"The store is unreachable: {e}.")
    rows = [[a.title, a.source, a.date.isoformat() if a.date else "", a.passages, a.id] for a in page.articles]
    if not page.total:
        label = "No articles match."
    else:
        label = f"{offset + 1:,}–{offset + len(rows):,} of {page.total:,} articles"
    return rows, label, offset, ""


def turn_page(service: Service, query, sources, date_from, date_to, offset, step: int = 0):
    """The previous (step -1), the same (0) or the next (+1) page."""
    return list_articles(service, query, sources, date_from, date_to, max(0, int(offset or 0) + step * PAGE_SIZE))


def render_article(service: Service, article_id: str) -> str:
    """One article as HTML: title, source, date, URL, then each passage (escaped: text is data)."""
    art = service.catalogue().get(article_id)
    info = art.info
    meta = " · ".join(esc(x) for x in (info.source, info.date.isoformat() if info.date else "", info.id) if x)
    passages = "".join(
        f'<div class="fn-art-passage"><span class="fn-meta">passage {p.position + 1}</span><div>{esc(p.text)}</div></div>'
        for p in art.passages
    )
    return (f'<div class="fn-article" data-article="{html.escape(info.id)}"><h3>{esc(info.title)}</h3>'
            f'<div class="fn-meta">{meta}</div><div class="fn-art-n">{len(art.passages)} passages</div>{passages}</div>')


def open_article(service: Service, rows, evt: gr.SelectData):
    """A row clicked: show that article; returns (article HTML, selected id, inline message)."""
    row = evt.row_value if evt.row_value else None
    article_id = str(row[-1]) if row else ""
    try:
        return render_article(service, article_id), article_id, ""
    except (ArticleNotFound, QuestionError) as e:
        return "", None, inline(str(e))
    except StoreError as e:
        return "", None, inline(f"The store is unreachable: {e}.")


def delete_article(service: Service, article_id, query, sources, date_from, date_to, offset):
    """Delete the open article; returns (article HTML, id, inline, rows, label, offset, status)."""
    if not article_id:
        return gr.update(), None, inline("Open an article first."), gr.update(), gr.update(), offset, gr.update()
    try:
        removed = service.delete_article(article_id)
    except (ArticleNotFound, StoreError) as e:
        return gr.update(), None, inline(str(e)), gr.update(), gr.update(), offset, gr.update()
    rows, label, offset, _ = list_articles(service, query, sources, date_from, date_to, offset)
    note = inline(f"Deleted {article_id} ({removed} passages); answers no longer cite it.")
    return "", None, note, rows, label, offset, status_line(service.model_label(), service.store_label())


def upload(service: Service, files, request: gr.Request, progress=gr.Progress()):  # noqa: B008 - Gradio's progress idiom
    """Ingest the chosen files as the signed-in user; returns (summary, status, cleared files).

    Gradio's copies of the files are deleted once they are read (the Service deletes its
    staged copies once ingested)."""
    if not files:
        return inline("Choose one or more files first (.txt .md .html .pdf .jsonl)."), gr.update(), gr.update()
    s = service.settings
    limit = int(s.max_upload_mb * 1_000_000)
    pairs: list[tuple[str, bytes]] = []
    too_big: list[IngestFailure] = []
    for f in files:
        path = Path(f if isinstance(f, str) else f.name)
        if path.stat().st_size > limit:
            too_big.append(IngestFailure(path.name, f"over the {s.max_upload_mb:g} MB upload limit"))
            continue
        pairs.append((path.name, path.read_bytes()))
    _delete_uploaded(files)
    progress(0, desc="ingesting")
    note = ""
    try:
        summary = service.ingest_files(pairs, progress=lambda done, total: progress((done, total), desc="ingesting", unit="articles"),
                                       user=user_of(request))
    except ArticleConflict as e:
        summary, note = e.summary, f"<div><b>Not replaced:</b> {html.escape(str(e))}</div>"
    except StoreError as e:
        return inline(f"The store is unreachable: {e}. Nothing was lost; upload again when it is back."), gr.update(), gr.update()
    summary.failed = too_big + summary.failed
    lines = [f"<b>Ingested:</b> {html.escape(summary.format().splitlines()[0])}{note}"]
    lines += [f"<div>❌ <code>{html.escape(f.item)}</code>: {html.escape(f.reason)}</div>" for f in summary.failed]
    return "<div id='fn-summary-text'>" + "".join(lines) + "</div>", status_line(service.model_label(), service.store_label()), None


def _delete_uploaded(files) -> None:
    """Remove Gradio's temporary copies of uploaded files (their content is read)."""
    for f in files or []:
        with contextlib.suppress(OSError, TypeError):
            Path(f if isinstance(f, str) else f.name).unlink(missing_ok=True)
