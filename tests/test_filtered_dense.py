"""Dense retrieval with filters: filtered after an unfiltered search when enough pass,
by Chroma's own (costly) filter only when the filter is narrow."""

from __future__ import annotations

from assistant.retrieval import DenseRetriever, Query
from footnote.records import Passage
from footnote.settings import Settings
from vectorstore.lexical import SyncedLexicalIndex
from vectorstore.store import Filters, PassageStore


def _passages() -> list[Passage]:
    big = [Passage(id=f"b{i}", article_id=f"b{i}", text=f"Storm {i} flooded the harbour and the fishing boats sank.",
                   title="Flood", source="Big", n_chunks=1, article_hash="h") for i in range(25)]
    small = [Passage(id=f"s{i}", article_id=f"s{i}", text=f"The orchestra named conductor number {i} for the season.",
                     title="Music", source="Small", n_chunks=1, article_hash="h") for i in range(5)]
    return big + small


def test_filters_applied_after_the_search_unless_few_pass(tmp_path, monkeypatch):
    store = PassageStore(Settings(store_dir=tmp_path / "store", _env_file=None))
    store.add_passages(_passages())
    lexical = SyncedLexicalIndex(store, tmp_path / "lex")
    dense = DenseRetriever(store, store.embedder, lookup=lexical.lookup)
    wheres = []
    query = store.collection.query

    def recording(**kw):
        wheres.append(kw.get("where"))
        return query(**kw)

    monkeypatch.setattr(store.collection, "query", recording)
    hits = dense.retrieve(Query("storm flooded the harbour", filters=Filters(sources=["Big"])), 5)
    assert [h.passage.source for h in hits] == ["Big"] * 5 and wheres == [None]  # no Chroma filter
    wheres.clear()
    hits = dense.retrieve(Query("storm flooded the harbour", filters=Filters(sources=["Small"])), 5)
    assert sorted(h.passage.id for h in hits) == [f"s{i}" for i in range(5)]
    assert wheres == [None, None]  # 20 of 30 searched, none passed; then all 30: the whole store, filtered here
    wheres.clear()
    hits = dense.retrieve(Query("storm flooded the harbour", filters=Filters(sources=["Small"])), 1)
    assert [h.passage.source for h in hits] == ["Small"]
    assert wheres == [None, None, {"source": {"$in": ["Small"]}}]  # 4, then 20 searched, none passed: Chroma filtered
