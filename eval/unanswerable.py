"""An unanswerable question set, built from an answerable one: real questions asked of a
corpus from which every article that holds their answer has been removed.

For each chosen question we remove its evidence articles *and* every other article whose
title or text contains one of its gold answers (SQuAD-normalised, on word boundaries):
evidence lists are not exhaustive, and a second outlet's story of the same event would
otherwise leave the question answerable. Questions whose answers are so common that this
would remove more than ``max_removed`` articles (a bare "3", "Biden") are passed over.

Output folder:
- ``questions.jsonl``: the chosen questions, ``"unanswerable": true``, no answers;
- ``mixed.jsonl``: those plus every answerable question whose evidence is all still there,
  so one run measures both refusal_accuracy and wrong_refusal_rate;
- ``corpus.jsonl``: the corpus without the removed articles (for ``--corpus``);
- ``removed.json``: which articles were removed for which question;
- ``store/`` (with ``--from-store``): a copy of a prebuilt store with those articles
  deleted, so the set can be evaluated without re-ingesting the corpus.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import shutil
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from eval.metrics import normalize_answer, normalize_for_containment


@dataclass
class UnanswerableSet:
    """What was built and where."""

    out_dir: Path
    questions: list[dict[str, Any]] = field(default_factory=list)
    removed: dict[str, list[str]] = field(default_factory=dict)  # question id -> article ids
    mixed: int = 0
    store: Path | None = None

    @property
    def removed_articles(self) -> set[str]:
        return {a for ids in self.removed.values() for a in ids}


def _read_jsonl(path: Path) -> list[dict[str, Any]]:
    out = []
    with path.open(encoding="utf-8") as fh:
        for line in fh:
            if line.strip():
                try:
                    rec = json.loads(line)
                except json.JSONDecodeError:
                    continue  # the evaluation run reports bad lines; here they are just not used
                if isinstance(rec, dict):
                    out.append(rec)
    return out


def articles_holding(answers: Sequence[str], normalised: dict[str, str]) -> set[str]:
    """Ids of the articles whose normalised text contains a gold answer."""
    needles = [f" {n} " for n in (normalize_for_containment(a) for a in answers) if n]
    return {aid for aid, text in normalised.items() if any(nd in text for nd in needles)}


def choose(
    questions: list[dict[str, Any]], corpus: list[dict[str, Any]], n: int, *, max_removed: int = 25, seed: int = 0
) -> dict[str, set[str]]:
    """Pick up to ``n`` questions (deterministic for a seed) and the articles to remove for each."""
    normalised = {str(a.get("id")): f" {normalize_for_containment(str(a.get('title') or '') + ' ' + str(a.get('text') or ''))} "
                  for a in corpus if a.get("id")}
    order = sorted(
        (q for q in questions if q.get("id") and q.get("question") and q.get("answers") and not q.get("unanswerable")),
        key=lambda q: hashlib.sha1(f"{seed}:{q['id']}".encode()).hexdigest(),
    )
    chosen: dict[str, set[str]] = {}
    for q in order:
        if len(chosen) >= n:
            break
        answers = [str(a) for a in q["answers"]] if isinstance(q["answers"], list) else [str(q["answers"])]
        if not any(normalize_answer(a) for a in answers):
            continue
        remove = articles_holding(answers, normalised) | {str(e) for e in q.get("evidence") or []}
        if len(remove) <= max_removed:
            chosen[str(q["id"])] = remove
    return chosen


def build(
    questions_path: Path,
    corpus_path: Path,
    out_dir: Path,
    n: int = 30,
    *,
    from_store: Path | None = None,
    max_removed: int = 25,
    seed: int = 0,
) -> UnanswerableSet:
    """Build the unanswerable set (see the module docstring) into ``out_dir``."""
    questions = _read_jsonl(questions_path)
    corpus = _read_jsonl(corpus_path)
    chosen = choose(questions, corpus, n, max_removed=max_removed, seed=seed)
    removed_all = {a for ids in chosen.values() for a in ids}
    out_dir.mkdir(parents=True, exist_ok=True)
    result = UnanswerableSet(out_dir, removed={k: sorted(v) for k, v in chosen.items()})
    by_id = {str(q.get("id")): q for q in questions}
    for qid in chosen:
        q = by_id[qid]
        # Only what the run may use: never quiz_explanation or choices.
        result.questions.append({
            "id": f"unans-{qid}", "question": q["question"], "answers": [], "unanswerable": True,
            "question_date": q.get("question_date"), "type": q.get("type") or "other", "source_id": qid,
        })
    _write_jsonl(out_dir / "questions.jsonl", result.questions)
    answerable = [
        {k: q[k] for k in ("id", "question", "answers", "evidence", "question_date", "type") if k in q}
        for q in questions
        if str(q.get("id")) not in chosen and q.get("answers") and q.get("evidence")
        and not (set(map(str, q["evidence"])) & removed_all)
    ]
    result.mixed = len(answerable) + len(result.questions)
    _write_jsonl(out_dir / "mixed.jsonl", result.questions + answerable)
    _write_jsonl(out_dir / "corpus.jsonl", [a for a in corpus if str(a.get("id")) not in removed_all])
    (out_dir / "removed.json").write_text(json.dumps(result.removed, indent=1) + "\n", encoding="utf-8")
    if from_store is not None:
        result.store = copy_store_without(from_store, out_dir / "store", sorted(removed_all))
    return result


def copy_store_without(source: Path, target: Path, article_ids: list[str]) -> Path:
    """Copy a store folder and delete the given articles from the copy (the source is untouched)."""
    from footnote.settings import Settings
    from vectorstore.lexical import SyncedLexicalIndex
    from vectorstore.store import PassageStore

    if target.exists():
        shutil.rmtree(target)
    shutil.copytree(source, target)
    settings = Settings(store_dir=target)
    store = PassageStore(settings)
    store.delete_articles(article_ids)
    SyncedLexicalIndex(store, settings.bm25_dir).rebuild()
    return target


def _write_jsonl(path: Path, records: list[dict[str, Any]]) -> None:
    with path.open("w", encoding="utf-8") as fh:
        for r in records:
            fh.write(json.dumps(r, ensure_ascii=False) + "\n")


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m eval unanswerable QUESTIONS CORPUS [--n 30] [--out DIR] [--from-store STORE]``."""
    p = argparse.ArgumentParser(prog="python -m eval unanswerable",
                                description="Build unanswerable questions: dev questions whose answer-holding articles are removed.")
    p.add_argument("questions", type=Path, help="answerable questions (JSONL with answers and evidence)")
    p.add_argument("corpus", type=Path, help="the corpus they are asked of (JSONL articles with id, title, text)")
    p.add_argument("--n", type=int, default=30, help="how many questions to make unanswerable (default 30)")
    p.add_argument("--out", type=Path, default=Path("runs/unanswerable"), help="output folder (default runs/unanswerable)")
    p.add_argument("--from-store", type=Path, help="a store holding CORPUS: copied into OUT/store minus the removed articles")
    p.add_argument("--max-removed", type=int, default=25, help="skip questions whose answer is in more articles than this")
    p.add_argument("--seed", type=int, default=0, help="which questions are chosen")
    args = p.parse_args(argv)
    for path in (args.questions, args.corpus):
        if not path.is_file():
            print(f"error: {path}: no such file", file=sys.stderr)
            return 2
    if args.from_store is not None and not args.from_store.is_dir():
        print(f"error: {args.from_store}: no such store folder", file=sys.stderr)
        return 2
    res = build(args.questions, args.corpus, args.out, args.n, from_store=args.from_store,
                max_removed=args.max_removed, seed=args.seed)
    print(f"{len(res.questions)} unanswerable questions, {len(res.removed_articles)} articles removed; "
          f"{res.mixed} questions in mixed.jsonl; wrote {args.out}")
    how = f"--store {res.store}" if res.store else f"--corpus {args.out / 'corpus.jsonl'}"
    print(f"evaluate: python -m eval {args.out / 'mixed.jsonl'} {how}")
    return 0 if res.questions else 2
