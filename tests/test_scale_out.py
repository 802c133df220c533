"""Scale-out: two app processes (``python app.py``) behind one real ``chroma run`` server,
sharing one lexical index folder. An article ingested through one process is answered
by the other within ``ANSWERABLE_WITHIN`` seconds of the ingest's reply, without a
rebuild: the writer commits its passages, the other process reloads the commit."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from fixtures_chroma import ChromaServer

from eval.local_servers import free_port, wait_for_health
from vectorstore.lexical import read_state

pytestmark = [pytest.mark.server, pytest.mark.slow]

ROOT = Path(__file__).resolve().parent.parent
ANSWERABLE_WITHIN = 3.0  # seconds: the other process checks the index once a second
QUESTION = "Who did the Vellmar Symphony Orchestra name as principal conductor?"
ARTICLE = {
    "id": "vellmar-1", "title": "Orchestra names conductor", "source": "Arts Weekly", "published_date": "2024-05-02",
    "text": "The Vellmar Symphony Orchestra named Keiko Tanabe as its principal conductor on Thursday. "
            "She takes up the post in September after a season in Lisbon. " * 3,
}
OTHER = {
    "id": "tram-1", "title": "Council approves tram line", "source": "Daily Planet", "published_date": "2024-05-01",
    "text": "The city council of Marlowe approved a new tram line on Monday, costing 40 million euros. "
            "Mayor Ingrid Solberg said construction starts in spring.",
}


class AppProcess:
    """``python app.py`` on a free loopback port with the given environment."""

    def __init__(self, env: dict[str, str], log: Path) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        full = {**os.environ, **env, "FOOTNOTE_PORT": str(self.port), "FOOTNOTE_HOST": "127.0.0.1"}
        with log.open("wb") as fh:
            self.proc = subprocess.Popen([sys.executable, "app.py"], cwd=ROOT, env=full, stdout=fh,
                                         stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        self.log = log

    def wait_ready(self, timeout: float = 240.0) -> None:
        problem = wait_for_health(self.proc, f"{self.url}/api/health", timeout)
        if problem:
            raise RuntimeError(f"app on {self.url}: {problem}: {self.log.read_text()[-2000:]}")

    def ask(self, question: str) -> dict:
        r = httpx.post(f"{self.url}/api/ask", json={"question": question}, timeout=120)
        assert r.status_code == 200, r.text
        return r.json()

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(timeout=10)


@pytest.fixture
def two_apps(live_chroma: ChromaServer, tmp_path: Path) -> Iterator[tuple[AppProcess, AppProcess, Path]]:
    store = tmp_path / "shared-store"  # the lexical index folder both processes use
    env = {"FOOTNOTE_CHROMA_HOST": live_chroma.host, "FOOTNOTE_CHROMA_PORT": str(live_chroma.port),
           "FOOTNOTE_COLLECTION": f"scale{free_port()}", "FOOTNOTE_STORE_DIR": str(store),
           "FOOTNOTE_INGEST_SAMPLE": "false"}
    apps = [AppProcess(env, tmp_path / f"app-{name}.log") for name in ("a", "b")]
    try:
        for app in apps:
            app.wait_ready()
        yield apps[0], apps[1], store / f"bm25-{env['FOOTNOTE_COLLECTION']}"
    finally:
        for app in apps:
            app.stop()


def test_ingest_through_one_process_answer_from_the_other(two_apps, tmp_path):
    writer, reader, folder = two_apps
    first = tmp_path / "first.jsonl"
    first.write_text(json.dumps(OTHER) + "\n")
    r = httpx.post(f"{writer.url}/api/ingest", files={"files": ("first.jsonl", first.read_bytes())}, timeout=300)
    assert r.status_code == 200 and r.json()["added"] == 1, r.text
    before = reader.ask(QUESTION)  # the reader has its index open before the new article arrives
    assert "Keiko Tanabe" not in before["answer"]
    new = tmp_path / "new.jsonl"
    new.write_text(json.dumps(ARTICLE) + "\n")
    r = httpx.post(f"{writer.url}/api/ingest", files={"files": ("new.jsonl", new.read_bytes())}, timeout=300)
    assert r.status_code == 200 and r.json()["added"] == 1, r.text
    done = time.monotonic()
    while True:
        ans = reader.ask(QUESTION)
        waited = time.monotonic() - done
        if "Keiko Tanabe" in ans["answer"] or waited > ANSWERABLE_WITHIN:
            break
        time.sleep(0.1)
    assert "Keiko Tanabe" in ans["answer"], f"not answerable from the other process after {waited:.1f} s"
    assert waited <= ANSWERABLE_WITHIN
    print(f"answerable from the other process {waited:.2f} s after the ingest's reply")
    assert ans["citations"] and ans["citations"][0]["article_id"].endswith("vellmar-1")  # ids carry their origin
    # One index for both: the folder's last commit is at the store's revision, and the
    # writer's answer is the reader's.
    assert read_state(folder)["revision"]
    assert writer.ask(QUESTION)["answer"] == ans["answer"]
