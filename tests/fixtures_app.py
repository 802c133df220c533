"""Footnote's app (page + HTTP API) served by uvicorn on a free loopback port, in a thread.

One seeded store (the sample article) per session, one open server and one server with
``FOOTNOTE_AUTH`` over it. ``LiveServer`` also serves any other app a test builds.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
import uvicorn
from pydantic import SecretStr

from footnote.settings import Settings

AUTH_USER, AUTH_PASSWORD = "alice", "s3cret-Pa55-xyzzy"
UPLOAD_LIMIT_MB = 1.0  # small, so that the 413 test sends little


class LiveServer:
    """uvicorn serving an ASGI app on 127.0.0.1:<free port> in a daemon thread."""

    def __init__(self, app, port: int = 0) -> None:
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", port))  # a given port: the same origin again after a restart
        self.port = int(self.sock.getsockname()[1])
        # log_config=None: uvicorn's records propagate to the root logger (tests read them)
        config = uvicorn.Config(app, log_config=None, log_level="info", lifespan="on", timeout_graceful_shutdown=2,
                                timeout_keep_alive=30)
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, kwargs={"sockets": [self.sock]}, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def __enter__(self) -> LiveServer:
        self.thread.start()
        deadline = time.monotonic() + 30
        while not self.server.started:
            if not self.thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("the app did not start")
            time.sleep(0.05)
        return self

    def __exit__(self, *exc) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)
        self.sock.close()


@dataclass
class AppServer:
    url: str
    settings: Settings
    assistant: object

    def client(self, **kw) -> httpx.Client:
        return httpx.Client(base_url=self.url, timeout=60, **kw)


@pytest.fixture(scope="session")
def app_settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """Settings of the served app: its own store folder, no LLM, a 1 MB upload limit."""
    root: Path = tmp_path_factory.mktemp("app")
    return Settings(store_dir=root / "store", max_upload_mb=UPLOAD_LIMIT_MB, concurrency=4, _env_file=None)


@pytest.fixture(scope="session")
def app_assistant(app_settings: Settings):
    """The Assistant both servers share, over a real embedded Chroma seeded with the sample."""
    from assistant import Assistant

    a = Assistant(app_settings)
    a.ensure_sample()
    return a


@pytest.fixture(scope="session")
def app_server(app_settings: Settings, app_assistant) -> Iterator[AppServer]:
    """The app without login, on a free loopback port."""
    from app import create_app

    with LiveServer(create_app(app_settings, app_assistant)) as live:
        yield AppServer(live.url, app_settings, app_assistant)


@pytest.fixture(scope="session")
def auth_server(app_settings: Settings, app_assistant) -> Iterator[AppServer]:
    """The same app with FOOTNOTE_AUTH set (two users)."""
    from app import create_app

    # failed-login throttling has its own tests (test_hardening_http); here it must not trip
    settings = app_settings.model_copy(update={"auth": SecretStr(f"{AUTH_USER}:{AUTH_PASSWORD},bob:another-pw"),
                                               "login_failures_per_client": "1000/minute",
                                               "login_failures_per_user": "1000/minute"})
    with LiveServer(create_app(settings, app_assistant)) as live:
        yield AppServer(live.url, settings, app_assistant)
