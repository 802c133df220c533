"""Footnote's page and HTTP API: ``python app.py`` serves both on http://127.0.0.1:7860.

One FastAPI application holds the HTTP API (``/api/*``, the OpenAI-compatible
``/v1/*``, the OpenAPI schema) and mounts the Gradio page at ``/``; both adapt the one
service, ``assistant.Assistant``, and nothing else lives here. ``create_app(settings)``
builds it (tests run it with uvicorn on a free port).

Concessions: article text is data, never markup, so every string that comes from an
article is HTML-escaped before it reaches the page (Gradio's sanitiser is a second line,
not the first). With ``FOOTNOTE_AUTH`` set, the page uses Gradio's login and the API
accepts HTTP Basic, ``Authorization: Bearer user:password`` (what OpenAI clients send as
their API key) or the page's login cookie.
"""

from __future__ import annotations

import os

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")

import base64  # noqa: E402
import hashlib  # noqa: E402
import html  # noqa: E402
import json  # noqa: E402
import logging  # noqa: E402
import re  # noqa: E402
import secrets  # noqa: E402
import threading  # noqa: E402
import time  # noqa: E402
import uuid  # noqa: E402
from collections.abc import AsyncIterator, Sequence  # noqa: E402
from datetime import date  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Any, Literal  # noqa: E402

import anyio  # noqa: E402
import gradio as gr  # noqa: E402
from fastapi import Depends, FastAPI, File, Request, UploadFile  # noqa: E402
from fastapi.exceptions import RequestValidationError  # noqa: E402
from fastapi.openapi.docs import get_swagger_ui_html  # noqa: E402
from fastapi.responses import JSONResponse, StreamingResponse  # noqa: E402
from pydantic import BaseModel, ConfigDict, Field  # noqa: E402
from starlette.concurrency import iterate_in_threadpool, run_in_threadpool  # noqa: E402
from starlette.exceptions import HTTPException as StarletteHTTPException  # noqa: E402

from assistant import Answer, Assistant, QuestionError  # noqa: E402
from footnote.records import Citation, IngestSummary  # noqa: E402
from footnote.settings import Settings  # noqa: E402
from ingest.loaders import SUPPORTED_EXTS  # noqa: E402
from ingest.uploads import UploadError, safe_upload_path  # noqa: E402
from server.mcp import mount as mount_mcp  # noqa: E402
from vectorstore.errors import StoreError, StoreUnavailable  # noqa: E402

log = logging.getLogger("footnote.app")

MODEL_ID = "footnote"


# ======================================================================================
# The service seam: one Assistant, built on first use (a store that is down at start
# answers 503 until it is back), ingest serialised, answers bounded by settings.concurrency.
# ======================================================================================
class Service:
    """What the page and the API share: the Assistant, an ingest lock, the API's concurrency
    bound (the page's is its Gradio queue, both ``settings.concurrency``)."""

    def __init__(self, settings: Settings, assistant: Assistant | None = None) -> None:
        self.settings = settings
        self._assistant = assistant
        self._build_lock = threading.Lock()
        self.ingest_lock = threading.Lock()
        # API answers at once; waiters wait in the event loop, not on a worker thread (a
        # thread blocked on a slot while a stream needs a thread to finish would deadlock)
        self.api_slots = anyio.Semaphore(settings.concurrency)
        self._overview: tuple[str, dict[str, int], list[str]] | None = None

    @property
    def assistant(self) -> Assistant:
        """The Assistant; raises StoreUnavailable while the store cannot be opened."""
        if self._assistant is None:
            with self._build_lock:
                if self._assistant is None:
                    try:
                        a = Assistant(self.settings)
                    except StoreError:
                        raise
                    except Exception as e:  # Chroma raises assorted errors when its server is away
                        raise StoreUnavailable(f"cannot open the store: {type(e).__name__}: {e}") from e
                    if self.settings.ingest_sample:
                        a.ensure_sample()
                    self._assistant = a
        return self._assistant

    def overview(self) -> tuple[dict[str, int], list[str]]:
        """(counts, sources) of the store, recomputed only when its revision changed (a
        full count walks every passage's metadata)."""
        a = self.assistant
        revision = a.store.revision()  # also the reachability check
        cached = self._overview
        if cached is not None and cached[0] == revision:
            return cached[1], cached[2]
        stats, sources = a.stats(), a.store.sources()
        self._overview = (revision, stats, sources)
        return stats, sources

    def model_label(self) -> str:
        s = self.settings
        if s.use_llm:
            return f"LLM {s.model}" + (f" at {s.openai_base_url}" if s.openai_base_url else "")
        return "offline extractive answerer"

    @property
    def upload_dir(self) -> Path:
        return self.settings.store_dir / "uploads"

    def ingest_files(self, files: Sequence[tuple[str, bytes]], progress=None) -> IngestSummary:
        """Ingest uploaded (name, content) pairs; bad names and types are reported, not raised.

        Each file is written as ``uploads/<content hash>/<cleaned name>`` (``ingest.uploads``
        keeps it inside that folder and checks its type): the same file
        uploaded twice is one article (unchanged the second time), two different files with
        the same name are two articles.
        """
        summary = IngestSummary()
        staged: list[Path] = []
        with self.ingest_lock:
            for raw_name, data in files:
                folder = self.upload_dir / hashlib.sha1(data).hexdigest()[:16]
                try:
                    target = safe_upload_path(folder, raw_name, unique=False)
                except UploadError as e:
                    summary.failed.append((_shown_name(raw_name), str(e).split(": ", 1)[-1]))
                    continue
                target.write_bytes(data)
                staged.append(target)
            if staged:
                from ingest.pipeline import Ingestor

                a = self.assistant
                result = Ingestor(a.settings, a.store, a.lexical).ingest(staged, progress=progress)
                failed = [(Path(item).name if "/" in item else item, reason) for item, reason in result.failed]
                result.failed = summary.failed + failed
                result.skipped += summary.skipped
                summary = result
        return summary


