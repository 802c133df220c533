"""The chat page: streaming answers with their cited passages, settings, upload.

``build_page(service)`` lays the page out; what its events do are the top-level
functions ``respond`` (a question, streamed), ``upload`` (articles) and ``chat_api``
(the page's ``/gradio_api`` endpoint ``chat``), each given the Service first.
``mount_page`` mounts it on the FastAPI app with Gradio's login.
"""

from __future__ import annotations

import contextlib
import functools
import html
import inspect
import logging
import typing
import uuid
from collections.abc import Iterator
from datetime import date
from importlib import resources
from pathlib import Path
from typing import Any, TypedDict

import gradio as gr
from pydantic import ValidationError

from assistant import Answer, QuestionError
from assistant.options import recent_history
from footnote.records import IngestFailure
from ingest.errors import ArticleConflict
from ingest.loaders import SUPPORTED_EXTS
from server.api import answer_options
from server.errors import validation_message
from server.schemas import AskRequest
from server.service import Service
from ui.render import esc, render_answer, render_error, render_streaming, status_line
from vectorstore.errors import StoreError

log = logging.getLogger("footnote.ui")

PAGE_CSS = resources.files("ui").joinpath("page.css").read_text(encoding="utf-8")
PAGE_HEAD = "<script>\n" + resources.files("ui").joinpath("page.js").read_text(encoding="utf-8") + "</script>"
UNREACHABLE = "The store is unreachable: {e}. Try again when it is back."


def _parse_day(value: str | None, label: str) -> date | None:
    value = (value or "").strip()
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        # the message is shown as HTML: the typed value is escaped, never markup
        raise gr.Error(f"{label} must be a date like 2024-10-10, not {html.escape(repr(value[:100]))}.") from None


def page_status(service: Service) -> str:
    """The status line: the answerer and the store's size (or why it is unavailable)."""
    return status_line(service.model_label(), service.store_label())


def _failure_text(e: Exception) -> str:
    if isinstance(e, QuestionError):
        return str(e)
    if isinstance(e, StoreError):
        return UNREACHABLE.format(e=e)
    log.exception("answering failed")
    return f"Something went wrong ({type(e).__name__}); try again, and see the server log if it persists."


def respond(service: Service, message, chat, conv, top_k, sources, date_from, date_to, mode):
    """Answer ``message`` in the chat, streaming; yields (chat, conversation, question box)."""
    chat, conv = list(chat or []), list(conv or [])
    question = (message or "").strip()
    options = {
        "top_k": int(top_k) if top_k else None,
        "sources": list(sources) or None if sources else None,
        "date_from": _parse_day(date_from, "From"),
        "date_to": _parse_day(date_to, "To"),
        "answerer": ("llm" if mode == "LLM" else "extractive") if service.settings.llm_configured else None,
    }
    recent = recent_history(conv, service.settings)  # the page forgets old turns rather than refuse
    try:
        service.assistant.check(question, recent, **options)
    except QuestionError as e:
        raise gr.Error(str(e)) from e
    except StoreError as e:
        raise gr.Error(UNREACHABLE.format(e=e)) from e
    turn = uuid.uuid4().hex[:8]
    chat += [{"role": "user", "content": esc(question)}, {"role": "assistant", "content": render_streaming("…")}]
    yield chat, conv, ""
    text = ""
    try:  # no extra bound here: the Gradio queue runs settings.concurrency of these at once
        for item in service.assistant.stream(question, recent, **options):
            if isinstance(item, Answer):
                chat[-1] = {"role": "assistant", "content": render_answer(item, turn)}
                conv += [{"role": "user", "content": question}, {"role": "assistant", "content": item.text}]
            else:
                text += item
                chat[-1] = {"role": "assistant", "content": render_streaming(text)}
            yield chat, conv, ""
    except Exception as e:  # noqa: BLE001 - the edge: say what happened in the chat, keep the page usable
        chat[-1] = {"role": "assistant", "content": render_error(_failure_text(e))}
        yield chat, conv, ""


def upload(service: Service, files, request: gr.Request, progress=gr.Progress()):  # noqa: B008 - Gradio's progress idiom
    """Ingest the chosen files; returns (summary, status, sources update, cleared files).

    Gradio's copies of the files are deleted once they are read (the Service deletes its
    staged copies once ingested)."""
    if not files:
        raise gr.Error("Choose one or more files first (.txt .md .html .pdf .jsonl).")
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
                                       user=getattr(request, "username", None) or "anonymous")
    except ArticleConflict as e:
        summary, note = e.summary, f"\n\n**Not replaced:** {html.escape(str(e))}"
    except StoreError as e:
        raise gr.Error(f"The store is unreachable: {e}. Nothing was lost; upload again when it is back.") from e
    summary.failed = too_big + summary.failed
    lines = [f"**Ingested:** {html.escape(summary.format().splitlines()[0])}{note}"]
    lines += [f"- ❌ `{html.escape(f.item)}`: {html.escape(f.reason)}" for f in summary.failed]
    return "\n".join(lines), page_status(service), gr.update(choices=service.sources()), None


