"""Saved conversations and answer feedback in one SQLite file (stdlib ``sqlite3``).

``ConversationDB(path)`` keeps each user's conversations (their turns: the question, the
answer as ``Answer.to_dict()`` with its citations, and the options it was asked with) and
the feedback given on answers (thumbs up/down, a note, and a copy of the question, answer,
citations and settings, so feedback outlives a deleted conversation). The page, the HTTP
API (``/api/conversations``, ``/api/feedback``) and ``python -m eval feedback`` share it.
Every read and write names the user: one user never sees another's conversations.

Example:
    >>> db = ConversationDB(Path("footnote.db"))
    >>> conv = db.create("anonymous", "Who denied the reports?")
    >>> db.append("anonymous", conv.id, "Who denied the reports?", {"answer": "Russia [1].", "citations": []})
    >>> db.list("anonymous")[0].title
    'Who denied the reports?'
"""

from __future__ import annotations

import json
import secrets
import sqlite3
import threading
import time
import uuid
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

SCHEMA = """
CREATE TABLE IF NOT EXISTS conversations (
    id TEXT PRIMARY KEY, user TEXT NOT NULL, title TEXT NOT NULL, created REAL NOT NULL, updated REAL NOT NULL);
CREATE INDEX IF NOT EXISTS conversations_user ON conversations (user, updated);
CREATE TABLE IF NOT EXISTS turns (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    conversation_id TEXT NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
    question TEXT NOT NULL, answer TEXT NOT NULL, options TEXT NOT NULL, created REAL NOT NULL);
CREATE INDEX IF NOT EXISTS turns_conversation ON turns (conversation_id, id);
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS feedback (
    id INTEGER PRIMARY KEY AUTOINCREMENT, user TEXT NOT NULL, conversation_id TEXT, turn_id INTEGER,
    rating INTEGER NOT NULL, note TEXT NOT NULL, question TEXT NOT NULL, answer TEXT NOT NULL,
    options TEXT NOT NULL, created REAL NOT NULL);
"""
MAX_TITLE = 120


@dataclass
class SavedTurn:
    """One question and its answer (``Answer.to_dict()``), with the options it was asked with."""

    id: int
    question: str
    answer: dict[str, Any]
    options: dict[str, Any] = field(default_factory=dict)
    created: float = 0.0


@dataclass
class Conversation:
    """A saved conversation; ``turns`` is empty in listings."""

    id: str
    title: str
    created: float
    updated: float
    turns: list[SavedTurn] = field(default_factory=list)

    def history(self) -> list[dict[str, str]]:
        """The turns as chat messages (user, assistant, ...), as the Assistant takes history."""
        out: list[dict[str, str]] = []
        for t in self.turns:
            out += [{"role": "user", "content": t.question}, {"role": "assistant", "content": t.answer.get("answer", "")}]
        return out

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "created": _iso(self.created), "updated": _iso(self.updated)}


@dataclass
class Feedback:
    """A rating of one answer: +1 (thumbs up) or -1 (down), a note, and what was rated."""

    id: int
    user: str
    rating: int
    note: str
    question: str
    answer: dict[str, Any]
    options: dict[str, Any]
    conversation_id: str | None = None
    turn_id: int | None = None
    created: float = 0.0

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "created": _iso(self.created)}


def _iso(ts: float) -> str:
    return datetime.fromtimestamp(ts, UTC).isoformat(timespec="seconds")


def title_of(text: str) -> str:
    """A conversation title from a question or a rename: one line, at most MAX_TITLE characters."""
    line = " ".join((text or "").split())
    return (line[: MAX_TITLE - 1] + "…") if len(line) > MAX_TITLE else (line or "Untitled")


