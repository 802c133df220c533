"""Client-server mode against a real ``chroma run`` server (see tests/fixtures_chroma.py).

Everything goes through ``FOOTNOTE_CHROMA_HOST``-style settings, i.e. Chroma's
HttpClient: ingest, ask, two app workers sharing one server, the server going away and
coming back, and an ingest cut off half way then re-run.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from assistant import Assistant
from footnote.settings import SAMPLE_ARTICLE
from ingest import pipeline
from ingest.__main__ import main as ingest_main
from ingest.pipeline import Ingestor
from vectorstore.errors import StoreUnavailable
from vectorstore.store import PassageStore

pytestmark = pytest.mark.server

TOPICS = [
    ("Council approves tram line", "Daily Planet",
     "The city council of Marlowe approved a new tram line on Monday, costing 40 million euros. "
     "Mayor Ingrid Solberg said construction starts in spring."),
    ("Storm Ophelia floods harbour", "Coast Gazette",
     "Storm Ophelia flooded the harbour of Pellworth on Tuesday night. "
     "Harbourmaster Tomas Reyes said three fishing boats sank."),
    ("Orchestra names conductor", "Arts Weekly",
     "The Vellmar Symphony Orchestra named Keiko Tanabe as its principal conductor. "
     "She takes up the post in September after a season in Lisbon."),
    ("Library reopens after fire", "Town Crier",
     "The Brackenfield public library reopened on Friday, two years after a fire destroyed its archive. "
     "Librarian Hugo Marsh said 80,000 books were replaced."),
]


def live_url(settings) -> str:
    return f"http://{settings.chroma_host}:{settings.chroma_port}"


def write_corpus(path: Path, n: int = 4) -> Path:
    """n small articles as JSONL, several passages each (chunked at 1000 characters)."""
    lines = []
    for i in range(n):
        title, source, text = TOPICS[i % len(TOPICS)]
        body = " ".join(f"{text} Update {j} of story {i}." for j in range(12))
        lines.append(json.dumps({
            "id": f"art-{i}", "title": f"{title} ({i})", "source": source,
            "url": f"https://example.org/{i}", "published_date": f"2024-05-{i % 28 + 1:02d}", "text": body,
        }))
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_ingest_and_ask_the_seed_question_through_the_server(server_settings):
    summary = Ingestor(server_settings).ingest([SAMPLE_ARTICLE])
    assert (summary.added, summary.failed) == (1, [])
    a = Assistant(server_settings)
    assert a.store.location == live_url(server_settings)
    ans = a.ask("Who denied the reports?")
    assert not ans.refused and "Peskov" in ans.text and "[1]" in ans.text
    assert "Dmitry Peskov" in ans.citations[0].quote
    # Nothing was written to a local Chroma folder: only the BM25 index lives locally.
    assert not (server_settings.store_dir / "chroma.sqlite3").exists()


def test_reingest_is_idempotent_on_the_server(server_settings, tmp_path):
    corpus = write_corpus(tmp_path / "c.jsonl")
    ing = Ingestor(server_settings)
    first = ing.ingest([corpus, SAMPLE_ARTICLE])
    n = ing.store.count()
    assert first.added == 5 and first.chunks_written == n > 5
    again = Ingestor(server_settings).ingest([corpus, SAMPLE_ARTICLE])
    assert (again.added, again.updated, again.unchanged, again.chunks_written) == (0, 0, 5, 0)
    assert PassageStore(server_settings).count() == n


def test_ingest_cli_uses_the_server_from_the_environment(live_chroma, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("FOOTNOTE_CHROMA_HOST", live_chroma.host)
    monkeypatch.setenv("FOOTNOTE_CHROMA_PORT", str(live_chroma.port))
    monkeypatch.setenv("FOOTNOTE_COLLECTION", "cli-test")
    monkeypatch.setenv("FOOTNOTE_STORE_DIR", str(tmp_path / "local"))
    assert ingest_main([str(SAMPLE_ARTICLE), "--quiet"]) == 0
    s = live_chroma.settings(tmp_path / "other", collection="cli-test")
    assert PassageStore(s).stats()["articles"] == 1
    assert not (tmp_path / "local" / "chroma.sqlite3").exists()
    PassageStore(s).reset()


def test_two_workers_see_each_others_writes(live_chroma, server_settings, tmp_path):
    """Two app processes behind a load balancer: one Chroma, a BM25 folder each."""
    w1 = Assistant(server_settings)
    w2 = Assistant(live_chroma.settings(tmp_path / "worker-b", collection=server_settings.collection))
    assert w1.ensure_sample()
    assert not w2.ensure_sample()  # the store is shared: the second worker sees the sample
    a1, a2 = w1.ask("Who denied the reports?"), w2.ask("Who denied the reports?")
    assert a1.text == a2.text and "Peskov" in a2.text
    # Worker 1 ingests a new article; worker 2's BM25 index follows the store's revision.
    before = w2.lexical.current()
    Ingestor(w1.settings, w1.store, w1.lexical).ingest([write_corpus(tmp_path / "new.jsonl", 3)])
    assert w1.lexical.current().revision == w1.store.revision() != before.revision  # the writer: at once
    w2.lexical.check_every = 0  # its next call checks the store's revision (no waiting out the interval)
    # Worker 2 notices the new revision and rebuilds in the background, answering from
    # the index it has meanwhile (no request waits for a rebuild)...
    assert w2.lexical.current() is before
    # ...and uses the rebuilt one as soon as it is ready.
    assert w2.lexical.refresh(timeout=60).revision == w1.store.revision()
    q = "Who did the Vellmar Symphony Orchestra name as conductor?"
    found = w2.lexical.search(q, 5)
    assert found and found[0][0].article_id == "art-2"
    b1, b2 = w1.ask(q), w2.ask(q)
    assert "Keiko Tanabe" in b2.text and b1.text == b2.text
    assert [c.passage_id for c in b1.citations] == [c.passage_id for c in b2.citations]
    assert w1.lexical.current().revision == w2.lexical.current().revision == w2.store.revision()


def test_server_down_gives_store_unavailable_then_recovers(live_chroma, server_settings):
    a = Assistant(server_settings)
    assert a.ensure_sample()
    assert "Peskov" in a.ask("Who denied the reports?").text
    live_chroma.stop()
    try:
        a.lexical.check_every = 0  # look at the store on every call, as a fresh process would
        with pytest.raises(StoreUnavailable) as err:
            a.ask("Who denied the reports?")
        msg = str(err.value)
        assert f"{live_chroma.host}:{live_chroma.port}" in msg and "unreachable" in msg
        with pytest.raises(StoreUnavailable, match="Chroma"):
            Assistant(server_settings)  # a worker started while the server is down
    finally:
        live_chroma.start()  # same port, same data folder
    ans = a.ask("Who denied the reports?")  # the same Assistant object, no restart needed
    assert not ans.refused and "Peskov" in ans.text


def test_ingest_cut_off_mid_way_is_rerun_idempotently(live_chroma, server_settings, tmp_path, monkeypatch):
    corpus = write_corpus(tmp_path / "c.jsonl", 8)
    monkeypatch.setattr(pipeline, "FLUSH_PASSAGES", 4)  # flush every article or so
    ing = Ingestor(server_settings)

    def cut(done: int, total: int) -> None:
        if done == 5:
            live_chroma.stop()

    try:
        with pytest.raises(StoreUnavailable):
            ing.ingest([corpus], progress=cut)
    finally:
        live_chroma.start()
    store = PassageStore(server_settings)
    partial = store.stats()["articles"]
    assert 0 < partial < 8  # some batches made it, the rest did not
    rerun = Ingestor(server_settings).ingest([corpus])
    assert rerun.failed == [] and rerun.unchanged == partial and rerun.added == 8 - partial
    full = Ingestor(live_chroma.settings(tmp_path / "fresh", collection=f"{server_settings.collection}x"))
    expected = full.ingest([corpus]).chunks_written
    assert store.count() == expected  # no duplicates, nothing missing
    assert all(s.complete for s in store.article_states().values())


def test_http_api_on_the_server_store_and_503_when_it_is_down(live_chroma, server_settings):
    from fastapi.testclient import TestClient

    from app import create_app

    # base_url: the app answers loopback host names only (issue 13), not TestClient's "testserver"
    client = TestClient(create_app(server_settings), base_url="http://127.0.0.1")  # ingests the sample
    r = client.post("/api/ask", json={"question": "Who denied the reports?"})
    assert r.status_code == 200 and "Peskov" in r.json()["answer"]
    assert client.get("/api/health").status_code == 200
    live_chroma.stop()
    try:
        r = client.get("/api/health")
        assert r.status_code == 503 and str(live_chroma.port) in r.text
    finally:
        live_chroma.start()
    assert client.get("/api/health").status_code == 200
