"""``/v1/*``: the OpenAI-compatible API (models, chat completions, streamed or not).

The last user message is the question, earlier user/assistant messages the history. The
reply's text keeps the [n] markers and ends with a Sources list; each marker is also an
OpenAI ``url_citation`` annotation of the message (what the OpenAI SDK surfaces as
``message.annotations``), and ``citations`` holds the passages (structured), in the final
chunk when streaming.

As OpenAI does: an unknown ``model`` is a 404 ``model_not_found``, ``n`` other than 1 a
400 naming ``param``; ``max_tokens`` (or ``max_completion_tokens``) cuts the reply with
``finish_reason: "length"``; ``stream_options.include_usage`` adds a last chunk holding
``usage``. Tokens are counted with the MiniLM WordPiece tokenizer (``assistant.tokens``):
close to, not equal to, an OpenAI model's count.
"""

from __future__ import annotations

import json
import logging
import re
import time
import uuid
from collections.abc import AsyncIterator, Callable
from typing import Any

from fastapi import APIRouter, Depends, Response
from fastapi.responses import StreamingResponse
from starlette.concurrency import run_in_threadpool

from assistant import Answer
from assistant.tokens import count_tokens, truncate_tokens
from server.api import answer_bounded, answer_options, precheck, stream_bounded
from server.errors import APIError, stream_error_text
from server.schemas import ERRORS, MODEL_ID, ChatCompletionOut, ChatCompletionRequest, ChatMessage, ModelList
from server.service import Service

log = logging.getLogger("footnote.openai_compat")
INVALID = "invalid_request_error"
CITATIONS_HEADER = "Footnote-Citations"  # LangChain shows it: ChatOpenAI(include_response_headers=True)
HEADER_FIELDS = ("n", "title", "source", "date", "url", "article_id", "passage_id")


def citations_header(citations: list[dict]) -> str | None:
    """The citations (without their text) as ASCII JSON for a response header; None when too long."""
    value = json.dumps([{k: c.get(k) for k in HEADER_FIELDS} for c in citations], separators=(",", ":"))
    return value if len(value) <= 16_000 else None


def sources_footer(citations: list[dict]) -> str:
    """The citations as a plain-text 'Sources:' list closing the reply."""
    if not citations:
        return ""
    lines = ["", "", "Sources:"]
    for c in citations:
        bits = ", ".join(x for x in (c.get("source"), c.get("date"), c.get("url")) if x)
        lines.append(f"[{c['n']}] {c.get('title') or '(untitled)'}" + (f" ({bits})" if bits else ""))
    return "\n".join(lines)


def annotations(content: str, citations: list[dict]) -> list[dict[str, Any]]:
    """One ``url_citation`` per [n] marker of ``content`` that names a citation."""
    by_n = {int(c["n"]): c for c in citations}
    out = []
    for m in re.finditer(r"\[(\d+)\]", content):
        c = by_n.get(int(m.group(1)))
        if c is not None:
            out.append({"type": "url_citation", "url_citation": {
                "url": c.get("url") or "", "title": c.get("title") or "", "start_index": m.start(), "end_index": m.end()}})
    return out


def usage(prompt_tokens: int, content: str) -> dict[str, int]:
    said = count_tokens(content)
    return {"prompt_tokens": prompt_tokens, "completion_tokens": said, "total_tokens": prompt_tokens + said}


def check_request(req: ChatCompletionRequest) -> None:
    """Refuse what this endpoint does not do, in OpenAI's error shape (code and param)."""
    if req.model != MODEL_ID:
        raise APIError(404, f"The model '{req.model}' does not exist; this server has one model, '{MODEL_ID}'.",
                       INVALID, code="model_not_found", param="model")
    if req.n is not None and req.n != 1:
        raise APIError(400, f"n={req.n} is not supported: this server returns one choice (n=1).", INVALID,
                       code="unsupported_value", param="n")


def completion(cid: str, created: int, prompt_tokens: int, answer: Answer, max_tokens: int | None) -> dict[str, Any]:
    """A chat.completion object for the whole answer."""
    d = answer.to_dict()
    content = d["answer"] + sources_footer(d["citations"])
    cut = False
    if max_tokens is not None:
        content, cut = truncate_tokens(content, max_tokens)
    message = {"role": "assistant", "content": content, "annotations": annotations(content, d["citations"])}
    return {
        "id": cid, "object": "chat.completion", "created": created, "model": MODEL_ID,
        "choices": [{"index": 0, "message": message, "finish_reason": "length" if cut else "stop"}],
        "usage": usage(prompt_tokens, content), "citations": d["citations"], "refused": d["refused"],
        "short_answer": d["short_answer"],
    }


class _Budget:
    """The streamed text so far, cut at ``limit`` tokens."""

    def __init__(self, limit: int | None) -> None:
        self.limit, self.text, self.cut = limit, "", False

    def take(self, piece: str) -> str:
        """The part of ``piece`` that fits ("" once the budget is spent)."""
        if self.cut:
            return ""
        if self.limit is not None:
            whole, self.cut = truncate_tokens(self.text + piece, self.limit)
            piece = whole[len(self.text):]
        self.text += piece
        return piece


