"""The page: a Chat tab and an Articles tab over the one Service.

``build_page(service)`` lays the page out; what its events do live in ``ui.chat``
(questions, saved conversations, feedback) and ``ui.articles`` (the catalogue, delete,
upload); ``chat_api`` is the page's ``/gradio_api`` endpoint ``chat``. ``mount_page``
mounts it on the FastAPI app with Gradio's login.
"""

from __future__ import annotations

import functools
import inspect
import logging
import typing
from collections.abc import Callable, Iterator
from datetime import date
from importlib import resources
from typing import Any, TypedDict

import gradio as gr
from pydantic import ValidationError

from assistant import Answer, QuestionError
from footnote.records import Citation
from ingest.loaders import SUPPORTED_EXTS
from server.api import answer_options
from server.errors import validation_message
from server.schemas import AnswerOut, AskRequest
from server.service import Service
from ui import articles
from ui import chat as chat_events
from ui.news_page import news_panels
from ui.render import status_line
from vectorstore.errors import StoreError

log = logging.getLogger("footnote.ui")

PAGE_CSS = resources.files("ui").joinpath("page.css").read_text(encoding="utf-8")
PAGE_HEAD = "<script>\n" + resources.files("ui").joinpath("page.js").read_text(encoding="utf-8") + "</script>"


def page_status(service: Service) -> str:
    """The status line: the answerer and the store's size (or why it is unavailable)."""
    return status_line(service.model_label(), service.store_label())


def _date(label: str, elem_id: str, value: str | None = None) -> gr.DateTime:
    """A date picker (typing YYYY-MM-DD works too; a bad date is said inline)."""
    return gr.DateTime(value=value, label=label, include_time=False, type="string", elem_id=elem_id)


def _settings_panel(service: Service) -> tuple[Any, ...]:
    """The settings column: (top_k, sources, as_of, date_from, date_to, mode)."""
    s = service.settings
    with gr.Accordion("Settings", open=True):
        as_of = _date("As of ('this weekend' is read against this day)", "fn-asof", date.today().isoformat())
        top_k = gr.Slider(1, 20, value=s.top_k, step=1, label="Passages per answer", elem_id="fn-topk")
        sources = gr.Dropdown(choices=service.sources(), multiselect=True, label="Only these sources", value=[])
        with gr.Row():
            date_from = _date("From", "fn-from")
            date_to = _date("To", "fn-to")
        mode = gr.Radio(
            ["LLM", "Offline"], value="LLM" if s.use_llm else "Offline", label="Answers from", visible=s.llm_configured,
        )
    return top_k, sources, as_of, date_from, date_to, mode


def _conversation_column() -> dict[str, Any]:
    """The list of saved conversations and what to do with the open one."""
    c: dict[str, Any] = {}
    c["new"] = gr.Button("New conversation", size="sm", elem_id="fn-clear")
    c["list"] = gr.Radio(choices=[], label="Conversations", elem_id="fn-convs")
    c["exports"] = gr.HTML(elem_id="fn-exports")
    with gr.Accordion("This conversation", open=False, elem_id="fn-conv-tools"):
        c["title"] = gr.Textbox(label="Title", max_lines=1, elem_id="fn-title")
        with gr.Row():
            c["rename"] = gr.Button("Rename", size="sm", elem_id="fn-rename")
            c["delete"] = gr.Button("Delete", size="sm", variant="stop", elem_id="fn-delete")
    return c


def _chat_widgets(service: Service) -> dict[str, Any]:
    """The Chat tab's components."""
    w: dict[str, Any] = {}
    with gr.Row(elem_id="fn-chat-row"):
        with gr.Column(scale=1, min_width=200):
            w["conv"] = _conversation_column()
        with gr.Column(scale=4, min_width=320):
            w["chat"] = gr.Chatbot(
                elem_id="fn-chat", height=560, show_label=False, buttons=["copy"], feedback_options=("Like", "Dislike"), autoscroll=False,
                latex_delimiters=[],  # answers and passages are text, never LaTeX
                placeholder="Ask about the articles, e.g. *Who denied the reports?*",
            )
            w["inline"] = gr.HTML(elem_id="fn-inline-box")
            with gr.Row():
                w["box"] = gr.Textbox(placeholder="Ask a question…", show_label=False, scale=8, elem_id="fn-question",
                                      autofocus=True, max_lines=6)
                w["send"] = gr.Button("Ask", variant="primary", scale=1, elem_id="fn-ask")
            w["note"] = gr.Textbox(label="Note sent with a thumbs up/down (optional: the right answer)", max_lines=2, elem_id="fn-note")
            gr.Examples(["Who denied the reports?", "Were North Korean troops reported in Ukraine?"], inputs=w["box"])
        with gr.Column(scale=2, min_width=260):
            w["top_k"], w["sources"], w["as_of"], w["from"], w["to"], w["mode"] = _settings_panel(service)
            news_panels(service)  # Timeline view, feeds
    w["conv_id"] = gr.State(None)
    # which conversation is open, kept in the browser (its secret in the database: a restart keeps it readable)
    w["remembered"] = gr.BrowserState(None, storage_key="footnote-conversation", secret=service.db.secret("browser-state"))
    return w


