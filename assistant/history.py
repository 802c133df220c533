"""Chat history, however a caller spells it, as one list of ``Turn`` records.

Accepted: ``[(user, assistant), ...]`` pairs (Gradio's tuples), ``[{"role", "content"},
...]`` messages (OpenAI's), and objects with ``role`` and ``content`` attributes
(pydantic models). Only user and assistant turns with non-blank text are kept; anything
else (system messages, None, numbers) is dropped rather than guessed at.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from footnote.records import Turn

_ROLES = ("user", "assistant")


def normalise(history: Iterable[Any] | None) -> list[Turn]:
    """The user and assistant turns of ``history``, oldest first (see the module docstring)."""
    out: list[Turn] = []
    for item in history or []:
        if isinstance(item, dict):
            pairs: list[tuple[Any, Any]] = [(item.get("role"), item.get("content"))]
        elif isinstance(item, (list, tuple)):
            pairs = list(zip(_ROLES, item))
        else:
            pairs = [(getattr(item, "role", None), getattr(item, "content", None))]
        out += [Turn(role, content) for role, content in pairs if role in _ROLES and _text(content)]
    return out


def _text(content: Any) -> bool:
    return isinstance(content, str) and bool(content.strip())


def questions(turns: list[Turn]) -> list[str]:
    """What the user asked, oldest first."""
    return [t.content for t in turns if t.role == "user"]
