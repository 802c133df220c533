"""Footnote's page and HTTP API: ``python app.py`` serves both on http://127.0.0.1:7860.

One FastAPI application holds the HTTP API (``server.api``: ``/api/*``; ``server.openai_compat``:
``/v1/*``; the OpenAPI schema), MCP for agents (``server.mcp``: ``/mcp``), and mounts the Gradio
page (``ui.page``) at ``/``; all adapt the one ``server.service.Service``. ``create_app(settings)``
builds it (tests run it with uvicorn on a free port). With ``FOOTNOTE_AUTH`` set, every route needs a login (``server.auth``).
"""

from __future__ import annotations

import os

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")

import logging  # noqa: E402

from fastapi import FastAPI  # noqa: E402

from assistant import Assistant  # noqa: E402
from footnote.settings import Settings  # noqa: E402
from server.api import api_router, docs_router, fallback_router  # noqa: E402
from server.auth import Auth, PageLogin, parse_auth  # noqa: E402
from server.errors import add_error_handlers  # noqa: E402
from server.guard import RequestGuard, allowed_host_names  # noqa: E402
from server.library import articles_router, conversations_router, feedback_router  # noqa: E402
from server.limits import UploadLimit  # noqa: E402
from server.mcp import mount as mount_mcp  # noqa: E402
from server.openai_compat import openai_router  # noqa: E402
from server.service import Service  # noqa: E402
from server.throttle import LoginThrottle, PageLoginThrottle  # noqa: E402
from ui.page import mount_page  # noqa: E402
from vectorstore.errors import StoreError  # noqa: E402

DESCRIPTION = "Answers from news articles with inline [n] citations. Errors are JSON: {error: {message, type, status, code, param}}."


def create_app(settings: Settings | None = None, assistant: Assistant | None = None) -> FastAPI:
    """The FastAPI application: the HTTP API plus the Gradio page mounted at ``/``.

    Args: ``settings`` (default: from the environment); ``assistant`` to serve (default: built
    on first use; with ``settings.ingest_sample`` the sample article fills an empty store).
    Returns an ASGI app to run with uvicorn (``python app.py`` does that).
    """
    settings = settings or Settings()
    service = Service(settings, assistant)
    throttle = LoginThrottle(settings.login_failures_per_client, settings.login_failures_per_user)
    auth = Auth(parse_auth(settings.auth.get_secret_value() if settings.auth else None), throttle)
    app = FastAPI(title="Footnote", version="1.0", description=DESCRIPTION, docs_url=None, redoc_url=None, openapi_url=None)
    app.state.service = service
    add_error_handlers(app)
    for router in (api_router(service, auth.require_user), openai_router(service, auth.require_user),
                   docs_router(app, auth.require_user), conversations_router(service, auth.require_user),
                   feedback_router(service, auth.require_user), articles_router(service, auth.require_user),
                   fallback_router(app, auth.require_user)):
        app.include_router(router)
    mount_mcp(app, service, auth.refusal)  # /mcp: the tools for agents (before the page's catch-all mount)
    auth.page = mount_page(app, service, auth.users)
    app.add_middleware(UploadLimit, limit_bytes=int(settings.max_upload_mb * 1_000_000) + 64_000,
                       body_limit=settings.max_body_kb * 1000)
    app.add_middleware(PageLogin, auth=auth)
    app.add_middleware(PageLoginThrottle, throttle=throttle)
    app.add_middleware(RequestGuard, allowed_hosts=allowed_host_names(settings.allowed_hosts, settings.host))
    return app


def main() -> None:
    """``python app.py``: the page and the API on settings.host:settings.port (127.0.0.1:7860)."""
    import uvicorn

    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    for handler in logging.getLogger().handlers:  # libraries that set their own logger to DEBUG (bm25s) stay quiet
        handler.setLevel(logging.INFO)
    settings = Settings()
    app = create_app(settings)
    service: Service = app.state.service
    status = f"Model: {service.model_label()} · Store: {service.store_label()}"
    auth = "login required" if settings.auth else "no login"
    print(f"Footnote on http://{settings.host}:{settings.port} ({status}; {auth}). API docs: /docs", flush=True)
    try:
        if service.assistant.sentence_vectors_missing():
            print("Note: this store has no sentence vectors yet, so answers embed sentences (slower). "
                  "Run once: python -m ingest --sentence-vectors", flush=True)
    except StoreError:
        pass  # the store is unreachable: the status above says so
    # keep-alive past clients' own idle expiry (httpx: 5 s), so a reused connection is never
    # closed by the server as the client sends on it (a ReadError under load)
    uvicorn.run(app, host=settings.host, port=settings.port, log_level="warning", timeout_keep_alive=30)


if __name__ == "__main__":
    main()
