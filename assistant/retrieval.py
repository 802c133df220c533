"""Retrievers behind one small protocol: dense (Chroma), lexical (BM25), hybrid.

The hybrid retriever fuses the two rankings (by default a weighted convex combination of
cosine similarity and BM25 score over the best BM25 score; weighted reciprocal rank
fusion on request), adds a little of the best score of another passage of the same
article (article support), applies a soft date preference (a boost for passages inside
the question's date window or, when the question names no period, for news published
shortly before "today"; undated passages are kept), caps the passages of any one article
so that a second article holding the answer still gets in, and hands the result to an
optional reranker.

Concession for speed: the dense retriever asks Chroma for ids and distances only and
takes the passages from the lexical index's stored copy (the same passages, kept at the
store's revision); fetching documents and metadata from Chroma cost more than the vector
search itself.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Protocol

import numpy as np

from assistant.dates import DateWindow
from assistant.wire import collapse_groups
from footnote.records import Hit, Passage
from footnote.settings import Settings
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
    """Anything that returns the best ``k`` passages for a query, best first."""

    name: str

    def retrieve(self, query: Query, k: int) -> list[Hit]:
        """The best ``k`` passages for the query, best first."""
        ...


@dataclass
class Retrieval:
    """The hits of one search and how long its stages took (ms), returned together so that
    concurrent searches never read each other's timings."""

    hits: list[Hit]
    timings: dict[str, float] = field(default_factory=dict)
    ranked: list[Hit] = field(default_factory=list)  # the whole fused ranking the hits were taken from


class Reranker(Protocol):
    """Reorders (and may trim) the fused hits; e.g. an LLM judging relevance."""

    name: str

    def rerank(self, query: str, hits: list[Hit]) -> list[Hit]: ...


PassageLookup = Callable[[Sequence[str]], dict[str, Passage]]
OVERFETCH = (4, 20)  # dense candidates searched per passage wanted when the filters are applied after the search
MIN_FILTERED = 10  # fewer dense candidates than this passing the filters: let Chroma filter instead ...
PREFILTER_MAX = 1_000  # ... straight away when at most this many passages pass (it reads each one's id) ...
PREFILTER_FALLBACK_MAX = 20_000  # ... and after the over-fetch only up to this many (beyond: seconds at 1M)


class DenseRetriever:
    """Nearest passages by cosine similarity of MiniLM embeddings, from Chroma."""

    name = "dense"

    def __init__(
        self,
        store: PassageStore,
        embedder: Embedder,
        lookup: PassageLookup | None = None,
        matching: Callable[[Filters], int] | None = None,
    ) -> None:
        self.store = store
        self.embedder = embedder
        self.lookup = lookup
        self.matching = matching  # how many passages pass the filters (the lexical index counts them)
        self.prefilter_max = PREFILTER_MAX
        self.prefilter_fallback_max = PREFILTER_FALLBACK_MAX

    def retrieve(self, query: Query, k: int) -> list[Hit]:
        if query.embedding is None:
            query.embedding = self.embedder.embed_query(query.text)
        if self.lookup is None:
            found = [(p, sim) for p, sim in self.store.query(query.embedding, k, query.filters) if query.filters.accepts(p)]
            return [Hit(p, sim, dense_rank=i + 1, similarity=sim) for i, (p, sim) in enumerate(found)]
        filters = query.filters
        # With filters, search unfiltered for 4x k, then 20x k, and filter here: Chroma's own
        # filter first reads every matching id from SQLite (45 ms of CPU at 10k passages,
        # 0.6 s at 100k, growing with the store). Only when few pass even then (a narrow
        # filter) does Chroma filter; a few dense candidates fewer than k is fine for
        # fusion (BM25 brings its own).
        #
        # How many passages pass decides (the lexical index counts them in a few ms): a
        # handful, and Chroma filters at once (cheap: it reads few ids); many, and the
        # over-fetch finds them; many but none near the question (a million passages, a
        # broad filter, every neighbour from other sources), and the dense side gives what
        # passed rather than wait seconds for Chroma to read hundreds of thousands of ids.
        if not filters.active:
            return self._hits(self.store.nearest_ids(query.embedding, k, None), filters)
        passing = self.matching(filters) if self.matching is not None else None
        if passing == 0:
            return []
        if passing is not None and passing <= self.prefilter_max:
            return self._hits(self.store.nearest_ids(query.embedding, k, filters), filters)
        for factor in OVERFETCH:
            found = self.store.nearest_ids(query.embedding, k * factor, None)
            hits = self._hits(found, filters)
            if len(hits) >= min(k, MIN_FILTERED) or len(found) < k * factor:  # enough, or the whole store
                return hits[:k]
        if passing is not None and passing > self.prefilter_fallback_max:
            return hits[:k]  # fusion brings BM25's filtered passages beside these
        return self._hits(self.store.nearest_ids(query.embedding, k, filters), filters)

    def _hits(self, found: list[tuple[str, float]], filters: Filters) -> list[Hit]:
        assert self.lookup is not None
        known = self.lookup([pid for pid, _ in found])
        if len(known) < len(found):  # the lexical index lags behind the store: ask Chroma
            known.update({p.id: p for p in self.store.get_passages([i for i, _ in found if i not in known])})
        hits: list[Hit] = []
        for pid, sim in found:
            p = known.get(pid)
            if p is not None and (not filters.active or filters.accepts(p)):
                hits.append(Hit(p, sim, dense_rank=len(hits) + 1, similarity=sim))
        return hits


