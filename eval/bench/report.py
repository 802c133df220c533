"""The benchmark's Markdown summary: ingest against both baselines, the latency curve,
memory and concurrency, with the targets beside the measured numbers."""

from __future__ import annotations

from typing import Any


def _f(x: Any, digits: int = 1) -> str:
    if x is None or x == "":
        return "–"
    if isinstance(x, float):
        return f"{x:,.{digits}f}"
    return f"{x:,}" if isinstance(x, int) else str(x)


def _ratio(a: float | None, b: float | None) -> float | None:
    return a / b if a and b else None


def _check(ok: bool | None) -> str:
    return "–" if ok is None else ("yes" if ok else "**no**")


def render(res: dict[str, Any]) -> str:
    """bench.json as a short Markdown report."""
    raw, ing, peer = res.get("raw", {}), res.get("ingest", {}), res.get("peer", {})
    lines = [f"Benchmarks ({res.get('when', '')}, {res.get('machine', '')}); command: `{res.get('command', '')}`", ""]
    lines += ["| ingest | articles | passages | wall s | CPU s | articles/s | passages/s | peak RSS MB |",
              "|---|---:|---:|---:|---:|---:|---:|---:|"]

    def row(name: str, r: dict[str, Any], wall_key: str = "wall_s", cpu_key: str = "cpu_s") -> None:
        if not r or "error" in r:
            lines.append(f"| {name} | {r.get('error', 'not run') if r else 'not run'} |||||||")
            return
        w = r.get(wall_key)
        lines.append(f"| {name} | {_f(r.get('articles'))} | {_f(r.get('passages'))} | {_f(w, 2)} | {_f(r.get(cpu_key), 2)} "
                     f"| {_f(_ratio(r.get('articles'), w))} | {_f(_ratio(r.get('passages'), w))} | {_f(r.get('peak_rss_mb'), 0)} |")

    row("(a) embedding model alone, same passages" + (f" and their {raw['sentences']:,} sentences" if raw.get("sentences") else ""), raw)
    row("Footnote `python -m ingest` (first)", ing)
    if ing and "error" not in ing:
        lines.append(f"| Footnote re-ingest, unchanged | {_f(ing.get('reingest_unchanged'))} | {_f(ing.get('reingest_written'))} "
                     f"| {_f(ing.get('reingest_wall_s'), 3)} | {_f(ing.get('reingest_cpu_s'), 3)} "
                     f"| {_f(_ratio(ing.get('articles'), ing.get('reingest_wall_s')), 0)} | – | – |")
    if peer:
        row("(b) LangChain splitter 1000/200 + Chroma.from_documents (Chroma ONNX)", peer)
    lines.append("")
    vs_raw = _ratio(ing.get("wall_s"), raw.get("wall_s"))
    vs_raw_cpu = _ratio(ing.get("cpu_s"), raw.get("cpu_s"))
    peer_rate = _ratio(peer.get("articles"), peer.get("wall_s")) if peer else None
    ours_rate = _ratio(ing.get("articles"), ing.get("wall_s"))
    vs_peer = _ratio(ours_rate, peer_rate)
    vs_peer_cpu = _ratio(_ratio(peer.get("cpu_s"), peer.get("articles")), _ratio(ing.get("cpu_s"), ing.get("articles"))) if peer else None
    reingest = _ratio(ing.get("wall_s"), ing.get("reingest_wall_s"))
    lines += ["| ratio | measured (wall) | measured (CPU) | target | met |", "|---|---:|---:|---:|---:|",
              f"| ingest time / embedding-alone time | {_f(vs_raw, 2)}x | {_f(vs_raw_cpu, 2)}x | ≤ 1.2x | {_check(vs_raw and vs_raw <= 1.2)} |",
              f"| ingest speed (articles/s) / LangChain peer's | {_f(vs_peer, 2)}x | {_f(vs_peer_cpu, 2)}x | ≥ 5x "
              f"| {_check(vs_peer and vs_peer >= 5)} |",
              f"| first ingest time / unchanged re-ingest time | {_f(reingest, 0)}x | – | ≥ 50x | {_check(reingest and reingest >= 50)} |",
              ""]
    lines += _latency_lines(res.get("latency") or [])
    lines += scale_table(res.get("scale") or [])
    lines += _concurrency_lines(res.get("concurrency"))
    return "\n".join(lines) + "\n"


