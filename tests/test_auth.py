"""Access: with FOOTNOTE_AUTH set every page and API route refuses a request without
credentials; Basic, Bearer (the OpenAI client's api_key) and the page's login cookie get
in; the password is never logged; uploaded names cannot leave the upload folder; the
app binds to 127.0.0.1 unless told otherwise."""

from __future__ import annotations

import logging
import re
from pathlib import Path

import httpx
import pytest
from fixtures_app import AUTH_PASSWORD, AUTH_USER

SEED = "Who denied the reports?"
ASK = {"question": SEED}
CHAT = {"model": "footnote", "messages": [{"role": "user", "content": SEED}]}

# Every route the app serves: ours, and the Gradio page's own.
PROTECTED = [
    ("GET", "/api/health", None),
    ("POST", "/api/ask", ASK),
    ("POST", "/api/ask/stream", ASK),
    ("POST", "/api/ingest", None),
    ("GET", "/v1/models", None),
    ("POST", "/v1/chat/completions", CHAT),
    ("GET", "/openapi.json", None),
    ("GET", "/docs", None),
    ("GET", "/config", None),
    ("GET", "/gradio_api/info", None),
    ("GET", "/gradio_api/openapi.json", None),
    ("POST", "/gradio_api/queue/join", {"data": [SEED], "fn_index": 0, "session_hash": "x"}),
    ("GET", "/gradio_api/queue/data?session_hash=x", None),
    ("POST", "/gradio_api/call/chat", {"data": [SEED]}),
    ("POST", "/gradio_api/upload", None),
    ("GET", "/gradio_api/file=/etc/passwd", None),
    ("GET", "/monitoring", None),
    ("POST", "/mcp", {"jsonrpc": "2.0", "id": 1, "method": "tools/call", "params": {"name": "ask", "arguments": ASK}}),
]


@pytest.mark.parametrize("method, path, body", PROTECTED, ids=[f"{m} {p}" for m, p, _ in PROTECTED])
def test_every_route_refuses_without_credentials(auth_server, method, path, body):
    r = httpx.request(method, auth_server.url + path, json=body, timeout=30)
    assert r.status_code == 401, (path, r.status_code, r.text[:200])
    assert SEED not in r.text and "Peskov" not in r.text
    if path.startswith(("/api", "/v1", "/openapi", "/docs", "/mcp")):
        assert r.json()["error"]["type"] == "unauthorized" and r.headers["www-authenticate"].startswith("Basic")


# Routes that answer without credentials are the login form's own (server.auth.PUBLIC_PAGE_PATHS,
# each with why it is safe, and PUBLIC_PAGE_PREFIXES). Every other route the app mounts (ours
# and Gradio's, read from the route table) must refuse.


def _route_table(app) -> list[tuple[str, str]]:
    """(method, path) of every route ``app`` mounts, the mounted Gradio app's included,
    with path parameters filled in; HEAD only where a route has no GET."""
    from fastapi.routing import iter_route_contexts
    from starlette.routing import Mount

    out: list[tuple[str, str]] = []
    for ctx in iter_route_contexts(app.routes):
        route = ctx.original_route
        if isinstance(route, Mount):
            out += [(m, route.path + p) for m, p in _route_table(route.app)]
            continue
        methods = set(ctx.methods or {"GET"})
        methods = methods - {"HEAD"} or methods
        path = re.sub(r"\{[^}]+\}", "x", ctx.path)
        out += [(m, path) for m in sorted(methods)]
    return sorted(set(out))


def test_the_route_table_is_all_behind_the_login(auth_server):
    """Walks every route the app really mounts, so a new route cannot be forgotten."""
    from app import create_app
    from server.auth import PUBLIC_PAGE_PATHS, PUBLIC_PAGE_PREFIXES

    assert all(PUBLIC_PAGE_PATHS.values()) and len(PUBLIC_PAGE_PATHS) < 10  # each public route says why
    table = _route_table(create_app(auth_server.settings, auth_server.assistant))
    assert ("POST", "/api/ask") in table and ("POST", "/gradio_api/queue/join") in table and len(table) > 40
    open_routes = []
    with httpx.Client(base_url=auth_server.url, timeout=30) as client:
        for method, path in table:
            if (path.rstrip("/") or "/") in PUBLIC_PAGE_PATHS or path.startswith(PUBLIC_PAGE_PREFIXES):
                continue
            with client.stream(method, path, json={}) as r:  # status and headers only: some routes stream
                location = r.headers.get("location", "")
                if not (r.status_code == 401 or (r.status_code in (302, 303, 307) and "login" in location)):
                    open_routes.append((method, path, r.status_code))
    assert not open_routes, f"answer without credentials (refuse them, or add them to PUBLIC with a reason): {open_routes}"


@pytest.mark.parametrize("method, path, body", PROTECTED[:7], ids=[p for _, p, _ in PROTECTED[:7]])
def test_wrong_password_is_refused(auth_server, method, path, body):
    r = httpx.request(method, auth_server.url + path, json=body, auth=(AUTH_USER, "wrong"), timeout=30)
    assert r.status_code == 401
    r = httpx.request(method, auth_server.url + path, json=body, headers={"Authorization": "Bearer bob:nope"}, timeout=30)
    assert r.status_code == 401


def test_page_shows_only_the_login_form_without_credentials(auth_server):
    r = httpx.get(auth_server.url + "/")
    assert r.status_code == 200 and '"auth_required":true' in r.text.replace(" ", "")
    assert "Passages per answer" not in r.text and "fn-chat" not in r.text


