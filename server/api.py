"""``/api/*``: Footnote's own HTTP API (ask, ask as a stream, ingest, health) and its docs pages."""

from __future__ import annotations

import json
import logging
from collections.abc import AsyncIterator, Callable
from datetime import date
from typing import Any

from fastapi import APIRouter, Depends, FastAPI, File, Request, UploadFile
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import JSONResponse, StreamingResponse
from starlette.concurrency import iterate_in_threadpool, run_in_threadpool

from assistant import Answer, Assistant
from assistant.options import recent_history
from server.errors import APIError, stream_error_text
from server.library import owned_conversation
from server.news_api import news_router
from server.schemas import ERRORS, AnswerOut, AskRequest, ChatCompletionRequest, ErrorOut, HealthOut, IngestOut
from server.service import Service

log = logging.getLogger("footnote.api")

STREAM_DOC = (
    "Server-sent events: `token` events {text} as the answer is written, then one `answer` event "
    "with the same object POST /api/ask returns (an `error` event {message} if it fails midway)."
)


def answer_options(req: AskRequest | ChatCompletionRequest) -> dict[str, Any]:
    """The request's retrieval and answerer options, as ``Assistant.ask`` takes them."""
    return {
        "top_k": req.top_k, "sources": req.sources or None, "date_from": req.date_from,
        "date_to": req.date_to, "answerer": req.answerer, "today": getattr(req, "as_of", None),
    }


def saved_options(req: AskRequest) -> dict[str, Any]:
    """The options a turn is saved with (JSON-ready; ``as_of`` always set)."""
    return {
        "top_k": req.top_k, "sources": req.sources or [], "date_from": str(req.date_from or ""),
        "date_to": str(req.date_to or ""), "answerer": req.answerer or "", "as_of": (req.as_of or date.today()).isoformat(),
    }


def precheck(service: Service, question: str, history: list[dict] | None = None,
             options: dict[str, Any] | None = None) -> Assistant:
    """Before a stream starts: a bad question or option (400: history over its limits, an
    LLM asked for but not configured, too many sources) or a store that is down (503) is
    still reported as a status."""
    a = service.assistant
    a.check(question, history, **(options or {}))
    a.store.revision()
    return a


async def answer_bounded(service: Service, question: str, history: list[dict], options: dict[str, Any]) -> Answer:
    """The whole answer, within the API's concurrency bound."""
    async with service.api_slots:
        return await run_in_threadpool(lambda: service.assistant.ask(question, history, **options))


async def stream_bounded(
    service: Service, a: Assistant, question: str, history: list[dict], options: dict[str, Any],
) -> AsyncIterator[str | Answer]:
    """Text pieces, then the Answer, within the API's concurrency bound (``a`` from ``precheck``)."""
    # the slot is taken when the stream starts and freed when it ends or is abandoned
    async with service.api_slots:
        async for item in iterate_in_threadpool(a.stream(question, history, **options)):
            yield item


def _sse(event: str, data: Any) -> str:
    return f"event: {event}\ndata: {json.dumps(data, ensure_ascii=False)}\n\n"


def event_stream(service: Service, a: Assistant, req: AskRequest, user: str = "anonymous",
                 history: list | None = None) -> StreamingResponse:
    """The answer to ``req`` as server-sent events (see STREAM_DOC); with ``req.conversation_id``
    the answer is saved as a turn of that conversation (``history`` is its turns)."""
    pieces = stream_bounded(service, a, req.question, req.history if history is None else history, answer_options(req))

    async def events() -> AsyncIterator[str]:
        try:
            async for item in pieces:
                if isinstance(item, Answer):
                    out = await run_in_threadpool(save_turn, service, user, req, item)
                    yield _sse("answer", out)
                else:
                    yield _sse("token", {"text": item})
        except Exception as e:  # the status is sent already: report in the stream
            log.warning("stream failed: %s", type(e).__name__)
            yield _sse("error", {"message": stream_error_text(e)})

    return StreamingResponse(events(), media_type="text/event-stream", headers={"Cache-Control": "no-cache"})


def save_turn(service: Service, user: str, req: AskRequest, answer: Answer) -> dict[str, Any]:
    """The answer as the API returns it (with ``asked_as_of``); saved as a turn when the request
    names a conversation (then with ``conversation_id`` and ``turn_id``)."""
    options = saved_options(req)
    out = {**answer.to_dict(), "asked_as_of": options["as_of"]}
    if req.conversation_id:
        out["conversation_id"] = req.conversation_id
        out["turn_id"] = service.db.append(user, req.conversation_id, req.question, out, options)
    return out