def _delete_uploaded(files) -> None:
    """Remove Gradio's temporary copies of uploaded files (their content is read)."""
    for f in files or []:
        with contextlib.suppress(OSError, TypeError):
            Path(f if isinstance(f, str) else f.name).unlink(missing_ok=True)


class CitationOut(TypedDict):
    """A cited passage (as in POST /api/ask)."""

    n: int
    text: str
    title: str
    source: str
    url: str
    date: str
    score: float
    passage_id: str
    article_id: str
    supported: bool
    quote: str


class ChatAnswer(TypedDict):
    """The page API's answer: the same fields as POST /api/ask."""

    answer: str
    refused: bool
    citations: list[CitationOut]
    question: str
    standalone_question: str
    answerer: str
    notice: str
    supported_sentences: int
    total_sentences: int
    timings: dict[str, float]


def _ask_request(message, history, top_k, sources, date_from, date_to) -> AskRequest:
    """The page API's arguments checked as the HTTP API checks its body (same model, same
    messages): ``top_k`` of -1 or "abc", ``sources`` as a string, a bad date are refused."""
    raw = {"question": message if message is not None else "", "history": history, "top_k": top_k, "sources": sources,
           "date_from": date_from or None, "date_to": date_to or None}
    try:
        return AskRequest.model_validate(raw)
    except ValidationError as e:
        raise gr.Error(validation_message(e.errors(include_url=False))) from None


def _api_failure(e: Exception) -> gr.Error:
    if isinstance(e, QuestionError):
        return gr.Error(str(e))
    if isinstance(e, StoreError):
        return gr.Error(f"The store is unreachable: {e}")
    log.exception("the page API failed")
    return gr.Error(f"Something went wrong ({type(e).__name__}); try again.")


def chat_api(
    service: Service,
    message: str,
    history: list[dict] | None = None,
    top_k: int | None = None,
    sources: list[str] | None = None,
    date_from: str | None = None,
    date_to: str | None = None,
) -> ChatAnswer:
    """Answer a question from the articles; returns the answer with its citations (as POST /api/ask)."""
    req = _ask_request(message, history, top_k, sources, date_from, date_to)
    try:
        ans = service.assistant.ask(req.question, req.history, **answer_options(req))
    except Exception as e:  # noqa: BLE001 - the edge: a clear gr.Error
        raise _api_failure(e) from e
    return ans.to_dict()  # type: ignore[return-value]


def chat_stream_api(
    service: Service,
    message: str,
    history: list[dict] | None = None,
    top_k: int | None = None,
    sources: list[str] | None = None,
    date_from: str | None = None,
    date_to: str | None = None,
) -> Iterator[ChatAnswer]:
    """As ``chat``, streamed: each update holds the answer written so far (no citations yet);
    the last update is the whole answer with its citations."""
    req = _ask_request(message, history, top_k, sources, date_from, date_to)
    a, turns, options = service.assistant, req.history, answer_options(req)
    try:
        a.check(req.question, turns, **options)
        text = ""
        for item in a.stream(req.question, turns, **options):
            if isinstance(item, Answer):
                yield item.to_dict()  # type: ignore[misc]
            else:
                text += item
                yield ChatAnswer(answer=text, refused=False, citations=[], question=req.question, standalone_question="",
                                 answerer="", notice="", supported_sentences=0, total_sentences=0, timings={})
    except Exception as e:  # noqa: BLE001 - the edge: a clear gr.Error
        raise _api_failure(e) from e


def _settings_panel(service: Service) -> tuple[Any, ...]:
    """The settings and upload column: (top_k, sources, date_from, date_to, mode, files, ingest, summary)."""
    s = service.settings
    with gr.Accordion("Settings", open=True):
        top_k = gr.Slider(1, 20, value=s.top_k, step=1, label="Passages per answer", elem_id="fn-topk")
        sources = gr.Dropdown(choices=service.sources(), multiselect=True, label="Only these sources", value=[])
        with gr.Row():
            date_from = gr.Textbox(label="From (YYYY-MM-DD)", max_lines=1)
            date_to = gr.Textbox(label="To (YYYY-MM-DD)", max_lines=1)
        mode = gr.Radio(
            ["LLM", "Offline"], value="LLM" if s.use_llm else "Offline", label="Answers from", visible=s.llm_configured,
        )
    with gr.Accordion("Add articles", open=True):
        files = gr.File(
            file_count="multiple", file_types=sorted(SUPPORTED_EXTS), label="Files (.txt .md .html .pdf .jsonl)",
            elem_id="fn-files",
        )
        ingest_btn = gr.Button("Ingest", elem_id="fn-ingest")
        summary = gr.Markdown(elem_id="fn-summary", latex_delimiters=[])
    return top_k, sources, date_from, date_to, mode, files, ingest_btn, summary


