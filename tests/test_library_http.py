"""The routes the page keeps and manages things through, against the real app on a free
loopback port (real embedded Chroma, real SQLite): /api/conversations, /api/ask with
conversation_id and as_of, /api/feedback and ``python -m eval feedback``, /api/articles."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import httpx
from fixtures_app import AUTH_PASSWORD, AUTH_USER

SEED = "Who denied the reports?"
ROOT = Path(__file__).resolve().parent.parent


def test_a_conversation_holds_its_turns_and_exports_with_citations(app_server):
    c = app_server.client()
    conv = c.post("/api/conversations", json={"title": "Troops"}).json()
    first = c.post("/api/ask", json={"question": SEED, "conversation_id": conv["id"], "as_of": "2024-10-25"}).json()
    assert first["conversation_id"] == conv["id"] and first["turn_id"] and first["asked_as_of"] == "2024-10-25"
    assert first["citations"], first
    # the follow-up is read against the saved turn, without history sent
    second = c.post("/api/ask", json={"question": "What did he say?", "conversation_id": conv["id"]}).json()
    got = c.get(f"/api/conversations/{conv['id']}").json()
    assert [t["question"] for t in got["turns"]] == [SEED, "What did he say?"]
    assert got["turns"][0]["answer"]["citations"][0]["title"] == first["citations"][0]["title"]
    assert got["turns"][0]["options"]["as_of"] == "2024-10-25"
    assert second["standalone_question"] != "What did he say?" or second["refused"] is not None
    md = c.get(f"/api/conversations/{conv['id']}/export", params={"format": "md"})
    assert md.status_code == 200 and md.headers["content-type"].startswith("text/markdown")
    assert f"## {SEED}" in md.text and f"[1] **{first['citations'][0]['title']}**" in md.text
    js = c.get(f"/api/conversations/{conv['id']}/export", params={"format": "json"}).json()
    assert js["turns"][0]["answer"]["citations"][0]["text"] == first["citations"][0]["text"]


def test_conversations_list_newest_first_rename_delete(app_server):
    c = app_server.client()
    a = c.post("/api/conversations", json={"title": "older"}).json()
    b = c.post("/api/conversations", json={"title": "newer"}).json()
    ids = [x["id"] for x in c.get("/api/conversations").json()["conversations"]]
    assert ids.index(b["id"]) < ids.index(a["id"])
    assert c.patch(f"/api/conversations/{a['id']}", json={"title": "renamed"}).json()["title"] == "renamed"
    assert c.delete(f"/api/conversations/{a['id']}").json()["deleted"] is True
    r = c.get(f"/api/conversations/{a['id']}")
    assert r.status_code == 404 and "no conversation" in r.json()["error"]["message"].lower()
    assert c.post("/api/ask", json={"question": SEED, "conversation_id": a["id"]}).status_code == 404


def test_conversations_are_per_user(auth_server):
    alice = auth_server.client(auth=(AUTH_USER, AUTH_PASSWORD))
    bob = auth_server.client(auth=("bob", "another-pw"))
    conv = alice.post("/api/conversations", json={"title": "alice's"}).json()
    assert bob.get(f"/api/conversations/{conv['id']}").status_code == 404
    assert conv["id"] not in [x["id"] for x in bob.get("/api/conversations").json()["conversations"]]
    assert bob.delete(f"/api/conversations/{conv['id']}").status_code == 404
    assert alice.get(f"/api/conversations/{conv['id']}").status_code == 200
    assert httpx.get(f"{auth_server.url}/api/conversations").status_code == 401


def test_a_bad_as_of_is_a_400_that_names_the_field(app_server):
    r = app_server.client().post("/api/ask", json={"question": SEED, "as_of": "March 2023"})
    assert r.status_code == 400 and "as_of" in r.json()["error"]["message"]


def test_feedback_is_exported_as_a_question_set_that_eval_reads(app_server, tmp_path):
    c = app_server.client()
    conv = c.post("/api/conversations", json={"title": "rated"}).json()
    good = c.post("/api/ask", json={"question": SEED, "conversation_id": conv["id"]}).json()
    bad = c.post("/api/ask", json={"question": "Who won the 1930 World Cup?", "conversation_id": conv["id"]}).json()
    assert c.post("/api/feedback", json={"rating": 1, "conversation_id": conv["id"], "turn_id": good["turn_id"]}).status_code == 201
    assert c.post("/api/feedback", json={"rating": -1, "note": "Uruguay", "conversation_id": conv["id"],
                                         "turn_id": bad["turn_id"]}).status_code == 201
    assert c.post("/api/feedback", json={"rating": 1}).status_code == 400
    out = tmp_path / "feedback.jsonl"
    run = subprocess.run([sys.executable, "-m", "eval", "feedback", "--db", str(app_server.settings.database_path),
                          "--out", str(out)], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    records = {r["question"]: r for r in map(json.loads, out.read_text().splitlines())}
    assert records[SEED]["type"] == "feedback-good" and records[SEED]["evidence"]
    assert "[1]" not in records[SEED]["answers"][0] and records[SEED]["answers"][0]
    assert records["Who won the 1930 World Cup?"]["answers"] == ["Uruguay"]
    from eval.dataset import load_questions

    qs = load_questions(out)
    assert not [p for p in qs.problems if p.skipped] and len(qs.questions) >= 2


def test_articles_list_open_and_delete_stops_citing(app_server):
    c = app_server.client()
    body = ("The Zorblat Festival of Quibbleton was cancelled on 3 March 2024, the mayor Ingrid Vostrikova said. "
            "Vostrikova said the festival will return in 2025 with a new organiser.")
    files = {"files": ("zorblat.txt", f"Zorblat festival cancelled\n\n{body}".encode(), "text/plain")}
    assert c.post("/api/ingest", files=files).json()["added"] == 1
    listed = c.get("/api/articles", params={"q": "zorblat"}).json()
    assert listed["total"] == 1
    aid = listed["articles"][0]["id"]
    art = c.get(f"/api/articles/{aid}").json()
    assert "Ingrid Vostrikova" in art["text"] and art["passages"]
    q = "Who cancelled the Zorblat Festival of Quibbleton?"
    before = c.post("/api/ask", json={"question": q}).json()
    assert aid in {x["article_id"] for x in before["citations"]}
    gone = c.delete(f"/api/articles/{aid}").json()
    assert gone == {"deleted": True, "passages": len(art["passages"])}
    after = c.post("/api/ask", json={"question": q}).json()
    assert aid not in {x["article_id"] for x in after["citations"]}
    assert c.get(f"/api/articles/{aid}").status_code == 404
    assert c.delete(f"/api/articles/{aid}").status_code == 404
    assert c.get("/api/articles", params={"limit": 0}).status_code == 400


def test_the_stream_saves_its_turn_in_the_conversation(app_server):
    c = app_server.client()
    conv = c.post("/api/conversations", json={"title": "streamed"}).json()
    r = c.post("/api/ask/stream", json={"question": SEED, "conversation_id": conv["id"], "as_of": "2024-10-20"})
    events = [line[6:] for line in r.text.splitlines() if line.startswith("data: ")]
    final = json.loads(events[-1])
    assert final["conversation_id"] == conv["id"] and final["turn_id"] and final["asked_as_of"] == "2024-10-20"
    turns = c.get(f"/api/conversations/{conv['id']}").json()["turns"]
    assert [t["id"] for t in turns] == [final["turn_id"]] and turns[0]["answer"]["answer"] == final["answer"]
    assert c.post("/api/ask/stream", json={"question": SEED, "conversation_id": "nope"}).status_code == 404
