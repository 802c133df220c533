"""Retrievers behind one small protocol: dense (Chroma), lexical (BM25), hybrid (RRF).

The hybrid retriever fuses the two rankings by weighted reciprocal rank fusion, prefers
passages inside the question's date window (a soft boost, undated passages kept), and
caps the passages of any one article so that a second article holding the answer still
gets in.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import date
from typing import Protocol

import numpy as np

from assistant.dates import DateWindow
from footnote.records import Hit, Passage
from vectorstore.embeddings import Embedder
from vectorstore.lexical import SyncedLexicalIndex
from vectorstore.store import Filters, PassageStore


@dataclass
class Query:
    """What a retriever is asked: the text, its embedding (computed once), filters, dates."""

    text: str
    embedding: np.ndarray | None = None
    filters: Filters = field(default_factory=Filters)
    window: DateWindow | None = None
    today: date | None = None


class Retriever(Protocol):
    name: str

    def retrieve(self, query: Query, k: int) -> list[Hit]: ...


class DenseRetriever:
    name = "dense"

    def __init__(self, store: PassageStore, embedder: Embedder) -> None:
        self.store = store
        self.embedder = embedder

    def retrieve(self, query: Query, k: int) -> list[Hit]:
        if query.embedding is None:
            query.embedding = self.embedder.embed_query(query.text)
        found = self.store.query(query.embedding, k, query.filters)
        return [Hit(p, sim, dense_rank=i + 1, similarity=sim) for i, (p, sim) in enumerate(found)]


class LexicalRetriever:
    name = "lexical"

    def __init__(self, index: SyncedLexicalIndex) -> None:
        self.index = index

    def retrieve(self, query: Query, k: int) -> list[Hit]:
        found = self.index.search(query.text, k, query.filters)
        return [Hit(p, score, lexical_rank=i + 1) for i, (p, score) in enumerate(found)]


def rrf_fuse(
    rankings: list[tuple[list[Hit], float]], rrf_k: int = 60
) -> list[Hit]:
    """Weighted reciprocal rank fusion: score(p) = sum of weight / (rrf_k + rank)."""
    fused: dict[str, Hit] = {}
    for hits, weight in rankings:
        for rank, h in enumerate(hits, 1):
            cur = fused.get(h.passage.id)
            if cur is None:
                cur = fused[h.passage.id] = Hit(h.passage, 0.0)
            cur.score += weight / (rrf_k + rank)
            if h.dense_rank is not None:
                cur.dense_rank, cur.similarity = h.dense_rank, h.similarity
            if h.lexical_rank is not None:
                cur.lexical_rank = h.lexical_rank
    return sorted(fused.values(), key=lambda h: -h.score)


def date_factor(p: Passage, window: DateWindow | None, today: date | None) -> float:
    """Soft date preference: inside the window 1.0; dated outside it less; undated 0.85."""
    if window is None and today is None:
        return 1.0
    if p.date is None:
        return 0.85
    if window is not None:
        if window.contains(p.date):
            return 1.0
        gap = (window.start - p.date).days if p.date < window.start else (p.date - window.end).days
        return max(0.4, 1.0 - gap / 60.0)
    assert today is not None
    if p.date > today:
        return 0.7  # published after the question was asked
    return 1.0


def diversify(hits: list[Hit], k: int, max_per_article: int) -> list[Hit]:
    """Best k hits with at most ``max_per_article`` from any one article (filled up if short)."""
    chosen: list[Hit] = []
    per: dict[str, int] = {}
    rest: list[Hit] = []
    for h in hits:
        a = h.passage.article_id
        if per.get(a, 0) < max_per_article:
            chosen.append(h)
            per[a] = per.get(a, 0) + 1
            if len(chosen) == k:
                return chosen
        else:
            rest.append(h)
    return chosen + rest[: k - len(chosen)]


class HybridRetriever:
    name = "hybrid"

    def __init__(
        self,
        dense: DenseRetriever | None,
        lexical: LexicalRetriever | None,
        *,
        dense_weight: float = 1.0,
        lexical_weight: float = 1.0,
        rrf_k: int = 60,
        candidates: int = 40,
        max_per_article: int = 2,
    ) -> None:
        self.dense = dense
        self.lexical = lexical
        self.dense_weight = dense_weight
        self.lexical_weight = lexical_weight
        self.rrf_k = rrf_k
        self.candidates = candidates
        self.max_per_article = max_per_article
        self.timings: dict[str, float] = {}

    def retrieve(self, query: Query, k: int) -> list[Hit]:
        rankings: list[tuple[list[Hit], float]] = []
        n = max(self.candidates, k)
        t = time.perf_counter()
        if self.dense is not None and self.dense_weight > 0:
            rankings.append((self.dense.retrieve(query, n), self.dense_weight))
        t2 = time.perf_counter()
        if self.lexical is not None and self.lexical_weight > 0:
            rankings.append((self.lexical.retrieve(query, n), self.lexical_weight))
        t3 = time.perf_counter()
        fused = rrf_fuse(rankings, self.rrf_k)
        if query.window is not None or query.today is not None:
            for h in fused:
                h.score *= date_factor(h.passage, query.window, query.today)
            fused.sort(key=lambda h: -h.score)
        out = diversify(fused, k, self.max_per_article)
        self.timings = {"dense_ms": (t2 - t) * 1000, "lexical_ms": (t3 - t2) * 1000}
        return out
