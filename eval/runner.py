"""One evaluation run: (ingest the corpus) -> ask every question -> score -> write
``metrics.json``, ``results.jsonl`` and ``report.html``.

Each question is asked twice over the same store: ``Assistant.retrieve(top_k=10)`` for
the retrieval metrics (recall@1/5/10, MRR@10), and ``Assistant.ask`` with the configured
``top_k`` for the answer, its citations and timings. Both get the question's date as
"today". The assistant only ever sees the question text and its date.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from assistant import Assistant, AssistantError
from eval import metrics as M
from eval.dataset import EvalQuestion, Problem, QuestionSet
from footnote.records import Answer, Hit, IngestFailure
from footnote.settings import Settings

RECALL_DEPTH = 10
HEADLINE = (
    "recall_at_1", "recall_at_5", "recall_at_10", "mrr_at_10", "exact_match", "f1", "containment",
    "citation_precision", "citation_recall", "refusal_accuracy", "wrong_refusal_rate",
)
# context_recall: a gold article among the passages the answerer was actually shown (ask's top_k).
SCORE_KEYS = (*HEADLINE[:9], "context_recall")
PASSAGE_EXCERPT = 600


def store_dir_for_corpus(corpus: str | Path, settings: Settings, root: Path = Path("runs/stores")) -> Path:
    """The store a corpus gets by default: one folder per (corpus path, chunking, embedder)."""
    key = "|".join([str(Path(corpus).resolve()), str(settings.chunk_size), str(settings.chunk_overlap),
                    settings.embedding_model])
    return root / hashlib.sha1(key.encode()).hexdigest()[:12]


@dataclass
class IngestInfo:
    """What preparing the store did: the ingest summary and its speed."""

    corpus: str
    store: str
    passages_written: int = 0
    articles_unchanged: int = 0
    articles_added: int = 0
    failed: list[IngestFailure] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def passages_per_s(self) -> float | None:
        return self.passages_written / self.seconds if self.passages_written and self.seconds > 0 else None

    @property
    def reused(self) -> bool:
        return self.passages_written == 0 and self.articles_unchanged > 0


def ingest_corpus(assistant: Assistant, corpus: str | Path, *, show_bar: bool = False) -> IngestInfo:
    """Ingest ``corpus`` into the assistant's store (idempotent: unchanged articles are skipped)."""
    from ingest.pipeline import Ingestor

    s = Ingestor(assistant.settings, assistant.store, assistant.lexical).ingest([corpus], show_bar=show_bar)
    return IngestInfo(str(corpus), str(assistant.settings.store_dir), s.chunks_written, s.unchanged,
                      s.added + s.updated, list(s.failed), s.seconds)


def _passage_view(rank: int, hit: Hit, evidence: set[str]) -> dict[str, Any]:
    p = hit.passage
    return {
        "rank": rank,
        "article_id": p.article_id,
        "passage_id": p.id,
        "title": p.title,
        "source": p.source,
        "date": p.date.isoformat() if p.date else "",
        "score": round(float(hit.score), 5),
        "similarity": None if hit.similarity is None else round(float(hit.similarity), 4),
        "evidence": p.article_id in evidence,
        "text": p.text[:PASSAGE_EXCERPT],
    }


def score_question(q: EvalQuestion, retrieved_articles: list[str], answer: Answer, threshold: float) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """Per-question scores (None where a metric does not apply) and the scored citations."""
    cited = [M.CitedPassage(c.n, c.text, c.article_id, c.supported) for c in answer.citations]
    citations = [
        {**c.to_dict(), "precise": M.citation_is_precise(cp, q.answers, q.evidence)}
        for c, cp in zip(answer.citations, cited)
    ]
    s: dict[str, Any] = dict.fromkeys(SCORE_KEYS)
    s["refused"] = answer.refused
    if q.evidence and not q.unanswerable:
        for k in (1, 5, 10):
            s[f"recall_at_{k}"] = M.recall_at_k(retrieved_articles, q.evidence, k)
        s["mrr_at_10"] = M.reciprocal_rank(retrieved_articles, q.evidence, RECALL_DEPTH)
        shown = [c.article_id for c in answer.passages]
        s["context_recall"] = M.recall_at_k(shown, q.evidence, len(shown))
    if not q.unanswerable:
        short = answer.short_answer or answer.text  # the answer phrase when there is one
        s["exact_match"] = M.exact_match(short, q.answers)
        s["f1"] = M.token_f1(short, q.answers)
        s["containment"] = M.containment(answer.text, q.answers)
        if not answer.refused:
            s["citation_precision"] = M.citation_precision(cited, q.answers, q.evidence)
            s["citation_recall"] = M.citation_recall(answer.text, {c.n: c for c in cited}, q.answers, threshold)
    return s, citations


