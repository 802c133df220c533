"""The Chat tab's events: a question (streamed, saved in the user's conversation), the
conversation list (open, new, rename, delete, export links), and feedback on answers.

Conversations live in ``service.db`` (``footnote.conversations``), per signed-in user
(``anonymous`` without a login); the browser remembers which one is open, so a reload
shows it again. A bad date or an empty question is a message under the chat: nothing
raises, so the chat and the question box stay as they were.
"""

from __future__ import annotations

import html
import logging
from datetime import date
from typing import Any

import gradio as gr

from assistant import Answer, QuestionError
from assistant.options import recent_history
from footnote.conversations import Conversation
from server.service import Service
from ui.render import esc, render_answer, render_error, render_streaming
from vectorstore.errors import StoreError

log = logging.getLogger("footnote.ui")
UNREACHABLE = "The store is unreachable: {e}. Try again when it is back."


class BadInput(ValueError):
    """Something typed on the page that cannot be used (a date, mostly): said inline."""


def user_of(request: gr.Request | None) -> str:
    """The signed-in user (as the API names them), ``anonymous`` without a login."""
    return (getattr(request, "username", None) or "anonymous") if request is not None else "anonymous"


def parse_day(value: Any, label: str) -> date | None:
    """A YYYY-MM-DD date from a date picker or typed text; BadInput says what is wrong."""
    text = str(value or "").strip()[:40]
    if not text:
        return None
    try:
        return date.fromisoformat(text[:10]) if len(text) in (10, 19) else date.fromisoformat(text)
    except ValueError:
        raise BadInput(f"{label}: {text!r} is not a date; pick one or type it like 2024-10-10.") from None


def inline(message: str) -> str:
    """A message shown under the chat (escaped)."""
    return f'<div class="fn-inline" role="alert">{html.escape(message)}</div>' if message else ""


def read_options(service: Service, top_k, sources, as_of, date_from, date_to, mode) -> tuple[dict, dict]:
    """(options for Assistant.stream, the same as saved with the turn); raises BadInput."""
    day_from, day_to = parse_day(date_from, "From"), parse_day(date_to, "To")
    if day_from and day_to and day_from > day_to:
        raise BadInput(f"From ({day_from}) is after To ({day_to}).")
    today = parse_day(as_of, "As of") or date.today()
    options = {
        "top_k": int(top_k) if top_k else None, "sources": list(sources) or None if sources else None,
        "date_from": day_from, "date_to": day_to, "today": today,
        "answerer": ("llm" if mode == "LLM" else "extractive") if service.settings.llm_configured else None,
    }
    saved = {**options, "sources": options["sources"] or [], "date_from": str(day_from or ""),
             "date_to": str(day_to or ""), "as_of": today.isoformat(), "answerer": options["answerer"] or ""}
    saved.pop("today")
    return options, saved


def chat_messages(conv: Conversation | None) -> list[dict]:
    """A saved conversation as the chat shows it."""
    out: list[dict] = []
    for t in conv.turns if conv else []:
        answer = {**t.answer, "asked_as_of": t.answer.get("asked_as_of") or t.options.get("as_of", "")}
        out += [{"role": "user", "content": esc(t.question)},
                {"role": "assistant", "content": render_answer(answer, f"t{t.id}")}]
    return out


def conversation_choices(service: Service, user: str, current: str | None) -> dict:
    """The conversation list (newest first) as a Radio update, ``current`` selected."""
    choices = [(c.title, c.id) for c in service.db.list(user)]
    return gr.update(choices=choices, value=current if any(cid == current for _, cid in choices) else None)


def export_links(conv_id: str | None) -> str:
    """Links to the conversation's Markdown and JSON exports (the API, which the login cookie opens)."""
    if not conv_id:
        return ""
    base = f"/api/conversations/{html.escape(conv_id)}/export?format="
    return (f'<div class="fn-exports">Export: <a href="{base}md" download id="fn-export-md">Markdown</a> · '
            f'<a href="{base}json" download id="fn-export-json">JSON</a></div>')


def _failure_text(e: Exception) -> str:
    if isinstance(e, QuestionError):
        return str(e)
    if isinstance(e, StoreError):
        return UNREACHABLE.format(e=e)
    log.exception("answering failed")
    return f"Something went wrong ({type(e).__name__}); try again, and see the server log if it persists."


