"""Checks of a request's options, in the core so that every surface (the HTTP API and its
streams, the page's ``/chat`` API, the OpenAI-compatible API, Python callers) refuses the
same things with the same message, before any work: a ``QuestionError`` naming the limit.

The limits come from Settings: ``max_sources`` (a longer ``sources`` list would become a
store query with one variable per name), ``max_history_turns`` and ``max_history_chars``
(the standalone question is built from the history, so an unbounded history is unbounded
work).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from assistant.errors import QuestionError
from footnote.settings import Settings

TOP_K_MAX = 50  # as Settings.top_k
ANSWERERS = ("llm", "extractive")


def check_top_k(top_k: Any) -> None:
    if top_k is None:
        return
    if isinstance(top_k, bool) or not isinstance(top_k, int) or not 1 <= top_k <= TOP_K_MAX:
        raise QuestionError(f"top_k must be a whole number from 1 to {TOP_K_MAX}; got {top_k!r}.")


def check_sources(sources: Any, settings: Settings) -> None:
    if sources is None:
        return
    if isinstance(sources, (str, bytes)) or not isinstance(sources, Sequence):
        raise QuestionError("sources must be a list of source names.")
    if len(sources) > settings.max_sources:
        raise QuestionError(
            f"sources lists {len(sources):,} names; the limit is {settings.max_sources:,} (FOOTNOTE_MAX_SOURCES)."
        )
    if not all(isinstance(s, str) for s in sources):
        raise QuestionError("each source must be text (a source name).")


def _content_chars(turn: Any) -> int:
    if isinstance(turn, dict):
        content = turn.get("content")
        return len(content) if isinstance(content, str) else 0
    if isinstance(turn, (list, tuple)):
        return sum(len(x) for x in turn if isinstance(x, str))
    content = getattr(turn, "content", None)
    return len(content) if isinstance(content, str) else 0


def check_history(history: Any, settings: Settings) -> None:
    if not history:
        return
    if isinstance(history, (str, bytes)) or not isinstance(history, Sequence):
        raise QuestionError("history must be a list of earlier turns.")
    if len(history) > settings.max_history_turns:
        raise QuestionError(
            f"history holds {len(history):,} turns; the limit is {settings.max_history_turns:,} "
            "(FOOTNOTE_MAX_HISTORY_TURNS): send the recent turns only."
        )
    chars = sum(_content_chars(t) for t in history)
    if chars > settings.max_history_chars:
        raise QuestionError(
            f"history holds {chars:,} characters; the limit is {settings.max_history_chars:,} "
            "(FOOTNOTE_MAX_HISTORY_CHARS): send the recent turns only."
        )


def recent_history(history: Sequence, settings: Settings) -> list:
    """The most recent turns of ``history`` that fit its limits (for a surface that owns the
    conversation, like the page, and would rather forget old turns than refuse)."""
    kept: list = []
    chars = 0
    for turn in reversed(list(history or [])[-settings.max_history_turns:] if settings.max_history_turns else []):
        chars += _content_chars(turn)
        if chars > settings.max_history_chars:
            break
        kept.append(turn)
    return kept[::-1]


def check_options(
    settings: Settings,
    *,
    history: Any = None,
    top_k: Any = None,
    sources: Any = None,
    answerer: Any = None,
) -> None:
    """Refuse options no request may carry.

    Raises:
        QuestionError: with what is wrong and the limit.
    """
    check_top_k(top_k)
    check_sources(sources, settings)
    check_history(history, settings)
    if answerer is not None and answerer not in ANSWERERS:
        raise QuestionError(f"answerer must be one of {', '.join(ANSWERERS)}; got {answerer!r}.")
