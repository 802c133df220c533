"""``python -m eval feedback --out FILE``: the answers users rated, as a question set.

Reads the conversations database (``FOOTNOTE_DATABASE``, default ``footnote.db`` beside
the store, or ``--db``) and writes JSON Lines that ``python -m eval FILE`` runs:

- a thumbs-up answer is gold: its text is the expected answer and the articles it cited
  are the evidence (``type: "feedback-good"``); a thumbs-up refusal becomes an
  ``unanswerable`` question;
- a thumbs-down answer is a known failure (``type: "feedback-bad"``): the note, when the
  user wrote one, is the expected answer; without a note the rejected answer is kept in
  ``rejected_answer`` and the expected answer is unknown, so the question scores 0 until
  someone writes the right answer in.

Each question keeps the day it was asked against (``question_date``: the turn's as-of).
The latest rating of a question wins.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from footnote.conversations import ConversationDB, Feedback
from footnote.settings import Settings

UNKNOWN = "(unknown: marked wrong, no correction given)"


def _clean(answer: str) -> str:
    """An answer's text without its [n] markers."""
    return " ".join(re.sub(r"\s*\[\d+\]", "", answer or "").split())


def to_question(fb: Feedback) -> dict[str, Any]:
    """One rating as a question record (eval/dataset.py's format)."""
    a = fb.answer
    rec: dict[str, Any] = {"id": f"feedback-{fb.id}", "question": fb.question, "question_date": fb.options.get("as_of") or ""}
    evidence = sorted({c.get("article_id", "") for c in a.get("citations", []) if c.get("article_id")})
    if fb.rating > 0:
        rec["type"] = "feedback-good"
        if a.get("refused"):
            rec.update(answers=[], unanswerable=True)
        else:
            rec.update(answers=[_clean(a.get("answer", ""))], evidence=evidence)
    else:
        rec.update(type="feedback-bad", answers=[fb.note] if fb.note else [UNKNOWN],
                   rejected_answer=a.get("answer", ""), rejected_evidence=evidence)
    if fb.note:
        rec["note"] = fb.note
    return rec


def export(db: ConversationDB, out: Path, user: str | None = None) -> tuple[int, int]:
    """Write every rated question (of ``user``, if given) to ``out``; returns (good, bad) counts."""
    latest: dict[str, Feedback] = {}
    for fb in db.feedback(user):
        latest[" ".join(fb.question.split()).casefold()] = fb
    records = [to_question(fb) for fb in latest.values()]
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8")
    good = sum(r["type"] == "feedback-good" for r in records)
    return good, len(records) - good


def main(argv: Sequence[str] | None = None) -> int:
    """The CLI; exit 2 when there is no database or no feedback yet."""
    p = argparse.ArgumentParser(prog="python -m eval feedback", description=__doc__.split("\n\n")[0])
    p.add_argument("--out", type=Path, required=True, help="the question file to write (JSON Lines)")
    p.add_argument("--db", type=Path, help="the conversations database (default: FOOTNOTE_DATABASE or <store>/footnote.db)")
    p.add_argument("--user", help="only this user's ratings")
    args = p.parse_args(argv)
    path = args.db or Settings().database_path
    if not path.is_file():
        print(f"error: {path}: no conversations database (rate answers on the page first)", file=sys.stderr)
        return 2
    good, bad = export(ConversationDB(path), args.out, args.user)
    if not good + bad:
        print(f"error: {path} holds no feedback yet", file=sys.stderr)
        return 2
    print(f"wrote {args.out}: {good} thumbs-up (gold), {bad} thumbs-down (known failures); run: python -m eval {args.out}")
    return 0
