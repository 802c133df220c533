"""The benchmark's inputs: a subset of the dev corpus (the evidence articles of the
questions first, so that the questions asked have their answers in the store) and the
questions' text and date (nothing else of a question record is read)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from footnote.settings import PROJECT_DIR

DEV_DATA = PROJECT_DIR.parent / "shared" / "data" / "news-qa"


@dataclass
class BenchQuestion:
    """A question as the benchmark asks it: text and the date it was asked."""

    question: str
    today: date | None
    evidence: list[str]


def load_questions(path: Path) -> list[BenchQuestion]:
    """Questions from a JSONL file; only ``question``, ``question_date`` and ``evidence`` are read."""
    out = []
    with path.open(encoding="utf-8") as fh:
        for line in fh:
            if not line.strip():
                continue
            rec = json.loads(line)
            d = rec.get("question_date")
            out.append(BenchQuestion(str(rec["question"]), date.fromisoformat(d) if d else None,
                                     [str(e) for e in rec.get("evidence") or []]))
    return out


def write_subset(corpus: Path, questions: list[BenchQuestion], limit: int, dest: Path) -> int:
    """Write ``limit`` articles of the corpus to ``dest`` (JSONL): evidence articles first.

    Returns how many articles were written.
    """
    records: dict[str, str] = {}
    with corpus.open(encoding="utf-8") as fh:
        for line in fh:
            if line.strip():
                records[str(json.loads(line)["id"])] = line.rstrip("\n")
    chosen: list[str] = []
    seen: set[str] = set()
    for q in questions:
        for aid in q.evidence:
            if aid in records and aid not in seen and len(chosen) < limit:
                chosen.append(aid)
                seen.add(aid)
    for aid in records:
        if len(chosen) >= limit:
            break
        if aid not in seen:
            chosen.append(aid)
            seen.add(aid)
    dest.parent.mkdir(parents=True, exist_ok=True)
    dest.write_text("\n".join(records[a] for a in chosen) + "\n", encoding="utf-8")
    return len(chosen)


def answerable(questions: list[BenchQuestion], subset: Path) -> list[BenchQuestion]:
    """The questions with an evidence article in the subset, then the rest (order kept)."""
    ids = {str(json.loads(line)["id"]) for line in subset.read_text(encoding="utf-8").splitlines() if line.strip()}
    inside = [q for q in questions if set(q.evidence) & ids]
    return inside + [q for q in questions if not set(q.evidence) & ids]