def api_router(service: Service, require_user: Callable[..., str]) -> APIRouter:
    """``/api/*`` over ``service``; every route depends on ``require_user``."""
    router = APIRouter(prefix="/api", dependencies=[Depends(require_user)], responses=ERRORS)
    settings = service.settings

    @router.post("/ask", response_model=AnswerOut, tags=["answers"])
    async def ask(req: AskRequest, user: str = Depends(require_user)) -> dict:
        """Answer a question; the answer's [n] markers point at citations[n-1]. With
        ``conversation_id`` the saved conversation is the history and the turn is added to it."""
        history: list = req.history or []
        if req.conversation_id:
            history = (await run_in_threadpool(owned_conversation, service, user, req.conversation_id)).history()
            history = recent_history(history, settings)  # a long conversation forgets its oldest turns
        answer = await answer_bounded(service, req.question, history, answer_options(req))
        return await run_in_threadpool(save_turn, service, user, req, answer)

    @router.post("/ask/stream", responses={200: {"content": {"text/event-stream": {}}, "description": STREAM_DOC}},
                 tags=["answers"])
    async def ask_stream(req: AskRequest, user: str = Depends(require_user)) -> StreamingResponse:
        """Answer a question as server-sent events ending with the whole answer (saved as a
        turn of ``conversation_id``, when given, like POST /api/ask)."""
        history = None
        if req.conversation_id:  # 404 as a status, before streaming
            history = (await run_in_threadpool(owned_conversation, service, user, req.conversation_id)).history()
            history = recent_history(history, settings)  # a long conversation forgets its oldest turns
        # 400 / 503 as a status, before streaming
        a = await run_in_threadpool(precheck, service, req.question, req.history if history is None else history,
                                    answer_options(req))
        return event_stream(service, a, req, user, history)

    @router.post("/ingest", response_model=IngestOut, tags=["articles"],
                 responses={413: {"model": ErrorOut, "description": "Upload over FOOTNOTE_MAX_UPLOAD_MB"},
                            409: {"model": ErrorOut, "description": "An id belongs to another origin's article"}})
    def ingest(
        files: list[UploadFile] = File(..., description="Article files: .txt .md .html .pdf .jsonl"),  # noqa: B008
        user: str = Depends(require_user),  # noqa: B008
    ) -> dict:
        """Upload articles (the formats of ``python -m ingest``); bad files are listed by name, the rest ingested.

        Ids are namespaced by the uploader (``upload:<user>:<id>``); an id that belongs to
        an article another origin added is refused with 409 (the rest of the upload is stored)."""
        pairs = [(f.filename or "upload", f.file.read()) for f in files]
        if sum(len(d) for _, d in pairs) > settings.max_upload_mb * 1_000_000:
            raise APIError(413, f"The upload is over the {settings.max_upload_mb:g} MB limit (FOOTNOTE_MAX_UPLOAD_MB).", "upload_too_large")
        return service.ingest_files(pairs, user=user).to_dict()

    @router.get("/health", response_model=HealthOut, tags=["service"])
    def health() -> dict:
        """Whether the store is reachable, how much it holds, and which answerer is in use."""
        a = service.assistant
        st = service.overview()[0]
        return {
            "status": "ok", "store": a.store.location, "articles": st["articles"], "passages": st["passages"],
            "model": service.model_label(), "llm_configured": settings.llm_configured,
        }

    router.include_router(news_router(service))  # /api/timeline, /api/feeds
    return router


def docs_router(app: FastAPI, require_user: Callable[..., str]) -> APIRouter:
    """``/openapi.json`` and ``/docs`` (Swagger UI), behind the login like the API."""
    router = APIRouter(dependencies=[Depends(require_user)], include_in_schema=False)

    @router.get("/openapi.json")
    def openapi() -> JSONResponse:
        return JSONResponse(app.openapi())

    @router.get("/docs")
    def docs():
        return get_swagger_ui_html(openapi_url="/openapi.json", title="Footnote API")

    return router


def fallback_router(app: FastAPI, require_user: Callable[..., str]) -> APIRouter:
    """Unknown ``/api/*`` and ``/v1/*`` routes (404) and wrong methods (405, with ``Allow``)
    in the API's error shape, instead of the page's plain ``{"detail": ...}``. Include it
    after the API's routers and before the page is mounted."""
    router = APIRouter(dependencies=[Depends(require_user)], include_in_schema=False)
    methods = ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"]

    @router.api_route("/api/{rest:path}", methods=methods)
    @router.api_route("/v1/{rest:path}", methods=methods)
    def fallback(request: Request, rest: str = ""):
        path = request.url.path
        documented = app.openapi()["paths"].get(path.rstrip("/") or "/", {})  # the routes clients are told about
        allowed = sorted(m.upper() for m in documented if m.upper() in methods)
        if allowed:
            raise APIError(405, f"{request.method} is not allowed on {path}; use {', '.join(allowed)}.",
                           "method_not_allowed", code="method_not_allowed", headers={"Allow": ", ".join(allowed)})
        raise APIError(404, f"There is no {path}; see /docs for the routes.", "not_found", code="unknown_url")

    return router
