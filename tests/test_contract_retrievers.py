"""One contract, every retriever (dense, lexical, hybrid): the same checks over each
implementation of the ``Retriever`` protocol, against a real embedded Chroma holding the
sample article. Also: concurrent searches each get their own timings."""

from __future__ import annotations

import threading
import time
from datetime import date

import pytest

from assistant.retrieval import DenseRetriever, HybridRetriever, LexicalRetriever, Query, Retriever, build_retriever
from footnote.records import Hit, Passage
from vectorstore.store import Filters

QUESTION = "Who denied the reports of North Korean troops?"


def _retrievers(seeded) -> dict[str, Retriever]:
    lexical = LexicalRetriever(seeded.lexical)
    dense = DenseRetriever(seeded.store, seeded.embedder, lookup=lexical.lookup)
    hybrid = build_retriever(seeded.settings, seeded.store, seeded.embedder, seeded.lexical)
    return {"dense": dense, "dense-from-chroma": DenseRetriever(seeded.store, seeded.embedder), "lexical": lexical,
            "hybrid": hybrid}


@pytest.mark.parametrize("name", ["dense", "dense-from-chroma", "lexical", "hybrid"])
def test_retriever_contract(seeded, name):
    retriever = _retrievers(seeded)[name]
    assert isinstance(retriever.name, str) and retriever.name
    hits = retriever.retrieve(Query(QUESTION), 3)
    assert 1 <= len(hits) <= 3 and all(isinstance(h, Hit) for h in hits)
    assert len({h.passage.id for h in hits}) == len(hits), "one hit per passage"
    assert any("Peskov" in h.passage.text for h in hits), "the passage that answers is among the best"
    # every passage is the stored one, with its metadata
    stored = {p.id: p for p in seeded.store.get_passages([h.passage.id for h in hits])}
    assert all(h.passage == stored[h.passage.id] for h in hits)
    # filters hold in every mode
    source = hits[0].passage.source
    assert retriever.retrieve(Query(QUESTION, filters=Filters(sources=["No Such Paper"])), 3) == []
    kept = retriever.retrieve(Query(QUESTION, filters=Filters(sources=[source])), 3)
    assert kept and all(h.passage.source == source for h in kept)
    assert retriever.retrieve(Query(QUESTION, filters=Filters(date_to=date(1990, 1, 1))), 3) == []


class _Slow:
    """A retriever whose search takes as long as its query says (in ms)."""

    name = "slow"

    def __init__(self, started: threading.Barrier) -> None:
        self.started = started

    def retrieve(self, query: Query, k: int) -> list[Hit]:
        self.started.wait(timeout=30)  # all searches are under way at once
        time.sleep(int(query.text) / 1000)
        return [Hit(Passage(query.text, query.text, "text"), 1.0, dense_rank=1, similarity=1.0)]


def test_concurrent_searches_each_get_their_own_timings():
    n = 8
    hybrid = HybridRetriever(_Slow(threading.Barrier(n)), None)
    results: dict[int, object] = {}

    def search(ms: int) -> None:
        results[ms] = hybrid.search(Query(str(ms)), 1)

    threads = [threading.Thread(target=search, args=(40 * (i + 1),)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert len(results) == n
    for ms, found in results.items():
        assert found.hits[0].passage.id == str(ms)  # type: ignore[attr-defined]
        assert found.timings["dense_ms"] >= ms, (ms, found.timings)  # type: ignore[attr-defined]
    slowest = results[40 * n]
    assert "rerank_ms" not in slowest.timings  # type: ignore[attr-defined]