class ConversationDB:
    """Conversations and feedback in the SQLite file ``path`` (created on first use)."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        self._conn = sqlite3.connect(self.path, check_same_thread=False, timeout=30)
        self._conn.execute("PRAGMA foreign_keys = ON")
        self._conn.execute("PRAGMA journal_mode = WAL")
        self._conn.executescript(SCHEMA)

    def _run(self, sql: str, args: tuple = ()) -> list[tuple]:
        with self._lock, self._conn:
            return self._conn.execute(sql, args).fetchall()

    def secret(self, name: str) -> str:
        """A random secret kept in the database under ``name`` (made on first use): the same
        after a restart, e.g. to read what the page stored in the browser."""
        with self._lock, self._conn:
            self._conn.execute("INSERT OR IGNORE INTO meta VALUES (?, ?)", (name, secrets.token_urlsafe(24)))
            return self._conn.execute("SELECT value FROM meta WHERE key = ?", (name,)).fetchone()[0]

    def close(self) -> None:
        self._conn.close()

    # --- conversations ------------------------------------------------------------------
    def create(self, user: str, title: str) -> Conversation:
        """A new, empty conversation titled ``title`` (the first question, usually)."""
        now = time.time()
        conv = Conversation(uuid.uuid4().hex, title_of(title), now, now)
        self._run("INSERT INTO conversations VALUES (?, ?, ?, ?, ?)", (conv.id, user, conv.title, now, now))
        return conv

    def list(self, user: str, limit: int = 100, offset: int = 0) -> list[Conversation]:
        """``user``'s conversations, most recently updated first (without their turns)."""
        rows = self._run(
            "SELECT id, title, created, updated FROM conversations WHERE user = ? ORDER BY updated DESC, rowid DESC "
            "LIMIT ? OFFSET ?", (user, limit, offset))
        return [Conversation(*r) for r in rows]

    def get(self, user: str, conversation_id: str) -> Conversation | None:
        """One conversation with its turns, oldest first; None when ``user`` has none with this id."""
        rows = self._run("SELECT id, title, created, updated FROM conversations WHERE id = ? AND user = ?",
                         (conversation_id, user))
        if not rows:
            return None
        conv = Conversation(*rows[0])
        turns = self._run("SELECT id, question, answer, options, created FROM turns WHERE conversation_id = ? ORDER BY id",
                          (conv.id,))
        conv.turns = [SavedTurn(i, q, json.loads(a), json.loads(o), c) for i, q, a, o, c in turns]
        return conv

    def append(self, user: str, conversation_id: str, question: str, answer: dict[str, Any],
               options: dict[str, Any] | None = None) -> int | None:
        """Add a turn to ``user``'s conversation; its id, or None when there is no such conversation."""
        now = time.time()
        with self._lock, self._conn:
            owned = self._conn.execute("UPDATE conversations SET updated = ? WHERE id = ? AND user = ?",
                                       (now, conversation_id, user)).rowcount
            if not owned:
                return None
            cur = self._conn.execute(
                "INSERT INTO turns (conversation_id, question, answer, options, created) VALUES (?, ?, ?, ?, ?)",
                (conversation_id, question, json.dumps(answer, ensure_ascii=False),
                 json.dumps(options or {}, ensure_ascii=False, default=str), now))
            return cur.lastrowid

    def rename(self, user: str, conversation_id: str, title: str) -> bool:
        """Retitle a conversation; False when ``user`` has none with this id."""
        with self._lock, self._conn:
            return bool(self._conn.execute("UPDATE conversations SET title = ? WHERE id = ? AND user = ?",
                                           (title_of(title), conversation_id, user)).rowcount)

    def delete(self, user: str, conversation_id: str) -> bool:
        """Delete a conversation and its turns (its feedback stays); False when there is none."""
        with self._lock, self._conn:
            return bool(self._conn.execute("DELETE FROM conversations WHERE id = ? AND user = ?",
                                           (conversation_id, user)).rowcount)

    # --- feedback -----------------------------------------------------------------------
    def add_feedback(self, user: str, rating: int, question: str, answer: dict[str, Any], *, note: str = "",
                     options: dict[str, Any] | None = None, conversation_id: str | None = None,
                     turn_id: int | None = None) -> int:
        """Store a rating (+1 or -1) of ``answer`` to ``question``; returns its id."""
        if rating not in (1, -1):
            raise ValueError("rating must be 1 (thumbs up) or -1 (thumbs down)")
        with self._lock, self._conn:
            cur = self._conn.execute(
                "INSERT INTO feedback (user, conversation_id, turn_id, rating, note, question, answer, options, created) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (user, conversation_id, turn_id, rating, (note or "").strip()[:2000], question,
                 json.dumps(answer, ensure_ascii=False), json.dumps(options or {}, ensure_ascii=False, default=str),
                 time.time()))
            return int(cur.lastrowid or 0)

    def feedback(self, user: str | None = None) -> list[Feedback]:
        """Every rating (of ``user`` only, when given), oldest first."""
        where, args = ("WHERE user = ?", (user,)) if user is not None else ("", ())
        rows = self._run(
            "SELECT id, user, rating, note, question, answer, options, conversation_id, turn_id, created "
            f"FROM feedback {where} ORDER BY id", args)
        return [Feedback(i, u, r, n, q, json.loads(a), json.loads(o), c, t, ts) for i, u, r, n, q, a, o, c, t, ts in rows]


def to_markdown(conv: Conversation) -> str:
    """A conversation as Markdown: each question, its answer, and the cited passages."""
    lines = [f"# {conv.title}", "", f"_Started {_iso(conv.created)}_", ""]
    for t in conv.turns:
        a = t.answer
        lines += [f"## {t.question}", "", a.get("answer", ""), ""]
        if t.options.get("as_of"):
            lines += [f"_As of {t.options['as_of']}_", ""]
        for c in a.get("citations", []):
            meta = ", ".join(x for x in (c.get("source"), c.get("date"), c.get("url")) if x)
            quote = " ".join((c.get("text") or "").split())
            lines += [f"[{c.get('n')}] **{c.get('title') or '(untitled)'}** ({meta})", f"> {quote}", ""]
    return "\n".join(lines).rstrip() + "\n"
