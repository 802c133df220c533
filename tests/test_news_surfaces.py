"""The news pieces on the surfaces: the HTTP API (answer fields, /api/timeline, /api/feeds)
and the page in real Chromium (the As-of line, a dispute, the Timeline view), served by the
real app over a real embedded Chroma holding the seed pair, a timeline and a local feed."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import test_browser
from feed_site import FeedSite, article_html, atom
from fixtures_app import LiveServer
from test_browser import ask

from footnote.settings import SAMPLE_ARTICLE, Settings

ROOT = Path(__file__).resolve().parent.parent
TROOPS = ROOT / "tests" / "data" / "north-korean-troops-in-ukraine.md"
IMG = ROOT / "test-artifacts"  # docs/img/answer-as-of-dispute.png and timeline.png are copies of these
BRIDGE = [
    {"id": "b1", "title": "Harbour Bridge closed after cracks found", "source": "Coast Daily", "url": "https://coast.example/b1",
     "published_date": "2024-02-07", "text": "Inspectors closed the Harbour Bridge on Wednesday after finding cracks in two support beams."},
    {"id": "b3", "title": "Harbour Bridge repair bill rises", "source": "Metro News", "url": "https://metro.example/b3",
     "published_date": "2024-03-15", "text": "The Harbour Bridge repair bill reached 40 million dollars, the transport ministry said on Friday."},
    {"id": "b2", "title": "Harbour Bridge reopens", "source": "Coast Daily", "url": "https://coast.example/b2",
     "published_date": "2024-05-06", "text": "Engineers reopened the Harbour Bridge to traffic on Monday after three months of repairs to its cracked beams."},
]


browser = test_browser.browser  # its module-scoped fixture: Debian's Chromium under Playwright


@pytest.fixture(scope="module")
def news_app(tmp_path_factory):
    from app import create_app
    from assistant import Assistant
    from ingest.pipeline import Ingestor

    root = tmp_path_factory.mktemp("news")
    settings = Settings(store_dir=root / "store", feed_host_delay=0.0, _env_file=None)
    a = Assistant(settings)
    corpus = root / "bridge.jsonl"
    corpus.write_text("\n".join(json.dumps(r) for r in BRIDGE) + "\n", encoding="utf-8")
    assert Ingestor(settings, a.store, a.lexical).ingest([SAMPLE_ARTICLE, TROOPS, corpus]).ok
    with LiveServer(create_app(settings, a)) as live:
        yield live, settings


@pytest.fixture
def client(news_app):
    import httpx

    live, _ = news_app
    with httpx.Client(base_url=live.url, timeout=60) as c:
        yield c


def test_api_answer_carries_as_of_and_disputes(client):
    r = client.post("/api/ask", json={"question": "Who says North Korean troops are in Ukraine?"})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["as_of"] == "2024-10-18" and body["disputed"] is True
    assert [c["source"] for c in body["citations"]] == ["Seoul Herald"]
    assert body["disputed_by"][0]["source"] == "Kyiv Independent" and "Peskov" in body["disputed_by"][0]["quote"]
    assert "newer" in body and "support_outlets" in body


def test_api_timeline(client):
    r = client.get("/api/timeline", params={"q": "the Harbour Bridge"})
    assert r.status_code == 200, r.text
    entries = r.json()["entries"]
    assert [e["date"] for e in entries] == ["2024-02-07", "2024-03-15", "2024-05-06"]
    assert entries[0]["citation"]["source"] == "Coast Daily" and "cracks" in entries[0]["text"]
    assert client.get("/api/timeline", params={"q": "x", "date_from": "soon"}).status_code == 400
    assert client.get("/api/timeline").status_code in (400, 422)


def test_api_feeds_list_add_read_remove(client):
    with FeedSite() as site:
        site.put("/robots.txt", "User-agent: *\nAllow: /\n", "text/plain")
        site.put("/b/solar.html", article_html("Council approves solar farm", [
            "The regional council approved the largest solar farm in the country on Thursday after a two-year review.",
            "The farm will cover 900 hectares near Dunmore and power 120,000 homes, the developer Sunfield said.",
        ], site_name="Energy Desk"))
        site.put("/atom.xml", atom("Energy Desk", [
            {"title": "Council approves solar farm", "link": site.url("/b/solar.html"), "updated": "2024-10-31T07:00:00Z"}]),
            "application/atom+xml")
        assert client.get("/api/feeds").json() == []
        r = client.post("/api/feeds", json={"url": site.url("/atom.xml")})
        assert r.status_code == 201 and r.json()["url"] == site.url("/atom.xml")
        bad = client.post("/api/feeds", json={"url": "ftp://nope"})
        assert bad.status_code == 400 and "http" in bad.text
        read = client.post("/api/feeds/refresh").json()
        assert read["summary"]["added"] == 1 and read["feeds"][0]["status"] == "ok"
        listed = client.get("/api/feeds").json()
        assert listed[0]["title"] == "Energy Desk" and listed[0]["items"] == 1
        assert client.delete("/api/feeds", params={"url": site.url("/atom.xml")}).status_code == 204
        assert client.delete("/api/feeds", params={"url": site.url("/atom.xml")}).status_code == 404
        assert client.get("/api/feeds").json() == []


@pytest.mark.browser
def test_page_as_of_dispute_and_timeline(news_app, browser):
    live, _ = news_app
    ctx = browser.new_context(viewport={"width": 1400, "height": 1100})
    page = ctx.new_page()
    page.goto(live.url + "/")
    page.wait_for_selector("#fn-question textarea", timeout=30_000)
    msg = ask(page, "Who says North Korean troops are in Ukraine?")
    assert msg.locator(".fn-asof").inner_text() == "As of 2024-10-18"
    disputed = msg.locator(".fn-disputed").inner_text()
    assert "Disputed by" in disputed and "Kyiv Independent" in disputed
    other = msg.locator(".fn-other .fn-cite")
    assert other.count() == 1 and "Peskov" in other.locator(".fn-cited mark.fn-quote").first.inner_text()
    IMG.mkdir(parents=True, exist_ok=True)
    # the screenshot: the answer, its notes, the cited passage folded and the other account open
    msg.locator(".fn-cites:not(.fn-other) details.fn-more").evaluate_all("els => els.forEach(e => { e.open = false; })")
    page.evaluate("document.querySelector('#fn-chat .bubble-wrap, #fn-chat [role=log]')?.scrollTo(0, 0)")
    page.screenshot(path=str(IMG / "answer-as-of-dispute.png"), full_page=True)
    page.fill("#fn-tl-subject input, #fn-tl-subject textarea", "the Harbour Bridge")
    page.click("#fn-tl-show")
    page.wait_for_selector("#fn-tl-view .fn-tl-entry", timeout=30_000)
    dates = page.locator("#fn-tl-view .fn-tl-date").all_inner_texts()
    assert dates == ["2024-02-07", "2024-03-15", "2024-05-06"]
    assert "<" not in page.locator("#fn-tl-view .fn-tl-text").first.inner_text()
    page.locator("#fn-timeline-panel").screenshot(path=str(IMG / "timeline.png"))
    ctx.close()
