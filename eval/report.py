"""report.html: one self-contained page (inline CSS, plots as base64 PNG) that reads
without running anything. Every piece of text from the data is HTML-escaped."""

from __future__ import annotations

import base64
import io
from html import escape
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from eval.runner import RunResult

METRIC_HELP = {
    "recall_at_1": "a gold evidence article is the top passage's article",
    "recall_at_5": "a gold evidence article among the top 5 passages' articles",
    "recall_at_10": "a gold evidence article among the top 10 passages' articles",
    "mrr_at_10": "mean of 1/rank of the first gold-article passage (0 beyond 10)",
    "exact_match": "normalised answer equals a gold answer (SQuAD)",
    "f1": "token F1 against the best gold answer (SQuAD)",
    "containment": "a gold answer appears in the answer (normalised)",
    "citation_precision": "citations whose passage holds a gold answer, or a gold article's passage that supports its sentence",
    "citation_recall": "answer sentences carrying a citation that supports them (lexical/answer proxy)",
    "context_recall": "a gold evidence article among the passages the answerer was shown (top_k)",
    "refusal_accuracy": "unanswerable questions refused",
    "wrong_refusal_rate": "answerable questions refused",
}

CSS = """
body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:24px auto;max-width:1180px;color:#1d1d1f;padding:0 16px}
h1{font-size:1.6em;margin-bottom:4px} h2{margin-top:32px;border-bottom:1px solid #ddd;padding-bottom:4px}
.meta{color:#555;font-size:.9em}
.cards{display:flex;flex-wrap:wrap;gap:10px;margin:16px 0}
.card{border:1px solid #ddd;border-radius:8px;padding:10px 14px;min-width:150px;background:#fafafa}
.card .v{font-size:1.6em;font-weight:600} .card .k{font-size:.85em;color:#444}
table{border-collapse:collapse;margin:8px 0;font-size:.9em} td,th{border:1px solid #ddd;padding:4px 8px;text-align:left;vertical-align:top}
th{background:#f2f2f2} td.num{text-align:right;font-variant-numeric:tabular-nums}
.plots img{max-width:100%;border:1px solid #eee;margin:6px 0}
.q{border:1px solid #ddd;border-radius:8px;padding:10px 14px;margin:14px 0}
.ev{background:#e8f5e9} .bad{color:#b00020} .good{color:#1b5e20} .small{font-size:.85em;color:#555}
.excerpt{font-size:.85em;color:#333;max-width:760px}
"""


def fmt(v: Any, digits: int = 3) -> str:
    """A metric value for display: floats rounded, None as an em dash."""
    if v is None:
        return "—"
    if isinstance(v, float):
        return f"{v:.{digits}f}"
    return str(v)


def _png(fig) -> str:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=90, bbox_inches="tight")
    import matplotlib.pyplot as plt

    plt.close(fig)
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode("ascii")


def _plt():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def plot_by_type(metrics: dict[str, Any], types: list[str]) -> str | None:
    """Grouped bars: recall@5, containment and F1 per question type."""
    if not types:
        return None
    plt = _plt()
    keys = [("recall_at_5", "recall@5"), ("containment", "containment"), ("f1", "F1")]
    fig, ax = plt.subplots(figsize=(max(6.0, 1.1 * len(types) + 2), 3.6))
    width = 0.8 / len(keys)
    for i, (key, label) in enumerate(keys):
        vals = [metrics.get(f"type.{t}.{key}") or 0.0 for t in types]
        ax.bar([x + i * width for x in range(len(types))], vals, width, label=label)
    ax.set_xticks([x + width for x in range(len(types))])
    ax.set_xticklabels([f"{t}\n(n={metrics.get(f'type.{t}.n_questions', 0)})" for t in types], fontsize=8)
    ax.set_ylim(0, 1.18)
    ax.set_yticks([0, 0.2, 0.4, 0.6, 0.8, 1.0])
    ax.set_title("Metric by question type")
    ax.legend(fontsize=8, ncol=3, loc="upper center")
    return _png(fig)


def plot_latency(results: list[dict[str, Any]]) -> str | None:
    """Histogram of total, retrieval and answer times."""
    if not results:
        return None
    plt = _plt()
    import numpy as np

    fig, ax = plt.subplots(figsize=(6.5, 3.4))
    series = [("total_ms", "total"), ("retrieve_ms", "retrieval"), ("answer_ms", "answer")]
    # Shared bins up to the 99th percentile: one slow outlier should not squash the rest.
    top = float(np.percentile([r["timings"]["total_ms"] for r in results], 99))
    bins = np.linspace(0.0, max(top, 1.0), 31)
    for key, label in series:
        ax.hist(np.clip([r["timings"][key] for r in results], 0.0, bins[-1]), bins=bins, alpha=0.55, label=label)
    ax.set_xlabel("ms (the last bin holds everything slower)")
    ax.set_ylabel("questions")
    ax.set_title("Latency per question")
    ax.legend(fontsize=8)
    return _png(fig)


