"""``python -m eval.bench.lexical_engines``: two incremental BM25 engines on the same passages.

- tantivy (what Footnote uses: ``vectorstore.lexical``): segments, commits, merges in the
  background of a write, filters as term and range queries, global BM25 statistics.
- bm25s with append-only segments and a periodic merge (the alternative): a new article
  becomes a small segment of its own; a query scores every segment and merges the top k;
  when the small segments hold more than ``MERGE_RATIO`` of the passages (or there are
  more than ``MAX_SEGMENTS``) everything is rebuilt into one segment. Each segment has
  its own BM25 statistics (that is the price of appending without a rebuild).

For each size: bulk build time, query latency (k=50, unfiltered and with a source filter
plus a date range), the write cost of one new article (20 articles added one at a time),
the merge cost (bm25s), memory and disk. Recall is measured on the dev corpus itself
(the test half's questions, article-level recall@10/@50 and MRR@10, lexical side only)
for the old full-rebuild bm25s index, bm25s segments and tantivy.

Passages past the dev corpus's are copies with light perturbation (eval.bench.synth).
"""

from __future__ import annotations

import argparse
import gc
import json
import resource
import shutil
import sys
import time
from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np

from eval.bench.corpus import DEV_DATA, load_questions
from eval.bench.stages import pct
from eval.bench.synth import copy_of, replicate
from footnote.records import Passage
from footnote.settings import Settings
from vectorstore.lexical import LexicalIndex, open_index, tokenize, write_passages
from vectorstore.store import Filters

MERGE_RATIO = 0.1
MAX_SEGMENTS = 16
FILTERS = Filters(sources=["USA Today"], date_from=date(2021, 1, 1), date_to=date(2023, 12, 31))


def dev_passages(corpus: Path) -> list[Passage]:
    """The dev corpus chunked as ingest would chunk it."""
    from ingest.chunking import Chunker
    from ingest.loaders import load_path

    s = Settings(_env_file=None)
    chunker = Chunker(s.chunk_size, s.chunk_overlap)
    arts = [a for a in load_path(corpus, 10**9) if not isinstance(a, Exception)]
    return [p for a in arts for p in chunker.split(a)]


class Bm25sSegments:
    """bm25s with append-only segments, deletes as tombstones, and a periodic merge."""

    def __init__(self) -> None:
        self.vocab: dict[str, int] = {}
        self.segments: list[dict[str, Any]] = []
        self.where: dict[str, list[tuple[int, int]]] = {}  # article id -> (segment, row)

    def _ids(self, p: Passage) -> list[int]:
        v = self.vocab
        return [v.setdefault(t, len(v)) for t in tokenize(p.title + "\n" + p.text)]

    def _segment(self, passages: list[Passage], ids: list[np.ndarray]) -> dict[str, Any]:
        import bm25s
        from bm25s.tokenization import Tokenized

        r = bm25s.BM25(k1=1.2, b=0.75)
        r.index(Tokenized(ids=[list(map(int, x)) for x in ids], vocab=dict(self.vocab)), show_progress=False)
        seg = len(self.segments)
        for row, p in enumerate(passages):
            self.where.setdefault(p.article_id, []).append((seg, row))
        return {"r": r, "n_terms": len(r.scores["indptr"]) - 1, "passages": passages, "tok": ids,
                "source": np.array([p.source for p in passages], dtype=object),
                "day": np.array([p.date.toordinal() if p.date else -1 for p in passages], dtype=np.int64),
                "alive": np.ones(len(passages), dtype=np.float32)}

    def build(self, passages: list[Passage]) -> None:
        ids = [np.asarray(self._ids(p), dtype=np.int32) for p in passages]
        self.segments, self.where = [], {}
        self.segments.append(self._segment(passages, ids))

    def add(self, passages: list[Passage]) -> float:
        """Append one article's passages as a segment; merge when due. Returns merge seconds."""
        for aid in {p.article_id for p in passages}:
            for seg, row in self.where.pop(aid, []):
                self.segments[seg]["alive"][row] = 0.0
        ids = [np.asarray(self._ids(p), dtype=np.int32) for p in passages]
        self.segments.append(self._segment(passages, ids))
        small = sum(len(s["passages"]) for s in self.segments[1:])
        if len(self.segments) > MAX_SEGMENTS or small > MERGE_RATIO * len(self.segments[0]["passages"]):
            t = time.perf_counter()
            self.merge()
            return time.perf_counter() - t
        return 0.0

    def merge(self) -> None:
        keep = [(p, t) for s in self.segments for p, t, a in zip(s["passages"], s["tok"], s["alive"]) if a]
        self.segments, self.where = [], {}
        self.segments.append(self._segment([p for p, _ in keep], [t for _, t in keep]))

    def search(self, query: str, k: int, filters: Filters | None = None) -> list[tuple[Passage, float]]:
        qids = [self.vocab[t] for t in tokenize(query) if t in self.vocab]
        found: list[tuple[float, int, int]] = []
        for si, s in enumerate(self.segments):
            ids = [i for i in qids if i < s["n_terms"]]
            if not ids:
                continue
            scores = s["r"].get_scores_from_ids(ids) * s["alive"]
            if filters is not None and filters.active:
                keep = np.ones(len(scores), dtype=bool)
                if filters.sources:
                    keep &= np.isin(s["source"], list(filters.sources))
                if filters.date_from:
                    keep &= s["day"] >= filters.date_from.toordinal()
                if filters.date_to:
                    keep &= (s["day"] >= 0) & (s["day"] <= filters.date_to.toordinal())
                scores = scores * keep
            n = min(k, int((scores > 0).sum()))
            if n <= 0:
                continue
            top = np.argpartition(-scores, n - 1)[:n]
            found += [(float(scores[i]), si, int(i)) for i in top]
        found.sort(key=lambda x: -x[0])
        return [(self.segments[si]["passages"][i], sc) for sc, si, i in found[:k]]


