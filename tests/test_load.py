"""A bounded load test on loopback (issue 7): 50 concurrent users through the HTTP API for
FOOTNOTE_LOAD_SECONDS (15 s by default; the documented run is 60 s), mixed asks (plain,
streamed, follow-ups, filtered, refused, invalid), health checks and one ingest upload
in the middle. Zero 5xx and zero dropped connections; p95 reported; the server
process's RSS at the end within FOOTNOTE_LOAD_MAX_RSS_GROWTH_MB (150) of the start; the
uploaded articles answerable afterwards (nothing lost).

The server is `python app.py` in its own process (so its RSS is its own), on a free port,
over a store seeded with the sample article and 60 made-up ones.

    FOOTNOTE_LOAD_SECONDS=60 .venv/bin/python -m pytest -q -s tests/test_load.py
"""

from __future__ import annotations

import asyncio
import json
import os
import random
import statistics
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import httpx
import pytest
from conftest import ROOT, write

from eval.local_servers import free_port, wait_for_health
from footnote.settings import SAMPLE_ARTICLE

SECONDS = float(os.environ.get("FOOTNOTE_LOAD_SECONDS", "15"))
USERS = int(os.environ.get("FOOTNOTE_LOAD_USERS", "50"))
MAX_RSS_GROWTH_MB = float(os.environ.get("FOOTNOTE_LOAD_MAX_RSS_GROWTH_MB", "150"))
TOWNS = ["Amberley", "Brookfield", "Carrow", "Dunmore", "Elsworth", "Fairhaven"]

ASKS = [
    ("ask", {"question": "Who denied the reports?"}),
    ("ask", {"question": "Where were North Korean soldiers killed?"}),
    ("ask", {"question": "What did the Carrow council vote on?"}),
    ("ask", {"question": "What is the capital of Peru?"}),  # refused: not in the articles
    ("ask", {"question": "Who denied them?", "history": [
        {"role": "user", "content": "Were North Korean troops reported in Ukraine?"},
        {"role": "assistant", "content": "Yes, by Ukrainian media."}]}),
    ("ask", {"question": "What happened in Dunmore?", "date_from": "2024-03-01", "date_to": "2024-09-30"}),
    ("ask", {"question": "😀 ¿Quién negó los informes? \x00"}),
    ("bad", {"question": "   "}),  # 4xx, not 5xx
    ("bad", {"question": "x" * 5000}),
    ("stream", {"question": "Who denied the reports?"}),
    ("health", {}),
]


def _rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def _corpus(path: Path, n: int, prefix: str, seed: int) -> Path:
    rng = random.Random(seed)
    recs = []
    for i in range(n):
        town = rng.choice(TOWNS)
        recs.append({"id": f"{prefix}-{i}", "title": f"{town} council vote {i}", "source": "Made-up Gazette",
                     "published_date": f"2024-{1 + i % 12:02d}-{1 + i % 27:02d}",
                     "text": f"The {town} council voted on the {rng.choice(['bridge', 'school', 'market'])} plan on day {i}. "
                             f"Councillor {rng.choice(['Ada', 'Ben', 'Cleo'])} Marsh said the vote ended a long dispute."})
    return write(path, "\n".join(json.dumps(r) for r in recs) + "\n")


