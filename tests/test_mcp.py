"""The MCP server (server/mcp.py) through the official MCP client: over streamable HTTP at
/mcp of the running app (uvicorn on a free loopback port, a real store holding the sample
article, real answers), with login off and on, and over stdio (``python -m server.mcp``)."""

from __future__ import annotations

import base64
import os
import re
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import anyio
import httpx
import httpx2
from conftest import ROOT
from fixtures_app import AUTH_PASSWORD, AUTH_USER
from mcp import Client
from mcp.client.stdio import StdioServerParameters
from mcp.client.streamable_http import streamable_http_client

from footnote.settings import SAMPLE_ARTICLE

QUESTION = "Who denied the reports?"
SAMPLE_TITLE = "Russia denies reports that North Korean troops are deployed in Ukraine"
TOOLS = {"ask", "search", "list_articles", "get_article"}
BEARER = f"Bearer {AUTH_USER}:{AUTH_PASSWORD}"
INIT = {"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {  # a raw MCP request, for status checks
    "protocolVersion": "2025-06-18", "capabilities": {}, "clientInfo": {"name": "test", "version": "1"}}}


@asynccontextmanager
async def http_client(url: str, authorization: str | None = None) -> AsyncIterator[Client]:
    """The official client on the app's /mcp, sending ``authorization`` when given."""
    headers = {"Authorization": authorization} if authorization else None
    async with httpx2.AsyncClient(headers=headers, timeout=120) as http:
        async with Client(streamable_http_client(f"{url}/mcp", http_client=http)) as client:
            yield client


def run(fn, *args):
    return anyio.run(fn, *args)


def _text(result) -> str:
    return "".join(getattr(c, "text", "") for c in result.content)


# --- over streamable HTTP, no login --------------------------------------------------------------
def test_tools_are_listed_read_only_with_limits_and_schemas(app_server):
    async def go():
        async with http_client(app_server.url) as c:
            return (await c.list_tools()).tools, (await c.list_resource_templates()).resource_templates

    tools, templates = run(go)
    by_name = {t.name: t for t in tools}
    assert set(by_name) == TOOLS
    for t in tools:
        assert t.annotations.read_only_hint is True and t.annotations.destructive_hint is False
        assert len(t.description) > 80 and t.output_schema is not None
    ask = by_name["ask"].input_schema
    assert ask["required"] == ["question"]
    assert set(ask["properties"]) == {"question", "top_k", "sources", "date_from", "date_to", "as_of"}
    assert {"minimum": 1, "maximum": 50, "type": "integer"}.items() <= ask["properties"]["top_k"]["anyOf"][0].items()
    assert set(by_name["search"].input_schema["properties"]) == {"query", "top_k", "sources", "date_from", "date_to"}
    assert set(by_name["list_articles"].input_schema["properties"]) == {"query", "source", "date_from", "date_to", "limit"}
    assert by_name["get_article"].input_schema["required"] == ["id"]
    assert [t.uri_template for t in templates] == ["footnote://articles/{id}"]


def test_ask_answers_with_structured_citations(app_server):
    async def go():
        async with http_client(app_server.url) as c:
            return await c.call_tool("ask", {"question": QUESTION})

    r = run(go)
    assert not r.is_error
    out = r.structured_content
    assert out["refused"] is False and out["answerer"] == "extractive"
    assert "Peskov" in out["answer"] and "[1]" in out["answer"]
    first = out["citations"][0]
    assert first["n"] == 1 and first["title"] == SAMPLE_TITLE and first["source"] == "Kyiv Independent"
    assert "Peskov" in first["quote"] and first["quote"] in first["text"]
    assert first["article_id"] and {"date", "url"} <= first.keys()
    text = _text(r)  # what a model reads: the answer, then the sources with their quotes
    assert text.startswith(out["answer"]) and "Sources:\n[1] " + SAMPLE_TITLE in text and first["quote"] in text


def test_ask_refuses_when_the_articles_do_not_hold_the_answer(app_server):
    async def go():
        async with http_client(app_server.url) as c:
            return await c.call_tool("ask", {"question": "What is the capital of Peru?"})

    r = run(go)
    assert not r.is_error
    assert r.structured_content["refused"] is True and r.structured_content["citations"] == []
    assert "do not contain" in _text(r) and "Sources:" not in _text(r)