def _tantivy(folder: Path, passages, fresh: bool = True) -> LexicalIndex:
    if fresh:
        shutil.rmtree(folder, ignore_errors=True)
    index = open_index(folder)
    if fresh:
        write_passages(index, passages, replace_all=True)
    index.reload()
    return LexicalIndex(index)


def _du_mb(folder: Path) -> float:
    return sum(f.stat().st_size for f in folder.rglob("*") if f.is_file()) / 1e6


def _rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def _latency(search, queries: Sequence[str], filters: Filters | None) -> dict[str, float]:
    for q in queries[:5]:
        search(q, 50, filters)
    times, cpu = [], []
    for q in queries:
        t, c = time.perf_counter(), time.process_time()
        search(q, 50, filters)
        times.append((time.perf_counter() - t) * 1000)
        cpu.append((time.process_time() - c) * 1000)
    return {"p50_ms": pct(times, 50), "p95_ms": pct(times, 95), "cpu_p50_ms": pct(cpu, 50), "cpu_p95_ms": pct(cpu, 95)}


def _new_articles(base: list[Passage], n: int) -> list[list[Passage]]:
    """n fresh articles (copies numbered past any size benchmarked), passages grouped."""
    by_article: dict[str, list[Passage]] = {}
    for i, p in enumerate(base):
        by_article.setdefault(p.article_id, []).append(copy_of(p, 10_000 + len(by_article) % 7, i))
    return list(by_article.values())[:n]