def _chat_tab(service: Service) -> dict[str, Any]:
    """The Chat tab and its events; returns its components."""
    w = _chat_widgets(service)
    conv, chat, box, inline = w["conv"], w["chat"], w["box"], w["inline"]
    private: dict[str, Any] = {"api_visibility": "private"}
    ask_outputs = [chat, w["conv_id"], box, inline, conv["list"], w["remembered"], conv["exports"]]
    inputs = [box, chat, w["conv_id"], w["top_k"], w["sources"], w["as_of"], w["from"], w["to"], w["mode"]]
    for trigger in (box.submit, w["send"].click):
        trigger(bind(chat_events.respond, service), inputs, ask_outputs, show_progress_on=[chat], **private)
    opened = [chat, w["conv_id"], conv["title"], w["remembered"], conv["exports"], inline]
    conv["list"].input(bind(chat_events.open_conversation, service), [conv["list"]], opened, **private)
    conv["new"].click(chat_events.new_conversation, None, [*opened, conv["list"]], **private)
    conv["rename"].click(bind(chat_events.rename, service), [w["conv_id"], conv["title"]],
                         [conv["list"], inline], **private)
    conv["delete"].click(bind(chat_events.delete, service), [w["conv_id"]], [*opened, conv["list"]],
                         **private)
    chat.like(bind(chat_events.feedback, service), [w["conv_id"], w["note"]], [inline, w["note"]], **private)
    return w


def _articles_widgets(service: Service) -> dict[str, Any]:
    """The Articles tab's components."""
    w: dict[str, Any] = {}
    with gr.Row():
        w["query"] = gr.Textbox(label="Search titles, sources, URLs", max_lines=1, scale=3, elem_id="fn-art-q")
        w["sources"] = gr.Dropdown(choices=service.sources(), multiselect=True, label="Sources", value=[], scale=2)
        w["from"], w["to"] = _date("From", "fn-art-from"), _date("To", "fn-art-to")
        w["search"] = gr.Button("Search", scale=1, elem_id="fn-art-search")
    w["inline"] = gr.HTML(elem_id="fn-art-inline")
    w["table"] = gr.Dataframe(headers=articles.COLUMNS, interactive=False, elem_id="fn-articles", wrap=True)
    with gr.Row():
        w["prev"] = gr.Button("← Previous", size="sm", elem_id="fn-art-prev")
        w["label"] = gr.Markdown(elem_id="fn-art-page")
        w["next"] = gr.Button("Next →", size="sm", elem_id="fn-art-next")
    w["offset"], w["selected"] = gr.State(0), gr.State(None)
    with gr.Row():
        with gr.Column(scale=3):
            w["view"] = gr.HTML(elem_id="fn-article")
            w["delete"] = gr.Button("Delete this article", variant="stop", size="sm", elem_id="fn-art-delete")
        with gr.Column(scale=2):
            w["files"] = gr.File(file_count="multiple", file_types=sorted(SUPPORTED_EXTS),
                                 label="Add articles (.txt .md .html .pdf .jsonl)", elem_id="fn-files")
            w["ingest"] = gr.Button("Ingest", elem_id="fn-ingest")
            w["summary"] = gr.HTML(elem_id="fn-summary")
    return w


