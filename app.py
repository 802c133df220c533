"""Footnote's web page: ``python app.py`` serves the chat on http://127.0.0.1:7860.

Only the page lives here; answering is ``assistant.Assistant``.
"""

from __future__ import annotations

import html
import os

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")

import gradio as gr  # noqa: E402

from assistant import Answer, Assistant, QuestionError  # noqa: E402
from footnote.settings import Settings  # noqa: E402


def render_citations(answer: Answer) -> str:
    """The cited passages as escaped HTML (article text is data, never markup)."""
    if answer.refused or not answer.citations:
        return ""
    items = []
    for c in answer.citations:
        meta = " · ".join(html.escape(x) for x in (c.source, c.date) if x)
        title = html.escape(c.title or "(untitled)")
        if c.url:
            title = f'<a href="{html.escape(c.url, quote=True)}" target="_blank" rel="noopener noreferrer">{title}</a>'
        text = html.escape(c.text)
        if c.quote and html.escape(c.quote) in text:
            text = text.replace(html.escape(c.quote), f"<mark>{html.escape(c.quote)}</mark>", 1)
        items.append(f'<div class="fn-cite" id="cite-{c.n}"><b>[{c.n}]</b> {title}<br><small>{meta}</small><p>{text}</p></div>')
    return "\n<hr>\n" + "\n".join(items)


def build_ui(assistant: Assistant) -> gr.Blocks:
    def respond(message: str, history: list):
        try:
            text = ""
            for item in assistant.stream(message, history):
                if isinstance(item, Answer):
                    yield html.escape(item.text) + (f"\n\n*{html.escape(item.notice)}*" if item.notice else "") + render_citations(item)
                else:
                    text += item
                    yield html.escape(text)
        except QuestionError as e:
            raise gr.Error(str(e)) from e

    with gr.Blocks(title="Footnote") as demo:
        gr.Markdown("# Footnote\nAnswers from your news articles, with the passages they come from.")
        gr.ChatInterface(respond, api_name="chat", examples=["Who denied the reports?"], cache_examples=False)
    return demo


def main() -> None:
    settings = Settings()
    assistant = Assistant(settings)
    if settings.ingest_sample:
        assistant.ensure_sample()
    demo = build_ui(assistant)
    demo.queue(default_concurrency_limit=settings.concurrency)
    demo.launch(server_name=settings.host, server_port=settings.port)


if __name__ == "__main__":
    main()
