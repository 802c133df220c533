"""Faults in ingest (issue 7): a really killed ingest, a half-written article, a read-only
store folder and a full disk. After each: every article exactly once, no orphan
passages, counts equal to a clean ingest, and nothing stored before the fault lost.

The kill test peeks at Chroma's own SQLite file (read-only) only to know when to pull
the trigger: once some passages are written and the run is still going.
"""

from __future__ import annotations

import json
import os
import random
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import ROOT, write

from footnote.settings import Settings
from ingest.chunking import Chunker
from ingest.loaders import iter_jsonl
from ingest.pipeline import Ingestor
from vectorstore.lexical import SyncedLexicalIndex, open_index, write_passages
from vectorstore.store import PassageStore

N_ARTICLES = 300
TOWNS = ["Amberley", "Brookfield", "Carrow", "Dunmore", "Elsworth", "Fairhaven", "Glenrock", "Holloway"]
TOPICS = ["bridge repairs", "school budget", "flood defences", "bus timetable", "library hours", "market rules"]


def made_up_corpus(path: Path, n: int = N_ARTICLES, seed: int = 7) -> Path:
    """n small invented news articles (1-3 passages each at chunk size 200)."""
    rng = random.Random(seed)
    lines = []
    for i in range(n):
        town, topic = rng.choice(TOWNS), rng.choice(TOPICS)
        sentences = [
            f"The {town} council voted {rng.randint(3, 9)} to {rng.randint(0, 4)} on the {topic} plan on day {i}.",
            f"Councillor {rng.choice(['Ada', 'Ben', 'Cleo', 'Dev'])} Marsh said the vote settled a {rng.randint(2, 12)}-year dispute.",
            f"Residents of {town} will see the first changes in {rng.choice(['March', 'June', 'October'])}.",
            f"The plan costs {rng.randint(1, 90)} million and was first proposed in {rng.randint(1990, 2020)}.",
        ]
        text = " ".join(sentences[: rng.randint(1, 4)])
        lines.append(json.dumps({"id": f"art-{i:04d}", "title": f"{town} votes on {topic} ({i})", "source": "Made-up Gazette",
                                 "published_date": f"2024-{1 + i % 12:02d}-{1 + i % 28:02d}", "text": text}))
    return write(path, "\n".join(lines) + "\n")


def ingest_env(store: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("FOOTNOTE_")}
    env.update(FOOTNOTE_STORE_DIR=str(store), FOOTNOTE_CHUNK_SIZE="200", FOOTNOTE_CHUNK_OVERLAP="0",
               FOOTNOTE_INGEST_FLUSH_PASSAGES="16", FOOTNOTE_EMBEDDING_THREADS="1")
    return env


def settings_for(store: Path) -> Settings:
    return Settings(store_dir=store, chunk_size=200, chunk_overlap=0, _env_file=None)


def expected_passage_ids(corpus: Path) -> set[str]:
    """What a clean ingest stores: the same loader and chunker, no store involved."""
    chunker = Chunker(200, 0)
    return {p.id for art in iter_jsonl(corpus) if not isinstance(art, Exception) for p in chunker.split(art)}


def written_rows(store: Path) -> int:
    """Rows Chroma has logged so far (read-only peek; 0 before the file exists)."""
    try:
        con = sqlite3.connect(f"file:{store / 'chroma.sqlite3'}?mode=ro", uri=True, timeout=0.2)
        try:
            return int(con.execute("select count(*) from embeddings_queue").fetchone()[0])
        finally:
            con.close()
    except sqlite3.Error:
        return 0