def evaluate_question(
    assistant: Assistant, q: EvalQuestion, *, top_k: int | None, answerer: str | None, today: date | None = None
) -> dict[str, Any]:
    """Ask one question and score it. Raises AssistantError when the assistant rejects it.

    ``today`` is the date the assistant is told it is: None gives each question its own
    date (the quiz's), as the dev set intends; a fixed date is how a deployed app runs.
    """
    when = today or q.question_date
    text = assistant.validate(q.question)
    t0 = time.perf_counter()
    hits = assistant.retrieve(text, top_k=RECALL_DEPTH, today=when)
    retrieve10_ms = (time.perf_counter() - t0) * 1000
    answer = assistant.ask(text, top_k=top_k, today=when, answerer=answerer)
    ev = set(q.evidence)
    retrieved = [_passage_view(i, h, ev) for i, h in enumerate(hits, 1)]
    scores, citations = score_question(q, [h.passage.article_id for h in hits], answer, assistant.settings.support_threshold)
    t = answer.timings
    return {
        "id": q.id,
        "line": q.line,
        "question": q.question,
        "type": q.type,
        "question_date": q.question_date.isoformat() if q.question_date else None,
        "unanswerable": q.unanswerable,
        "gold_answers": q.answers,
        "evidence": q.evidence,
        "answer": answer.text,
        "short_answer": answer.short_answer,
        "candidates": [c.text for c in answer.candidates],
        "refused": answer.refused,
        "answerer": answer.answerer,
        "notice": answer.notice,
        "citations": citations,
        "retrieved": retrieved,
        "scores": scores,
        "timings": {
            "retrieve_ms": round(t.get("retrieve_ms", 0.0), 2),
            "answer_ms": round(t.get("answer_ms", 0.0), 2),
            "total_ms": round(t.get("total_ms", 0.0), 2),
            "retrieve_top10_ms": round(retrieve10_ms, 2),
        },
    }


def summarize(results: list[dict[str, Any]], *, prefix: str = "") -> dict[str, Any]:
    """Aggregate per-question results into flat metrics (means over the questions each
    metric applies to; None when it applies to none)."""
    answerable = [r for r in results if not r["unanswerable"]]
    unanswerable = [r for r in results if r["unanswerable"]]
    out: dict[str, Any] = {f"{prefix}n_questions": len(results)}
    for key in SCORE_KEYS:
        out[prefix + key] = M.mean(r["scores"].get(key) for r in results)
    out[prefix + "refusal_accuracy"] = M.mean(float(r["refused"]) for r in unanswerable)
    out[prefix + "wrong_refusal_rate"] = M.mean(float(r["refused"]) for r in answerable)
    return out


def latency_metrics(results: list[dict[str, Any]]) -> dict[str, Any]:
    """p50/p95 of the pipeline's retrieval, answer and total times (ms), from Answer.timings."""
    out: dict[str, Any] = {}
    for name, key in (("latency", "total_ms"), ("retrieval", "retrieve_ms"), ("answer", "answer_ms")):
        vals = [r["timings"][key] for r in results]
        out[f"{name}_p50_ms"] = M.percentile(vals, 50)
        out[f"{name}_p95_ms"] = M.percentile(vals, 95)
    return out


def recall_curve(results: list[dict[str, Any]], depth: int = RECALL_DEPTH) -> list[float | None]:
    """recall@k for k = 1..depth over the answerable questions with evidence."""
    scored = [r for r in results if r["evidence"] and not r["unanswerable"]]
    if not scored:
        return [None] * depth
    curve = []
    for k in range(1, depth + 1):
        curve.append(M.mean(M.recall_at_k([p["article_id"] for p in r["retrieved"]], r["evidence"], k) for r in scored))
    return curve


@dataclass
class RunResult:
    """Everything one run produced (also written to its output folder)."""

    metrics: dict[str, Any]
    results: list[dict[str, Any]]
    problems: list[Problem]
    out_dir: Path | None = None