def test_credentials_get_in_by_basic_bearer_and_login_cookie(auth_server):
    r = httpx.post(auth_server.url + "/api/ask", json=ASK, auth=(AUTH_USER, AUTH_PASSWORD), timeout=60)
    assert r.status_code == 200 and "Peskov" in r.json()["answer"]
    r = httpx.get(auth_server.url + "/api/health", headers={"Authorization": "Bearer bob:another-pw"})
    assert r.status_code == 200
    with httpx.Client(base_url=auth_server.url, timeout=60) as c:
        assert c.post("/login", data={"username": AUTH_USER, "password": "wrong"}).status_code == 400
        assert c.post("/login", data={"username": AUTH_USER, "password": AUTH_PASSWORD}).json() == {"success": True}
        assert c.get("/api/health").status_code == 200  # the page's cookie opens the API too
        assert c.get("/config").status_code == 200
        assert "Passages per answer" in c.get("/").text


def test_gradio_client_and_openai_client_with_credentials(auth_server):
    import openai
    from gradio_client import Client

    client = Client(auth_server.url, auth=(AUTH_USER, AUTH_PASSWORD), verbose=False)
    try:
        assert "Peskov" in client.predict(message=SEED, api_name="/chat")["answer"]
    finally:
        client.close()
    with pytest.raises(Exception):  # noqa: B017 - gradio_client raises its own error types
        Client(auth_server.url, verbose=False)
    ok = openai.OpenAI(base_url=auth_server.url + "/v1", api_key=f"{AUTH_USER}:{AUTH_PASSWORD}", max_retries=0)
    assert "Peskov" in ok.chat.completions.create(**CHAT).choices[0].message.content
    bad = openai.OpenAI(base_url=auth_server.url + "/v1", api_key="sk-not-a-footnote-login", max_retries=0)
    with pytest.raises(openai.AuthenticationError):
        bad.chat.completions.create(**CHAT)


def test_passwords_are_never_logged(auth_server):
    records: list[str] = []

    class Keep(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            records.append(record.getMessage() + " " + str(record.args))

    root = logging.getLogger()
    handler, old_level = Keep(level=logging.DEBUG), root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    try:
        httpx.post(auth_server.url + "/api/ask", json=ASK, auth=(AUTH_USER, AUTH_PASSWORD), timeout=60)
        httpx.post(auth_server.url + "/api/ask", json=ASK, auth=(AUTH_USER, AUTH_PASSWORD + "x"), timeout=60)
        httpx.post(auth_server.url + "/login", data={"username": AUTH_USER, "password": AUTH_PASSWORD})
        httpx.post(auth_server.url + "/v1/chat/completions", json=CHAT, headers={"Authorization": f"Bearer {AUTH_USER}:{AUTH_PASSWORD}"})
    finally:
        root.removeHandler(handler)
        root.setLevel(old_level)
    assert any("/api/ask" in r for r in records)  # the access log was captured
    assert not [r for r in records if AUTH_PASSWORD in r]
    assert AUTH_PASSWORD not in repr(auth_server.settings) and AUTH_PASSWORD not in str(auth_server.settings.model_dump())


def test_auth_setting_is_parsed_strictly():
    from server.auth import parse_auth

    assert parse_auth("a:b, c:d:e") == {"a": "b", "c": "d:e"}
    assert parse_auth(None) == {} and parse_auth("") == {}
    for bad in ("alice", "alice:", ":pw"):
        with pytest.raises(ValueError, match="FOOTNOTE_AUTH"):
            parse_auth(bad)


HOSTILE_NAMES = ["../../outside-a.txt", "..\\..\\outside-b.txt", "/etc/outside-c.txt", "a\x00b\nc.txt", ".hidden.md", "<x>.txt"]


def test_uploaded_file_names_cannot_leave_the_upload_folder(app_server):
    body = (b"Seal count\n\nHarbour seals were counted in the Wadden Sea on Thursday by volunteers from Texel island.\n\n"
            b"The count found 2,500 seals, up from last year, the volunteers said. Upload ")
    files = [("files", (name, body + name.encode("unicode_escape"), "text/plain")) for name in HOSTILE_NAMES]
    files.append(("files", ("..", body, "text/plain")))
    r = httpx.post(app_server.url + "/api/ingest", files=files, timeout=120)
    assert r.status_code == 200, r.text
    s = r.json()
    uploads = (app_server.settings.store_dir / "uploads").resolve()
    root = app_server.settings.store_dir.parent.resolve()
    written = [p for p in root.rglob("*") if p.is_file() and ("outside" in p.name or p.name == "hidden.md")]
    assert written == []  # staged inside the upload folder, deleted once ingested (issue 13); nothing outside
    assert s["added"] + s["unchanged"] == len(HOSTILE_NAMES)
    assert not [p for p in uploads.rglob("*") if p.is_file()]
    assert [f["item"] for f in s["failed"]] == [".."], s["failed"]  # nothing usable left of that name
    assert not (root / "outside-a.txt").exists() and not Path("/etc/outside-c.txt").exists()


def test_binds_to_loopback_and_has_no_login_by_default(monkeypatch):
    from footnote.settings import Settings

    for var in ("FOOTNOTE_HOST", "FOOTNOTE_AUTH"):
        monkeypatch.delenv(var, raising=False)
    s = Settings(_env_file=None)
    assert s.host == "127.0.0.1" and s.auth is None and s.port == 7860
