"""Errors at the HTTP edge: every failure becomes ``{"error": {message, type, status, code, param}}``
(OpenAI's error object plus the status): ``code`` a machine-readable reason or null,
``param`` the request field at fault or null."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from assistant import QuestionError
from ingest.errors import ArticleConflict
from vectorstore.errors import StoreError, StoreUnavailable


class APIError(Exception):
    """An error the API answers with ``status`` and the JSON error shape."""

    def __init__(
        self, status: int, message: str, kind: str, *, code: str | None = None, param: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status, self.message, self.kind = status, message, kind
        self.code, self.param, self.headers = code, param, headers


def error_response(
    status: int, message: str, kind: str, headers: dict[str, str] | None = None, *,
    code: str | None = None, param: str | None = None, extra: dict | None = None,
) -> JSONResponse:
    """The JSON error shape (``server.schemas.ErrorOut``) as a response."""
    body = {"message": message, "type": kind, "status": status, "code": code, "param": param}
    return JSONResponse({"error": body, **(extra or {})}, status_code=status, headers=headers)


def stream_error_text(e: Exception) -> str:
    """What a stream reports when it fails after its status was sent."""
    if isinstance(e, StoreError):
        return f"The article store is unreachable: {e}. Retry when it is back."
    return f"The answer failed midway ({type(e).__name__}); retry."


def validation_param(errors: Sequence[Any]) -> str | None:
    """The first field at fault in pydantic ``errors`` ("top_k", "messages.0.role"), or None."""
    for err in list(errors)[:1]:
        where = ".".join(str(x) for x in err.get("loc", ()) if x != "body")
        return where or None
    return None


def validation_message(errors: Sequence[Any]) -> str:
    """Pydantic's errors as one line, ``Invalid request: top_k: Input should be ...`` (the API's
    400, the page's ``/chat`` and the MCP tools' argument errors)."""
    parts = []
    for err in list(errors)[:5]:
        where = ".".join(str(x) for x in err.get("loc", ()) if x != "body")
        parts.append(f"{where or 'body'}: {err.get('msg')}")
    return "Invalid request: " + "; ".join(parts)


def store_error_message(e: StoreError) -> str:
    """What the API (503) and the MCP tools say when the store is down or fails."""
    if isinstance(e, StoreUnavailable):
        return f"The article store is unreachable: {e}. Retry when it is back."
    return f"The article store failed: {e}"


def add_error_handlers(app: FastAPI) -> None:
    """Translate the assistant's, the store's and FastAPI's errors into the JSON error shape."""

    @app.exception_handler(APIError)
    async def _api_error(request: Request, e: APIError):
        headers = dict(e.headers or {})
        if e.status == 401:
            headers["WWW-Authenticate"] = 'Basic realm="Footnote"'
        return error_response(e.status, e.message, e.kind, headers or None, code=e.code, param=e.param)

    @app.exception_handler(ArticleConflict)
    async def _conflict(request: Request, e: ArticleConflict):
        return error_response(409, str(e), "article_conflict", code="id_owned_by_another_origin",
                              extra={"summary": e.summary.to_dict()})

    @app.exception_handler(QuestionError)
    async def _question_error(request: Request, e: QuestionError):
        return error_response(400, str(e), "invalid_question")

    @app.exception_handler(StoreUnavailable)
    async def _store_down(request: Request, e: StoreUnavailable):
        return error_response(503, store_error_message(e), "store_unavailable")

    @app.exception_handler(StoreError)
    async def _store_error(request: Request, e: StoreError):
        return error_response(503, store_error_message(e), "store_error")

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, e: RequestValidationError):
        errors = e.errors()
        return error_response(400, validation_message(errors), "invalid_request", code="invalid_value",
                              param=validation_param(errors))

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(request: Request, e: StarletteHTTPException):
        return error_response(e.status_code, str(e.detail), "http_error")