def chunk_stream(
    cid: str, created: int, pieces: AsyncIterator[str | Answer], *, prompt_tokens: int = 0,
    max_tokens: int | None = None, include_usage: bool = False,
) -> AsyncIterator[str]:
    """chat.completion.chunk events for ``pieces`` (then a usage chunk when asked), then ``[DONE]``."""
    extra_usage = {"usage": None} if include_usage else {}

    def chunk(delta: dict, finish: str | None = None, **extra) -> str:
        body = {"id": cid, "object": "chat.completion.chunk", "created": created, "model": MODEL_ID,
                "choices": [{"index": 0, "delta": delta, "finish_reason": finish}], **extra_usage, **extra}
        return f"data: {json.dumps(body, ensure_ascii=False)}\n\n"

    async def events() -> AsyncIterator[str]:
        budget = _Budget(max_tokens)
        try:
            yield chunk({"role": "assistant", "content": ""})
            async for item in pieces:
                if not isinstance(item, Answer):
                    if text := budget.take(item):
                        yield chunk({"content": text})
                    continue
                d = item.to_dict()
                if footer := budget.take(sources_footer(d["citations"])):
                    yield chunk({"content": footer})
                yield chunk({"annotations": annotations(budget.text, d["citations"])}, "length" if budget.cut else "stop",
                            citations=d["citations"], refused=d["refused"], short_answer=d["short_answer"])
                if include_usage:
                    body = {"id": cid, "object": "chat.completion.chunk", "created": created, "model": MODEL_ID,
                            "choices": [], "usage": usage(prompt_tokens, budget.text)}
                    yield f"data: {json.dumps(body, ensure_ascii=False)}\n\n"
        except Exception as e:  # the status is sent already: report in the stream
            log.warning("stream failed: %s", type(e).__name__)
            yield f"data: {json.dumps({'error': {'message': stream_error_text(e), 'type': 'server_error'}})}\n\n"
        yield "data: [DONE]\n\n"

    return events()


def _prompt_tokens(messages: list[ChatMessage]) -> int:
    return sum(count_tokens(m.plain()) for m in messages)


def openai_router(service: Service, require_user: Callable[..., str]) -> APIRouter:
    """``/v1/*`` over ``service``; every route depends on ``require_user``."""
    router = APIRouter(prefix="/v1", dependencies=[Depends(require_user)], responses={
        **ERRORS, 404: {"model": ERRORS[400]["model"], "description": "Unknown model (code model_not_found)"}},
        tags=["openai"])

    @router.get("/models", response_model=ModelList)
    def models() -> dict:
        """OpenAI-compatible model list: one model, ``footnote``."""
        return {"object": "list", "data": [{"id": MODEL_ID, "object": "model", "created": 0, "owned_by": "footnote"}]}

    @router.post("/chat/completions", response_model=ChatCompletionOut, responses={
        200: {"content": {"text/event-stream": {}}, "description": "With stream=true: chat.completion.chunk events, then [DONE]."},
    })
    async def chat_completions(req: ChatCompletionRequest, response: Response):
        """OpenAI-compatible chat: the last user message is the question, earlier messages the
        history. The reply's text keeps the [n] markers (each also a ``url_citation``
        annotation) and ends with a Sources list; ``citations`` holds the passages
        (structured), in the final chunk when streaming, and (not streaming) in the
        ``Footnote-Citations`` header, which LangChain's ``ChatOpenAI`` shows in
        ``response_metadata["headers"]`` with ``include_response_headers=True``."""
        check_request(req)
        turns = [m for m in req.messages if m.role in ("user", "assistant")]
        if not turns or turns[-1].role != "user":
            raise APIError(400, "The last message must be the user's question.", INVALID, param="messages")
        question = turns[-1].plain()
        history = [{"role": m.role, "content": m.plain()} for m in turns[:-1]]
        cid, created = "chatcmpl-" + uuid.uuid4().hex[:24], int(time.time())
        prompt_tokens = _prompt_tokens(req.messages)
        max_tokens = req.max_completion_tokens or req.max_tokens
        options = answer_options(req)
        if not req.stream:
            answer = await answer_bounded(service, question, history, options)
            out = completion(cid, created, prompt_tokens, answer, max_tokens)
            if header := citations_header(out["citations"]):
                response.headers[CITATIONS_HEADER] = header
            return out
        a = await run_in_threadpool(precheck, service, question, history, options)
        pieces = stream_bounded(service, a, question, history, options)
        include_usage = bool(req.stream_options and req.stream_options.include_usage)
        return StreamingResponse(
            chunk_stream(cid, created, pieces, prompt_tokens=prompt_tokens, max_tokens=max_tokens, include_usage=include_usage),
            media_type="text/event-stream", headers={"Cache-Control": "no-cache"})

    return router
