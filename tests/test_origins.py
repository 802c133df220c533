"""Article ids are namespaced by origin (issue 13, case 2): an upload can never replace an
article the operator (or another user) ingested, even when it copies its public id.

Real pipeline, real embedded Chroma in a temp folder.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import write

from footnote.settings import SAMPLE_ARTICLE
from ingest.errors import ArticleConflict
from ingest.loaders import file_article_id
from ingest.pipeline import LOCAL, Ingestor, namespaced_id
from vectorstore.store import PassageStore

REAL = {"id": "kyiv-1", "title": "Troops reported", "source": "Kyiv Independent",
        "text": "Officials confirmed the reports of troop movements near the border on Monday. " * 4}
FORGED = dict(REAL, text="A spokesman for the ministry denied the reports of troop movements on Monday. " * 4)


def _jsonl(path: Path, *records: dict) -> Path:
    return write(path, "".join(json.dumps(r) + "\n" for r in records))


def _texts(store: PassageStore, article_id: str) -> str:
    return " ".join(p.text for p in store.iter_passages() if p.article_id == article_id)


def test_an_upload_with_a_public_id_does_not_replace_the_article(settings, tmp_path):
    ing = Ingestor(settings)
    ing.ingest([_jsonl(tmp_path / "corpus.jsonl", REAL), SAMPLE_ARTICLE])
    sample_id = file_article_id(SAMPLE_ARTICLE)
    forged = _jsonl(tmp_path / "up" / "x.jsonl", FORGED, dict(FORGED, id=sample_id))
    s = ing.ingest([forged], owner="upload:anonymous")
    assert (s.added, s.updated, s.failed) == (2, 0, [])
    store = PassageStore(settings)
    assert "confirmed the reports" in _texts(store, "kyiv-1") and "denied" not in _texts(store, "kyiv-1")
    assert "denied" not in _texts(store, sample_id) and _texts(store, sample_id)
    assert "denied" in _texts(store, namespaced_id("kyiv-1", "upload:anonymous"))
    assert {st.owner for st in store.article_states().values()} == {LOCAL, "upload:anonymous"}


def test_reingesting_the_same_files_stays_idempotent_per_origin(settings, tmp_path):
    corpus = _jsonl(tmp_path / "corpus.jsonl", REAL)
    up = _jsonl(tmp_path / "up.jsonl", FORGED)
    ing = Ingestor(settings)
    ing.ingest([corpus])
    ing.ingest([up], owner="upload:alice")
    again, again_up = ing.ingest([corpus]), ing.ingest([up], owner="upload:alice")
    assert (again.unchanged, again.added, again.chunks_written) == (1, 0, 0)
    assert (again_up.unchanged, again_up.added, again_up.chunks_written) == (1, 0, 0)
    assert set(PassageStore(settings).article_states()) == {"kyiv-1", "upload:alice:kyiv-1"}  # dev ids unchanged


def test_replacing_another_origins_article_is_refused_and_nothing_is_lost(settings, tmp_path):
    ing = Ingestor(settings)
    squatted = namespaced_id("kyiv-1", "upload:bob")  # the operator's corpus happens to hold bob's id
    ing.ingest([_jsonl(tmp_path / "corpus.jsonl", dict(REAL, id=squatted))])
    other = dict(FORGED, id="fine-1", text="The harbour board approved the ferry terminal on Monday. " * 4)
    up = _jsonl(tmp_path / "bob.jsonl", FORGED, other)
    with pytest.raises(ArticleConflict) as err:
        ing.ingest([up], owner="upload:bob", refuse_conflicts=True)
    msg = str(err.value)
    assert "kyiv-1" in msg and "another origin" in msg
    s = err.value.summary
    assert s.conflicts == [squatted] and s.added == 1  # the rest of the upload is stored
    store = PassageStore(settings)
    assert "confirmed the reports" in _texts(store, squatted) and "denied" not in _texts(store, squatted)
    assert store.article_states()[squatted].owner == LOCAL


def test_cli_reports_a_conflict_by_name_and_prune_keeps_other_origins(settings, tmp_path):
    ing = Ingestor(settings)
    ing.ingest([_jsonl(tmp_path / "up.jsonl", FORGED)], owner="upload:anonymous")
    clash = _jsonl(tmp_path / "corpus.jsonl", dict(REAL, id=namespaced_id("kyiv-1", "upload:anonymous")))
    s = ing.ingest([clash], prune=True)
    assert s.conflicts and "another origin" in {f.item: f.reason for f in s.failed}["corpus.jsonl:1"]
    assert s.removed == 0  # prune removes only this origin's articles
    assert "denied" in _texts(PassageStore(settings), "upload:anonymous:kyiv-1")
