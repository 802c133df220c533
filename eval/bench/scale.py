"""The scale point of a synthesised store: filtered hybrid retrieval, lexical write cost
per article, the time for a new article to become answerable, memory and disk.

Everything it adds to the store (the probe articles) is removed again, so a kept store
(``--stores``) measures the same on a rerun.
"""

from __future__ import annotations

import json
import time
from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import Any

from eval.bench.stages import pct
from footnote.records import Passage
from footnote.settings import Settings

SOURCE = "USA Today"  # the dev corpus's largest source: about half the passages
DATE_FROM, DATE_TO = date(2021, 1, 1), date(2023, 12, 31)
PROBE_ID = "bench-probe-article"
PROBE = {
    "id": PROBE_ID, "title": "Quarry town elects beekeeper mayor", "source": "Bench Gazette", "published_date": "2023-06-01",
    "text": ("The quarry town of Oswindle elected the beekeeper Marisol Quenby as its mayor on Sunday. "
             "Quenby won 61 percent of the vote after promising to reopen the rail halt. ") * 12,
}
PROBE_QUESTION = "Who did Oswindle elect as mayor?"


def du_mb(folder: Path) -> float:
    """Bytes under a folder, in MB."""
    return sum(f.stat().st_size for f in folder.rglob("*") if f.is_file()) / 1e6 if folder.exists() else 0.0


def rss_mb() -> float:
    """This process's resident set size now, in MB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def retrieval(a, questions: list, filtered: bool) -> dict[str, float]:
    """Hybrid retrieval latency (embedding the question included), p50 and p95 in ms."""
    opts = {"sources": [SOURCE], "date_from": DATE_FROM, "date_to": DATE_TO} if filtered else {}
    times, cpu, empty = [], [], 0
    for q in questions:
        t, c = time.perf_counter(), time.process_time()
        hits = a.retrieve(q.question, today=q.today, **opts)
        times.append((time.perf_counter() - t) * 1000)
        cpu.append((time.process_time() - c) * 1000)
        empty += not hits
    return {"p50_ms": pct(times, 50), "p95_ms": pct(times, 95), "cpu_p50_ms": pct(cpu, 50), "cpu_p95_ms": pct(cpu, 95),
            "empty": empty}


def lexical_write_cost(a, work: Path, n: int = 20) -> dict[str, float]:
    """Time of ``SyncedLexicalIndex.apply`` for one new article (n articles, one at a time)."""
    probe = _probe_passages(a, work)
    costs, cpu = [], []
    for i in range(n):
        art = [replace(p, id=f"{p.id}-w{i}", article_id=f"{PROBE_ID}-w{i}") for p in probe]
        t, c = time.perf_counter(), time.process_time()
        a.lexical.apply(art)
        costs.append((time.perf_counter() - t) * 1000)
        cpu.append((time.process_time() - c) * 1000)
    a.lexical.apply([], [f"{PROBE_ID}-w{i}" for i in range(n)])
    return {"passages_per_article": len(probe), "p50_ms": pct(costs, 50), "mean_ms": sum(costs) / len(costs),
            "max_ms": max(costs), "cpu_p50_ms": pct(cpu, 50), "cpu_max_ms": max(cpu)}


def _probe_passages(a, work: Path) -> list[Passage]:
    from ingest.chunking import Chunker
    from ingest.loaders import load_path

    s: Settings = a.settings
    path = work / "probe.jsonl"
    path.write_text(json.dumps(PROBE) + "\n")
    art = next(x for x in load_path(path, 10**9) if not isinstance(x, Exception))
    return Chunker(s.chunk_size, s.chunk_overlap).split(art)


def time_to_answerable(a, work: Path) -> dict[str, float]:
    """Seconds from the start of ingesting a new article to an answer citing it."""
    from ingest.pipeline import Ingestor

    path = work / "probe.jsonl"
    path.write_text(json.dumps(PROBE) + "\n")
    t0, c0 = time.perf_counter(), time.process_time()
    summary = Ingestor(a.settings, a.store, a.lexical).ingest([path])
    t1 = time.perf_counter()
    cited = False
    while time.perf_counter() - t0 < 60 and not cited:
        ans = a.ask(PROBE_QUESTION, today=date(2023, 6, 2))
        cited = any(c.article_id == PROBE_ID for c in ans.citations) and "Quenby" in ans.text
    t2, c2 = time.perf_counter(), time.process_time()
    a.store.delete_articles([PROBE_ID])
    a.lexical.apply([], [PROBE_ID])
    return {"ingest_s": t1 - t0, "answerable_s": t2 - t0 if cited else -1.0, "cpu_s": c2 - c0, "added": summary.added}


def stage_scale(store_dir: Path, questions: Path, subset: Path, n: int) -> dict[str, Any]:
    """Every number of a scale point (see the module docstring)."""
    from assistant import Assistant
    from eval.bench.corpus import answerable, load_questions

    qs = answerable(load_questions(questions), subset)[:n]
    t = time.perf_counter()
    a = Assistant(Settings(store_dir=store_dir, _env_file=None))
    a.lexical.current()
    startup = time.perf_counter() - t
    for q in qs[:3]:
        a.retrieve(q.question, today=q.today)
    out: dict[str, Any] = {"passages": a.store.count(), "startup_s": startup}
    out["hybrid"] = retrieval(a, qs, filtered=False)
    out["hybrid_filtered"] = retrieval(a, qs, filtered=True)
    out["lexical_write"] = lexical_write_cost(a, store_dir.parent)
    out["answerable"] = time_to_answerable(a, store_dir.parent)
    out["rss_mb"] = rss_mb()
    out["disk_mb"] = du_mb(store_dir)
    out["lexical_disk_mb"] = du_mb(a.settings.bm25_dir)
    return out