def _articles_tab(service: Service, status: gr.Markdown) -> dict[str, Any]:
    """The Articles tab and its events; returns its components (``listed``: a listing's outputs)."""
    w = _articles_widgets(service)
    private: dict[str, Any] = {"api_visibility": "private"}
    filters = [w["query"], w["sources"], w["from"], w["to"]]
    w["listed"] = listed = [w["table"], w["label"], w["offset"], w["inline"]]
    w["first_page"] = functools.partial(articles.list_articles, service, "", [], None, None, 0)
    for trigger in (w["search"].click, w["query"].submit):
        trigger(functools.partial(articles.turn_page, service, step=0), [*filters, gr.State(0)], listed, **private)
    w["prev"].click(functools.partial(articles.turn_page, service, step=-1), [*filters, w["offset"]], listed, **private)
    w["next"].click(functools.partial(articles.turn_page, service, step=1), [*filters, w["offset"]], listed, **private)
    w["table"].select(bind(articles.open_article, service), [w["table"]], [w["view"], w["selected"], w["inline"]],
                      **private)
    w["delete"].click(bind(articles.delete_article, service), [w["selected"], *filters, w["offset"]],
                      [w["view"], w["selected"], w["inline"], w["table"], w["label"], w["offset"], status], **private)
    w["ingest"].click(bind(articles.upload, service), [w["files"]], [w["summary"], status, w["files"]],
                      show_progress_on=[w["summary"]], **private)
    return w


def build_page(service: Service) -> gr.Blocks:
    """The page: a Chat tab (saved conversations, answers with their cited passages, feedback,
    settings) and an Articles tab (the catalogue, one article, delete, upload)."""
    with gr.Blocks(title="Footnote", analytics_enabled=False, fill_height=True) as demo:
        with gr.Row():
            gr.Markdown("## Footnote\nAnswers from your news articles, with the passages they come from.")
            status = gr.Markdown(page_status(service), elem_id="fn-status")
        with gr.Tabs():
            with gr.Tab("Chat", id="chat", elem_id="fn-tab-chat"):
                c = _chat_tab(service)
            with gr.Tab("Articles", id="articles", elem_id="fn-tab-articles") as art_tab:
                a = _articles_tab(service, status)
        art_tab.select(a["first_page"], None, a["listed"], api_visibility="private")

        def on_load(remembered, request: gr.Request):
            sources = gr.update(choices=service.sources())
            return (page_status(service), sources, sources, *chat_events.restore(service, remembered, request))

        demo.load(on_load, [c["remembered"]], [status, c["sources"], a["sources"], c["chat"], c["conv_id"],
                                               c["conv"]["title"], c["conv"]["exports"], c["conv"]["list"]],
                  api_visibility="private")
        gr.api(_bound(chat_api, service), api_name="chat")
        gr.api(_bound(chat_stream_api, service, stream=True), api_name="chat_stream")
    return demo


# The page API's return types, for gradio_client's view_api: the HTTP API's records as
# TypedDicts (Gradio types an endpoint from its function's hints), built from them, not copied.
CitationOut = TypedDict("CitationOut", typing.get_type_hints(Citation))  # type: ignore[misc]
_ANSWER_HINTS = typing.get_type_hints(AnswerOut)
_CHAT_FIELDS = ("answer", "refused", "question", "standalone_question", "answerer", "notice",
                "supported_sentences", "total_sentences", "timings")
_chat_answer_fields: dict[str, Any] = {k: _ANSWER_HINTS[k] for k in _CHAT_FIELDS}
_chat_answer_fields["citations"] = list[CitationOut]  # type: ignore[valid-type]
ChatAnswer = TypedDict("ChatAnswer", _chat_answer_fields)  # type: ignore[misc]


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


def bind(fn: Callable[..., Any], service: Service) -> Callable[..., Any]:
    """``fn`` with the Service as its first argument, keeping its name, docstring and typed
    signature: Gradio reads the types to pass gr.Request, gr.LikeData, gr.SelectData (a
    functools.partial hides them) and builds an endpoint's schema from them."""

    @functools.wraps(fn)
    def bound(*args, **kwargs):
        return fn(service, *args, **kwargs)

    if inspect.isgeneratorfunction(fn):
        @functools.wraps(fn)
        def bound(*args, **kwargs):  # a generator stays one (Gradio streams it)
            yield from fn(service, *args, **kwargs)

    bound.__signature__ = inspect.signature(functools.partial(fn, service))  # type: ignore[attr-defined]
    bound.__annotations__ = {k: v for k, v in fn.__annotations__.items() if k != "service"}
    return bound


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