def plot_recall_curve(metrics: dict[str, Any]) -> str | None:
    """recall@k for k = 1..10."""
    pts = [(k, metrics.get(f"recall_curve_at_{k}")) for k in range(1, 11)]
    pts = [(k, v) for k, v in pts if v is not None]
    if not pts:
        return None
    plt = _plt()
    fig, ax = plt.subplots(figsize=(5.5, 3.4))
    ax.plot([k for k, _ in pts], [v for _, v in pts], marker="o")
    ax.set_xlabel("k (passages)")
    ax.set_ylabel("recall@k")
    ax.set_ylim(0, 1)
    ax.set_xticks(range(1, 11))
    ax.grid(alpha=0.3)
    ax.set_title("Retrieval recall@k")
    return _png(fig)


def worst_questions(results: list[dict[str, Any]], n: int = 15) -> list[dict[str, Any]]:
    """The answerable questions scored lowest (containment, F1, MRR), then unanswerable
    questions that were answered anyway."""
    answerable = [r for r in results if not r["unanswerable"]]

    def key(r: dict[str, Any]) -> tuple[float, float, float]:
        s = r["scores"]
        return (s["containment"] or 0.0, s["f1"] or 0.0, s["mrr_at_10"] or 0.0)

    worst = sorted(answerable, key=key)[:n]
    wrongly_answered = [r for r in results if r["unanswerable"] and not r["refused"]][:5]
    return worst + wrongly_answered


def _question_block(r: dict[str, Any]) -> str:
    s = r["scores"]
    rows = []
    for p in r["retrieved"]:
        cls = ' class="ev"' if p["evidence"] else ""
        rows.append(
            f"<tr{cls}><td class=num>{p['rank']}</td><td>{'gold' if p['evidence'] else ''}</td>"
            f"<td>{escape(p['title'])}<div class=small>{escape(p['source'])} {escape(p['date'])} · {escape(p['article_id'])}</div></td>"
            f"<td class=num>{fmt(p['similarity'], 2)}</td><td class=excerpt>{escape(p['text'])}</td></tr>"
        )
    cites = "".join(
        f"<li>[{c['n']}] {escape(c['title'])} <span class=small>{escape(c['article_id'])}</span> "
        f"<span class={'good' if c['precise'] else 'bad'}>{'precise' if c['precise'] else 'not precise'}</span>"
        f"{'' if c['supported'] else ' <span class=bad>(unsupported)</span>'}</li>"
        for c in r["citations"]
    )
    status = "unanswerable: " + ("refused (correct)" if r["refused"] else "answered (wrong)") if r["unanswerable"] else (
        "refused" if r["refused"] else ""
    )
    return (
        f"<div class=q><b>{escape(r['question'])}</b>"
        f"<div class=small>id {escape(r['id'])} · line {r['line']} · type {escape(r['type'])} · date {escape(str(r['question_date']))}"
        f" {escape(status)}</div>"
        f"<p>Gold: {escape(' | '.join(r['gold_answers'])) or '—'} · evidence: {escape(', '.join(r['evidence'])) or '—'}</p>"
        f"<p>Answer: {escape(r['answer'])}</p>"
        f"<p class=small>EM {fmt(s['exact_match'], 2)} · F1 {fmt(s['f1'], 2)} · containment {fmt(s['containment'], 0)}"
        f" · recall@5 {fmt(s['recall_at_5'], 0)} · RR {fmt(s['mrr_at_10'], 2)}"
        f" · citation P {fmt(s['citation_precision'], 2)} R {fmt(s['citation_recall'], 2)}</p>"
        + (f"<ul>{cites}</ul>" if cites else "")
        + "<details><summary>retrieved passages (top 10)</summary><table><tr><th>#</th><th></th><th>article</th>"
        "<th>sim</th><th>passage</th></tr>" + "".join(rows) + "</table></details></div>"
    )


