"""``python -m eval.news_notes QUESTIONS --store DIR``: how often answers carry news notes.

Asks every question of a question file (with its ``question_date`` as "today", as the
batch evaluation does) against an existing store and counts the answers that got a
"newer article" note, a dispute, support from several outlets, a folded wire copy, and
an "as of" date. ``--show N`` prints N of the answers with a newer-article note or a dispute.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Sequence
from datetime import date
from pathlib import Path

from assistant import Assistant
from assistant.news import notes
from footnote.settings import Settings


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m eval.news_notes")
    ap.add_argument("questions", type=Path)
    ap.add_argument("--store", type=Path, required=True, help="a store holding the corpus")
    ap.add_argument("--limit", type=int)
    ap.add_argument("--show", type=int, default=5)
    args = ap.parse_args(argv)
    a = Assistant(Settings(store_dir=args.store))
    rows = [json.loads(line) for line in args.questions.read_text(encoding="utf-8").splitlines() if line.strip()]
    rows = rows[: args.limit] if args.limit else rows
    counts = {"answered": 0, "refused": 0, "as_of": 0, "newer": 0, "disputed": 0, "several_outlets": 0, "also_in": 0}
    shown = 0
    for r in rows:
        today = date.fromisoformat(r["question_date"][:10]) if r.get("question_date") else None
        ans = a.ask(r["question"], today=today)
        if ans.refused:
            counts["refused"] += 1
            continue
        counts["answered"] += 1
        counts["as_of"] += bool(ans.as_of)
        counts["newer"] += ans.newer is not None
        counts["disputed"] += bool(ans.disputed_by)
        counts["several_outlets"] += len(ans.support_outlets) > 1
        counts["also_in"] += any(c.also_in for c in ans.citations)
        if (ans.newer is not None or ans.disputed_by) and shown < args.show:
            shown += 1
            print(f"- {r['question']} (asked {today})\n  {ans.text[:200]}\n  " + "\n  ".join(notes(ans)))
            for c in ([ans.newer] if ans.newer else []) + ans.disputed_by:
                print(f"  [{c.n}] {c.date} {c.source}: {(c.quote or c.text)[:200]}")
    print(f"{len(rows)} questions: " + ", ".join(f"{k} {v}" for k, v in counts.items()))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
