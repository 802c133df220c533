"""``python -m eval compare DIR_A DIR_B``: what changed between two runs, metric by metric
and question by question (joined on question id), printed and written as compare.html."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from html import escape
from pathlib import Path
from typing import Any

from eval.report import CSS, _plt, _png, fmt
from eval.runner import HEADLINE

COMPARED = [*HEADLINE, "latency_p50_ms", "latency_p95_ms", "retrieval_p50_ms", "retrieval_p95_ms", "n_questions", "n_skipped"]
PER_QUESTION = ("containment", "f1", "recall_at_5", "mrr_at_10", "citation_precision")


class CompareError(Exception):
    """A run folder is missing or incomplete."""


@dataclass
class Change:
    """One question whose scores differ between the runs."""

    id: str
    question: str
    a: dict[str, Any]
    b: dict[str, Any]
    answer_a: str
    answer_b: str

    def delta(self, key: str) -> float:
        return (self.b.get(key) or 0.0) - (self.a.get(key) or 0.0)


@dataclass
class Comparison:
    """Metric deltas and per-question changes between run A and run B."""

    dir_a: Path
    dir_b: Path
    deltas: dict[str, tuple[Any, Any]]
    changes: list[Change] = field(default_factory=list)
    only_a: list[str] = field(default_factory=list)
    only_b: list[str] = field(default_factory=list)
    common: int = 0

    @property
    def improved(self) -> list[Change]:
        return [c for c in self.changes if _verdict(c) > 0]

    @property
    def regressed(self) -> list[Change]:
        return [c for c in self.changes if _verdict(c) < 0]


def _verdict(c: Change) -> float:
    """Positive when B is better on the first per-question score that differs."""
    for key in PER_QUESTION:
        d = c.delta(key)
        if abs(d) > 1e-9:
            return d
    if c.a.get("refused") != c.b.get("refused"):
        return -1.0 if c.b.get("refused") and not c.a.get("unanswerable") else 1.0
    return 0.0


def load_run(folder: Path) -> tuple[dict[str, Any], dict[str, dict[str, Any]]]:
    """metrics.json and results.jsonl (by id) of a run folder."""
    mpath, rpath = folder / "metrics.json", folder / "results.jsonl"
    if not mpath.is_file() or not rpath.is_file():
        raise CompareError(f"{folder}: not a run folder (needs metrics.json and results.jsonl from `python -m eval`)")
    metrics = json.loads(mpath.read_text(encoding="utf-8"))
    results: dict[str, dict[str, Any]] = {}
    for line in rpath.read_text(encoding="utf-8").splitlines():
        if line.strip():
            r = json.loads(line)
            results[r["id"]] = r
    return metrics, results


def compare_runs(dir_a: Path, dir_b: Path) -> Comparison:
    """Compare two run folders. Raises CompareError when one is not a run folder."""
    ma, ra = load_run(dir_a)
    mb, rb = load_run(dir_b)
    deltas = {k: (ma.get(k), mb.get(k)) for k in COMPARED}
    comp = Comparison(dir_a, dir_b, deltas, only_a=sorted(set(ra) - set(rb)), only_b=sorted(set(rb) - set(ra)))
    for qid in ra:
        if qid not in rb:
            continue
        comp.common += 1
        a, b = ra[qid], rb[qid]
        sa = {**a["scores"], "unanswerable": a["unanswerable"]}
        sb = {**b["scores"], "unanswerable": b["unanswerable"]}
        differs = any((sa.get(k) or 0.0) != (sb.get(k) or 0.0) for k in PER_QUESTION) or sa.get("refused") != sb.get("refused")
        if differs:
            comp.changes.append(Change(qid, a["question"], sa, sb, a["answer"], b["answer"]))
    return comp


def _delta_str(a: Any, b: Any) -> str:
    if isinstance(a, int | float) and isinstance(b, int | float) and not isinstance(a, bool):
        return f"{b - a:+.3f}" if isinstance(a, float) or isinstance(b, float) else f"{b - a:+d}"
    return ""


def format_text(comp: Comparison, max_rows: int = 15) -> str:
    """The comparison as plain text for the terminal."""
    lines = [f"A: {comp.dir_a}", f"B: {comp.dir_b}", f"{comp.common} questions in both; "
             f"{len(comp.only_a)} only in A, {len(comp.only_b)} only in B", "", f"{'metric':<22}{'A':>10}{'B':>10}{'B-A':>10}"]
    for k, (a, b) in comp.deltas.items():
        lines.append(f"{k:<22}{fmt(a):>10}{fmt(b):>10}{_delta_str(a, b):>10}")
    for title, rows in (("improved in B", comp.improved), ("worse in B", comp.regressed)):
        lines += ["", f"{len(rows)} question(s) {title}:"]
        for c in sorted(rows, key=lambda c: -abs(_verdict(c)))[:max_rows]:
            lines.append(f"  {c.id}: F1 {fmt(c.a.get('f1'), 2)} -> {fmt(c.b.get('f1'), 2)}, containment "
                         f"{fmt(c.a.get('containment'), 0)} -> {fmt(c.b.get('containment'), 0)}, recall@5 "
                         f"{fmt(c.a.get('recall_at_5'), 0)} -> {fmt(c.b.get('recall_at_5'), 0)}  {c.question[:70]}")
    return "\n".join(lines)


def _plots(comp: Comparison) -> list[str]:
    plt = _plt()
    out = []
    keys = [k for k in HEADLINE if isinstance(comp.deltas[k][0], int | float) and isinstance(comp.deltas[k][1], int | float)]
    if keys:
        fig, ax = plt.subplots(figsize=(7, 3.4))
        vals = [comp.deltas[k][1] - comp.deltas[k][0] for k in keys]
        ax.barh(keys, vals, color=["#2e7d32" if v >= 0 else "#c62828" for v in vals])
        ax.axvline(0, color="#333", lw=0.8)
        ax.set_title("Metric deltas (B - A)")
        ax.invert_yaxis()
        out.append(_png(fig))
    if comp.changes:
        fig, ax = plt.subplots(figsize=(7, 3.4))
        deltas = sorted(c.delta("f1") for c in comp.changes)
        ax.bar(range(len(deltas)), deltas, color=["#2e7d32" if d >= 0 else "#c62828" for d in deltas])
        ax.set_xlabel("changed questions (sorted)")
        ax.set_ylabel("F1 (B - A)")
        ax.set_title("Per-question F1 differences")
        out.append(_png(fig))
    return out


def render_html(comp: Comparison) -> str:
    """The comparison as a self-contained HTML page."""
    rows = "".join(
        f"<tr><td>{escape(k)}</td><td class=num>{fmt(a)}</td><td class=num>{fmt(b)}</td><td class=num>{_delta_str(a, b)}</td></tr>"
        for k, (a, b) in comp.deltas.items()
    )
    plots = "".join(f"<img alt='plot' src='{p}'>" for p in _plots(comp))

    def table(changes: list[Change]) -> str:
        body = "".join(
            f"<tr><td>{escape(c.id)}</td><td>{escape(c.question)}</td><td class=num>{fmt(c.a.get('f1'), 2)} → {fmt(c.b.get('f1'), 2)}</td>"
            f"<td class=num>{fmt(c.a.get('recall_at_5'), 0)} → {fmt(c.b.get('recall_at_5'), 0)}</td>"
            f"<td>{escape(c.answer_a)}</td><td>{escape(c.answer_b)}</td></tr>"
            for c in sorted(changes, key=lambda c: -abs(_verdict(c)))
        )
        return ("<table><tr><th>id</th><th>question</th><th>F1</th><th>recall@5</th><th>answer A</th><th>answer B</th></tr>"
                f"{body}</table>")

    return (
        f"<!doctype html><html lang=en><head><meta charset=utf-8><title>Footnote: compare runs</title><style>{CSS}</style></head><body>"
        f"<h1>Compare runs</h1><p class=meta>A: {escape(str(comp.dir_a))}<br>B: {escape(str(comp.dir_b))}<br>"
        f"{comp.common} questions in both; {len(comp.only_a)} only in A; {len(comp.only_b)} only in B</p>"
        f"<h2>Metrics</h2><table><tr><th>metric</th><th>A</th><th>B</th><th>B - A</th></tr>{rows}</table>"
        f"<div class=plots>{plots}</div>"
        f"<h2>Better in B ({len(comp.improved)})</h2>{table(comp.improved)}"
        f"<h2>Worse in B ({len(comp.regressed)})</h2>{table(comp.regressed)}"
        "</body></html>"
    )


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m eval compare DIR_A DIR_B [--out FILE]``. Exit 0, or 2 when a folder is not a run."""
    p = argparse.ArgumentParser(prog="python -m eval compare", description="Compare two evaluation runs.")
    p.add_argument("dir_a", type=Path, help="the baseline run folder")
    p.add_argument("dir_b", type=Path, help="the run to judge against it")
    p.add_argument("--out", type=Path, help="HTML file to write (default: DIR_B/compare.html)")
    args = p.parse_args(argv)
    try:
        comp = compare_runs(args.dir_a, args.dir_b)
    except (CompareError, json.JSONDecodeError, KeyError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    print(format_text(comp))
    out = args.out or args.dir_b / "compare.html"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(render_html(comp), encoding="utf-8")
    print(f"\nwrote {out}")
    return 0
