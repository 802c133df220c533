"""Ingest through the real pipeline into a real embedded Chroma in a temp folder."""

import json
from pathlib import Path

from conftest import write

from footnote.settings import SAMPLE_ARTICLE
from ingest.__main__ import main as ingest_main
from ingest.pipeline import Ingestor
from vectorstore.store import PassageStore


def _jsonl(path: Path, records: list[dict]) -> Path:
    return write(path, "\n".join(json.dumps(r) for r in records) + "\n")


ARTICLES = [
    {"id": "a1", "title": "Council approves budget", "source": "Daily Planet", "url": "https://example.org/a1",
     "published_date": "2024-03-01", "text": "The city council approved a budget of 12 million dollars on Monday. " * 5},
    {"id": "a2", "title": "Storm hits coast", "source": "Gazette", "url": "https://example.org/a2",
     "published_date": "2024-03-05", "text": "A storm named Ophelia hit the northern coast on Tuesday night. " * 5},
]


def test_idempotent_reingest_writes_and_embeds_nothing(settings, tmp_path):
    corpus = _jsonl(tmp_path / "c.jsonl", ARTICLES)
    ing = Ingestor(settings)
    first = ing.ingest([corpus, SAMPLE_ARTICLE])
    assert (first.added, first.updated, first.unchanged, first.failed) == (3, 0, 0, [])
    n = ing.store.count()
    assert first.chunks_written == n > 0
    second = ing.ingest([corpus, SAMPLE_ARTICLE])
    assert (second.added, second.updated, second.unchanged, second.chunks_written) == (0, 0, 3, 0)
    assert ing.store.count() == n


def test_changed_article_replaces_its_chunks_and_prune_removes_missing(settings, tmp_path):
    corpus = _jsonl(tmp_path / "c.jsonl", ARTICLES)
    ing = Ingestor(settings)
    ing.ingest([corpus])
    changed = [dict(ARTICLES[0], text="The council rejected the budget after a long debate on Friday. " * 3)]
    _jsonl(corpus, changed)
    s = ing.ingest([corpus], prune=True)
    assert (s.added, s.updated, s.removed) == (0, 1, 1)
    texts = [p.text for p in ing.store.iter_passages()]
    assert texts and all("rejected the budget" in t for t in texts)
    assert {p.article_id for p in ing.store.iter_passages()} == {"a1"}


def test_passage_metadata_in_chroma(settings, tmp_path):
    corpus = _jsonl(tmp_path / "c.jsonl", ARTICLES[:1])
    Ingestor(settings).ingest([corpus])
    store = PassageStore(settings)
    (p,) = list(store.iter_passages())
    assert (p.article_id, p.title, p.source, p.url, str(p.date)) == (
        "a1", "Council approves budget", "Daily Planet", "https://example.org/a1", "2024-03-01")
    meta = p.to_metadata()
    assert meta["ts"] == 1709251200 and meta["position"] == 0


def test_bad_inputs_are_reported_by_name_and_the_rest_ingested(settings, tmp_path):
    folder = tmp_path / "in"
    write(folder / "good.txt", "Mayor opens new bridge\n\nThe mayor opened the new bridge over the river on Sunday.")
    write(folder / "empty.txt", "")
    write(folder / "binary.txt", bytes(range(256)) * 20)
    write(folder / "latin1.txt", "Caf\xe9 owner wins award\n\nThe caf\xe9 owner Jos\xe9 won the regional award for service.".encode("latin-1"))
    write(folder / "utf16.txt", "Bürgermeister eröffnet Brücke\n\nDie neue Brücke über den Fluss wurde eröffnet.".encode("utf-16"))
    write(folder / "noarticle.html", "<html><body><nav>Home</nav></body></html>")
    write(folder / "bad.jsonl", '{"id": "j1", "title": "Fine", "text": "A perfectly fine record about the harbour expansion."}\n{not json\n{"id": "j2"}\n')
    summary = Ingestor(settings).ingest([folder, tmp_path / "missing.txt"])
    failed = {f.item: f.reason for f in summary.failed}
    assert set(failed) == {"binary.txt", "empty.txt", "noarticle.html", "bad.jsonl:2", "bad.jsonl:3", str(tmp_path / "missing.txt")} or \
        {Path(k).name for k in failed} == {"binary.txt", "empty.txt", "noarticle.html", "bad.jsonl:2", "bad.jsonl:3", "missing.txt"}
    assert "empty" in failed[next(k for k in failed if k.endswith("empty.txt"))]
    assert summary.added == 4  # good, latin1, utf16, j1
    texts = " ".join(p.text for p in PassageStore(settings).iter_passages())
    assert "café owner José" in texts and "Die neue Brücke" in texts


def test_cli_exit_codes_and_summary(settings, tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("FOOTNOTE_STORE_DIR", str(settings.store_dir))
    assert ingest_main(["--quiet", str(SAMPLE_ARTICLE)]) == 0
    assert "added 1" in capsys.readouterr().out
    assert ingest_main(["--quiet", str(SAMPLE_ARTICLE)]) == 0
    assert "unchanged 1" in capsys.readouterr().out
    assert ingest_main(["--quiet", str(tmp_path / "nope.txt")]) == 1
    assert "no such file" in capsys.readouterr().out
    assert ingest_main([]) == 2
