"""The HTTP API, against the real app served on a free loopback port: every endpoint, its
errors, the OpenAPI schema, gradio_client on the chat endpoint and the real ``openai``
client on /v1/chat/completions. Nothing is mocked."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from fixtures_app import UPLOAD_LIMIT_MB, LiveServer
from fixtures_chroma import ChromaServer, chroma_command, free_port

SEED = "Who denied the reports?"
ROOT = Path(__file__).resolve().parent.parent


def sse_events(text: str) -> list[tuple[str, dict]]:
    """(event, data) pairs of a server-sent events body."""
    out = []
    for block in text.strip().split("\n\n"):
        event, data = "message", ""
        for line in block.splitlines():
            if line.startswith("event: "):
                event = line[7:]
            elif line.startswith("data: "):
                data += line[6:]
        out.append((event, json.loads(data)))
    return out


def assert_error(r: httpx.Response, status: int, *words: str) -> dict:
    assert r.status_code == status, r.text
    assert r.headers["content-type"].startswith("application/json")
    err = r.json()["error"]
    assert err["status"] == status and err["message"]
    for w in words:
        assert w.lower() in err["message"].lower(), err["message"]
    return err


# --- /api/health, /api/ask -------------------------------------------------------------
def test_health_reports_store_counts_and_model(app_server):
    r = httpx.get(f"{app_server.url}/api/health")
    assert r.status_code == 200
    h = r.json()
    assert h["status"] == "ok" and h["articles"] >= 1 and h["passages"] >= h["articles"]
    assert h["model"] == "offline extractive answerer" and h["llm_configured"] is False
    assert h["store"] == str(app_server.settings.store_dir)


def test_ask_answers_the_seed_question_with_the_peskov_citation(app_server):
    r = httpx.post(f"{app_server.url}/api/ask", json={"question": SEED}, timeout=60)
    assert r.status_code == 200, r.text
    a = r.json()
    assert a["refused"] is False and "Peskov" in a["answer"] and "[1]" in a["answer"]
    assert a["short_answer"] == "Dmitry Peskov" and a["answer"].startswith("**Dmitry Peskov** — “")  # issue 12
    assert a["candidates"] == []
    c = a["citations"][0]
    assert c["n"] == 1 and "Russia denies reports" in c["title"] and c["source"] == "Kyiv Independent"
    assert "Peskov" in c["quote"] and c["quote"] in c["text"] and c["supported"] is True
    assert {"retrieve_ms", "total_ms"} <= set(a["timings"])


def test_ask_follow_up_uses_the_history(app_server):
    history = [
        {"role": "user", "content": "Were North Korean troops reported in Ukraine?"},
        {"role": "assistant", "content": "Yes, according to Ukrainian media [1]."},
    ]
    r = httpx.post(f"{app_server.url}/api/ask", json={"question": "Who denied them?", "history": history}, timeout=60)
    a = r.json()
    assert "North Korean troops" in a["standalone_question"]
    assert "Peskov" in a["answer"] and a["citations"]


def test_ask_refuses_without_citations_when_the_articles_do_not_say(app_server):
    a = httpx.post(f"{app_server.url}/api/ask", json={"question": "What is the capital of Peru?"}, timeout=60).json()
    assert a["refused"] is True and a["citations"] == [] and "do not contain" in a["answer"]


def test_ask_filters_are_applied(app_server):
    r = httpx.post(f"{app_server.url}/api/ask", json={"question": SEED, "sources": ["No Such Source"]}, timeout=60)
    assert r.status_code == 200 and r.json()["refused"] is True
    r = httpx.post(f"{app_server.url}/api/ask", json={"question": SEED, "sources": ["Kyiv Independent"], "top_k": 1}, timeout=60)
    assert r.json()["citations"][0]["source"] == "Kyiv Independent"
    r = httpx.post(f"{app_server.url}/api/ask", json={"question": SEED, "date_from": "2024-01-01"}, timeout=60)
    assert r.json()["refused"] is True  # the sample article has no date: a date range leaves it out


@pytest.mark.parametrize(
    "body, words",
    [
        ({"question": ""}, ["type a question"]),
        ({"question": "   \n\t "}, ["type a question"]),
        ({"question": "why? " * 1000}, ["limit is 4,000"]),
        ({"question": SEED, "top_k": 0}, ["top_k"]),
        ({"question": SEED, "date_from": "yesterday-ish"}, ["date_from"]),
        ({"nothing": 1}, ["question"]),
    ],
)
def test_ask_errors_are_json_400(app_server, body, words):
    assert_error(httpx.post(f"{app_server.url}/api/ask", json=body, timeout=60), 400, *words)


def test_malformed_json_is_400(app_server):
    r = httpx.post(f"{app_server.url}/api/ask", content=b"{not json", headers={"content-type": "application/json"})
    assert_error(r, 400, "invalid request")


# --- /api/ask/stream ----------------------------------------------------------------------
def test_stream_sends_tokens_then_the_same_answer(app_server):
    with httpx.stream("POST", f"{app_server.url}/api/ask/stream", json={"question": SEED}, timeout=60) as r:
        assert r.status_code == 200 and r.headers["content-type"].startswith("text/event-stream")
        body = r.read().decode()
    events = sse_events(body)
    tokens = [d["text"] for e, d in events if e == "token"]
    kind, final = events[-1]
    assert kind == "answer" and len(tokens) > 3
    assert "".join(tokens) == final["answer"]
    plain = httpx.post(f"{app_server.url}/api/ask", json={"question": SEED}, timeout=60).json()
    assert final["answer"] == plain["answer"] and final["citations"] == plain["citations"]


def test_stream_reports_a_bad_question_as_a_status(app_server):
    assert_error(httpx.post(f"{app_server.url}/api/ask/stream", json={"question": ""}), 400, "type a question")


# --- /api/ingest --------------------------------------------------------------------------
ARTICLE = (
    "Lighthouse keepers return to Vinga\n\n"
    "The Swedish Maritime Administration said on Tuesday that keepers will live on Vinga island again. "
    "Harbour master Lena Sjoberg confirmed that two keepers start in March. The lighthouse was automated in 1974."
)


def test_ingest_upload_reports_bad_files_by_name_and_ingests_the_rest(app_server):
    files = [
        ("files", ("vinga.txt", ARTICLE.encode(), "text/plain")),
        ("files", ("empty.txt", b"", "text/plain")),
        ("files", ("tool.exe", b"MZ\x90\x00", "application/octet-stream")),
        ("files", ("../../escape-attempt.md", b"# Escape\n\nThis article tries to be written outside the upload folder.", "text/markdown")),
    ]
    r = httpx.post(f"{app_server.url}/api/ingest", files=files, timeout=120)
    assert r.status_code == 200, r.text
    s = r.json()
    failed = {f["item"]: f["reason"] for f in s["failed"]}
    assert set(failed) == {"empty.txt", "tool.exe"}
    assert "empty" in failed["empty.txt"] and "not accepted" in failed["tool.exe"]
    assert s["added"] + s["unchanged"] == 2
    uploads = app_server.settings.store_dir / "uploads"
    assert not [p for p in uploads.rglob("*") if p.is_file()]  # staged inside, deleted once ingested (issue 13)
    outside = [p for p in app_server.settings.store_dir.parent.rglob("escape-attempt.md") if uploads not in p.parents]
    assert outside == []
    a = httpx.post(f"{app_server.url}/api/ask", json={"question": "Who confirmed that keepers start in March?"}, timeout=60).json()
    assert "Sjoberg" in a["answer"] and a["citations"][0]["title"].startswith("Lighthouse keepers")
    again = httpx.post(f"{app_server.url}/api/ingest", files=files[:1], timeout=120).json()
    assert again["unchanged"] == 1 and again["added"] == 0  # the same file twice is one article


def test_ingest_without_files_is_400(app_server):
    assert_error(httpx.post(f"{app_server.url}/api/ingest", data={"x": "1"}), 400, "files")


def test_upload_over_the_limit_is_413(app_server):
    big = b"a" * int((UPLOAD_LIMIT_MB + 0.5) * 1_000_000)
    r = httpx.post(f"{app_server.url}/api/ingest", files=[("files", ("big.txt", big, "text/plain"))], timeout=60)
    assert_error(r, 413, "MB limit")

    def chunks():  # no Content-Length: counted while it arrives
        boundary = b"--xyz\r\n"
        yield boundary + b'Content-Disposition: form-data; name="files"; filename="big.txt"\r\n\r\n'
        for _ in range(30):
            yield b"b" * 100_000
        yield b"\r\n--xyz--\r\n"

    r = httpx.post(
        f"{app_server.url}/api/ingest", content=chunks(), timeout=60,
        headers={"content-type": "multipart/form-data; boundary=xyz"},
    )
    assert_error(r, 413, "MB limit")


def test_page_upload_is_limited_too(app_server):
    big = b"a" * int((UPLOAD_LIMIT_MB + 0.5) * 1_000_000)
    r = httpx.post(f"{app_server.url}/gradio_api/upload", files=[("files", ("big.txt", big, "text/plain"))], timeout=60)
    assert r.status_code == 413


def _answer_mode_radio(url: str) -> dict:
    config = httpx.get(url + "/config").json()
    return next(c["props"] for c in config["components"] if c.get("props", {}).get("label") == "Answers from")


def test_page_offers_the_llm_toggle_only_when_an_llm_is_configured(app_server, app_settings, app_assistant):
    from app import create_app

    assert _answer_mode_radio(app_server.url)["visible"] is False
    settings = app_settings.model_copy(update={"openai_base_url": "http://127.0.0.1:9/v1", "model": "tiny-model"})
    with LiveServer(create_app(settings, app_assistant)) as live:
        radio = _answer_mode_radio(live.url)
        assert radio["visible"] is True and radio["value"] == "LLM"
        assert "LLM tiny-model" in httpx.get(live.url + "/api/health").json()["model"]


# --- OpenAPI ---------------------------------------------------------------------------------
def test_openapi_schema_describes_every_route(app_server):
    schema = httpx.get(f"{app_server.url}/openapi.json").json()
    paths = schema["paths"]
    for path, method in [
        ("/api/ask", "post"), ("/api/ask/stream", "post"), ("/api/ingest", "post"), ("/api/health", "get"),
        ("/v1/chat/completions", "post"), ("/v1/models", "get"),
    ]:
        assert method in paths[path], path
        assert "400" in paths[path][method]["responses"] or path.endswith(("health", "models"))
    names = set(schema["components"]["schemas"])
    assert {"AskRequest", "AnswerOut", "Citation", "IngestOut", "HealthOut", "ErrorOut", "ChatCompletionOut"} <= names
    assert "413" in paths["/api/ingest"]["post"]["responses"]
    assert httpx.get(f"{app_server.url}/docs").status_code == 200


# --- gradio_client on the chat endpoint -------------------------------------------------------
def test_gradio_client_chat_endpoint(app_server):
    from gradio_client import Client

    client = Client(app_server.url, verbose=False)
    try:
        out = client.predict(message=SEED, api_name="/chat")
        assert "Peskov" in out["answer"] and out["citations"][0]["n"] == 1
        follow = client.predict(
            message="When did he reject them?",
            history=[{"role": "user", "content": SEED}, {"role": "assistant", "content": out["answer"]}],
            api_name="/chat",
        )
    finally:
        client.close()
    # The offline condenser resolved "he" to the previous answer's short answer (issue 12).
    assert "October 10" in follow["answer"] and "Dmitry Peskov" in follow["standalone_question"]


# --- OpenAI-compatible, with the real openai client ---------------------------------------
def test_openai_client_gets_citations_as_markers_and_structured(app_server):
    from openai import OpenAI

    client = OpenAI(base_url=f"{app_server.url}/v1", api_key="not-needed-without-auth", max_retries=0)
    assert [m.id for m in client.models.list()] == ["footnote"]
    done = client.chat.completions.create(model="footnote", messages=[{"role": "user", "content": SEED}])
    text = done.choices[0].message.content
    assert "Peskov" in text and "[1]" in text and "Sources:\n[1] Russia denies reports" in text
    cites = done.model_extra["citations"]
    assert cites[0]["n"] == 1 and "Peskov" in cites[0]["quote"] and done.model_extra["refused"] is False

    stream = client.chat.completions.create(
        model="footnote", stream=True,
        messages=[
            {"role": "system", "content": "ignored"},
            {"role": "user", "content": "Were North Korean troops reported in Ukraine?"},
            {"role": "assistant", "content": "Yes [1]."},
            {"role": "user", "content": "Who denied them?"},
        ],
        extra_body={"top_k": 3},
    )
    chunks = list(stream)
    streamed = "".join(c.choices[0].delta.content or "" for c in chunks)
    assert "Peskov" in streamed and "Sources:" in streamed
    last = chunks[-1]
    assert last.choices[0].finish_reason == "stop" and last.model_extra["citations"][0]["n"] == 1


def test_openai_client_sees_errors(app_server):
    import openai

    client = openai.OpenAI(base_url=f"{app_server.url}/v1", api_key="x", max_retries=0)
    with pytest.raises(openai.BadRequestError) as e:
        client.chat.completions.create(model="footnote", messages=[{"role": "user", "content": " "}])
    assert "type a question" in str(e.value).lower()
    with pytest.raises(openai.BadRequestError):
        client.chat.completions.create(model="footnote", messages=[{"role": "assistant", "content": "hi"}])
    with pytest.raises(openai.BadRequestError):
        client.chat.completions.create(model="footnote", stream=True, messages=[{"role": "user", "content": "x" * 5000}])


# --- the store unreachable: 503, and back when it is ---------------------------------------
def test_store_unreachable_is_503_with_a_message(tmp_path):
    from app import create_app
    from footnote.settings import Settings

    settings = Settings(store_dir=tmp_path / "s", chroma_host="127.0.0.1", chroma_port=free_port(), _env_file=None)
    with LiveServer(create_app(settings)) as live:
        for method, path, body in [
            ("GET", "/api/health", None), ("POST", "/api/ask", {"question": SEED}),
            ("POST", "/api/ask/stream", {"question": SEED}),
            ("POST", "/v1/chat/completions", {"model": "footnote", "messages": [{"role": "user", "content": SEED}]}),
        ]:
            r = httpx.request(method, live.url + path, json=body, timeout=60)
            assert_error(r, 503, "unreachable", "retry")
        assert httpx.get(live.url + "/").status_code == 200  # the page still loads


@pytest.mark.server
def test_chroma_server_down_then_back(tmp_path):
    """A real `chroma run`: answers, goes down (503), comes back (200 again)."""
    if chroma_command() is None:
        pytest.skip("the chroma CLI is not installed")
    from app import create_app

    server = ChromaServer(tmp_path / "chroma")
    server.start()
    try:
        settings = server.settings(tmp_path / "local")
        with LiveServer(create_app(settings)) as live:  # ingest_sample fills the empty collection
            ok = httpx.post(live.url + "/api/ask", json={"question": SEED}, timeout=60)
            assert ok.status_code == 200 and "Peskov" in ok.json()["answer"]
            server.stop()
            assert_error(httpx.post(live.url + "/api/ask", json={"question": SEED}, timeout=60), 503, "unreachable")
            server.start()
            back = httpx.post(live.url + "/api/ask", json={"question": SEED}, timeout=60)
            assert back.status_code == 200 and "Peskov" in back.json()["answer"]
    finally:
        server.stop()


# --- `python app.py`, the README's first command ------------------------------------------
@pytest.mark.slow
def test_python_app_py_serves_on_loopback_and_ingests_the_sample(tmp_path):
    port = free_port()
    env = {**os.environ, "FOOTNOTE_PORT": str(port), "FOOTNOTE_STORE_DIR": str(tmp_path / "store")}
    env.pop("FOOTNOTE_HOST", None)
    env.pop("FOOTNOTE_AUTH", None)
    proc = subprocess.Popen([sys.executable, "app.py"], cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 90
        while True:
            try:
                r = httpx.get(f"http://127.0.0.1:{port}/api/health", timeout=2)
                break
            except httpx.HTTPError:
                assert proc.poll() is None, proc.stdout.read().decode()
                assert time.monotonic() < deadline, "python app.py did not start"
                time.sleep(0.3)
        assert r.json()["articles"] == 1  # the sample, ingested on first start
        page = httpx.get(f"http://127.0.0.1:{port}/")
        assert page.status_code == 200 and "gradio" in page.text.lower()
        if shutil.which("ss"):  # iproute2: the socket is bound to loopback only
            listening = subprocess.run(["ss", "-ltnH", f"sport = :{port}"], capture_output=True, text=True).stdout
            local = [line.split()[3] for line in listening.splitlines() if line.strip()]
            assert local == [f"127.0.0.1:{port}"]
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def test_rendering_escapes_every_article_string():
    """The page's HTML for an answer: article text, titles, sources and URLs are data."""
    from ui.render import render_answer

    hostile = {
        "answer": "Bakery <script>x()</script> won [1] and [7].", "refused": False, "notice": "",
        "citations": [{
            "n": 1, "text": 'A <img src=x onerror="x()"> B. The quote <b>here</b>.', "quote": "The quote <b>here</b>.",
            "title": "<svg onload=x()>", "source": "<i>S</i>", "date": "2024-10-11", "url": "javascript:x()",
            "supported": True,
        }],
    }
    out = render_answer(hostile, "t1")
    for raw in ("<script", "<img", "<svg", "<i>", "<b>", "javascript:"):
        assert raw not in out
    assert '<mark class="fn-quote">The quote &lt;b&gt;here&lt;/b&gt;.</mark>' in out
    assert 'href="#fn-t1-1"' in out and "[7]" in out and 'href="#fn-t1-7"' not in out  # only real citations link
    refusal = render_answer({"answer": "The articles do not contain the answer.", "refused": True, "citations": [], "notice": ""}, "t2")
    assert "fn-refusal" in refusal and "fn-cite" not in refusal


