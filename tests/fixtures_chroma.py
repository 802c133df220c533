"""A real Chroma server for the server-mode tests: ``chroma run`` on a free loopback port.

One server per test session (it starts in about a second); every test gets its own
collection on it, so tests do not see each other's passages. ``ChromaServer.stop()`` and
``start()`` let a test take the server down and bring it back on the same port and path.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from eval.local_servers import free_port, wait_for_health
from footnote.settings import Settings


def chroma_command() -> str | None:
    """The ``chroma`` CLI that ships with the chromadb package (beside this Python)."""
    here = Path(sys.executable).parent / "chroma"
    return str(here) if here.exists() else shutil.which("chroma")


class ChromaServer:
    """A ``chroma run --path DIR --host 127.0.0.1 --port N`` process we own."""

    def __init__(self, path: Path, port: int | None = None, log: Path | None = None) -> None:
        self.path = path
        self.port = port or free_port()
        self.host = "127.0.0.1"
        self.log = log or path.with_suffix(".log")
        self.proc: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def start(self, timeout: float = 30.0) -> None:
        """Start the server and wait until its heartbeat answers."""
        cmd = chroma_command()
        if cmd is None:
            raise RuntimeError("the `chroma` command is missing: pip install -r requirements.txt")
        self.path.mkdir(parents=True, exist_ok=True)
        with self.log.open("ab") as log:
            self.proc = subprocess.Popen(
                [cmd, "run", "--path", str(self.path), "--host", self.host, "--port", str(self.port)],
                stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
            )
        problem = wait_for_health(self.proc, f"{self.url}/api/v2/heartbeat", timeout, interval=0.1, request_timeout=1.0)
        if problem:
            self.stop()
            raise RuntimeError(f"chroma run on {self.url}: {problem}; see {self.log}")

    def stop(self) -> None:
        """Stop the server (SIGTERM, then SIGKILL) and wait for the port to close."""
        if self.proc is None:
            return
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)
        self.proc = None

    @property
    def running(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def settings(self, store_dir: Path, collection: str | None = None) -> Settings:
        """Settings for a worker on this server: its own local folder (for the BM25 index)."""
        return Settings(
            store_dir=store_dir,
            chroma_host=self.host,
            chroma_port=self.port,
            collection=collection or f"t{uuid.uuid4().hex[:12]}",
            _env_file=None,
        )


@pytest.fixture(scope="session")
def chroma_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ChromaServer]:
    """One real Chroma server for the session, stopped at the end."""
    if chroma_command() is None:
        pytest.skip("the chroma CLI is not installed")
    root = tmp_path_factory.mktemp("chroma-server")
    server = ChromaServer(root / "data", log=root / "chroma.log")
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def live_chroma(chroma_server: ChromaServer) -> ChromaServer:
    """The session's server, (re)started if an earlier test left it down."""
    if not chroma_server.running:
        chroma_server.start()
    return chroma_server


@pytest.fixture
def server_settings(live_chroma: ChromaServer, tmp_path: Path) -> Settings:
    """Settings of one app worker on the server, with a fresh collection."""
    return live_chroma.settings(tmp_path / "worker-a")