def respond(service: Service, message, chat, conv_id, top_k, sources, as_of, date_from, date_to, mode,
            request: gr.Request):
    """Answer ``message`` in the open conversation (a new one if none), streaming; yields
    (chat, conversation id, question box, inline message, conversation list, remembered id, exports)."""
    chat, question, user = list(chat or []), (message or "").strip(), user_of(request)
    try:
        options, saved = read_options(service, top_k, sources, as_of, date_from, date_to, mode)
        conv = service.db.get(user, conv_id) if conv_id else None
        recent = recent_history(conv.history() if conv else [], service.settings)  # forget old turns, not refuse
        service.assistant.check(question, recent, **options)
    except (BadInput, QuestionError, StoreError) as e:  # said inline; the chat and the box stay as they are
        text = UNREACHABLE.format(e=e) if isinstance(e, StoreError) else str(e)
        yield chat, conv_id, gr.update(), inline(text), gr.update(), gr.update(), gr.update()
        return
    db = service.db
    conv = conv or db.create(user, question)
    chat += [{"role": "user", "content": esc(question)}, {"role": "assistant", "content": render_streaming("…")}]
    keep = (gr.update(), conv.id, export_links(conv.id))
    yield chat, conv.id, "", "", *keep
    text = ""
    try:  # no extra bound here: the Gradio queue runs settings.concurrency of these at once
        for item in service.assistant.stream(question, recent, **options):
            if isinstance(item, Answer):
                out = {**item.to_dict(), "asked_as_of": saved["as_of"]}
                turn_id = db.append(user, conv.id, question, out, saved)
                chat[-1] = {"role": "assistant", "content": render_answer(out, f"t{turn_id}")}
            else:
                text += item
                chat[-1] = {"role": "assistant", "content": render_streaming(text)}
            yield chat, conv.id, "", "", *keep
    except Exception as e:  # noqa: BLE001 - the edge: say what happened in the chat, keep the page usable
        chat[-1] = {"role": "assistant", "content": render_error(_failure_text(e))}
    yield chat, conv.id, "", "", conversation_choices(service, user, conv.id), conv.id, export_links(conv.id)


def open_conversation(service: Service, conv_id, request: gr.Request):
    """Show a saved conversation; returns (chat, id, title, remembered id, exports, inline)."""
    conv = service.db.get(user_of(request), conv_id) if conv_id else None
    if conv is None:
        return [], None, "", None, "", inline("That conversation is gone." if conv_id else "")
    return chat_messages(conv), conv.id, conv.title, conv.id, export_links(conv.id), ""


def restore(service: Service, remembered, request: gr.Request):
    """On page load: the conversation open before the reload, and the list; returns
    (chat, id, title, exports, conversation list)."""
    user = user_of(request)
    conv = service.db.get(user, remembered) if remembered else None
    cid = conv.id if conv else None
    return (chat_messages(conv), cid, conv.title if conv else "", export_links(cid),
            conversation_choices(service, user, cid))


def new_conversation():
    """Clear the chat: the next question starts a new conversation."""
    return [], None, "", None, "", "", gr.update(value=None)


def rename(service: Service, conv_id, title, request: gr.Request):
    """Retitle the open conversation; returns (conversation list, inline message)."""
    user = user_of(request)
    if not conv_id:
        return gr.update(), inline("Ask a question first: there is no conversation to rename.")
    if not (title or "").strip():
        return gr.update(), inline("Type a title first.")
    service.db.rename(user, conv_id, title)
    return conversation_choices(service, user, conv_id), ""


def delete(service: Service, conv_id, request: gr.Request):
    """Delete the open conversation; returns (chat, id, title, remembered id, exports, inline, list)."""
    user = user_of(request)
    if conv_id:
        service.db.delete(user, conv_id)
    return [], None, "", None, "", inline("Conversation deleted." if conv_id else ""), conversation_choices(service, user, None)


def feedback(service: Service, conv_id, note, data: gr.LikeData, request: gr.Request):
    """A thumbs up/down on an answer, saved with its question, answer, citations and settings;
    returns (inline message, note box)."""
    user = user_of(request)
    conv = service.db.get(user, conv_id) if conv_id else None
    index = data.index[0] if isinstance(data.index, list | tuple) else data.index
    turn = conv.turns[index // 2] if conv and 0 <= index // 2 < len(conv.turns) else None
    if turn is None or data.liked not in (True, False):
        return inline("Rate an answer once it is finished."), gr.update()
    rating = 1 if data.liked else -1
    service.db.add_feedback(user, rating, turn.question, turn.answer, note=note or "", options=turn.options,
                            conversation_id=conv.id, turn_id=turn.id)
    return inline(f"Thanks: {'👍' if rating > 0 else '👎'} saved" + (" with your note." if note else ".")), ""
