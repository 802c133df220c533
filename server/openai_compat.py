"""``/v1/*``: the OpenAI-compatible API (models, chat completions, streamed or not).

The last user message is the question, earlier user/assistant messages the history. The
reply's text keeps the [n] markers and ends with a Sources list; ``citations`` holds the
passages (structured), in the final chunk when streaming.
"""

from __future__ import annotations

import json
import logging
import time
import uuid
from collections.abc import AsyncIterator, Callable
from typing import Any

from fastapi import APIRouter, Depends
from fastapi.responses import StreamingResponse
from starlette.concurrency import run_in_threadpool

from assistant import Answer
from server.api import answer_bounded, answer_options, precheck, stream_bounded
from server.errors import APIError, stream_error_text
from server.schemas import ERRORS, MODEL_ID, ChatCompletionOut, ChatCompletionRequest, ModelList
from server.service import Service

log = logging.getLogger("footnote.openai_compat")


def sources_footer(citations: list[dict]) -> str:
    """The citations as a plain-text 'Sources:' list closing the reply."""
    if not citations:
        return ""
    lines = ["", "", "Sources:"]
    for c in citations:
        bits = ", ".join(x for x in (c.get("source"), c.get("date"), c.get("url")) if x)
        lines.append(f"[{c['n']}] {c.get('title') or '(untitled)'}" + (f" ({bits})" if bits else ""))
    return "\n".join(lines)


def completion(cid: str, created: int, question: str, answer: Answer) -> dict[str, Any]:
    """A chat.completion object for the whole answer."""
    d = answer.to_dict()
    content = d["answer"] + sources_footer(d["citations"])
    asked, said = len(question.split()), len(content.split())
    return {
        "id": cid, "object": "chat.completion", "created": created, "model": MODEL_ID,
        "choices": [{"index": 0, "message": {"role": "assistant", "content": content}, "finish_reason": "stop"}],
        "usage": {"prompt_tokens": asked, "completion_tokens": said, "total_tokens": asked + said},
        "citations": d["citations"], "refused": d["refused"], "short_answer": d["short_answer"],
    }


def chunk_stream(cid: str, created: int, pieces: AsyncIterator[str | Answer]) -> AsyncIterator[str]:
    """chat.completion.chunk events for ``pieces``, then ``[DONE]``."""

    def chunk(delta: dict, finish: str | None = None, **extra) -> str:
        body = {"id": cid, "object": "chat.completion.chunk", "created": created, "model": MODEL_ID,
                "choices": [{"index": 0, "delta": delta, "finish_reason": finish}], **extra}
        return f"data: {json.dumps(body, ensure_ascii=False)}\n\n"

    async def events() -> AsyncIterator[str]:
        try:
            yield chunk({"role": "assistant", "content": ""})
            async for item in pieces:
                if not isinstance(item, Answer):
                    yield chunk({"content": item})
                    continue
                d = item.to_dict()
                footer = sources_footer(d["citations"])
                if footer:
                    yield chunk({"content": footer})
                yield chunk({}, "stop", citations=d["citations"], refused=d["refused"], short_answer=d["short_answer"])
        except Exception as e:  # the status is sent already: report in the stream
            log.warning("stream failed: %s", type(e).__name__)
            yield f"data: {json.dumps({'error': {'message': stream_error_text(e), 'type': 'server_error'}})}\n\n"
        yield "data: [DONE]\n\n"

    return events()


def openai_router(service: Service, require_user: Callable[..., str]) -> APIRouter:
    """``/v1/*`` over ``service``; every route depends on ``require_user``."""
    router = APIRouter(prefix="/v1", dependencies=[Depends(require_user)], responses=ERRORS, tags=["openai"])

    @router.get("/models", response_model=ModelList)
    def models() -> dict:
        """OpenAI-compatible model list: one model, ``footnote``."""
        return {"object": "list", "data": [{"id": MODEL_ID, "object": "model", "created": 0, "owned_by": "footnote"}]}

    @router.post("/chat/completions", response_model=ChatCompletionOut, responses={
        200: {"content": {"text/event-stream": {}}, "description": "With stream=true: chat.completion.chunk events, then [DONE]."},
    })
    async def chat_completions(req: ChatCompletionRequest):
        """OpenAI-compatible chat: the last user message is the question, earlier messages the
        history. The reply's text keeps the [n] markers and ends with a Sources list;
        ``citations`` holds the passages (structured), in the final chunk when streaming."""
        turns = [m for m in req.messages if m.role in ("user", "assistant")]
        if not turns or turns[-1].role != "user":
            raise APIError(400, "The last message must be the user's question.", "invalid_request")
        question = turns[-1].plain()
        history = [{"role": m.role, "content": m.plain()} for m in turns[:-1]]
        cid, created = "chatcmpl-" + uuid.uuid4().hex[:24], int(time.time())
        if not req.stream:
            return completion(cid, created, question, await answer_bounded(service, question, history, answer_options(req)))
        a = await run_in_threadpool(precheck, service, question)
        pieces = stream_bounded(service, a, question, history, answer_options(req))
        return StreamingResponse(chunk_stream(cid, created, pieces), media_type="text/event-stream",
                                 headers={"Cache-Control": "no-cache"})

    return router