class LexicalRetriever:
    """BM25 over passage title and text (names, numbers and rare words)."""

    name = "lexical"

    def __init__(self, index: SyncedLexicalIndex) -> None:
        self.index = index

    def retrieve(self, query: Query, k: int) -> list[Hit]:
        found = self.index.search(query.text, k, query.filters)
        return [Hit(p, score, lexical_rank=i + 1) for i, (p, score) in enumerate(found)]

    def lookup(self, ids: Sequence[str]) -> dict[str, Passage]:
        """Passages by id from the lexical index (those it holds)."""
        return self.index.lookup(ids)

    def matching(self, filters: Filters) -> int:
        """How many passages pass the filters (the lexical index's count)."""
        return self.index.matching(filters)


def rrf_fuse(rankings: list[tuple[list[Hit], float]], rrf_k: int = 60) -> list[Hit]:
    """Weighted reciprocal rank fusion: score(p) = sum over rankings of weight / (rrf_k + rank).

    Args:
        rankings: (hits best first, weight) per retriever.
        rrf_k: the fusion constant; smaller values favour the top of each ranking.

    Returns:
        One hit per passage, best first, carrying each retriever's rank and the similarity.
    """
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


def convex_fuse(dense: list[Hit], lexical: list[Hit], dense_weight: float = 1.0, lexical_weight: float = 1.0) -> list[Hit]:
    """Convex combination of scores: a * cosine + (1 - a) * BM25 / best BM25, a = dense share.

    A passage only one retriever found gets the other's floor: the lowest cosine among the
    dense candidates (it ranked below all of them) or a BM25 share of 0. On the dev set this
    beat rank fusion, because it keeps how far ahead a clear winner is.

    Args:
        dense: dense hits (score = cosine similarity), best first.
        lexical: BM25 hits (score = BM25), best first.
        dense_weight, lexical_weight: relative weights (normalised to sum to 1).

    Returns:
        One hit per passage, best first, carrying each retriever's rank and the similarity.
    """
    total = dense_weight + lexical_weight
    a = dense_weight / total if total > 0 else 0.5
    floor = min((h.score for h in dense), default=0.0)
    best_bm25 = max((h.score for h in lexical), default=0.0) or 1.0
    fused: dict[str, Hit] = {}
    for h in dense:
        fused[h.passage.id] = Hit(h.passage, a * h.score, dense_rank=h.dense_rank, similarity=h.similarity)
    for h in lexical:
        cur = fused.get(h.passage.id)
        if cur is None:
            cur = fused[h.passage.id] = Hit(h.passage, a * floor)
        cur.score += (1 - a) * h.score / best_bm25
        cur.lexical_rank = h.lexical_rank
    return sorted(fused.values(), key=lambda h: -h.score)


@dataclass(frozen=True)
class DatePrior:
    """How much a passage's date moves its score (multiplicative, never to zero).

    Attributes:
        window_weight: most a passage loses for lying far outside the question's window.
        recency_weight: most a passage loses, when the question names no period, for being
            far from the days just before "today".
        recent_days: the days before "today" that count as recent news.
        scale_days: days outside the window (or the recent days) for the full penalty.
        undated: share of the full penalty an undated passage gets.
    """

    window_weight: float = 0.6
    recency_weight: float = 0.4
    recent_days: int = 7
    scale_days: int = 30
    undated: float = 0.5

    def factor(self, d: date | None, window: DateWindow | None, today: date | None) -> float:
        """The multiplier for a passage published on ``d`` (1.0 inside the preferred dates)."""
        if window is not None:
            weight, start, end = self.window_weight, window.start, window.end
        elif today is not None and self.recency_weight > 0:
            weight, start, end = self.recency_weight, today - timedelta(days=self.recent_days), today + timedelta(days=2)
        else:
            return 1.0
        if d is None:
            return 1.0 - weight * self.undated
        if start <= d <= end:
            return 1.0
        gap = (start - d).days if d < start else (d - end).days
        return 1.0 - weight * min(1.0, gap / max(1, self.scale_days))


