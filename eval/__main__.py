"""``python -m eval QUESTIONS [options]``, ``python -m eval compare DIR_A DIR_B``,
``python -m eval unanswerable ...`` and ``python -m eval report DIR``: thin CLIs over
eval.runner, eval.compare, eval.unanswerable and eval.report.

Exit codes: 0 the run completed (skipped records are counted in ``n_skipped`` and listed);
2 nothing could run (no such file, no questions, empty store, no LLM configured).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from datetime import date, datetime
from pathlib import Path
from typing import Any

from eval.dataset import DatasetError, QuestionSet, load_questions
from footnote.settings import Settings

USAGE_EXTRA = """
subcommands:
  python -m eval compare DIR_A DIR_B         compare two runs question by question
  python -m eval unanswerable QUESTIONS CORPUS --n 30 --out DIR [--from-store STORE]
                                              build an unanswerable question set
  python -m eval report DIR                  re-render DIR/report.html from the run's files
  python -m eval feedback --out FILE         export the answers rated on the page as a question set
"""


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="python -m eval",
        description="Evaluate Footnote on a question set: retrieval, answers, citations, refusals, latency.",
        epilog=USAGE_EXTRA,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("questions", help="JSONL or CSV with question, answers (+ id, evidence, question_date, type, unanswerable)")
    p.add_argument("--corpus", help="articles to ingest first (any `python -m ingest` input); into a store of their own "
                                    "under runs/stores/ unless --store is given; a second run reuses it")
    p.add_argument("--store", type=Path, help="store folder to evaluate against (default: FOOTNOTE_STORE_DIR, "
                                              "or runs/stores/<hash> with --corpus)")
    p.add_argument("--out", type=Path, help="output folder (default: runs/eval/<questions>-<time>)")
    p.add_argument("--limit", type=int, help="evaluate only the first N questions")
    p.add_argument("--top-k", type=int, help="passages shown to the answerer (default: FOOTNOTE_TOP_K)")
    p.add_argument("--answerer", choices=["extractive", "llm"], help="default: FOOTNOTE_ANSWERER")
    p.add_argument("--retrieval-mode", choices=["hybrid", "dense", "lexical"], help="default: FOOTNOTE_RETRIEVAL_MODE")
    p.add_argument("--today", default="question",
                   help="the date the assistant is told it is: 'question' (each question's own date, the default), "
                        "'now' (the real date, as a deployed app runs) or YYYY-MM-DD")
    p.add_argument("--quiet", action="store_true", help="no progress bars")
    return p


def _print_headline(metrics: dict[str, Any]) -> None:
    from eval.report import fmt
    from eval.runner import HEADLINE

    keys = [*HEADLINE, "latency_p50_ms", "latency_p95_ms", "retrieval_p50_ms", "retrieval_p95_ms", "n_questions", "n_skipped"]
    width = max(len(k) for k in keys)
    for k in keys:
        print(f"  {k:<{width}}  {fmt(metrics.get(k))}")


class _Usage(Exception):
    """A problem with the command line or its files: printed as ``error: ...``, exit code 2."""


def _load(args: argparse.Namespace) -> QuestionSet:
    """The questions, after checking the arguments that need no store."""
    try:
        qset = load_questions(args.questions)
    except DatasetError as e:
        raise _Usage(str(e)) from e
    for p in qset.problems:
        print(f"warning: {Path(args.questions).name}: {p.format()}", file=sys.stderr)
    if not qset.questions:
        raise _Usage(f"{args.questions}: no questions to evaluate (see the problems above)")
    if args.limit is not None and args.limit < 1:
        raise _Usage("--limit must be at least 1")
    if args.corpus and not Path(args.corpus).exists():
        raise _Usage(f"{args.corpus}: no such corpus file or folder")
    return qset


def _settings(args: argparse.Namespace) -> Settings:
    """The settings, built once here, with the command line's overrides."""
    from pydantic import ValidationError

    from eval.runner import store_dir_for_corpus

    overrides: dict[str, Any] = {}
    if args.top_k is not None:
        overrides["top_k"] = args.top_k
    if args.retrieval_mode:
        overrides["retrieval_mode"] = args.retrieval_mode
    if args.answerer:
        overrides["answerer"] = args.answerer
    try:
        settings = Settings(**overrides)
        if args.store:
            settings = Settings(**overrides, store_dir=args.store)
        elif args.corpus:
            settings = Settings(**overrides, store_dir=store_dir_for_corpus(args.corpus, settings))
    except ValidationError as e:
        raise _Usage(f"bad option: {e.errors()[0]['loc'][0]}: {e.errors()[0]['msg']}") from e
    if args.answerer == "llm" and not settings.llm_configured:
        raise _Usage("--answerer llm needs an LLM: set OPENAI_API_KEY, or OPENAI_BASE_URL for a local server")
    return settings