def test_bad_arguments_get_the_http_apis_messages(app_server):
    cases = [
        ({"question": "Who denied?", "top_k": 99}, "Invalid request: top_k: Input should be less than or equal to 50"),
        ({"question": "Who denied?", "date_from": "last week"}, "Invalid request: date_from: "),
        ({"question": "   "}, "Please type a question."),
        ({"question": "x" * 4001}, "The question is 4,001 characters long; the limit is 4,000."),
    ]

    async def go():
        async with http_client(app_server.url) as c:
            return [await c.call_tool("ask", args) for args, _ in cases]

    results = run(go)
    with app_server.client() as http:
        for (args, expected), r in zip(cases, results, strict=True):
            assert r.is_error and _text(r).startswith(expected), _text(r)
            api = http.post("/api/ask", json=args)
            assert api.status_code == 400 and api.json()["error"]["message"] == _text(r)


def test_search_list_and_read_articles(app_server):
    async def go():
        async with http_client(app_server.url) as c:
            search = await c.call_tool("search", {"query": "Peskov fake news", "top_k": 2})
            listed = await c.call_tool("list_articles", {"query": "north korean", "limit": 5})
            none = await c.call_tool("list_articles", {"query": "zebra crossing"})
            aid = next(a["id"] for a in listed.structured_content["articles"] if a["title"] == SAMPLE_TITLE)
            article = await c.call_tool("get_article", {"id": aid})
            resource = await c.read_resource(f"footnote://articles/{aid}")
            missing = await c.call_tool("get_article", {"id": "no-such-article"})
            bad_limit = await c.call_tool("list_articles", {"limit": 0})
            return search, listed, none, article, resource, missing, bad_limit

    search, listed, none, article, resource, missing, bad_limit = run(go)
    s = search.structured_content
    assert s["relevant"] is True and 1 <= len(s["passages"]) <= 2
    best = s["passages"][0]
    assert best["rank"] == 1 and "Peskov" in best["text"] and best["title"] == SAMPLE_TITLE
    assert best["uri"] == f"footnote://articles/{best['article_id']}" and best["score"] > 0
    lst = listed.structured_content  # (other tests may have uploaded articles to this store)
    assert lst["total"] == len(lst["articles"]) >= 1
    for a in lst["articles"]:
        assert all(w in f"{a['title']} {a['source']} {a['url']}".casefold() for w in ("north", "korean"))
    sample = next(a for a in lst["articles"] if a["title"] == SAMPLE_TITLE)
    assert sample["id"] == best["article_id"] and sample["passages"] >= 1
    assert none.structured_content == {"total": 0, "articles": []}
    doc = article.structured_content
    original = SAMPLE_ARTICLE.read_text(encoding="utf-8")
    assert doc["title"] == SAMPLE_TITLE and "fake news" in doc["text"] and doc["text"] in original
    assert len(doc["passage_texts"]) == sample["passages"]
    text = resource.contents[0].text
    assert resource.contents[0].mime_type == "text/plain"
    assert text.startswith(SAMPLE_TITLE + "\nKyiv Independent\n\n") and text.endswith(doc["text"])
    assert missing.is_error and _text(missing) == "No article with id 'no-such-article' is stored; list the articles to see their ids."
    assert bad_limit.is_error and _text(bad_limit) == "Invalid request: limit: Input should be greater than or equal to 1"


def test_tools_do_not_change_the_store(app_server):
    store = app_server.assistant.store
    before = (store.revision(), store.count())

    async def go():
        async with http_client(app_server.url) as c:
            await c.call_tool("ask", {"question": QUESTION})
            await c.call_tool("search", {"query": "troops"})
            await c.call_tool("list_articles", {})
            aid = (await c.call_tool("list_articles", {})).structured_content["articles"][0]["id"]
            await c.call_tool("get_article", {"id": aid})

    run(go)
    assert (store.revision(), store.count()) == before