def render_report(result: RunResult) -> str:
    """The report page as an HTML string."""
    m, results, problems = result.metrics, result.results, result.problems
    types = sorted({r["type"] for r in results}, key=lambda t: -int(m.get(f"type.{t}.n_questions", 0)))
    cards = "".join(
        f"<div class=card title='{escape(METRIC_HELP[k], quote=True)}'><div class=v>{fmt(m.get(k))}</div><div class=k>{escape(k)}</div></div>"
        for k in METRIC_HELP
    )
    cards += "".join(
        f"<div class=card><div class=v>{fmt(m.get(k), 0)}</div><div class=k>{escape(k)}</div></div>"
        for k in ("latency_p50_ms", "latency_p95_ms", "retrieval_p50_ms", "retrieval_p95_ms", "n_questions", "n_skipped")
    )
    defs = "".join(f"<tr><td>{escape(k)}</td><td class=num>{fmt(m.get(k))}</td><td>{escape(v)}</td></tr>" for k, v in METRIC_HELP.items())
    setup = [("questions", m.get("questions_file")), ("store", m.get("store")), ("answerer", m.get("answerer")),
             ("top_k", m.get("top_k")), ("retrieval_mode", m.get("retrieval_mode")), ("run seconds", m.get("run_seconds")),
             ("created", m.get("created"))]
    if "corpus" in m:
        setup += [("corpus", m.get("corpus")), ("ingest", _ingest_line(m))]
    setup_html = "".join(f"<tr><th>{escape(k)}</th><td>{escape(str(v))}</td></tr>" for k, v in setup)
    type_cols = ["n_questions", "recall_at_5", "mrr_at_10", "exact_match", "f1", "containment", "citation_precision",
                 "refusal_accuracy", "wrong_refusal_rate"]
    type_rows = "".join(
        f"<tr><td>{escape(t)}</td>" + "".join(f"<td class=num>{fmt(m.get(f'type.{t}.{c}'))}</td>" for c in type_cols) + "</tr>"
        for t in types
    )
    skipped = [p for p in problems if p.skipped]
    warnings = [p for p in problems if not p.skipped]
    prob_html = (
        f"<p><b>{len(skipped)}</b> record(s) skipped, <b>{len(warnings)}</b> warning(s); {m.get('n_questions', 0)} questions evaluated.</p>"
        + ("<ul>" + "".join(f"<li>{escape(p.format())}</li>" for p in problems[:300]) + "</ul>" if problems else "")
        + (f"<p class=small>… and {len(problems) - 300} more (problems.json has all).</p>" if len(problems) > 300 else "")
    )
    plots = [plot_by_type(m, types), plot_recall_curve(m), plot_latency(results)]
    plots_html = "".join(f"<img alt='plot' src='{p}'>" for p in plots if p)
    worst = "".join(_question_block(r) for r in worst_questions(results))
    title = f"Footnote evaluation: {Path(str(m.get('questions_file', ''))).name}"
    return (
        "<!doctype html><html lang=en><head><meta charset=utf-8>"
        f"<title>{escape(title)}</title><style>{CSS}</style></head><body>"
        f"<h1>{escape(title)}</h1><div class=meta>{escape(str(m.get('created', '')))}</div>"
        f"<div class=cards>{cards}</div>"
        f"<h2>Setup</h2><table>{setup_html}</table>"
        f"<h2>Input problems</h2>{prob_html}"
        f"<h2>Plots</h2><div class=plots>{plots_html or '<p>No questions were evaluated.</p>'}</div>"
        "<h2>By question type</h2><table><tr><th>type</th>" + "".join(f"<th>{escape(c)}</th>" for c in type_cols) + "</tr>"
        f"{type_rows}</table>"
        f"<h2>Metrics</h2><table><tr><th>metric</th><th>value</th><th>definition</th></tr>{defs}</table>"
        "<p class=small>Citation metrics use a documented proxy (no NLI model offline); see docs/EVALUATION.md.</p>"
        f"<h2>Worst questions</h2>{worst or '<p>None.</p>'}"
        "</body></html>"
    )


def _ingest_line(m: dict[str, Any]) -> str:
    if m.get("ingest_reused"):
        return f"reused the store ({m.get('ingest_articles_unchanged')} articles unchanged, {fmt(m.get('ingest_seconds'), 1)} s to check)"
    return (f"{m.get('ingest_passages_written')} passages in {fmt(m.get('ingest_seconds'), 1)} s "
            f"({fmt(m.get('ingest_passages_per_s'), 1)} passages/s); {m.get('ingest_failed')} failed")


def write_report(result: RunResult, path: Path) -> None:
    """Render the report and write it to ``path``."""
    path.write_text(render_report(result), encoding="utf-8")


def rerender(run_dir: Path) -> Path:
    """Rewrite ``run_dir/report.html`` from the run's metrics.json, results.jsonl and problems.json."""
    import json

    from eval.dataset import Problem
    from eval.runner import RunResult

    metrics = json.loads((run_dir / "metrics.json").read_text(encoding="utf-8"))
    results = [json.loads(line) for line in (run_dir / "results.jsonl").read_text(encoding="utf-8").splitlines() if line.strip()]
    ppath = run_dir / "problems.json"
    problems = [Problem(**p) for p in json.loads(ppath.read_text(encoding="utf-8"))] if ppath.is_file() else []
    write_report(RunResult(metrics, results, problems), run_dir / "report.html")
    return run_dir / "report.html"