def measure(engine: str, base: list[Passage], size: int, queries: list[str], work: Path) -> dict[str, Any]:
    """One engine at one size: build, latency, write cost per article, memory, disk."""
    gc.collect()
    rss0 = _rss_mb()
    t = time.perf_counter()
    merges: list[float] = []
    if engine == "tantivy":
        folder = work / f"tantivy-{size}"
        reuse = (folder / "meta.json").exists() and len(LexicalIndex(open_index(folder))) >= size
        ix = _tantivy(folder, replicate(base, size), fresh=not reuse)
        search = ix.search
    else:
        seg = Bm25sSegments()
        seg.build(list(replicate(base, size)))
        search = seg.search
    out: dict[str, Any] = {"engine": engine, "size": size, "build_s": time.perf_counter() - t,
                           "rss_added_mb": _rss_mb() - rss0}
    out["plain"] = _latency(search, queries, None)
    out["filtered"] = _latency(search, queries, FILTERS)
    costs, cpu = [], []
    for art in _new_articles(base, 20):
        t, c = time.perf_counter(), time.process_time()
        if engine == "tantivy":
            write_passages(ix.index, art)
            ix.index.reload()
            ix = LexicalIndex(ix.index)
        else:
            merges.append(seg.add(art))
        costs.append((time.perf_counter() - t) * 1000)
        cpu.append((time.process_time() - c) * 1000)
    out["write_ms_per_article"] = {"p50": pct(costs, 50), "mean": float(np.mean(costs)), "max": max(costs),
                                   "cpu_p50": pct(cpu, 50), "cpu_max": max(cpu)}
    if engine == "tantivy":
        write_passages(ix.index, [], {p.article_id for art in _new_articles(base, 20) for p in art})  # as found
        out["disk_mb"] = _du_mb(folder)
        out["segments"] = int(LexicalIndex(ix.index).searcher.num_segments)
    else:
        t = time.perf_counter()
        seg.merge()
        out["merge_s"] = time.perf_counter() - t
        out["merges_during_writes"] = sum(1 for m in merges if m)
    out["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return out


def recall(base: list[Passage], questions: Path, work: Path) -> dict[str, Any]:
    """Article-level recall@10/@50 and MRR@10 of the lexical side on the dev corpus itself."""
    import bm25s

    qs = [q for q in load_questions(questions) if q.evidence]
    n_main = int(len(base) * 0.9)
    # (a) the old index: one bm25s build of everything (rebuilt after each write)
    old = Bm25sSegments()
    old.build(base)
    # (b) bm25s segments: 90% bulk, the rest appended article by article (no merge)
    seg = Bm25sSegments()
    seg.build(base[:n_main])
    groups: dict[str, list[Passage]] = {}
    for p in base[n_main:]:
        groups.setdefault(p.article_id, []).append(p)
    global MERGE_RATIO, MAX_SEGMENTS
    saved = MERGE_RATIO, MAX_SEGMENTS
    MERGE_RATIO, MAX_SEGMENTS = 1.0, 10**9
    for art in groups.values():
        seg.add(art)
    MERGE_RATIO, MAX_SEGMENTS = saved
    # (c) tantivy: 90% in one commit, the rest article by article
    folder = work / "tantivy-recall"
    ix = _tantivy(folder, base[:n_main])
    for art in groups.values():
        write_passages(ix.index, art)
    ix.index.reload()
    ix = LexicalIndex(ix.index)
    del bm25s
    out: dict[str, Any] = {"questions": len(qs), "passages": len(base), "appended_articles": len(groups)}
    for name, search in (("bm25s_rebuilt", old.search), ("bm25s_segments", seg.search), ("tantivy", ix.search)):
        r10 = r50 = mrr = 0.0
        for q in qs:
            arts = []
            for p, _ in search(q.question, 50):
                if p.article_id not in arts:
                    arts.append(p.article_id)
            ranks = [i for i, a in enumerate(arts) if a in set(q.evidence)]
            r10 += bool(ranks and ranks[0] < 10)
            r50 += bool(ranks)
            mrr += 1 / (ranks[0] + 1) if ranks and ranks[0] < 10 else 0.0
        out[name] = {"recall@10": r10 / len(qs), "recall@50": r50 / len(qs), "mrr@10": mrr / len(qs)}
    return out


def main(argv: Sequence[str] | None = None) -> int:
    """Compare the engines; writes OUT/lexical-engines.json and prints a Markdown table."""
    p = argparse.ArgumentParser(prog="python -m eval.bench.lexical_engines", description=__doc__.split("\n")[0])
    p.add_argument("--corpus", type=Path, default=DEV_DATA / "corpus.jsonl")
    p.add_argument("--questions", type=Path, default=DEV_DATA / "questions-test.jsonl")
    p.add_argument("--sizes", default="10000,100000")
    p.add_argument("--engines", default="tantivy,bm25s")
    p.add_argument("--queries", type=int, default=200)
    p.add_argument("--no-recall", action="store_true")
    p.add_argument("--work", type=Path, default=Path("runs/lexical-engines"), help="index folders (kept for reruns)")
    p.add_argument("--out", type=Path, default=Path("runs/lexical-engines"))
    a = p.parse_args(argv)
    a.work.mkdir(parents=True, exist_ok=True)
    base = dev_passages(a.corpus)
    queries = [q.question for q in load_questions(a.questions)][: a.queries]
    res: dict[str, Any] = {"base_passages": len(base), "rows": []}
    if not a.no_recall:
        res["recall"] = recall(base, a.questions, a.work)
        print(json.dumps(res["recall"]), file=sys.stderr, flush=True)
    for size in [int(s) for s in a.sizes.split(",") if s]:
        for engine in a.engines.split(","):
            row = measure(engine, base, size, queries, a.work)
            print(json.dumps(row), file=sys.stderr, flush=True)
            res["rows"].append(row)
            a.out.mkdir(parents=True, exist_ok=True)
            (a.out / "lexical-engines.json").write_text(json.dumps(res, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
