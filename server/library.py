"""``/api/conversations``, ``/api/feedback`` and ``/api/articles``: what the page keeps and manages.

Conversations and feedback belong to the signed-in user (``anonymous`` without a login);
articles are the store's, shared by everyone.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date

from fastapi import APIRouter, Depends, Query
from fastapi.responses import PlainTextResponse, Response
from starlette.concurrency import run_in_threadpool

from assistant.articles import MAX_LIMIT, ArticleNotFound
from footnote.conversations import Conversation, to_markdown
from server.errors import APIError
from server.schemas import (
    ERRORS,
    ArticleListOut,
    ArticleTextOut,
    ConversationIn,
    ConversationList,
    ConversationOut,
    DeletedOut,
    ErrorOut,
    FeedbackIn,
    FeedbackOut,
)
from server.service import Service

NOT_FOUND = {404: {"model": ErrorOut, "description": "No such conversation (of this user) or article"}}


def owned_conversation(service: Service, user: str, conversation_id: str) -> Conversation:
    """``user``'s conversation with this id (turns included), or a 404."""
    conv = service.db.get(user, conversation_id)
    if conv is None:
        raise APIError(404, f"No conversation {conversation_id!r}; GET /api/conversations lists yours.", "not_found")
    return conv


def conversations_router(service: Service, require_user: Callable[..., str]) -> APIRouter:
    """Saved conversations: list (newest first), create, get, rename, delete, export."""
    router = APIRouter(prefix="/api/conversations", tags=["conversations"], responses={**ERRORS, **NOT_FOUND})
    user_dep = Depends(require_user)

    @router.get("", response_model=ConversationList)
    def list_conversations(user: str = user_dep, limit: int = Query(100, ge=1, le=500), offset: int = Query(0, ge=0)) -> dict:
        """Your conversations, most recently updated first (without their turns)."""
        return {"conversations": [c.to_dict() for c in service.db.list(user, limit, offset)]}

    @router.post("", response_model=ConversationOut, status_code=201)
    def create_conversation(body: ConversationIn, user: str = user_dep) -> dict:
        """Start a conversation; pass its id as ``conversation_id`` to POST /api/ask."""
        return service.db.create(user, body.title).to_dict()

    @router.get("/{conversation_id}", response_model=ConversationOut)
    def get_conversation(conversation_id: str, user: str = user_dep) -> dict:
        """One conversation with its turns (questions, answers with citations), oldest first."""
        return owned_conversation(service, user, conversation_id).to_dict()

    @router.patch("/{conversation_id}", response_model=ConversationOut)
    def rename_conversation(conversation_id: str, body: ConversationIn, user: str = user_dep) -> dict:
        """Rename a conversation."""
        if not service.db.rename(user, conversation_id, body.title):
            owned_conversation(service, user, conversation_id)
        return owned_conversation(service, user, conversation_id).to_dict()

    @router.delete("/{conversation_id}", response_model=DeletedOut)
    def delete_conversation(conversation_id: str, user: str = user_dep) -> dict:
        """Delete a conversation and its turns (feedback given on them is kept)."""
        if not service.db.delete(user, conversation_id):
            owned_conversation(service, user, conversation_id)
        return {"deleted": True}

    @router.get("/{conversation_id}/export", response_class=Response,
                responses={200: {"content": {"text/markdown": {}, "application/json": {}}}})
    def export_conversation(conversation_id: str, user: str = user_dep,
                            format: str = Query("md", pattern="^(md|json)$")) -> Response:
        """The conversation as Markdown (``format=md``) or JSON (``format=json``), with its citations."""
        conv = owned_conversation(service, user, conversation_id)
        name = f"footnote-{conv.id[:8]}.{format}"
        headers = {"Content-Disposition": f'attachment; filename="{name}"'}
        if format == "json":
            return Response(json.dumps(conv.to_dict(), ensure_ascii=False, indent=2), media_type="application/json",
                            headers=headers)
        return PlainTextResponse(to_markdown(conv), media_type="text/markdown; charset=utf-8", headers=headers)

    return router


def feedback_router(service: Service, require_user: Callable[..., str]) -> APIRouter:
    """``POST /api/feedback``: rate an answer (``python -m eval feedback`` exports the ratings)."""
    router = APIRouter(prefix="/api", tags=["feedback"], responses={**ERRORS, **NOT_FOUND})

    @router.post("/feedback", response_model=FeedbackOut, status_code=201)
    def feedback(body: FeedbackIn, user: str = Depends(require_user)) -> dict:
        """Thumbs up (1) or down (-1) on a saved turn, or on a question and answer sent in full."""
        question, answer, options = body.question, body.answer, {}
        if body.turn_id is not None and body.conversation_id:
            conv = owned_conversation(service, user, body.conversation_id)
            turn = next((t for t in conv.turns if t.id == body.turn_id), None)
            if turn is None:
                raise APIError(404, f"No turn {body.turn_id} in conversation {body.conversation_id!r}.", "not_found")
            question, answer, options = turn.question, turn.answer, turn.options
        if not question or answer is None:
            raise APIError(400, "Give conversation_id and turn_id, or the question and the answer rated.", "invalid_request")
        fid = service.db.add_feedback(user, body.rating, question, answer, note=body.note, options=options,
                                      conversation_id=body.conversation_id, turn_id=body.turn_id)
        return {"id": fid}

    return router


def articles_router(service: Service, require_user: Callable[..., str]) -> APIRouter:
    """The stored articles: list (search, filters, paging), get one, delete one."""
    router = APIRouter(prefix="/api/articles", tags=["articles"], dependencies=[Depends(require_user)],
                       responses={**ERRORS, **NOT_FOUND})

    @router.get("", response_model=ArticleListOut)
    def list_articles(q: str | None = None, source: list[str] | None = Query(None), date_from: date | None = None,
                      date_to: date | None = None, limit: int = Query(20, ge=1, le=MAX_LIMIT),
                      offset: int = Query(0, ge=0)) -> dict:
        """Stored articles, newest first; ``q`` matches title, source and URL words."""
        page = service.catalogue().list(q, sources=source, date_from=date_from, date_to=date_to, limit=limit,
                                        offset=offset)
        return {"articles": [a.to_dict() for a in page.articles], "total": page.total, "offset": page.offset}

    @router.get("/{article_id}", response_model=ArticleTextOut)
    def get_article(article_id: str) -> dict:
        """One article: its cleaned text as stored, and its passages in order."""
        try:
            return service.catalogue().get(article_id).to_dict()
        except ArticleNotFound as e:
            raise APIError(404, str(e), "not_found") from e

    @router.delete("/{article_id}", response_model=DeletedOut)
    async def delete_article(article_id: str) -> dict:
        """Remove an article's passages from the store and the BM25 index; answers stop citing it at once."""
        try:
            removed = await run_in_threadpool(service.delete_article, article_id)
        except ArticleNotFound as e:
            raise APIError(404, str(e), "not_found") from e
        return {"deleted": True, "passages": removed}

    return router
