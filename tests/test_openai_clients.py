"""The OpenAI-compatible API as its clients see it (issue 13): the official ``openai`` SDK
and LangChain's ``ChatOpenAI`` against the running app (uvicorn on a free loopback port,
the sample article in a real Chroma), streamed and not. Nothing is mocked.

Token counts are MiniLM WordPiece tokens (``assistant.tokens``), so the tests compare
with ``count_tokens``, not with words.
"""

from __future__ import annotations

import json

import httpx
import openai
import pytest

from assistant.tokens import count_tokens

Q = "Who denied the reports?"
MSGS = [{"role": "user", "content": Q}]


@pytest.fixture(scope="module")
def client(app_server) -> openai.OpenAI:
    return openai.OpenAI(base_url=app_server.url + "/v1", api_key="unused", max_retries=0)


def _check_annotations(content: str, annotations, titles: set[str]) -> None:
    assert annotations, "every [n] marker is an annotation"
    for a in annotations:
        a = a if isinstance(a, dict) else a.model_dump()
        assert a["type"] == "url_citation"
        u = a["url_citation"]
        assert content[u["start_index"]:u["end_index"]].startswith("[") and u["title"] in titles


def test_sdk_completion_counts_tokens_and_annotates_citations(client):
    r = client.chat.completions.create(model="footnote", messages=MSGS)
    msg = r.choices[0].message
    assert r.choices[0].finish_reason == "stop" and len(r.choices) == 1
    assert r.usage.prompt_tokens == count_tokens(Q) == 5  # not 4 words
    assert r.usage.completion_tokens == count_tokens(msg.content) and r.usage.total_tokens == 5 + r.usage.completion_tokens
    citations = r.model_extra["citations"]  # Footnote's own field, kept
    _check_annotations(msg.content, msg.annotations, {c["title"] for c in citations})


def test_sdk_stream_sends_the_usage_chunk_when_asked(client):
    chunks = list(client.chat.completions.create(model="footnote", messages=MSGS, stream=True,
                                                 stream_options={"include_usage": True}))
    text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    last = chunks[-1]
    assert last.choices == [] and last.usage.completion_tokens == count_tokens(text) and last.usage.prompt_tokens == 5
    assert all(c.usage is None for c in chunks[:-1])
    final = next(c for c in chunks if c.choices and c.choices[0].finish_reason)
    assert final.choices[0].finish_reason == "stop" and final.model_extra["citations"]
    _check_annotations(text, final.choices[0].delta.model_extra["annotations"], {c["title"] for c in final.model_extra["citations"]})
    plain = list(client.chat.completions.create(model="footnote", messages=MSGS, stream=True))
    assert all(c.usage is None for c in plain)  # no usage chunk unless asked


@pytest.mark.parametrize("stream", [False, True])
def test_sdk_max_tokens_cuts_with_finish_reason_length(client, stream):
    if stream:
        chunks = list(client.chat.completions.create(model="footnote", messages=MSGS, max_tokens=5, stream=True,
                                                     stream_options={"include_usage": True}))
        text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
        finish = next(c.choices[0].finish_reason for c in chunks if c.choices and c.choices[0].finish_reason)
        usage = chunks[-1].usage
    else:
        r = client.chat.completions.create(model="footnote", messages=MSGS, max_tokens=5)
        text, finish, usage = r.choices[0].message.content, r.choices[0].finish_reason, r.usage
    assert finish == "length" and count_tokens(text) == 5 == usage.completion_tokens and text


def test_sdk_errors_follow_openai(client):
    with pytest.raises(openai.BadRequestError) as e:
        client.chat.completions.create(model="footnote", messages=MSGS, n=2)
    assert (e.value.code, e.value.param) == ("unsupported_value", "n")
    with pytest.raises(openai.NotFoundError) as e:
        client.chat.completions.create(model="gpt-4o", messages=MSGS)
    assert (e.value.code, e.value.param) == ("model_not_found", "model") and "gpt-4o" in e.value.message
    with pytest.raises(openai.BadRequestError) as e:
        client.chat.completions.create(model="footnote", messages=MSGS, extra_body={"top_k": 0})
    assert e.value.param == "top_k" and e.value.body["status"] == 400
    with pytest.raises(openai.BadRequestError) as e:
        client.chat.completions.create(model="footnote", messages=MSGS, stream=True, extra_body={"answerer": "llm"})
    assert "no LLM is configured" in e.value.message  # before the stream starts (case 8)


@pytest.mark.parametrize("method, path, status", [
    ("GET", "/v1/nope", 404), ("POST", "/api/nope", 404), ("GET", "/v1/chat/completions", 405),
    ("DELETE", "/api/ask", 405), ("PUT", "/v1/models", 405)])
def test_unknown_routes_and_wrong_methods_use_the_error_shape(app_server, method, path, status):
    r = httpx.request(method, app_server.url + path, timeout=30)
    assert r.status_code == status
    err = r.json()["error"]
    assert err["status"] == status and err["message"] and {"type", "code", "param"} <= set(err)
    if status == 405:
        assert r.headers["allow"] and method not in r.headers["allow"]


def test_langchain_chatopenai_sees_tokens_and_citations(app_server):
    from langchain_openai import ChatOpenAI

    llm = ChatOpenAI(base_url=app_server.url + "/v1", api_key="unused", model="footnote", max_retries=0,
                     include_response_headers=True)
    m = llm.invoke(Q)
    assert "[1]" in m.content and m.usage_metadata["input_tokens"] == 5
    assert m.usage_metadata["output_tokens"] == count_tokens(m.content)
    cited = json.loads(m.response_metadata["headers"]["footnote-citations"])
    assert cited and cited[0]["n"] == 1 and cited[0]["title"].startswith("Russia denies")
    short = ChatOpenAI(base_url=app_server.url + "/v1", api_key="unused", model="footnote", max_tokens=5, max_retries=0).invoke(Q)
    assert short.response_metadata["finish_reason"] == "length"


def test_langchain_chatopenai_streams_with_usage(app_server):
    from langchain_openai import ChatOpenAI

    llm = ChatOpenAI(base_url=app_server.url + "/v1", api_key="unused", model="footnote", max_retries=0, stream_usage=True)
    chunks = list(llm.stream(Q))
    whole = chunks[0]
    for c in chunks[1:]:
        whole = whole + c
    assert len(chunks) > 3 and "[1]" in whole.content and "Sources:" in whole.content
    assert whole.usage_metadata["output_tokens"] == count_tokens(whole.content) and whole.usage_metadata["input_tokens"] == 5
    assert whole.response_metadata["finish_reason"] == "stop"
