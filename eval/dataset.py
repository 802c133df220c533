"""Question sets: JSON Lines or CSV in, typed ``EvalQuestion``s out, every problem kept
with its line number.

Only the fields the system may see or the metrics need are read: ``question``,
``answers``, ``id``, ``evidence``, ``question_date``, ``type``, ``unanswerable``. Others
(``quiz_explanation``, ``choices``, ...) are dropped here, so they cannot reach the
assistant. A bad record is skipped and reported; the rest of the file is evaluated.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any


class DatasetError(Exception):
    """The question file cannot be read at all (missing, unreadable, wrong CSV header)."""


@dataclass
class EvalQuestion:
    """One question to evaluate: what the assistant is asked and what it is scored against."""

    id: str
    question: str
    answers: list[str]
    evidence: list[str] = field(default_factory=list)
    question_date: date | None = None
    type: str = "other"
    unanswerable: bool = False
    line: int = 0


@dataclass
class Problem:
    """Something wrong with one record; ``skipped`` when the record is not evaluated."""

    line: int
    message: str
    skipped: bool = True

    def format(self) -> str:
        where = f"line {self.line}" if self.line else "file"
        return f"{where}: {self.message}" + ("" if self.skipped else " (evaluated anyway)")


@dataclass
class QuestionSet:
    """The questions of a file and the problems found reading it."""

    path: str
    questions: list[EvalQuestion] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)

    @property
    def n_skipped(self) -> int:
        return sum(p.skipped for p in self.problems)

    def check_evidence(self, known_ids: set[str], where: str = "the corpus") -> None:
        """Warn (by line) about evidence ids not in ``known_ids`` and drop them from the
        question: an article that is not there can never be retrieved."""
        for q in self.questions:
            unknown = [e for e in q.evidence if e not in known_ids]
            if unknown:
                self.problems.append(
                    Problem(q.line, f"unknown evidence id(s) {', '.join(unknown)}: not in {where}", skipped=False)
                )
                q.evidence = [e for e in q.evidence if e in known_ids]


_TRUE = {"true", "1", "yes", "y"}
_FALSE = {"false", "0", "no", "n", ""}


def _as_bool(value: Any) -> bool | None:
    if isinstance(value, bool):
        return value
    if value is None:
        return False
    if isinstance(value, int | float):
        return bool(value)
    if isinstance(value, str) and value.strip().lower() in _TRUE | _FALSE:
        return value.strip().lower() in _TRUE
    return None


def _as_list(value: Any, *, csv_cell: bool) -> list[str] | None:
    """A list of non-empty strings from a list, a string, or (CSV) a JSON list or a|b|c."""
    if value is None:
        return []
    if isinstance(value, str):
        text = value.strip()
        if csv_cell and text.startswith("["):
            try:
                value = json.loads(text)
            except json.JSONDecodeError:
                return None
        elif csv_cell:
            return [p.strip() for p in text.split("|") if p.strip()]
        else:
            return [text] if text else []
    if isinstance(value, list) and all(isinstance(v, str | int | float) and not isinstance(v, bool) for v in value):
        return [str(v).strip() for v in value if str(v).strip()]
    return None


def parse_record(rec: dict[str, Any], line: int, *, csv_cell: bool = False) -> tuple[EvalQuestion | None, list[Problem]]:
    """Turn one record into an EvalQuestion, or None plus the reason it is skipped."""
    problems: list[Problem] = []
    question = rec.get("question")
    if not isinstance(question, str) or not question.strip():
        return None, [Problem(line, "missing or empty 'question'")]
    unanswerable = _as_bool(rec.get("unanswerable"))
    if unanswerable is None:
        return None, [Problem(line, f"'unanswerable' must be true or false, not {rec.get('unanswerable')!r}")]
    answers = _as_list(rec.get("answers"), csv_cell=csv_cell)
    if answers is None:
        return None, [Problem(line, "'answers' must be a list of strings")]
    if not answers and not unanswerable:
        return None, [Problem(line, "missing 'answers' (a list of acceptable answers); mark a question "
                                    "without one with \"unanswerable\": true")]
    evidence = _as_list(rec.get("evidence"), csv_cell=csv_cell)
    if evidence is None:
        problems.append(Problem(line, "'evidence' must be a list of article ids; ignored", skipped=False))
        evidence = []
    qdate: date | None = None
    raw_date = rec.get("question_date")
    if raw_date not in (None, ""):
        try:
            qdate = date.fromisoformat(str(raw_date).strip()[:10])
        except ValueError:
            problems.append(Problem(line, f"'question_date' {raw_date!r} is not YYYY-MM-DD; ignored", skipped=False))
    qid = str(rec.get("id") or "").strip() or f"line-{line}"
    qtype = str(rec.get("type") or "").strip() or "other"
    return EvalQuestion(qid, question.strip(), answers, evidence, qdate, qtype, bool(unanswerable), line), problems


def _jsonl_records(path: Path) -> Iterator[tuple[int, dict[str, Any] | Problem]]:
    with path.open("rb") as fh:
        for lineno, raw in enumerate(fh, 1):
            if not raw.strip():
                continue
            try:
                rec = json.loads(raw.decode("utf-8").strip())
            except UnicodeDecodeError:
                yield lineno, Problem(lineno, "not UTF-8 text")
                continue
            except json.JSONDecodeError as e:
                yield lineno, Problem(lineno, f"malformed JSON ({e.msg} at column {e.colno})")
                continue
            if not isinstance(rec, dict):
                yield lineno, Problem(lineno, "a record must be a JSON object")
                continue
            yield lineno, rec


def _csv_records(path: Path) -> Iterator[tuple[int, dict[str, Any] | Problem]]:
    with path.open(encoding="utf-8-sig", newline="") as fh:
        reader = csv.DictReader(fh)
        header = [h.strip() for h in (reader.fieldnames or [])]
        if not header:
            return
        if "question" not in header or "answers" not in header:
            raise DatasetError(f"{path}: the CSV header needs 'question' and 'answers' columns (found: {', '.join(header)})")
        reader.fieldnames = header
        for row in reader:
            if None in row:
                yield reader.line_num, Problem(reader.line_num, "more cells than header columns")
                continue
            if not any((v or "").strip() for v in row.values()):
                continue
            yield reader.line_num, row


def load_questions(path: str | Path) -> QuestionSet:
    """Read a question file (``.csv`` as CSV, anything else as JSON Lines).

    Raises:
        DatasetError: the file is missing or unreadable, or a CSV lacks the needed columns.
    """
    p = Path(path)
    if not p.is_file():
        raise DatasetError(f"{p}: no such file; give a .jsonl or .csv question file")
    is_csv = p.suffix.lower() == ".csv"
    qs = QuestionSet(str(p))
    seen: dict[str, int] = {}
    try:
        records: Iterable[tuple[int, dict[str, Any] | Problem]] = list(_csv_records(p) if is_csv else _jsonl_records(p))
    except (OSError, UnicodeDecodeError, csv.Error) as e:
        raise DatasetError(f"{p}: cannot read ({e})") from e
    for lineno, rec in records:
        if isinstance(rec, Problem):
            qs.problems.append(rec)
            continue
        q, problems = parse_record(rec, lineno, csv_cell=is_csv)
        qs.problems.extend(problems)
        if q is None:
            continue
        if q.id in seen:
            qs.problems.append(Problem(lineno, f"duplicate id {q.id!r} (first seen on line {seen[q.id]}); skipped"))
            continue
        seen[q.id] = lineno
        qs.questions.append(q)
    if not qs.questions and not qs.problems:
        qs.problems.append(Problem(0, "the file holds no questions"))
    return qs
