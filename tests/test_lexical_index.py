"""The incremental lexical index (tantivy in a folder beside the store): writes per
article, deletes, a folder shared by two processes' indexes, staleness and old formats."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import date

import pytest

from footnote.records import Passage
from footnote.settings import Settings
from vectorstore.lexical import FORMAT, SyncedLexicalIndex, read_state
from vectorstore.store import Filters, PassageStore


def _article(aid: str, words: str, n: int = 2, source: str = "Gazette", d: date | None = date(2024, 5, 2)) -> list[Passage]:
    return [Passage(id=f"{aid}:{i}", article_id=aid, text=f"{words} part {i}.", title=f"Title {aid}", source=source,
                    date=d, position=i, n_chunks=n, article_hash="h") for i in range(n)]


@pytest.fixture
def store(tmp_path) -> PassageStore:
    return PassageStore(Settings(store_dir=tmp_path / "store", _env_file=None))


def _write(store: PassageStore, index: SyncedLexicalIndex, passages: list[Passage]) -> None:
    store.add_passages(passages)
    index.apply(passages)


def test_apply_adds_replaces_and_deletes_one_article(store, tmp_path):
    index = SyncedLexicalIndex(store, tmp_path / "lex")
    _write(store, index, _article("a", "Storm Ophelia flooded the harbour of Pellworth"))
    _write(store, index, _article("b", "The council of Marlowe approved a tram line", n=3))
    assert len(index.current()) == 5 == store.count()
    assert index.search("Pellworth harbour", 5)[0][0].article_id == "a"
    # A new version of article a (one passage, other words) replaces the old one entirely.
    store.delete_articles(["a"])
    _write(store, index, _article("a", "Keiko Tanabe conducts the Vellmar orchestra", n=1))
    assert len(index.current()) == 4
    assert index.search("Pellworth", 5) == []
    assert [p.id for p, _ in index.search("Vellmar conductor Tanabe", 5)] == ["a:0"]
    assert index.lookup(["a:0", "b:2", "missing"]).keys() == {"a:0", "b:2"}
    store.delete_articles(["b"])
    index.apply([], ["b"])
    assert len(index.current()) == 1 and index.search("tram Marlowe", 5) == []
    assert read_state(tmp_path / "lex") == {"format": FORMAT, "revision": store.revision()}


def test_filters_and_idf(store, tmp_path):
    index = SyncedLexicalIndex(store, tmp_path / "lex")
    _write(store, index, _article("a", "harbour flood Ophelia", source="Gazette", d=date(2024, 5, 2))
           + _article("b", "harbour flood", source="Planet", d=date(2024, 6, 9))
           + _article("c", "harbour flood", source="Gazette", d=None))
    ids = lambda f: {p.article_id for p, _ in index.search("harbour flood", 10, f)}  # noqa: E731
    assert ids(None) == {"a", "b", "c"}
    assert ids(Filters(sources=["Gazette"])) == {"a", "c"}
    assert ids(Filters(date_from=date(2024, 6, 1))) == {"b"}
    assert ids(Filters(date_to=date(2024, 5, 31))) == {"a"}  # undated passages fail a date filter
    assert ids(Filters(sources=["Planet"], date_to=date(2024, 5, 31))) == set()
    lex = index.current()
    assert lex.idf("neverseen") > lex.idf("ophelia") > lex.idf("harbour") > 0


def test_a_second_process_sees_commits_without_rebuilding(store, tmp_path):
    folder = tmp_path / "lex"
    writer = SyncedLexicalIndex(store, folder)
    reader = SyncedLexicalIndex(PassageStore(store.settings, store.embedder), folder, check_every=0)
    _write(store, writer, _article("a", "Storm Ophelia flooded the harbour"))
    assert len(reader.current()) == 2
    reader.rebuild = None  # type: ignore[assignment] - a rebuild would fail the test from here on
    _write(store, writer, _article("b", "Keiko Tanabe named principal conductor"))
    found = reader.search("principal conductor Tanabe", 3)
    assert found and found[0][0].article_id == "b"
    assert reader.current().revision == store.revision() and reader._building is None


def test_a_write_the_folder_missed_is_rebuilt_after_stale_after(store, tmp_path):
    index = SyncedLexicalIndex(store, tmp_path / "lex", check_every=0, background=False, stale_after=0.2)
    _write(store, index, _article("a", "Storm Ophelia flooded the harbour"))
    store.add_passages(_article("b", "Keiko Tanabe named principal conductor"))  # no apply: a crashed writer
    assert len(index.current()) == 2  # within stale_after: the last commit serves
    import time

    time.sleep(0.3)
    assert len(index.current()) == 4 == store.count()
    assert index.current().revision == store.revision()


def test_an_old_bm25s_folder_is_replaced_by_a_rebuild(store, tmp_path):
    folder = tmp_path / "lex"
    store.add_passages(_article("a", "Storm Ophelia flooded the harbour"))
    folder.mkdir()
    (folder / "revision.json").write_text(json.dumps({"revision": store.revision(), "count": 2}))
    (folder / "passages.jsonl").write_text("not what tantivy reads\n")
    index = SyncedLexicalIndex(store, folder)
    assert len(index.current()) == 2 and not (folder / "revision.json").exists()
    assert index.search("Ophelia", 2)[0][0].article_id == "a"
    assert read_state(folder)["format"] == FORMAT


def test_same_article_twice_in_one_write_keeps_its_passages(store, tmp_path):
    index = SyncedLexicalIndex(store, tmp_path / "lex")
    first = _article("a", "harbour", n=3)
    _write(store, index, first)
    index.apply([replace(p, text=p.text + " rewritten") for p in first])
    assert len(index.current()) == 3 and len(index.search("rewritten", 5)) == 3


def test_a_big_store_is_asked_only_about_the_articles_ingested(store, tmp_path, monkeypatch):
    from ingest import pipeline

    store.add_passages(_article("old", "Storm Ophelia flooded the harbour"))
    monkeypatch.setattr(pipeline.StoredStates, "FULL_SCAN_PASSAGES", 0)  # as if the store were big
    scans = []
    monkeypatch.setattr(store, "iter_metadata", lambda: scans.append(1) or iter(()))
    states = pipeline.StoredStates(store)
    assert states.get("old").complete and states.get("new") is None
    assert scans == []  # no scan of the whole store
    assert pipeline.StoredStates(store, full=True) and scans == [1]  # a prune reads everything