def run_eval(
    assistant: Assistant,
    qset: QuestionSet,
    *,
    top_k: int | None = None,
    answerer: str | None = None,
    limit: int | None = None,
    show_bar: bool = False,
    ingest: IngestInfo | None = None,
    on_result: Callable[[dict[str, Any]], None] | None = None,
    today: date | None = None,
) -> RunResult:
    """Evaluate the questions of ``qset`` against the assistant's store.

    Args:
        assistant: the system under test (its settings decide retrieval and answering).
        qset: the questions, with the problems found reading them (kept in the metrics).
        top_k: passages shown to the answerer (default: the assistant's settings).
        answerer: "extractive" or "llm" (default: the settings' choice).
        limit: evaluate only the first ``limit`` questions.
        show_bar: draw a tqdm progress bar on stderr.
        ingest: what preparing the store did, for the metrics and the report.
        on_result: called with each question's result as it is done.
        today: the date every question is asked on (None: each question's own date).

    Returns:
        The metrics, the per-question results and every problem (read or run time).
    """
    from tqdm import tqdm

    t0 = time.perf_counter()
    questions = qset.questions[:limit] if limit else list(qset.questions)
    problems = list(qset.problems)
    results: list[dict[str, Any]] = []
    for q in tqdm(questions, desc="eval", unit="q", disable=not show_bar, dynamic_ncols=True):
        try:
            r = evaluate_question(assistant, q, top_k=top_k, answerer=answerer, today=today)
        except AssistantError as e:
            problems.append(Problem(q.line, f"the assistant rejected the question: {e}"))
            continue
        results.append(r)
        if on_result is not None:
            on_result(r)
    metrics = _metrics(results, problems)
    s = assistant.settings
    metrics.update({
        "top_k": top_k or s.top_k,
        "answerer": answerer or ("llm" if s.use_llm else "extractive"),
        "retrieval_mode": s.retrieval_mode,
        "today": today.isoformat() if today else "question_date",
        "store": str(s.store_dir),
        "questions_file": qset.path,
        "run_seconds": round(time.perf_counter() - t0, 2),
        "created": datetime.now().isoformat(timespec="seconds"),
    })
    if ingest is not None:
        metrics.update(_ingest_metrics(ingest))
    return RunResult(metrics, results, problems)


def _metrics(results: list[dict[str, Any]], problems: list[Problem]) -> dict[str, Any]:
    """The run's quality and latency metrics, overall and per question type."""
    metrics: dict[str, Any] = summarize(results)
    metrics["n_skipped"] = sum(p.skipped for p in problems)
    metrics["n_warnings"] = sum(not p.skipped for p in problems)
    metrics["n_answerable"] = sum(not r["unanswerable"] for r in results)
    metrics["n_unanswerable"] = sum(r["unanswerable"] for r in results)
    metrics["n_with_evidence"] = sum(bool(r["evidence"]) and not r["unanswerable"] for r in results)
    metrics.update(latency_metrics(results))
    for k, v in enumerate(recall_curve(results), 1):
        metrics[f"recall_curve_at_{k}"] = v
    for qtype in sorted({r["type"] for r in results}):
        metrics.update(summarize([r for r in results if r["type"] == qtype], prefix=f"type.{qtype}."))
    return metrics


def _ingest_metrics(ingest: IngestInfo) -> dict[str, Any]:
    """What preparing the store did, as metrics."""
    return {
        "corpus": ingest.corpus,
        "ingest_passages_written": ingest.passages_written,
        "ingest_articles_unchanged": ingest.articles_unchanged,
        "ingest_seconds": round(ingest.seconds, 2),
        "ingest_passages_per_s": None if ingest.passages_per_s is None else round(ingest.passages_per_s, 1),
        "ingest_reused": ingest.reused,
        "ingest_failed": len(ingest.failed),
    }


def write_outputs(result: RunResult, out_dir: Path) -> None:
    """Write metrics.json, results.jsonl, problems.json and report.html into ``out_dir``."""
    from eval.report import write_report

    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / "metrics.json").write_text(json.dumps(_rounded(result.metrics), indent=2, ensure_ascii=False) + "\n")
    with (out_dir / "results.jsonl").open("w", encoding="utf-8") as fh:
        for r in result.results:
            fh.write(json.dumps(r, ensure_ascii=False) + "\n")
    (out_dir / "problems.json").write_text(
        json.dumps([{"line": p.line, "message": p.message, "skipped": p.skipped} for p in result.problems],
                   indent=2, ensure_ascii=False) + "\n"
    )
    write_report(result, out_dir / "report.html")
    result.out_dir = out_dir


def _rounded(d: dict[str, Any]) -> dict[str, Any]:
    return {k: round(v, 4) if isinstance(v, float) else v for k, v in d.items()}
