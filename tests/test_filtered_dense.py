"""Dense retrieval with filters: filtered after an unfiltered search when enough pass,
by Chroma's own (costly) filter only when the filter is narrow; how many pass is counted
by the lexical index first."""

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


def _stores(tmp_path, monkeypatch) -> tuple[PassageStore, SyncedLexicalIndex, list]:
    """A store of the passages above, its lexical index, and the ``where`` of every Chroma query."""
    store = PassageStore(Settings(store_dir=tmp_path / "store", _env_file=None))
    store.add_passages(_passages())
    wheres: list = []
    query = store.collection.query

    def recording(**kw):
        wheres.append(kw.get("where"))
        return query(**kw)

    monkeypatch.setattr(store.collection, "query", recording)
    return store, SyncedLexicalIndex(store, tmp_path / "lex"), wheres


def test_filters_applied_after_the_search_unless_few_pass(tmp_path, monkeypatch):
    store, lexical, wheres = _stores(tmp_path, monkeypatch)
    dense = DenseRetriever(store, store.embedder, lookup=lexical.lookup)  # no count: the over-fetch decides
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


def test_the_count_of_passing_passages_picks_the_path(tmp_path, monkeypatch):
    store, lexical, wheres = _stores(tmp_path, monkeypatch)
    assert lexical.matching(Filters(sources=["Small"])) == 5 and lexical.matching(Filters(sources=["Big"])) == 25
    assert lexical.matching(Filters(sources=["Nowhere"])) == 0 and lexical.matching(Filters()) == 30
    dense = DenseRetriever(store, store.embedder, lookup=lexical.lookup, matching=lexical.matching)
    storm = "storm flooded the harbour"
    # a narrow filter (5 pass, at most prefilter_max): Chroma filters at once, no wasted search
    hits = dense.retrieve(Query(storm, filters=Filters(sources=["Small"])), 1)
    assert [h.passage.source for h in hits] == ["Small"] and wheres == [{"source": {"$in": ["Small"]}}]
    # nothing passes: no search at all
    wheres.clear()
    assert dense.retrieve(Query(storm, filters=Filters(sources=["Nowhere"])), 3) == [] and wheres == []
    # many pass (above both limits) but none is near: the dense side returns what passed
    # instead of asking Chroma to read every passing id (seconds at a million passages)
    dense.prefilter_max = dense.prefilter_fallback_max = 2
    wheres.clear()
    hits = dense.retrieve(Query("orchestra conductor season", filters=Filters(sources=["Big"])), 1)
    assert wheres == [None, None] and all(h.passage.source == "Big" for h in hits)
