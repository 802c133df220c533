"""The page's news panels: a Timeline view ("what happened with X", oldest first) and the
feeds of the store (list, add, remove, read now). ``news_panels(service)`` builds them
inside the current Gradio layout and wires their events."""

from __future__ import annotations

import functools
import html

import gradio as gr

from ingest.feeds import FeedError, FeedRegistry
from ui.news import render_timeline
from vectorstore.errors import StoreError


def timeline_view(service, subject: str) -> str:
    """The Timeline view's HTML for ``subject``."""
    subject = (subject or "").strip()
    if not subject:
        raise gr.Error("Type what the timeline is about, e.g. North Korean troops.")
    try:
        return render_timeline(service.assistant.timeline(subject))
    except StoreError as e:
        raise gr.Error(f"The store is unreachable: {e}") from e
    except ValueError as e:  # QuestionError: too long
        raise gr.Error(str(e)) from e


def feeds_table(service) -> str:
    """The feeds as Markdown (title, URL, items stored, the last error)."""
    feeds = FeedRegistry(service.settings).load()
    if not feeds:
        return "No feeds yet. Add an RSS or Atom feed URL below."
    rows = ["| Feed | Items | Last read |", "|---|---|---|"]
    for f in feeds:
        title = html.escape(f.title or "(not read yet)")
        state = f"⚠️ {html.escape(f.last_error)}" if f.last_error else html.escape(f.last_checked or "never")
        rows.append(f"| {title}<br><code>{html.escape(f.url)}</code> | {len(f.items)} | {state} |")
    return "\n".join(rows)


def add_feed(service, url: str) -> tuple[str, str]:
    try:
        FeedRegistry(service.settings).add(url)
    except FeedError as e:
        raise gr.Error(str(e)) from e
    return feeds_table(service), ""


def remove_feed(service, url: str) -> tuple[str, str]:
    if not FeedRegistry(service.settings).remove(url or ""):
        raise gr.Error(f"No such feed: {url}")
    return feeds_table(service), ""


def read_feeds_now(service) -> tuple[str, str]:
    """Read every feed now (goes online); returns (table, summary)."""
    from server.news_api import read_feeds

    out = read_feeds(service, FeedRegistry(service.settings))
    lines = [f"**Read:** added {out['summary']['added']}, updated {out['summary']['updated']}"]
    lines += [f"- ❌ `{html.escape(f['url'])}`: {html.escape(f['error'])}" for f in out["feeds"] if f["status"] == "error"]
    return feeds_table(service), "\n".join(lines)


def news_panels(service) -> None:
    """The Timeline and Feeds accordions, wired to ``service``."""
    with gr.Accordion("Timeline", open=True, elem_id="fn-timeline-panel"):
        with gr.Row():
            subject = gr.Textbox(placeholder="What happened with… e.g. North Korean troops", show_label=False,
                                 scale=4, elem_id="fn-tl-subject", max_lines=1)
            show = gr.Button("Timeline", scale=1, elem_id="fn-tl-show")
        view = gr.HTML(elem_id="fn-tl-view")
    with gr.Accordion("Feeds", open=False, elem_id="fn-feeds-panel"):
        table = gr.Markdown(feeds_table(service), elem_id="fn-feeds")
        url = gr.Textbox(placeholder="https://example.org/rss.xml", label="Feed URL", max_lines=1, elem_id="fn-feed-url")
        with gr.Row():
            add = gr.Button("Add", size="sm", elem_id="fn-feed-add")
            remove = gr.Button("Remove", size="sm", elem_id="fn-feed-remove")
            read = gr.Button("Read now", size="sm", elem_id="fn-feed-read")
        read_summary = gr.Markdown(elem_id="fn-feed-summary")
    for trigger in (subject.submit, show.click):
        trigger(functools.partial(timeline_view, service), [subject], [view], api_visibility="private")
    add.click(functools.partial(add_feed, service), [url], [table, url], api_visibility="private")
    remove.click(functools.partial(remove_feed, service), [url], [table, url], api_visibility="private")
    read.click(functools.partial(read_feeds_now, service), None, [table, read_summary], api_visibility="private")