def _latency_lines(lat: list[dict[str, Any]]) -> list[str]:
    """The latency table, one row per store size, and the targets at the largest."""
    if not lat:
        return []
    lines: list[str] = []
    lines += ["| passages | retrieval p50 / p95 ms | dense p50 | BM25 p50 | answer p50 | end to end p50 / p95 ms "
              "| CPU ms/question | start s | Assistant peak RSS MB | store build: Chroma s / BM25 s |",
              "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for r in lat:
        if "error" in r:
            lines.append(f"| {_f(r['size'])} | {r['error']} |||||||||")
            continue
        b = r.get("build", {})
        lines.append(
            f"| {_f(r.get('passages'))} | {_f(r.get('retrieve_p50_ms'))} / {_f(r.get('retrieve_p95_ms'))} "
            f"| {_f(r.get('dense_p50_ms'))} | {_f(r.get('lexical_p50_ms'))} | {_f(r.get('answer_p50_ms'))} "
            f"| {_f(r.get('total_p50_ms'))} / {_f(r.get('total_p95_ms'))} | {_f(r.get('cpu_per_question_ms'))} "
            f"| {_f(r.get('startup_s'), 2)} | {_f(r.get('peak_rss_mb'), 0)} "
            f"| {_f(b.get('chroma_write_s'))} / {_f(b.get('bm25_build_s'))} |")
    top = lat[-1]
    lines += ["", f"Targets at {_f(top.get('passages'))} passages: retrieval p50 < 25 ms "
                  f"({_check(top.get('retrieve_p50_ms') is not None and top['retrieve_p50_ms'] < 25)}), "
                  f"offline answer end to end p50 < 100 ms "
                  f"({_check(top.get('total_p50_ms') is not None and top['total_p50_ms'] < 100)}); "
                  f"{_f(top.get('questions'))} questions per size, {_f(top.get('refused'))} refused at this size.", ""]
    return lines


def _concurrency_lines(conc: dict[str, Any] | None) -> list[str]:
    """The concurrency row (or its error)."""
    if not conc:
        return []
    lines: list[str] = []
    if "error" in conc:
        lines.append(f"Concurrency: {conc['error']}")
    else:
        lines += ["| simultaneous requests (POST /api/ask) | wall s | throughput req/s | p50 ms | p95 ms | max ms "
                  "| errors | app peak RSS MB |", "|---:|---:|---:|---:|---:|---:|---:|---:|",
                  f"| {conc['requests']} | {_f(conc['wall_s'], 2)} | {_f(conc['throughput_rps'], 2)} "
                  f"| {_f(conc['p50_ms'], 0)} | {_f(conc['p95_ms'], 0)} | {_f(conc['max_ms'], 0)} "
                  f"| {conc['errors']} | {_f(conc.get('app_peak_rss_mb'), 0)} |"]
        if conc.get("first_error"):
            lines.append(f"\nFirst error: `{conc['first_error']}`")
    return lines


def scale_table(rows: list[dict[str, Any]]) -> list[str]:
    """The scale points: filtered hybrid retrieval, lexical write cost, time to answerable, memory, disk."""
    if not rows:
        return []
    out = ["| passages | hybrid p50 / p95 ms | hybrid + source + date range p50 / p95 ms | lexical write ms/article "
           "(p50 / max) | new article answerable s (ingest s) | Assistant RSS MB | store on disk MB (lexical) |",
           "|---:|---:|---:|---:|---:|---:|---:|"]
    for r in rows:
        if "error" in r:
            out.append(f"| {_f(r.get('size'))} | {r['error']} ||||||")
            continue
        h, f, w, a = r.get("hybrid", {}), r.get("hybrid_filtered", {}), r.get("lexical_write", {}), r.get("answerable", {})
        out.append(f"| {_f(r.get('passages'))} | {_f(h.get('p50_ms'))} / {_f(h.get('p95_ms'))} "
                   f"| {_f(f.get('p50_ms'))} / {_f(f.get('p95_ms'))} | {_f(w.get('p50_ms'))} / {_f(w.get('max_ms'))} "
                   f"| {_f(a.get('answerable_s'), 2)} ({_f(a.get('ingest_s'), 2)}) | {_f(r.get('rss_mb'), 0)} "
                   f"| {_f(r.get('disk_mb'), 0)} ({_f(r.get('lexical_disk_mb'), 0)}) |")
    ok = [r for r in rows if "error" not in r]
    if ok:
        top, low = ok[-1], ok[0]
        f, a = top.get("hybrid_filtered", {}), top.get("answerable", {})
        growth = _ratio(top.get("lexical_write", {}).get("p50_ms"), low.get("lexical_write", {}).get("p50_ms"))
        out += ["", f"Targets at {_f(top.get('passages'))} passages: filtered hybrid p50 ≤ 40 ms "
                    f"({_check(f.get('p50_ms') is not None and f['p50_ms'] <= 40)}), p95 ≤ 100 ms "
                    f"({_check(f.get('p95_ms') is not None and f['p95_ms'] <= 100)}); new article answerable ≤ 2 s "
                    f"({_check(a.get('answerable_s') is not None and 0 <= a['answerable_s'] <= 2)}); lexical write "
                    f"cost {_f(growth, 2)}x from {_f(low.get('passages'))} passages (≤ 2x: {_check(growth and growth <= 2)}); "
                    f"RSS ≤ 3 GB ({_check(top.get('rss_mb') is not None and top['rss_mb'] <= 3072)}).", ""]
    return out