def build_page(service: Service) -> gr.Blocks:
    """The chat page: streaming answers with their cited passages, settings, upload."""
    with gr.Blocks(title="Footnote", analytics_enabled=False, fill_height=True) as demo:
        with gr.Row():
            gr.Markdown("## Footnote\nAnswers from your news articles, with the passages they come from.")
            status = gr.Markdown(page_status(service), elem_id="fn-status")
        with gr.Row():
            with gr.Column(scale=3):
                chat = gr.Chatbot(  # answers and passages are text, never LaTeX (latex_delimiters=[])
                    elem_id="fn-chat", height=560, buttons=["copy"], feedback_options=None, latex_delimiters=[],
                    placeholder="Ask about the articles, e.g. *Who denied the reports?*",
                )
                with gr.Row():
                    box = gr.Textbox(placeholder="Ask a question…", show_label=False, scale=8, elem_id="fn-question",
                                     autofocus=True, max_lines=6)
                    send = gr.Button("Ask", variant="primary", scale=1, elem_id="fn-ask")
                with gr.Row():
                    clear = gr.Button("New conversation", size="sm", elem_id="fn-clear")
                gr.Examples(["Who denied the reports?", "Were North Korean troops reported in Ukraine?"], inputs=box)
            with gr.Column(scale=2):
                top_k, sources, date_from, date_to, mode, files, ingest_btn, summary = _settings_panel(service)
        conv = gr.State([])
        demo.load(lambda: (page_status(service), gr.update(choices=service.sources())), None, [status, sources],
                  api_visibility="private")
        inputs = [box, chat, conv, top_k, sources, date_from, date_to, mode]
        for trigger in (box.submit, send.click):
            trigger(functools.partial(respond, service), inputs, [chat, conv, box], api_visibility="private")
        clear.click(lambda: ([], [], ""), None, [chat, conv, box], api_visibility="private")
        chat.clear(lambda: [], None, [conv], api_visibility="private")
        def on_upload(chosen, request: gr.Request, progress=gr.Progress()):  # noqa: B008 - Gradio's idioms
            return upload(service, chosen, request, progress)

        ingest_btn.click(on_upload, [files], [summary, status, sources, files], api_visibility="private")
        gr.api(_bound(chat_api, service), api_name="chat")
        gr.api(_bound(chat_stream_api, service, stream=True), api_name="chat_stream")
    return demo


def _bound(fn, service: Service, *, stream: bool = False):
    """``fn`` with the Service bound, keeping its name, docstring and typed signature
    (Gradio builds the endpoint's schema from the evaluated types: a typed return, not
    "Any"); a streaming endpoint's return type is the type of each update."""
    sig = inspect.signature(fn, eval_str=True)
    params = list(sig.parameters.values())[1:]
    returns = typing.get_args(sig.return_annotation)[0] if stream else sig.return_annotation

    if stream:
        @functools.wraps(fn)
        def bound(*args, **kwargs):
            yield from fn(service, *args, **kwargs)
    else:
        @functools.wraps(fn)
        def bound(*args, **kwargs):
            return fn(service, *args, **kwargs)

    bound.__signature__ = sig.replace(parameters=params, return_annotation=returns)  # type: ignore[attr-defined]
    bound.__annotations__ = {**{p.name: p.annotation for p in params}, "return": returns}
    del bound.__wrapped__  # Gradio must read the signature above, not fn's
    return bound


def mount_page(app: Any, service: Service, users: dict[str, str]) -> Any:
    """Mount the page at ``/`` of the FastAPI ``app`` (with Gradio's login when ``users``).

    Returns:
        The mounted Gradio app (its login tokens sign API requests in too).
    """
    s = service.settings
    demo = build_page(service)
    demo.queue(default_concurrency_limit=s.concurrency, max_size=s.concurrency * 16)
    gr.mount_gradio_app(
        app, demo, path="/", server_name=s.host, server_port=s.port,
        auth=list(users.items()) or None, auth_message="Footnote: sign in (FOOTNOTE_AUTH).",
        max_file_size=int(s.max_upload_mb * 1_000_000), footer_links=["api"], run_history=False,
        css=PAGE_CSS, head=PAGE_HEAD, show_error=True, mcp_server=False, ssr_mode=False,
    )
    mounted = None
    for route in app.routes:
        if getattr(route, "path", None) == "" or type(route).__name__ == "Mount":
            mounted = route.app
    return mounted