def article_support(hits: list[Hit], weight: float) -> None:
    """Add ``weight`` x the best score of another passage of the same article (in place).

    A passage whose article also matches elsewhere is more likely the story asked about
    than a lone passage that happens to share words with the question.
    """
    if weight <= 0:
        return
    best: dict[str, list[Hit]] = {}
    for h in hits:  # the two best hits per article
        top = best.setdefault(h.passage.article_id, [])
        if len(top) < 2:
            top.append(h)
        elif h.score > top[1].score:
            top[1] = h
        top.sort(key=lambda x: -x.score)
    base = {id(h): h.score for h in hits}
    for h in hits:
        top = best[h.passage.article_id]
        other = next((x for x in top if x is not h), None)
        if other is not None:
            h.score += weight * base[id(other)]


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
    """Dense + BM25 fused (convex by default, RRF on request), date-aware, diversified,
    optionally reranked.

    With only one of the two retrievers (``retrieval_mode`` dense or lexical) the same
    date preference, diversity and reranking apply, so the modes compare fairly.
    """

    name = "hybrid"

    def __init__(
        self,
        dense: Retriever | None,
        lexical: Retriever | None,
        *,
        dense_weight: float = 1.0,
        lexical_weight: float = 1.0,
        rrf_k: int = 60,
        fusion: str = "convex",
        candidates: int = 40,
        max_per_article: int = 2,
        article_weight: float = 0.15,
        date_prior: DatePrior | None = None,
        reranker: Reranker | None = None,
    ) -> None:
        self.dense = dense
        self.lexical = lexical
        self.dense_weight = dense_weight
        self.lexical_weight = lexical_weight
        self.rrf_k = rrf_k
        self.fusion = fusion
        self.candidates = candidates
        self.max_per_article = max_per_article
        self.article_weight = article_weight
        self.date_prior = date_prior or DatePrior()
        self.reranker = reranker

    def _apply_dates(self, hits: list[Hit], window: DateWindow | None, today: date) -> None:
        """Scale scores by the date preference and re-sort (in place)."""
        factors = {d: self.date_prior.factor(d, window, today) for d in {h.passage.date for h in hits}}
        if None in factors:
            # Undated passages sit between the preferred dates and the rest, but never
            # above the best-placed dated passage: no date is not better than an old one.
            factors[None] = min(factors[None], max((f for d, f in factors.items() if d is not None), default=1.0))
        for h in hits:
            h.score *= factors[h.passage.date]
            if window is not None and window.relative:
                h.in_period = window.holds(h.passage.date)
        hits.sort(key=lambda h: -h.score)

    def retrieve(self, query: Query, k: int) -> list[Hit]:
        """The best ``k`` passages for the query (see the class docstring for the steps)."""
        return self.search(query, k).hits

    def search(self, query: Query, k: int) -> Retrieval:
        """Like ``retrieve``, with the time each stage took (dense_ms, lexical_ms, rerank_ms)."""
        rankings: list[tuple[list[Hit], float]] = []
        n = max(self.candidates, k)
        t = time.perf_counter()
        if self.dense is not None and self.dense_weight > 0:
            rankings.append((self.dense.retrieve(query, n), self.dense_weight))
        t2 = time.perf_counter()
        if self.lexical is not None and self.lexical_weight > 0:
            rankings.append((self.lexical.retrieve(query, n), self.lexical_weight))
        t3 = time.perf_counter()
        ranked = self._fuse(rankings, query)
        timings = {"dense_ms": (t2 - t) * 1000, "lexical_ms": (t3 - t2) * 1000}
        out = Retrieval(diversify(ranked, k, self.max_per_article), timings, ranked)
        t4 = time.perf_counter()
        if self.reranker is not None and out.hits:
            out.hits = self.reranker.rerank(query.text, out.hits)
            out.timings["rerank_ms"] = (time.perf_counter() - t4) * 1000
        return out

    def _fuse(self, rankings: list[tuple[list[Hit], float]], query: Query) -> list[Hit]:
        """One ranking from the retrievers', with article support and dates applied and wire copies folded."""
        if self.fusion == "convex" and len(rankings) == 2:
            fused = convex_fuse(rankings[0][0], rankings[1][0], self.dense_weight, self.lexical_weight)
        else:
            fused = rrf_fuse(rankings, self.rrf_k)
        article_support(fused, self.article_weight)
        if fused:
            self._apply_dates(fused, query.window, query.today or date.today())
        return collapse_groups(fused)


def build_retriever(
    settings: Settings,
    store: PassageStore,
    embedder: Embedder,
    index: SyncedLexicalIndex,
    reranker: Reranker | None = None,
) -> HybridRetriever:
    """The retriever the settings describe (mode, fusion weights, dates, diversity)."""
    s = settings
    if reranker is None:
        from assistant.rerank import make_reranker

        reranker = make_reranker(s)
    lexical = LexicalRetriever(index)
    dense = DenseRetriever(store, embedder, lookup=lexical.lookup, matching=lexical.matching)
    return HybridRetriever(
        dense if s.retrieval_mode in ("hybrid", "dense") else None,
        lexical if s.retrieval_mode in ("hybrid", "lexical") else None,
        dense_weight=s.dense_weight,
        lexical_weight=s.lexical_weight,
        rrf_k=s.rrf_k,
        fusion=s.fusion,
        candidates=s.candidates,
        max_per_article=s.max_per_article,
        article_weight=s.article_support,
        date_prior=DatePrior(
            window_weight=s.date_window_weight,
            recency_weight=s.recency_weight,
            recent_days=s.recent_days,
            scale_days=s.date_scale_days,
        ),
        reranker=reranker,
    )
