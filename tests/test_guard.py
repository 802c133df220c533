"""The request guard's decisions and the history trimming, as plain functions (issue 13,
cases 3 and 4; the HTTP behaviour is in test_hardening_http.py)."""

from __future__ import annotations

import pytest

from assistant.options import recent_history
from footnote.settings import Settings
from server.guard import RequestGuard, allowed_host_names, same_origin


@pytest.mark.parametrize("origin, host, ok", [
    ("http://127.0.0.1:7860", "127.0.0.1:7860", True),
    ("http://localhost:7860", "localhost:7860", True),
    ("https://news.example", "news.example", True),  # behind a TLS proxy: Host without a port
    ("http://[::1]:7860", "[::1]:7860", True),
    ("http://localhost:3000", "localhost:7860", False),  # another local app
    ("http://evil.example", "127.0.0.1:7860", False),
    ("null", "127.0.0.1:7860", False),
    ("http://127.0.0.1:7860.evil.example", "127.0.0.1:7860", False),
    ("not a url", "127.0.0.1:7860", False),
])
def test_same_origin(origin, host, ok):
    assert same_origin(origin, host) is ok


def _refusal(headers: dict[str, str], method: str = "POST", hosts=None):
    guard = RequestGuard(None, hosts or allowed_host_names("news.example"))
    return guard.refusal({"type": "http", "method": method, "scheme": "http"}, headers)


def test_guard_decisions():
    assert _refusal({"host": "127.0.0.1:7860"}) is None  # curl, the OpenAI SDK
    assert _refusal({"host": "news.example", "origin": "https://news.example"}) is None
    assert _refusal({"host": "evil.example"})[0] == 421
    assert _refusal({"host": "evil.example"}, hosts=allowed_host_names("*")) is None
    assert _refusal({"host": "127.0.0.1:7860", "sec-fetch-site": "cross-site"})[0] == 403
    assert _refusal({"host": "127.0.0.1:7860", "sec-fetch-site": "cross-site"}, method="GET") is None  # reads: CORS
    assert _refusal({"host": "127.0.0.1:7860", "origin": "http://evil.example"}, method="DELETE")[0] == 403
    assert allowed_host_names("", "0.0.0.0") == {"localhost", "127.0.0.1", "::1"}


def test_the_page_keeps_the_recent_turns_that_fit():
    s = Settings(max_history_turns=4, max_history_chars=25, _env_file=None)
    turns = [{"role": "user" if i % 2 == 0 else "assistant", "content": f"turn {i:04d}"} for i in range(10)]  # 9 chars each
    assert [t["content"] for t in recent_history(turns, s)] == ["turn 0008", "turn 0009"]  # 27 chars > 25
    roomy = s.model_copy(update={"max_history_chars": 1000})
    assert [t["content"] for t in recent_history(turns, roomy)] == ["turn 0006", "turn 0007", "turn 0008", "turn 0009"]
    assert recent_history([], s) == [] and recent_history(turns, Settings(max_history_turns=0, _env_file=None)) == []