def _readme_python_block(heading: str) -> str:
    """The first Python example under ``heading`` in docs/API.md (linked from the README)."""
    text = (ROOT / "docs" / "API.md").read_text(encoding="utf-8")
    section = text.split(f"## {heading}\n", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"```python\n(.+?)\n```", section, re.S)[0]


@pytest.mark.slow
def test_readme_python_api_example_runs(tmp_path):
    code = _readme_python_block("Python API")
    env = {**os.environ, "FOOTNOTE_STORE_DIR": str(tmp_path / "store")}
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=180)
    assert out.returncode == 0, out.stderr[-2000:]
    lines = out.stdout.splitlines()
    assert "Peskov" in lines[0] and lines[1].startswith("[1] Russia denies reports")
    assert "October 10" in out.stdout and "1 citation(s)" in out.stdout and lines[-1] == "True"


def test_readme_openai_example_runs_against_the_app(app_server, capsys):
    code = _readme_python_block("HTTP API").replace("http://127.0.0.1:7860", app_server.url)
    exec(compile(code, "README.md", "exec"), {})
    printed = capsys.readouterr().out
    assert "[1]" in printed and "Sources:" in printed and "'quote'" in printed


@pytest.mark.llm
def test_llm_answers_stream_through_the_api(app_settings, app_assistant, llama_server):
    """The real local OpenAI-compatible server (llama.cpp + SmolLM2) behind the app: tokens
    arrive as they are written, then the checked answer."""
    from app import create_app
    from assistant import Assistant

    settings = app_settings.model_copy(update={
        "openai_base_url": llama_server.base_url, "model": "smollm2", "max_tokens": 48, "llm_timeout": 60.0, "llm_retries": 0,
        "top_k": 1,  # one passage: SmolLM2-135M answers the seed question supportedly from it
    })
    llm_assistant = Assistant(settings, store=app_assistant.store)
    with LiveServer(create_app(settings, llm_assistant)) as live:
        assert "LLM smollm2" in httpx.get(live.url + "/api/health").json()["model"]
        before = llama_server.chat_requests()
        with httpx.stream("POST", live.url + "/api/ask/stream", json={"question": SEED, "answerer": "llm"}, timeout=120) as r:
            assert r.status_code == 200
            events = sse_events(r.read().decode())
        tokens = [d["text"] for e, d in events if e == "token"]
        kind, final = events[-1]
        assert kind == "answer" and len(tokens) >= 2
        assert final["answerer"] == "llm" and final["notice"] == "", final  # the LLM's own answer, no fallback
        assert final["timings"]["first_token_ms"] > 0 and llama_server.chat_requests() == before + 1
        offline = httpx.post(live.url + "/api/ask", json={"question": SEED, "answerer": "extractive"}, timeout=60).json()
        assert offline["answerer"] == "extractive" and "Peskov" in offline["answer"]