def _shown_name(raw: str | None) -> str:
    """An uploaded name as the summary shows it: the last path component, printable only."""
    name = re.split(r"[/\\]", raw or "")[-1]
    return "".join(ch for ch in name if ch.isprintable())[:120] or "(no name)"


def parse_auth(raw: str | None) -> dict[str, str]:
    """'user:password,user2:password2' -> {user: password}."""
    users: dict[str, str] = {}
    for pair in (raw or "").split(","):
        if not pair.strip():
            continue
        user, sep, password = pair.strip().partition(":")
        if not sep or not user or not password:
            raise ValueError("FOOTNOTE_AUTH must look like 'user:password,user2:password2'")
        users[user] = password
    return users


# ======================================================================================
# HTTP API models (they are the OpenAPI schema)
# ======================================================================================
class Turn(BaseModel):
    """One earlier message of the conversation."""

    role: Literal["user", "assistant", "system"]
    content: str


class AskRequest(BaseModel):
    """A question, optionally with the conversation so far and filters."""

    model_config = ConfigDict(json_schema_extra={"examples": [{"question": "Who denied the reports?", "top_k": 5}]})

    question: str = Field(..., description="The question (at most FOOTNOTE_MAX_QUESTION_CHARS characters).")
    history: list[Turn] | None = Field(None, description="Earlier turns, oldest first, for follow-up questions.")
    top_k: int | None = Field(None, ge=1, le=50, description="Passages given to the answerer (default FOOTNOTE_TOP_K).")
    sources: list[str] | None = Field(None, description="Only passages from these sources.")
    date_from: date | None = Field(None, description="Only articles published on or after this date.")
    date_to: date | None = Field(None, description="Only articles published on or before this date.")
    answerer: Literal["llm", "extractive"] | None = Field(None, description="Force the LLM or the offline answerer.")


class AnswerOut(BaseModel):
    """An answer with inline [n] markers; citations[i] is passage n = i + 1."""

    answer: str
    refused: bool = Field(..., description="True when the articles do not hold the answer (no citations then).")
    citations: list[Citation]
    question: str
    standalone_question: str
    answerer: str
    notice: str
    supported_sentences: int
    total_sentences: int
    timings: dict[str, float]


class IngestFailure(BaseModel):
    item: str = Field(..., description="The file (and line) that failed.")
    reason: str


class IngestOut(BaseModel):
    """The summary of an upload, as ``python -m ingest`` prints it."""

    added: int
    updated: int
    unchanged: int
    removed: int
    failed: list[IngestFailure]
    skipped: int
    chunks_written: int
    seconds: float


class HealthOut(BaseModel):
    status: Literal["ok"]
    store: str = Field(..., description="Where the store lives (folder or Chroma server URL).")
    articles: int
    passages: int
    model: str = Field(..., description="The answerer in use.")
    llm_configured: bool


class ErrorBody(BaseModel):
    message: str = Field(..., description="What went wrong and what to do next.")
    type: str
    status: int


class ErrorOut(BaseModel):
    error: ErrorBody


class ChatContentPart(BaseModel):
    model_config = ConfigDict(extra="allow")
    type: str = "text"
    text: str = ""


class ChatMessage(BaseModel):
    model_config = ConfigDict(extra="allow")
    role: Literal["system", "developer", "user", "assistant", "tool"]
    content: str | list[ChatContentPart] | None = None

    def plain(self) -> str:
        if isinstance(self.content, list):
            return "".join(p.text for p in self.content if p.type == "text")
        return self.content or ""


class ChatCompletionRequest(BaseModel):
    """OpenAI chat completions request; Footnote's own options ride along (``extra_body``)."""

    model_config = ConfigDict(extra="allow")
    model: str = MODEL_ID
    messages: list[ChatMessage] = Field(..., min_length=1)
    stream: bool = False
    top_k: int | None = Field(None, ge=1, le=50)
    sources: list[str] | None = None
    date_from: date | None = None
    date_to: date | None = None
    answerer: Literal["llm", "extractive"] | None = None


class CompletionMessage(BaseModel):
    role: Literal["assistant"] = "assistant"
    content: str


