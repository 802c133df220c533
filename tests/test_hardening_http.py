"""Issue 13, against the running app (uvicorn on a free loopback port, real Chroma): each
case reproduces what a hostile tester did and checks that it is refused now.

Two servers over one fresh store (module scope): ``open_`` without login, ``locked`` with
FOOTNOTE_AUTH and a low failed-login limit. Nothing is mocked.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import httpx
import pytest
from fixtures_app import LiveServer
from pydantic import SecretStr

from footnote.settings import SAMPLE_ARTICLE, Settings
from ingest.loaders import file_article_id
from ingest.pipeline import Ingestor, namespaced_id

Q = "Who denied the reports?"
PW = "right-horse-battery"


@pytest.fixture(scope="module")
def servers(tmp_path_factory):
    from app import create_app
    from assistant import Assistant

    root = tmp_path_factory.mktemp("hard")
    settings = Settings(store_dir=root / "store", max_upload_mb=1.0, max_body_kb=256, allowed_hosts="footnote.example",
                        concurrency=4, _env_file=None)
    a = Assistant(settings)
    a.ensure_sample()
    locked = settings.model_copy(update={"auth": SecretStr(f"alice:{PW},bob:{PW}x"),
                                         "login_failures_per_client": "5/minute", "login_failures_per_user": "8/minute"})
    with LiveServer(create_app(settings, a)) as o, LiveServer(create_app(locked, a)) as lk:
        yield {"open": o.url, "locked": lk.url, "assistant": a, "settings": settings}


def _post(url: str, path: str, **kw) -> httpx.Response:
    return httpx.post(url + path, timeout=60, **kw)


def _jsonl(*records: dict) -> bytes:
    return "".join(json.dumps(r) + "\n" for r in records).encode()


# --- 2: an upload cannot replace an article by its (public) id -------------------------
def test_case2_upload_with_the_samples_id_does_not_rewrite_it(servers):
    url = servers["open"]
    before = _post(url, "/api/ask", json={"question": Q}).json()
    sample_id = file_article_id(SAMPLE_ARTICLE)
    assert sample_id in {c["article_id"] for c in before["citations"]}
    forged = {"id": sample_id, "title": "Kremlin", "source": "Kyiv Independent",
              "text": "Nobody at all denied the reports, said a spokesman for the harbour authority on Friday. " * 3}
    r = _post(url, "/api/ingest", files=[("files", ("forged.jsonl", _jsonl(forged)))])
    assert r.status_code == 200 and r.json()["added"] == 1 and r.json()["updated"] == 0
    store = servers["assistant"].store
    sample_text = " ".join(p.text for p in store.iter_passages() if p.article_id == sample_id)
    assert sample_text and "harbour authority" not in sample_text
    assert namespaced_id(sample_id, "upload:anonymous") in store.article_states()
    after = _post(url, "/api/ask", json={"question": Q}).json()
    for c in after["passages"] if "passages" in after else after["citations"]:  # the forgery is cited as what it is
        forged_text = "harbour authority" in c["text"]
        assert forged_text == (c["article_id"] == namespaced_id(sample_id, "upload:anonymous")), c["article_id"]
    assert not list((servers["settings"].store_dir / "uploads").rglob("*.*"))  # case 10: staged copy deleted


def test_case2_replacing_another_origins_article_is_a_409_and_nothing_is_lost(servers, tmp_path):
    a = servers["assistant"]
    owned = namespaced_id("kyiv-9", "upload:bob")
    corpus = tmp_path / "corpus.jsonl"
    corpus.write_bytes(_jsonl({"id": owned, "title": "Owned", "text": "The operator's own article about the new ferry line. " * 3}))
    Ingestor(a.settings, a.store, a.lexical).ingest([corpus])
    files = [("files", ("b.jsonl", _jsonl({"id": "kyiv-9", "text": "Bob's rewrite of the ferry story, denied by all. " * 3},
                                          {"id": "bob-2", "text": "Bob's own article about the library reopening. " * 3})))]
    r = _post(servers["locked"], "/api/ingest", files=files, auth=("bob", PW + "x"))
    assert r.status_code == 409, r.text
    body = r.json()
    assert body["error"]["type"] == "article_conflict" and "kyiv-9" in body["error"]["message"]
    assert body["summary"]["conflicts"] == [owned] and body["summary"]["added"] == 1
    assert "operator's own" in " ".join(p.text for p in a.store.iter_passages() if p.article_id == owned)


# --- 3: cross-site writes and foreign Host headers --------------------------------------
@pytest.mark.parametrize("headers", [{"Origin": "http://evil.example"}, {"Sec-Fetch-Site": "cross-site"},
                                     {"Origin": "null"}, {"Sec-Fetch-Site": "same-site", "Origin": "http://a.localhost"}])
def test_case3_cross_site_writes_are_refused(servers, headers):
    files = [("files", ("x.txt", b"Cross-site article about the council meeting on Monday evening."))]
    for path, kw in (("/api/ingest", {"files": files}), ("/api/ask", {"json": {"question": Q}}),
                     ("/gradio_api/upload", {"files": files})):
        r = _post(servers["open"], path, headers=headers, **kw)
        assert r.status_code == 403, (path, r.status_code, r.text[:200])
        assert r.json()["error"]["type"] == "cross_site_refused"


def test_case3_same_origin_and_non_browser_clients_pass(servers):
    url = servers["open"]
    host = url.split("//")[1]
    assert _post(url, "/api/ask", json={"question": Q}, headers={"Origin": url, "Sec-Fetch-Site": "same-origin"}).status_code == 200
    assert _post(url, "/api/ask", json={"question": Q}, headers={"Origin": f"http://{host}"}).status_code == 200
    assert _post(url, "/api/ask", json={"question": Q}).status_code == 200


def test_case3_only_configured_hosts_are_answered(servers):
    url = servers["open"]
    r = httpx.get(url + "/api/health", headers={"Host": "evil.example"})
    assert r.status_code == 421 and r.json()["error"]["type"] == "invalid_host"
    assert httpx.get(url + "/", headers={"Host": "evil.example:7860"}).status_code == 421  # the page too
    for host in ("localhost", "footnote.example:8080", "127.0.0.1"):
        assert httpx.get(url + "/api/health", headers={"Host": host}).status_code == 200, host


# --- 4: history and body size are bounded ------------------------------------------------
def test_case4_a_huge_history_is_a_413_at_once(servers):
    history = [{"role": "user", "content": "x" * 1_000_000}, {"role": "assistant", "content": "y" * 1_000_000}]
    for path, body in (("/api/ask", {"question": Q, "history": history}),
                       ("/api/ask/stream", {"question": Q, "history": history}),
                       ("/v1/chat/completions", {"model": "footnote", "messages": history + [{"role": "user", "content": Q}]})):
        t0 = time.perf_counter()
        r = _post(servers["open"], path, json=body)
        assert r.status_code == 413, (path, r.status_code)
        assert "256 KB limit" in r.json()["error"]["message"] and time.perf_counter() - t0 < 5


def test_case4_history_over_its_turns_or_characters_is_a_400(servers):
    settings = servers["settings"]
    many = [{"role": "user" if i % 2 == 0 else "assistant", "content": "ok"} for i in range(settings.max_history_turns + 2)]
    long = [{"role": "user", "content": "z " * (settings.max_history_chars // 2 + 10)}]
    for history, word in ((many, "turns"), (long, "characters")):
        for path in ("/api/ask", "/api/ask/stream"):
            r = _post(servers["open"], path, json={"question": Q, "history": history})
            assert r.status_code == 400 and word in r.json()["error"]["message"] and "limit" in r.json()["error"]["message"]


# --- 6: failed logins are throttled --------------------------------------------------------
def test_case6_failed_logins_per_client_get_429_with_retry_after(servers):
    url = servers["locked"]
    codes = [httpx.get(url + "/api/health", auth=("alice", f"guess-{i}")).status_code for i in range(5)]
    assert codes == [401] * 5
    r = httpx.get(url + "/api/health", auth=("alice", "guess-6"))
    assert r.status_code == 429 and 1 <= int(r.headers["retry-after"]) <= 60
    assert r.json()["error"]["code"] == "too_many_failed_logins"
    assert httpx.get(url + "/api/health", auth=("alice", PW)).status_code == 429  # even the right one, for now
    page = httpx.post(url + "/login", data={"username": "alice", "password": "x"})
    assert page.status_code == 429 and "retry-after" in page.headers


def test_case6_failed_logins_per_user_from_many_addresses(servers):
    url = servers["locked"]

    def attempt(source: str, password: str) -> httpx.Response:
        with httpx.Client(transport=httpx.HTTPTransport(local_address=source)) as c:
            return c.get(url.replace("127.0.0.1", "127.0.0.1") + "/api/health", auth=("bob", password))

    codes = [attempt(f"127.0.0.{2 + i // 4}", f"guess-{i}").status_code for i in range(8)]
    assert codes == [401] * 8
    r = attempt("127.0.0.9", "guess-9")
    assert r.status_code == 429 and int(r.headers["retry-after"]) >= 1


# --- 7: a huge sources list is the client's error -----------------------------------------
def test_case7_too_many_sources_is_a_400_with_the_limit(servers):
    many = [f"S{i}" for i in range(servers["settings"].max_sources + 1)]
    for path, body in (("/api/ask", {"question": Q, "sources": many}), ("/api/ask/stream", {"question": Q, "sources": many}),
                       ("/v1/chat/completions", {"messages": [{"role": "user", "content": Q}], "sources": many, "stream": True})):
        r = _post(servers["open"], path, json=body)
        assert r.status_code == 400, (path, r.status_code, r.text[:300])
        assert "limit is 1,000" in r.json()["error"]["message"]


# --- 8: streams check their options before the first byte ----------------------------------
def test_case8_streams_refuse_an_unconfigured_llm_with_a_400(servers):
    url = servers["open"]
    for path, body in (("/api/ask/stream", {"question": Q, "answerer": "llm"}),
                       ("/v1/chat/completions", {"messages": [{"role": "user", "content": Q}], "answerer": "llm", "stream": True})):
        r = _post(url, path, json=body)
        assert r.status_code == 400 and r.headers["content-type"].startswith("application/json"), (path, r.text[:200])
        assert "no LLM is configured" in r.json()["error"]["message"]


# --- 9: the page's /chat API validates like the HTTP API --------------------------------
BAD = [{"top_k": -1}, {"top_k": 0}, {"top_k": 10**9}, {"top_k": "abc"}, {"top_k": 2.7}, {"sources": "Kyiv Independent"},
       {"date_from": "yesterday"}]


@pytest.mark.parametrize("bad", BAD, ids=[json.dumps(b) for b in BAD])
def test_case9_page_chat_api_gives_the_http_apis_message(servers, bad):
    from gradio_client import Client
    from gradio_client.exceptions import AppError

    api = _post(servers["open"], "/api/ask", json={"question": Q, **bad})
    assert api.status_code == 400
    client = Client(servers["open"] + "/", verbose=False)
    with pytest.raises(AppError) as err:
        client.predict(message=Q, **bad, api_name="/chat")
    assert str(err.value.message if hasattr(err.value, "message") else err.value) == api.json()["error"]["message"]


def test_gradio_chat_is_typed_and_streams(servers):
    from gradio_client import Client

    client = Client(servers["open"] + "/", verbose=False)
    info = client.view_api(return_format="dict", print_info=False)["named_endpoints"]
    ret = info["/chat"]["returns"][0]
    assert ret["python_type"]["type"] != "Any" and "citations" in ret["python_type"]["type"]
    assert "/chat_stream" in info
    job = client.submit(message=Q, api_name="/chat_stream")
    updates = list(job)
    final = job.result()
    assert len(updates) >= 2 and final["citations"] and final["answer"].startswith(updates[0]["answer"][:10])


# --- 10: article text is never markup -----------------------------------------------------
def test_case10_chatbot_renders_no_latex_and_the_date_error_is_escaped(servers):
    import gradio as gr

    from server.service import Service
    from ui.chat import BadInput, inline, parse_day
    from ui.page import build_page

    demo = build_page(Service(servers["settings"], servers["assistant"]))
    chatbots = [b for b in demo.blocks.values() if isinstance(b, gr.Chatbot)]
    assert chatbots and all(c.latex_delimiters == [] for c in chatbots)
    with pytest.raises(BadInput) as err:  # a bad date is said inline, under the chat
        parse_day("<img src=x onerror=alert(1)>", "From")
    shown = inline(str(err.value))
    assert "<img" not in shown and "&lt;img" in shown


def test_case10_staged_uploads_are_deleted_after_ingest(servers):
    r = _post(servers["open"], "/api/ingest", files=[("files", ("note.txt", b"Ferry line opens\n\nThe new ferry line opened on Sunday to the islands."))])
    assert r.status_code == 200 and r.json()["added"] + r.json()["unchanged"] == 1
    uploads: Path = servers["settings"].store_dir / "uploads"
    assert not [p for p in uploads.rglob("*") if p.is_file()]