def _ingest(assistant: Any, args: argparse.Namespace) -> Any:
    """Ingest ``--corpus`` (when given) into the assistant's store, saying what it did."""
    from eval.runner import ingest_corpus

    if not args.corpus:
        return None
    print(f"ingesting {args.corpus} into {assistant.settings.store_dir}", file=sys.stderr)
    ingest = ingest_corpus(assistant, args.corpus, show_bar=not args.quiet)
    for f in ingest.failed[:20]:
        print(f"warning: corpus: {f.item}: {f.reason}", file=sys.stderr)
    speed = f"{ingest.passages_per_s:.1f} passages/s" if ingest.passages_per_s else "nothing new to embed"
    print(f"ingest: {ingest.passages_written} passages written, {ingest.articles_unchanged} articles unchanged, "
          f"{ingest.seconds:.1f} s ({speed})", file=sys.stderr)
    return ingest


def _check_store(assistant: Any, qset: QuestionSet, args: argparse.Namespace) -> None:
    """Refuse an empty store; warn about evidence ids the store does not hold."""
    settings = assistant.settings
    states = assistant.store.article_states()
    if not states:
        raise _Usage(f"the store at {settings.store_dir} is empty: give --corpus CORPUS, or ingest articles first "
                     "(python -m ingest PATH)")
    if args.corpus or args.store:
        n_before = len(qset.problems)
        qset.check_evidence(set(states), "the corpus" if args.corpus else f"the store {settings.store_dir}")
        for p in qset.problems[n_before:][:20]:
            print(f"warning: {Path(args.questions).name}: {p.format()}", file=sys.stderr)
        if len(qset.problems) - n_before > 20:
            print(f"warning: … {len(qset.problems) - n_before - 20} more unknown evidence ids (see problems.json)",
                  file=sys.stderr)


def run_main(argv: Sequence[str] | None = None) -> int:
    """The evaluation CLI (see the module docstring for exit codes)."""
    args = _parser().parse_args(argv)
    from assistant import Assistant
    from eval.runner import run_eval, write_outputs
    from vectorstore.errors import StoreError

    try:
        qset = _load(args)
        settings = _settings(args)
        out = args.out or Path("runs/eval") / f"{Path(args.questions).stem}-{datetime.now():%Y%m%d-%H%M%S}"
        assistant = Assistant(settings)
        ingest = _ingest(assistant, args)
        _check_store(assistant, qset, args)
        result = run_eval(assistant, qset, top_k=args.top_k, answerer=args.answerer, limit=args.limit,
                          show_bar=not args.quiet, ingest=ingest, today=_today(args.today))
    except (_Usage, StoreError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    write_outputs(result, out)
    print(f"evaluated {result.metrics['n_questions']} questions ({result.metrics['n_skipped']} skipped) "
          f"in {result.metrics['run_seconds']:.1f} s")
    _print_headline(result.metrics)
    print(f"wrote {out / 'metrics.json'}, {out / 'results.jsonl'}, {out / 'report.html'}")
    return 0


def _today(value: str) -> date | None:
    """--today: None for each question's own date, else the date given ('now': the real one)."""
    if value == "question":
        return None
    if value == "now":
        return date.today()
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise _Usage(f"--today must be 'question', 'now' or YYYY-MM-DD, not {value!r}") from None


def main(argv: Sequence[str] | None = None) -> int:
    """Dispatch: ``compare``, ``unanswerable``, ``report``, or an evaluation run."""
    args = list(sys.argv[1:] if argv is None else argv)
    if args and args[0] == "compare":
        from eval.compare import main as compare_main

        return compare_main(args[1:])
    if args and args[0] == "unanswerable":
        from eval.unanswerable import main as unanswerable_main

        return unanswerable_main(args[1:])
    if args and args[0] == "feedback":
        from eval.feedback import main as feedback_main

        return feedback_main(args[1:])
    if args and args[0] == "report":
        return report_main(args[1:])
    return run_main(args)


def report_main(argv: Sequence[str]) -> int:
    """``python -m eval report DIR``: re-render a run's report.html (exit 2 if DIR is not a run)."""
    from eval.report import rerender

    if len(argv) != 1 or argv[0].startswith("-"):
        print("usage: python -m eval report DIR", file=sys.stderr)
        return 2
    run_dir = Path(argv[0])
    if not (run_dir / "metrics.json").is_file() or not (run_dir / "results.jsonl").is_file():
        print(f"error: {run_dir}: not a run folder (needs metrics.json and results.jsonl)", file=sys.stderr)
        return 2
    print(f"wrote {rerender(run_dir)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