class CompletionChoice(BaseModel):
    index: int = 0
    message: CompletionMessage
    finish_reason: Literal["stop"] = "stop"


class Usage(BaseModel):
    prompt_tokens: int = 0
    completion_tokens: int = 0
    total_tokens: int = 0


class ChatCompletionOut(BaseModel):
    """An OpenAI chat completion; ``citations`` (passage n = citations[n-1]) and ``refused`` are Footnote's."""

    id: str
    object: Literal["chat.completion"] = "chat.completion"
    created: int
    model: str
    choices: list[CompletionChoice]
    usage: Usage
    citations: list[Citation]
    refused: bool


class ModelOut(BaseModel):
    id: str
    object: Literal["model"] = "model"
    created: int = 0
    owned_by: str = "footnote"


class ModelList(BaseModel):
    object: Literal["list"] = "list"
    data: list[ModelOut]


ERRORS: dict[int | str, dict[str, Any]] = {
    400: {"model": ErrorOut, "description": "Empty, oversized or malformed question or request"},
    401: {"model": ErrorOut, "description": "Login required (FOOTNOTE_AUTH is set)"},
    503: {"model": ErrorOut, "description": "The store is unreachable"},
}


class APIError(Exception):
    def __init__(self, status: int, message: str, kind: str) -> None:
        super().__init__(message)
        self.status, self.message, self.kind = status, message, kind