@pytest.fixture
def server(tmp_path):
    store = tmp_path / "store"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("FOOTNOTE_", "OPENAI_"))}
    port = free_port()
    env.update(FOOTNOTE_STORE_DIR=str(store), FOOTNOTE_HOST="127.0.0.1", FOOTNOTE_PORT=str(port),
               GRADIO_ANALYTICS_ENABLED="False", HF_HUB_DISABLE_TELEMETRY="1", ANONYMIZED_TELEMETRY="False")
    seed = subprocess.run([sys.executable, "-m", "ingest", "--quiet", str(SAMPLE_ARTICLE),
                           str(_corpus(tmp_path / "seed.jsonl", 60, "seed", 1))],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=180)
    assert seed.returncode == 0, seed.stderr[-2000:]
    log = (tmp_path / "server.log").open("w")
    env["PYTHONPATH"] = str(ROOT)
    app_script = os.environ.get("FOOTNOTE_LOAD_APP", "app.py")  # another script: to check a patched app
    proc = subprocess.Popen([sys.executable, app_script], cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        problem = wait_for_health(proc, url + "/api/health", 90)
        assert problem is None, f"the app did not start ({problem}): " + (tmp_path / "server.log").read_text()[-3000:]
        yield url, proc, tmp_path
    finally:
        proc.terminate()
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(5)
        log.close()


async def _user(client: httpx.AsyncClient, uid: int, stop: float, results: list, rng: random.Random) -> None:
    while time.monotonic() < stop:
        kind, body = ASKS[rng.randrange(len(ASKS))]
        t0 = time.perf_counter()
        try:
            if kind == "health":
                r = await client.get("/api/health")
            elif kind == "stream":
                async with client.stream("POST", "/api/ask/stream", json=body) as r:
                    text = "".join([chunk async for chunk in r.aiter_text()])
                if r.status_code == 200 and ("event: answer" not in text or "event: error" in text):
                    results.append((kind, 599, time.perf_counter() - t0))  # a broken stream counts as a failure
                    continue
            else:
                r = await client.post("/api/ask", json=body)
                if r.status_code == 200:
                    ans = r.json()
                    assert all(1 <= c["n"] <= len(ans["citations"]) for c in ans["citations"])
            results.append((kind, r.status_code, time.perf_counter() - t0))
        except httpx.HTTPError as e:
            results.append((kind, f"{type(e).__name__}", time.perf_counter() - t0))


async def _uploader(client: httpx.AsyncClient, at: float, tmp: Path, results: list, out: dict) -> None:
    await asyncio.sleep(at)
    files = [
        ("files", ("load-story.txt", b"Glassworks reopens in Brookfield\n\nThe old glassworks in Brookfield reopened "
                                      b"on Friday with 140 new jobs, the owner Priya Holt said.", "text/plain")),
        ("files", ("load-batch.jsonl", _corpus(tmp / "upload.jsonl", 20, "upl", 2).read_bytes(), "application/json")),
    ]
    t0 = time.perf_counter()
    r = await client.post("/api/ingest", files=files)
    results.append(("ingest", r.status_code, time.perf_counter() - t0))
    out["ingest"] = r.json() if r.status_code == 200 else r.text


async def _run(url: str, tmp: Path, seconds: float, users: int) -> tuple[list, dict]:
    results: list = []
    out: dict = {}
    limits = httpx.Limits(max_connections=users + 10, max_keepalive_connections=users + 10)
    async with httpx.AsyncClient(base_url=url, timeout=httpx.Timeout(float(os.environ.get("FOOTNOTE_LOAD_TIMEOUT", "180"))), limits=limits) as client:
        stop = time.monotonic() + seconds
        tasks = [_user(client, i, stop, results, random.Random(i)) for i in range(users)]
        tasks.append(_uploader(client, seconds / 3, tmp, results, out))
        await asyncio.gather(*tasks)
    return results, out


@pytest.mark.slow
def test_fifty_users_no_5xx_p95_and_stable_memory(server):
    url, proc, tmp = server
    with httpx.Client(base_url=url, timeout=60) as c:  # warm-up: models loaded, indexes built
        for _ in range(3):
            assert c.post("/api/ask", json={"question": "Who denied the reports?"}).status_code == 200
    rss_start = _rss_mb(proc.pid)
    t0 = time.monotonic()
    results, out = asyncio.run(_run(url, tmp, SECONDS, USERS))
    wall = time.monotonic() - t0
    rss_end = _rss_mb(proc.pid)

    statuses = Counter(s for _, s, _ in results)
    asks = sorted(t for k, s, t in results if k in ("ask", "stream") and s == 200)
    p50 = statistics.median(asks)
    p95 = asks[int(0.95 * (len(asks) - 1))]
    report = {
        "users": USERS, "seconds": round(wall, 1), "requests": len(results),
        "rps": round(len(results) / wall, 1), "statuses": dict(statuses),
        "ask_p50_s": round(p50, 2), "ask_p95_s": round(p95, 2), "ask_max_s": round(asks[-1], 2),
        "rss_start_mb": round(rss_start), "rss_end_mb": round(rss_end),
        "ingest": {k: out.get("ingest", {}).get(k) for k in ("added", "failed")} if isinstance(out.get("ingest"), dict) else out,
    }
    print("\nLOAD " + json.dumps(report))
    (tmp / "load-report.json").write_text(json.dumps(report, indent=1))

    failures = {s: n for s, n in statuses.items() if not isinstance(s, int) or s >= 500}
    assert failures == {}, report
    assert set(statuses) <= {200, 422, 400}, report  # 4xx only from the invalid questions
    assert statuses[200] >= USERS, report
    assert isinstance(out.get("ingest"), dict) and out["ingest"]["added"] == 21 and out["ingest"]["failed"] == [], out
    assert rss_end - rss_start < MAX_RSS_GROWTH_MB, report
    with httpx.Client(base_url=url, timeout=60) as c:  # the upload is there: nothing lost under load
        ans = c.post("/api/ask", json={"question": "How many jobs came with the Brookfield glassworks reopening?"}).json()
        assert "140" in ans["answer"] and ans["citations"][0]["title"].startswith("Glassworks reopens"), ans
        health = c.get("/api/health").json()
        assert health["articles"] == 1 + 60 + 21, health