def run_and_kill(corpus: Path, store: Path, kill_at: int, timeout: float = 120) -> int:
    """Start `python -m ingest`, SIGKILL it once ``kill_at`` rows are written; rows at the kill."""
    proc = subprocess.Popen([sys.executable, "-m", "ingest", "--quiet", str(corpus)], cwd=ROOT, env=ingest_env(store),
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + timeout
    try:
        while proc.poll() is None and time.monotonic() < deadline:
            rows = written_rows(store)
            if rows >= kill_at:
                proc.send_signal(signal.SIGKILL)
                proc.wait(10)
                return rows
            time.sleep(0.02)
        pytest.fail(f"ingest ended (rc={proc.returncode}) before {kill_at} rows were written: {proc.stderr.read()[-500:]!r}")
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(10)
    return 0


def check_store(store: Path, corpus: Path) -> None:
    """Every article exactly once and whole, passages == a clean ingest's, BM25 in step."""
    expected = expected_passage_ids(corpus)
    ps = PassageStore(settings_for(store))
    ids = [p.id for p in ps.iter_passages()]
    assert len(ids) == len(set(ids)) == ps.count() == len(expected)
    assert set(ids) == expected
    states = ps.article_states()
    assert len(states) == N_ARTICLES
    orphans = {aid: (s.found, s.expected) for aid, s in states.items() if not s.complete}
    assert orphans == {}
    lex = SyncedLexicalIndex(ps, settings_for(store).bm25_dir).current()
    assert len(lex) == len(expected)  # the BM25 index saw the same passages


@pytest.mark.slow
def test_killed_ingest_reruns_to_exactly_the_clean_result(tmp_path):
    corpus = made_up_corpus(tmp_path / "corpus.jsonl")
    total = len(expected_passage_ids(corpus))
    assert N_ARTICLES < total < 3 * N_ARTICLES  # some articles span several passages
    store = tmp_path / "store"
    at1 = run_and_kill(corpus, store, kill_at=total // 4)
    rows1 = PassageStore(settings_for(store)).count()
    assert 0 < rows1 < total, (at1, rows1)
    at2 = run_and_kill(corpus, store, kill_at=rows1 + total // 4)  # the re-run killed too
    rows2 = PassageStore(settings_for(store)).count()
    assert rows1 < rows2 < total, (at2, rows2)
    done = subprocess.run([sys.executable, "-m", "ingest", "--quiet", str(corpus)], cwd=ROOT, env=ingest_env(store),
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    m = done.stdout.split(",")
    added, unchanged = int(m[0].split()[-1]), int(m[2].split()[-1])
    assert added + unchanged == N_ARTICLES and added > 0 and unchanged > 0, done.stdout
    check_store(store, corpus)
    print(f"\nkilled at {rows1} then {rows2} of {total} passages; re-run: {done.stdout.splitlines()[0]}")
    again = Ingestor(settings_for(store)).ingest([corpus])
    assert (again.added, again.updated, again.unchanged, again.chunks_written) == (0, 0, N_ARTICLES, 0)


def test_half_written_article_is_redone_not_duplicated(tmp_path):
    corpus = made_up_corpus(tmp_path / "corpus.jsonl", n=12)
    settings = settings_for(tmp_path / "store")
    ing = Ingestor(settings)
    ing.ingest([corpus])
    full = ing.store.count()
    multi = next(aid for aid, s in ing.store.article_states().items() if s.expected >= 2)
    half = [p.id for p in ing.store.iter_passages() if p.article_id == multi][1:]
    ing.store.collection.delete(ids=half)  # what a crash inside a Chroma write leaves
    assert not ing.store.article_states()[multi].complete
    s = Ingestor(settings).ingest([corpus])
    assert (s.updated, s.unchanged, s.failed) == (1, 11, [])
    states = PassageStore(settings).article_states()
    assert all(st.complete for st in states.values()) and len(states) == 12
    assert PassageStore(settings).count() == full


def test_stale_bm25_index_after_a_crash_is_rebuilt_on_rerun(tmp_path):
    """A crash between Chroma's write and the lexical commit leaves the index without the
    last article; the re-run (which writes nothing) rebuilds it."""
    corpus = made_up_corpus(tmp_path / "corpus.jsonl", n=6)
    settings = settings_for(tmp_path / "store")
    Ingestor(settings).ingest([corpus])
    folder = settings.bm25_dir
    store = PassageStore(settings)
    n = store.count()
    last = max(p.article_id for p in store.iter_passages())
    write_passages(open_index(folder), [], [last])  # the index missing the last write
    assert len(SyncedLexicalIndex(store, folder).current()) < n
    s = Ingestor(settings).ingest([corpus])
    assert (s.added, s.unchanged) == (0, 6)
    assert len(SyncedLexicalIndex(store, folder).current()) == store.count() == n


# --- read-only store, full disk ------------------------------------------------------------
def _cli(args: list[str], store: Path, prefix: list[str] | None = None, **popen) -> subprocess.CompletedProcess:
    return subprocess.run([*(prefix or []), sys.executable, "-m", "ingest", "--quiet", *args], cwd=ROOT,
                          env=ingest_env(store), capture_output=True, text=True, timeout=180, **popen)


def _snapshot(store: Path) -> tuple[int, dict]:
    ps = PassageStore(settings_for(store))
    return ps.count(), {aid: (s.article_hash, s.found) for aid, s in ps.article_states().items()}


def _without_root_overrides() -> list[str]:
    """Root ignores file modes; run the child as root without the capabilities that do it."""
    if os.geteuid() != 0:
        return []
    setpriv = shutil.which("setpriv")
    if setpriv is None:
        pytest.skip("running as root without setpriv: a read-only folder cannot be enforced")
    return [setpriv, "--bounding-set=-dac_override,-dac_read_search,-fowner,-linux_immutable", "--"]


def test_read_only_store_folder_gives_a_clear_message_and_keeps_what_was_stored(tmp_path):
    """The store folder made read-only (chmod; as root the child runs without the
    capabilities that bypass file modes). Exit 2, a message saying what to do, store intact."""
    first = made_up_corpus(tmp_path / "one.jsonl", n=5)
    more = made_up_corpus(tmp_path / "two.jsonl", n=8, seed=99)
    more.write_text(more.read_text().replace('"art-', '"more-'))
    store = tmp_path / "store"
    assert _cli([str(first)], store).returncode == 0
    before = _snapshot(store)
    prefix = _without_root_overrides()
    for p in [store, *store.rglob("*")]:
        os.chmod(p, 0o555 if p.is_dir() else 0o444)
    try:
        res = _cli([str(more)], store, prefix)
    finally:
        for p in [store, *store.rglob("*")]:
            os.chmod(p, 0o755 if p.is_dir() else 0o644)
    print(res.stderr[-600:])
    assert res.returncode == 2, (res.returncode, res.stdout, res.stderr[-2000:])
    assert "Traceback" not in res.stderr
    assert "error:" in res.stderr and str(store) in res.stderr and "run the same command again" in res.stderr
    assert _snapshot(store) == before  # nothing lost, nothing half-added
    assert _cli([str(more)], store).returncode == 0  # writable again: the same command completes
    assert PassageStore(settings_for(store)).stats()["articles"] == 13


def _limit_file_size(limit: int):
    def pre():
        import resource

        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # writes past the limit fail with EFBIG instead
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    return pre


def test_disk_full_gives_a_clear_message_and_keeps_what_was_stored(tmp_path):
    """'Disk full' simulated portably with RLIMIT_FSIZE: no file may grow past its current
    size (+64 KB), so Chroma's SQLite write fails mid-ingest. Exit 2, store intact, and the
    same command completes once there is room."""
    first = made_up_corpus(tmp_path / "one.jsonl", n=5)
    more = made_up_corpus(tmp_path / "two.jsonl", n=N_ARTICLES, seed=5)
    more.write_text(more.read_text().replace('"art-', '"more-'))
    store = tmp_path / "store"
    assert _cli([str(first)], store).returncode == 0
    before = _snapshot(store)
    biggest = max(p.stat().st_size for p in store.rglob("*") if p.is_file())
    res = _cli([str(more)], store, preexec_fn=_limit_file_size(biggest + 64 * 1024))
    print(res.stderr[-600:])
    assert res.returncode == 2, (res.returncode, res.stdout, res.stderr[-2000:])
    assert "Traceback" not in res.stderr and "run the same command again" in res.stderr
    count, states = _snapshot(store)
    assert count >= before[0] and all(states[aid] == v for aid, v in before[1].items())  # the first five untouched
    ps = PassageStore(settings_for(store))
    assert all(s.complete for aid, s in ps.article_states().items() if not aid.startswith("more-"))
    assert _cli([str(more)], store).returncode == 0
    final = PassageStore(settings_for(store)).article_states()
    assert len(final) == 5 + N_ARTICLES and all(s.complete for s in final.values())