def error_response(status: int, message: str, kind: str, headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse({"error": {"message": message, "type": kind, "status": status}}, status_code=status, headers=headers)


# ======================================================================================
# Rendering (the page): every article string is escaped
# ======================================================================================
def esc(text: str) -> str:
    """HTML-escaped text with line breaks kept (and no blank line, which would end the
    chatbot's HTML block and let Markdown read the rest)."""
    return html.escape(text or "", quote=True).replace("\r", "").replace("\n", "<br>")


def safe_url(url: str) -> str:
    return html.escape(url, quote=True) if re.match(r"^https?://", url or "", re.I) else ""


def render_citation(c: Citation | dict, turn: str) -> str:
    c = c if isinstance(c, dict) else c.to_dict()
    n = int(c["n"])
    text = html.escape(c.get("text") or "")
    quote = html.escape((c.get("quote") or "").strip())
    if quote and quote in text:
        text = text.replace(quote, f'<mark class="fn-quote">{quote}</mark>', 1)
    text = text.replace("\r", "").replace("\n", "<br>")
    meta = " · ".join(esc(x) for x in (c.get("source"), c.get("date")) if x)
    url = safe_url(c.get("url") or "")
    link = f' <a class="fn-link" href="{url}" target="_blank" rel="noopener noreferrer">open article</a>' if url else ""
    flag = "" if c.get("supported", True) else ' <span class="fn-unsupported" title="the passage may not support this">unverified</span>'
    return (
        f'<details class="fn-cite" id="fn-{turn}-{n}" open>'
        f'<summary><span class="fn-n">[{n}]</span> <span class="fn-title">{esc(c.get("title") or "(untitled)")}</span>'
        f' <span class="fn-meta">{meta}</span>{flag}</summary>'
        f'<div class="fn-passage">{text}</div>{link}</details>'
    )


def render_answer(answer: Answer | dict, turn: str) -> str:
    """The bot message: the answer with clickable [n] markers, then its cited passages;
    a refusal is a distinct note without citations."""
    a = answer if isinstance(answer, dict) else answer.to_dict()
    notice = f'<div class="fn-notice">{esc(a["notice"])}</div>' if a.get("notice") else ""
    if a["refused"]:
        return (
            f'<div class="fn-msg fn-refused"><div class="fn-refusal"><span class="fn-refusal-label">Not in the articles</span>'
            f'<div>{esc(a["answer"])}</div></div>{notice}</div>'
        )
    known = {int(c["n"]) for c in a["citations"]}

    def link(m: re.Match) -> str:
        n = int(m.group(1))
        if n not in known:
            return m.group(0)
        return f'<a class="fn-ref" href="#fn-{turn}-{n}" data-fn-target="fn-{turn}-{n}">[{n}]</a>'

    body = re.sub(r"\[(\d+)\]", link, esc(a["answer"]))
    cites = "".join(render_citation(c, turn) for c in a["citations"])
    return (
        f'<div class="fn-msg"><div class="fn-answer">{body}</div>{notice}'
        f'<div class="fn-cites"><div class="fn-cites-h">Cited passages</div>{cites}</div></div>'
    )


PAGE_CSS = """
.fn-answer { line-height: 1.5; }
.fn-ref { font-weight: 600; text-decoration: none; cursor: pointer; }
.fn-cites { margin-top: .6em; border-top: 1px solid var(--border-color-primary); padding-top: .4em; }
.fn-cites-h { font-size: .85em; opacity: .75; margin-bottom: .3em; }
.fn-cite { margin: .3em 0; padding: .3em .5em; border-left: 3px solid var(--color-accent); background: var(--background-fill-secondary); border-radius: 4px; }
.fn-cite summary { cursor: pointer; }
.fn-meta { font-size: .85em; opacity: .75; }
.fn-passage { font-size: .9em; margin-top: .3em; white-space: normal; }
.fn-quote { background: #fde68a; color: #111; padding: 0 .1em; }
.fn-flash { outline: 2px solid var(--color-accent); }
.fn-unsupported { font-size: .8em; color: #b45309; }
.fn-refusal { border: 1px dashed #9ca3af; background: #f3f4f6; color: #374151; padding: .5em .7em; border-radius: 6px; font-style: italic; }
.fn-refusal-label { display: block; font-style: normal; font-weight: 600; font-size: .8em; text-transform: uppercase; letter-spacing: .04em; margin-bottom: .2em; }
.fn-notice { font-size: .85em; color: #b45309; margin-top: .3em; }
"""

# Clicking [n] opens passage n of that answer and scrolls it into view.
PAGE_HEAD = """<script>
document.addEventListener('click', function (ev) {
  var a = ev.target.closest && ev.target.closest('a.fn-ref');
  if (!a) return;
  ev.preventDefault(); ev.stopPropagation();
  var id = a.getAttribute('data-fn-target') || (a.getAttribute('href') || '').slice(1);
  var el = document.getElementById(id);
  if (!el) return;
  el.open = true;
  el.scrollIntoView({behavior: 'smooth', block: 'center'});
  el.classList.add('fn-flash');
  setTimeout(function () { el.classList.remove('fn-flash'); }, 1500);
}, true);
</script>"""


# ======================================================================================
# The page
# ======================================================================================
def _parse_day(value: str | None, label: str) -> date | None:
    value = (value or "").strip()
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise gr.Error(f"{label} must be a date like 2024-10-10, not {value!r}.") from None


def _status_line(service: Service) -> str:
    try:
        st = service.overview()[0]
        store = f"{st['articles']:,} articles, {st['passages']:,} passages"
    except StoreError as e:
        store = f"unavailable ({e})"
    return f"**Model:** {html.escape(service.model_label())} · **Store:** {html.escape(store)}"


def _sources(service: Service) -> list[str]:
    try:
        return service.overview()[1]
    except StoreError:
        return []


def build_page(service: Service) -> gr.Blocks:
    """The chat page: streaming answers with their cited passages, settings, upload."""
    s = service.settings

    def respond(message, chat, conv, top_k, sources, date_from, date_to, mode):
        chat, conv = list(chat or []), list(conv or [])
        question = (message or "").strip()
        options = {
            "top_k": int(top_k) if top_k else None,
            "sources": list(sources) or None if sources else None,
            "date_from": _parse_day(date_from, "From"),
            "date_to": _parse_day(date_to, "To"),
            "answerer": ("llm" if mode == "LLM" else "extractive") if s.llm_configured else None,
        }
        try:
            service.assistant.validate(question)
        except QuestionError as e:
            raise gr.Error(str(e)) from e
        except StoreError as e:
            raise gr.Error(f"The store is unreachable: {e}. Try again when it is back.") from e
        turn = uuid.uuid4().hex[:8]
        chat.append({"role": "user", "content": esc(question)})
        chat.append({"role": "assistant", "content": '<div class="fn-answer fn-streaming">…</div>'})
        yield chat, conv, ""
        text = ""
        try:  # no extra bound here: the Gradio queue runs settings.concurrency of these at once
            for item in service.assistant.stream(question, conv, **options):
                if isinstance(item, Answer):
                    chat[-1] = {"role": "assistant", "content": render_answer(item, turn)}
                    conv += [{"role": "user", "content": question}, {"role": "assistant", "content": item.text}]
                    yield chat, conv, ""
                else:
                    text += item
                    chat[-1] = {"role": "assistant", "content": f'<div class="fn-answer fn-streaming">{esc(text)}</div>'}
                    yield chat, conv, ""
        except Exception as e:  # noqa: BLE001 - the edge: say what happened in the chat, keep the page usable
            if isinstance(e, QuestionError):
                why = str(e)
            elif isinstance(e, StoreError):
                why = f"The store is unreachable: {e}. Try again when it is back."
            else:
                log.exception("answering failed")
                why = f"Something went wrong ({type(e).__name__}); try again, and see the server log if it persists."
            chat[-1] = {"role": "assistant", "content": f'<div class="fn-msg fn-error"><div class="fn-notice">{esc(why)}</div></div>'}
            yield chat, conv, ""

    def upload(files, progress=gr.Progress()):
        if not files:
            raise gr.Error("Choose one or more files first (.txt .md .html .pdf .jsonl).")
        limit = int(s.max_upload_mb * 1_000_000)
        pairs: list[tuple[str, bytes]] = []
        too_big: list[tuple[str, str]] = []
        for f in files:
            path = Path(f if isinstance(f, str) else f.name)
            if path.stat().st_size > limit:
                too_big.append((path.name, f"over the {s.max_upload_mb:g} MB upload limit"))
                continue
            pairs.append((path.name, path.read_bytes()))
        progress(0, desc="ingesting")

        def tick(done: int, total: int) -> None:
            progress((done, total), desc="ingesting", unit="articles")

        try:
            summary = service.ingest_files(pairs, progress=tick)
        except StoreError as e:
            raise gr.Error(f"The store is unreachable: {e}. Nothing was lost; upload again when it is back.") from e
        summary.failed = too_big + summary.failed
        lines = [f"**Ingested:** {html.escape(summary.format().splitlines()[0])}"]
        for item, reason in summary.failed:
            lines.append(f"- ❌ `{html.escape(item)}`: {html.escape(reason)}")
        return "\n".join(lines), _status_line(service), gr.update(choices=_sources(service)), None

    with gr.Blocks(title="Footnote", analytics_enabled=False, fill_height=True) as demo:
        with gr.Row():
            gr.Markdown("## Footnote\nAnswers from your news articles, with the passages they come from.")
            status = gr.Markdown(_status_line(service), elem_id="fn-status")
        with gr.Row():
            with gr.Column(scale=3):
                chat = gr.Chatbot(
                    elem_id="fn-chat", height=560, buttons=["copy"], feedback_options=None,
                    placeholder="Ask about the articles, e.g. *Who denied the reports?*",
                )
                with gr.Row():
                    box = gr.Textbox(placeholder="Ask a question…", show_label=False, scale=8, elem_id="fn-question", autofocus=True, max_lines=6)
                    send = gr.Button("Ask", variant="primary", scale=1, elem_id="fn-ask")
                with gr.Row():
                    clear = gr.Button("New conversation", size="sm", elem_id="fn-clear")
                gr.Examples(["Who denied the reports?", "Were North Korean troops reported in Ukraine?"], inputs=box)
            with gr.Column(scale=2):
                with gr.Accordion("Settings", open=True):
                    top_k = gr.Slider(1, 20, value=s.top_k, step=1, label="Passages per answer", elem_id="fn-topk")
                    sources = gr.Dropdown(choices=_sources(service), multiselect=True, label="Only these sources", value=[])
                    with gr.Row():
                        date_from = gr.Textbox(label="From (YYYY-MM-DD)", max_lines=1)
                        date_to = gr.Textbox(label="To (YYYY-MM-DD)", max_lines=1)
                    mode = gr.Radio(
                        ["LLM", "Offline"], value="LLM" if s.use_llm else "Offline", label="Answers from",
                        visible=s.llm_configured,
                    )
                with gr.Accordion("Add articles", open=True):
                    files = gr.File(
                        file_count="multiple", file_types=sorted(SUPPORTED_EXTS), label="Files (.txt .md .html .pdf .jsonl)",
                        elem_id="fn-files",
                    )
                    ingest_btn = gr.Button("Ingest", elem_id="fn-ingest")
                    summary = gr.Markdown(elem_id="fn-summary")
        conv = gr.State([])
        demo.load(
            lambda: (_status_line(service), gr.update(choices=_sources(service))), None, [status, sources],
            api_visibility="private",
        )
        inputs = [box, chat, conv, top_k, sources, date_from, date_to, mode]
        for trigger in (box.submit, send.click):
            trigger(respond, inputs, [chat, conv, box], api_visibility="private")
        clear.click(lambda: ([], [], ""), None, [chat, conv, box], api_visibility="private")
        chat.clear(lambda: [], None, [conv], api_visibility="private")
        ingest_btn.click(upload, [files], [summary, status, sources, files], api_visibility="private")

        def chat_api(
            message: str,
            history: list[dict] | None = None,
            top_k: int | None = None,
            sources: list[str] | None = None,
            date_from: str | None = None,
            date_to: str | None = None,
        ) -> dict:
            """Answer a question from the articles; returns the answer with its citations (as POST /api/ask)."""
            try:
                ans = service.assistant.ask(
                    message or "", _history(history), top_k=top_k, sources=sources or None,
                    date_from=date.fromisoformat(date_from) if date_from else None,
                    date_to=date.fromisoformat(date_to) if date_to else None,
                )
            except (QuestionError, ValueError) as e:
                raise gr.Error(str(e)) from e
            except StoreError as e:
                raise gr.Error(f"The store is unreachable: {e}") from e
            return ans.to_dict()

        gr.api(chat_api, api_name="chat")
    return demo


def _history(history: Sequence | None) -> list[dict[str, str]]:
    out: list[dict[str, str]] = []
    for t in history or []:
        if isinstance(t, dict) and isinstance(t.get("content"), str) and t.get("role") in ("user", "assistant"):
            out.append({"role": t["role"], "content": t["content"]})
        elif isinstance(t, BaseModel):
            out.append({"role": t.role, "content": t.content})  # type: ignore[attr-defined]
        elif isinstance(t, (list, tuple)) and len(t) == 2:
            out += [{"role": "user", "content": str(t[0])}, {"role": "assistant", "content": str(t[1] or "")}]
    return out


# ======================================================================================
# The HTTP API
# ======================================================================================
class UploadLimit:
    """ASGI middleware: refuse an upload body over the limit with 413 before reading it all."""

    def __init__(self, app, limit_bytes: int, paths: tuple[str, ...] = ("/api/ingest",)) -> None:
        self.app, self.limit, self.paths = app, limit_bytes, paths

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http" or scope["path"].rstrip("/") not in self.paths:
            return await self.app(scope, receive, send)
        headers = dict(scope.get("headers") or [])
        length = headers.get(b"content-length")
        msg = f"The upload is over the {self.limit / 1e6:g} MB limit (FOOTNOTE_MAX_UPLOAD_MB); send fewer or smaller files."
        if length is not None and length.isdigit() and int(length) > self.limit:
            return await error_response(413, msg, "upload_too_large")(scope, receive, send)
        seen = 0
        too_large = False
        started = False

        class TooLarge(Exception):
            pass

        async def counting_receive():
            nonlocal seen, too_large
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.limit:
                    too_large = True
                    raise TooLarge
            return message

        async def guarded_send(message):
            # once the body is over the limit, whatever the app answers (the form parser
            # turns our exception into a 400) is replaced by the 413
            nonlocal started
            if too_large:
                if message["type"] == "http.response.start" and not started:
                    started = True
                    await error_response(413, msg, "upload_too_large")(scope, receive, send)
                return
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, counting_receive, guarded_send)
        except TooLarge:
            pass
        if too_large and not started:
            await error_response(413, msg, "upload_too_large")(scope, receive, send)