# --- over streamable HTTP, login on ------------------------------------------------------------------
def test_login_covers_mcp(auth_server):
    basic = "Basic " + base64.b64encode(f"{AUTH_USER}:{AUTH_PASSWORD}".encode()).decode()
    accept = {"Accept": "application/json, text/event-stream"}
    with httpx.Client(base_url=auth_server.url, timeout=30) as http:
        api_401 = http.post("/api/ask", json={"question": QUESTION}).json()
        for auth in (None, f"Bearer {AUTH_USER}:wrong", "Basic " + base64.b64encode(b"alice:nope").decode()):
            r = http.post("/mcp", json=INIT, headers={**accept, **({"Authorization": auth} if auth else {})})
            assert r.status_code == 401 and r.json() == api_401  # the HTTP API's 401, word for word
            assert r.headers["www-authenticate"].startswith("Basic")
        assert http.post("/mcp", json=INIT, headers={**accept, "Authorization": basic}).status_code == 200

    async def go():
        async with http_client(auth_server.url, BEARER) as c:
            names = {t.name for t in (await c.list_tools()).tools}
            return names, await c.call_tool("ask", {"question": QUESTION})

    names, answer = run(go)
    assert names == TOOLS
    assert not answer.is_error and answer.structured_content["citations"][0]["title"] == SAMPLE_TITLE


# --- over stdio -------------------------------------------------------------------------------------
def test_stdio_serves_the_same_tools(tmp_path: Path):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("FOOTNOTE_", "OPENAI_"))}
    env.update({"FOOTNOTE_STORE_DIR": str(tmp_path / "store"), "PYTHONPATH": str(ROOT)})
    params = StdioServerParameters(command=sys.executable, args=["-m", "server.mcp"], env=env, cwd=str(ROOT))

    async def go():
        with anyio.fail_after(300):
            async with Client(params, read_timeout_seconds=300) as c:
                names = {t.name for t in (await c.list_tools()).tools}
                answer = await c.call_tool("ask", {"question": QUESTION})  # the sample is ingested on first use
                bad = await c.call_tool("search", {"query": ""})
                return names, answer, bad

    names, answer, bad = run(go)
    assert names == TOOLS
    out = answer.structured_content
    assert not answer.is_error and out["refused"] is False and "Peskov" in out["answer"]
    assert out["citations"][0]["title"] == SAMPLE_TITLE and "Peskov" in out["citations"][0]["quote"]
    assert bad.is_error and _text(bad) == "Please type a question."


def test_a_foreign_host_header_is_refused_on_loopback(app_server):
    """Bound to loopback, /mcp refuses a Host it does not serve (DNS rebinding), before any tool runs."""
    headers = {"Accept": "application/json, text/event-stream"}
    with httpx.Client(base_url=app_server.url, timeout=30) as http:
        assert http.post("/mcp", json=INIT, headers={**headers, "Host": "attacker.example"}).status_code == 421
        ok = http.post("/mcp", json=INIT, headers=headers)
        assert ok.status_code == 200 and ok.json()["result"]["serverInfo"]["name"] == "footnote"


def test_store_unreachable_is_a_tool_error_with_the_apis_message(tmp_path: Path):
    from eval.local_servers import free_port
    from footnote.settings import Settings
    from server.mcp import build_server
    from server.service import Service

    settings = Settings(store_dir=tmp_path / "s", chroma_host="127.0.0.1", chroma_port=free_port(), _env_file=None)
    server = build_server(Service(settings))

    async def go():
        async with Client(server) as c:  # in process: the tools over a Service whose store is down
            return [await c.call_tool(name, args) for name, args in (
                ("ask", {"question": QUESTION}), ("search", {"query": "troops"}), ("list_articles", {}))]

    for r in run(go):
        assert r.is_error and _text(r).startswith("The article store is unreachable: ") and _text(r).endswith("Retry when it is back.")


def _docs_python_block(lead: str) -> str:
    """The Python example that follows the paragraph starting with ``lead`` in docs/MCP.md."""
    text = (ROOT / "docs" / "MCP.md").read_text(encoding="utf-8")
    return re.findall(r"```python\n(.+?)\n```", text.split(lead, 1)[1], re.S)[0]


def test_docs_official_client_example_runs_against_the_app(app_server, capsys):
    code = _docs_python_block("**The official Python client**").replace("http://127.0.0.1:7860", app_server.url)
    exec(compile(code, "docs/MCP.md", "exec"), {})
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "['ask', 'search', 'list_articles', 'get_article']"
    assert "Peskov" in lines[1] and "Sources:" in lines and "fake news" in lines[-1]