def _error_text(e: Exception) -> str:
    if isinstance(e, StoreError):
        return f"The article store is unreachable: {e}. Retry when it is back."
    return f"The answer failed midway ({type(e).__name__}); retry."


def _sse(event: str, data: Any) -> str:
    return f"event: {event}\ndata: {json.dumps(data, ensure_ascii=False)}\n\n"


def _sources_footer(citations: list[dict]) -> str:
    if not citations:
        return ""
    lines = ["", "", "Sources:"]
    for c in citations:
        bits = ", ".join(x for x in (c.get("source"), c.get("date"), c.get("url")) if x)
        lines.append(f"[{c['n']}] {c.get('title') or '(untitled)'}" + (f" ({bits})" if bits else ""))
    return "\n".join(lines)


def create_app(settings: Settings | None = None, assistant: Assistant | None = None) -> FastAPI:
    """The FastAPI application: the HTTP API plus the Gradio page mounted at ``/``.

    Args:
        settings: the settings (default: read from the environment).
        assistant: an Assistant to serve (default: built from the settings on first use;
            with ``settings.ingest_sample`` the sample article is ingested into an empty store).

    Returns:
        An ASGI app to run with uvicorn (``python app.py`` does that).
    """
    settings = settings or Settings()
    service = Service(settings, assistant)
    users = parse_auth(settings.auth.get_secret_value() if settings.auth else None)
    app = FastAPI(
        title="Footnote",
        version="1.0",
        description="Answers from news articles with inline [n] citations. Errors are JSON: {error: {message, type, status}}.",
        docs_url=None, redoc_url=None, openapi_url=None,
    )
    app.state.service = service
    holder: dict[str, Any] = {}

    def check_credentials(user: str, password: str) -> bool:
        expected = users.get(user)
        return expected is not None and secrets.compare_digest(expected.encode(), password.encode())

    def current_user(request: Request) -> str | None:
        if not users:
            return "anonymous"
        header = request.headers.get("authorization", "")
        scheme, _, value = header.partition(" ")
        if scheme.lower() == "basic":
            try:
                user, _, password = base64.b64decode(value).decode("utf-8").partition(":")
            except Exception:
                return None
            return user if check_credentials(user, password) else None
        if scheme.lower() == "bearer":
            user, _, password = value.partition(":")
            return user if check_credentials(user, password) else None
        gradio_app = holder.get("gradio")
        if gradio_app is not None:  # the page's login cookie
            for key in (f"access-token-{gradio_app.cookie_id}", f"access-token-unsecure-{gradio_app.cookie_id}"):
                token = request.cookies.get(key)
                if token and token in gradio_app.tokens:
                    return gradio_app.tokens[token]
        return None

    def require_user(request: Request) -> str:
        user = current_user(request)
        if user is None:
            raise APIError(401, "Login required: send HTTP Basic credentials or 'Authorization: Bearer user:password'.", "unauthorized")
        return user

    auth = [Depends(require_user)]

    @app.exception_handler(APIError)
    async def _api_error(request: Request, e: APIError):
        headers = {"WWW-Authenticate": 'Basic realm="Footnote"'} if e.status == 401 else None
        return error_response(e.status, e.message, e.kind, headers)

    @app.exception_handler(QuestionError)
    async def _question_error(request: Request, e: QuestionError):
        return error_response(400, str(e), "invalid_question")

    @app.exception_handler(StoreUnavailable)
    async def _store_down(request: Request, e: StoreUnavailable):
        return error_response(503, f"The article store is unreachable: {e}. Retry when it is back.", "store_unavailable")

    @app.exception_handler(StoreError)
    async def _store_error(request: Request, e: StoreError):
        return error_response(503, f"The article store failed: {e}", "store_error")

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, e: RequestValidationError):
        parts = []
        for err in e.errors()[:5]:
            where = ".".join(str(x) for x in err.get("loc", ()) if x != "body")
            parts.append(f"{where or 'body'}: {err.get('msg')}")
        return error_response(400, "Invalid request: " + "; ".join(parts), "invalid_request")

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(request: Request, e: StarletteHTTPException):
        return error_response(e.status_code, str(e.detail), "http_error")

    def _options(req: AskRequest | ChatCompletionRequest) -> dict[str, Any]:
        return {
            "top_k": req.top_k, "sources": req.sources or None, "date_from": req.date_from,
            "date_to": req.date_to, "answerer": req.answerer,
        }

    def _precheck(question: str) -> Assistant:
        """Before a stream starts: a bad question (400) or a store that is down (503) is
        still reported as a status."""
        a = service.assistant
        a.validate(question)
        a.store.revision()
        return a

    async def _answer(question: str, history: list[dict], options: dict[str, Any]) -> Answer:
        async with service.api_slots:
            return await run_in_threadpool(lambda: service.assistant.ask(question, history, **options))

    async def _pieces(a: Assistant, question: str, history: list[dict], options: dict[str, Any]) -> AsyncIterator[str | Answer]:
        # the slot is taken when the stream starts and freed when it ends or is abandoned
        async with service.api_slots:
            async for item in iterate_in_threadpool(a.stream(question, history, **options)):
                yield item

    # --- routes -------------------------------------------------------------------------
    @app.post("/api/ask", response_model=AnswerOut, responses=ERRORS, dependencies=auth, tags=["answers"])
    async def ask(req: AskRequest) -> dict:
        """Answer a question; the answer's [n] markers point at citations[n-1]."""
        answer = await _answer(req.question, _history(req.history), _options(req))
        return answer.to_dict()

    @app.post(
        "/api/ask/stream", responses={200: {"content": {"text/event-stream": {}}, "description": (
            "Server-sent events: `token` events {text} as the answer is written, then one `answer` event "
            "with the same object POST /api/ask returns (an `error` event {message} if it fails midway)."
        )}, **ERRORS}, dependencies=auth, tags=["answers"],
    )
    async def ask_stream(req: AskRequest) -> StreamingResponse:
        """Answer a question as server-sent events ending with the whole answer."""
        a = await run_in_threadpool(_precheck, req.question)
        pieces = _pieces(a, req.question, _history(req.history), _options(req))

        async def events() -> AsyncIterator[str]:
            try:
                async for item in pieces:
                    if isinstance(item, Answer):
                        yield _sse("answer", item.to_dict())
                    else:
                        yield _sse("token", {"text": item})
            except Exception as e:  # the status is sent already: report in the stream
                log.warning("stream failed: %s", type(e).__name__)
                yield _sse("error", {"message": _error_text(e)})

        return StreamingResponse(events(), media_type="text/event-stream", headers={"Cache-Control": "no-cache"})

    @app.post(
        "/api/ingest", response_model=IngestOut, dependencies=auth, tags=["articles"],
        responses={**ERRORS, 413: {"model": ErrorOut, "description": "Upload over FOOTNOTE_MAX_UPLOAD_MB"}},
    )
    def ingest(files: list[UploadFile] = File(..., description="Article files: .txt .md .html .pdf .jsonl")) -> dict:
        """Upload articles (the formats of ``python -m ingest``); bad files are listed by name, the rest ingested."""
        pairs = [(f.filename or "upload", f.file.read()) for f in files]
        limit = settings.max_upload_mb * 1_000_000
        if sum(len(d) for _, d in pairs) > limit:
            raise APIError(413, f"The upload is over the {settings.max_upload_mb:g} MB limit (FOOTNOTE_MAX_UPLOAD_MB).", "upload_too_large")
        return service.ingest_files(pairs).to_dict()

    @app.get("/api/health", response_model=HealthOut, responses=ERRORS, dependencies=auth, tags=["service"])
    def health() -> dict:
        """Whether the store is reachable, how much it holds, and which answerer is in use."""
        a = service.assistant
        st = service.overview()[0]
        return {
            "status": "ok", "store": a.store.location, "articles": st["articles"], "passages": st["passages"],
            "model": service.model_label(), "llm_configured": settings.llm_configured,
        }

    @app.get("/v1/models", response_model=ModelList, responses=ERRORS, dependencies=auth, tags=["openai"])
    def models() -> dict:
        """OpenAI-compatible model list: one model, ``footnote``."""
        return {"object": "list", "data": [{"id": MODEL_ID, "object": "model", "created": 0, "owned_by": "footnote"}]}

    @app.post(
        "/v1/chat/completions", response_model=ChatCompletionOut, responses={
            200: {"content": {"text/event-stream": {}}, "description": "With stream=true: chat.completion.chunk events, then [DONE]."},
            **ERRORS,
        }, dependencies=auth, tags=["openai"],
    )
    async def chat_completions(req: ChatCompletionRequest):
        """OpenAI-compatible chat: the last user message is the question, earlier messages the
        history. The reply's text keeps the [n] markers and ends with a Sources list;
        ``citations`` holds the passages (structured), in the final chunk when streaming."""
        turns = [m for m in req.messages if m.role in ("user", "assistant")]
        if not turns or turns[-1].role != "user":
            raise APIError(400, "The last message must be the user's question.", "invalid_request")
        question = turns[-1].plain()
        history = [{"role": m.role, "content": m.plain()} for m in turns[:-1]]
        cid = "chatcmpl-" + uuid.uuid4().hex[:24]
        created = int(time.time())
        if not req.stream:
            answer = await _answer(question, history, _options(req))
            d = answer.to_dict()
            content = d["answer"] + _sources_footer(d["citations"])
            return {
                "id": cid, "object": "chat.completion", "created": created, "model": MODEL_ID,
                "choices": [{"index": 0, "message": {"role": "assistant", "content": content}, "finish_reason": "stop"}],
                "usage": {"prompt_tokens": len(question.split()), "completion_tokens": len(content.split()),
                          "total_tokens": len(question.split()) + len(content.split())},
                "citations": d["citations"], "refused": d["refused"],
            }
        a = await run_in_threadpool(_precheck, question)
        pieces = _pieces(a, question, history, _options(req))

        def chunk(delta: dict, finish: str | None = None, **extra) -> str:
            body = {"id": cid, "object": "chat.completion.chunk", "created": created, "model": MODEL_ID,
                    "choices": [{"index": 0, "delta": delta, "finish_reason": finish}], **extra}
            return f"data: {json.dumps(body, ensure_ascii=False)}\n\n"

        async def events() -> AsyncIterator[str]:
            try:
                yield chunk({"role": "assistant", "content": ""})
                async for item in pieces:
                    if isinstance(item, Answer):
                        d = item.to_dict()
                        footer = _sources_footer(d["citations"])
                        if footer:
                            yield chunk({"content": footer})
                        yield chunk({}, "stop", citations=d["citations"], refused=d["refused"])
                    else:
                        yield chunk({"content": item})
            except Exception as e:  # the status is sent already: report in the stream
                log.warning("stream failed: %s", type(e).__name__)
                yield f"data: {json.dumps({'error': {'message': _error_text(e), 'type': 'server_error'}})}\n\n"
            yield "data: [DONE]\n\n"

        return StreamingResponse(events(), media_type="text/event-stream", headers={"Cache-Control": "no-cache"})

    @app.get("/openapi.json", include_in_schema=False, dependencies=auth)
    def openapi() -> JSONResponse:
        return JSONResponse(app.openapi())

    @app.get("/docs", include_in_schema=False, dependencies=auth)
    def docs():
        return get_swagger_ui_html(openapi_url="/openapi.json", title="Footnote API")

    # --- MCP at /mcp (server/mcp.py): the same tools for agents, behind the same login ---------
    def mcp_guard(request: Request) -> JSONResponse | None:
        if current_user(request) is not None:
            return None
        return error_response(
            401, "Login required: send HTTP Basic credentials or 'Authorization: Bearer user:password'.",
            "unauthorized", {"WWW-Authenticate": 'Basic realm="Footnote"'},
        )

    mount_mcp(app, service, mcp_guard)

    # --- the page -------------------------------------------------------------------------
    demo = build_page(service)
    demo.queue(default_concurrency_limit=settings.concurrency, max_size=settings.concurrency * 16)
    gr.mount_gradio_app(
        app, demo, path="/", server_name=settings.host, server_port=settings.port,
        auth=list(users.items()) or None, auth_message="Footnote: sign in (FOOTNOTE_AUTH).",
        max_file_size=int(settings.max_upload_mb * 1_000_000), footer_links=["api"], run_history=False,
        css=PAGE_CSS, head=PAGE_HEAD, show_error=True, mcp_server=False, ssr_mode=False,
    )
    for route in app.routes:
        if getattr(route, "path", None) == "" or type(route).__name__ == "Mount":
            holder["gradio"] = route.app  # type: ignore[attr-defined]
    app.add_middleware(UploadLimit, limit_bytes=int(settings.max_upload_mb * 1_000_000) + 64_000)
    return app


def main() -> None:
    """``python app.py``: the page and the API on settings.host:settings.port (127.0.0.1:7860)."""
    import uvicorn

    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    settings = Settings()
    app = create_app(settings)
    service: Service = app.state.service
    try:
        status = _status_line(service).replace("**", "")
    except StoreError as e:
        status = f"store unavailable: {e}"
    auth = "login required" if settings.auth else "no login"
    print(f"Footnote on http://{settings.host}:{settings.port} ({status}; {auth}). API docs: /docs", flush=True)
    uvicorn.run(app, host=settings.host, port=settings.port, log_level="warning")


if __name__ == "__main__":
    main()
