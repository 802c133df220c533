"""Feeds end to end: a real local HTTP news site (RSS, Atom, article pages, robots.txt),
the real feed reader, the real ingest pipeline and a real embedded Chroma."""

from __future__ import annotations

import pytest
from feed_site import FeedSite, article_html, atom, rss

from footnote.settings import Settings
from ingest.__main__ import main as ingest_main
from ingest.feeds import FeedError, FeedReader, FeedRegistry, PoliteClient, ingest_feeds, watch
from ingest.pipeline import Ingestor
from vectorstore.store import PassageStore

FLOOD = [
    "Heavy rain flooded the river town of Millbrook on Tuesday, forcing 300 residents from their homes.",
    "Mayor Ellen Park said the emergency shelter at the high school would stay open all week.",
    "The river crested at 6.2 metres, the highest level recorded since 1998, the weather service said.",
]
BRIDGE = [
    "Engineers closed the Harbour Bridge on Wednesday after inspectors found cracks in two support beams.",
    "Transport minister Raj Patel said repairs would take at least three months and cost 40 million dollars.",
    "Commuters were told to use the ferry service, which will run every ten minutes during rush hour.",
]
SOLAR = [
    "The regional council approved the largest solar farm in the country on Thursday after a two-year review.",
    "The farm will cover 900 hectares near Dunmore and power 120,000 homes, the developer Sunfield said.",
    "Construction starts in spring and the first panels should feed the grid by the end of next year.",
]


@pytest.fixture
def site():
    with FeedSite() as s:
        s.put("/robots.txt", "User-agent: *\nDisallow: /private/\n", "text/plain")
        s.put("/a/flood.html", article_html("River floods Millbrook", FLOOD, site_name="Valley News"))
        s.put("/a/bridge.html", article_html("Harbour Bridge closed", BRIDGE, site_name="Valley News"))
        s.put("/b/solar.html", article_html("Council approves solar farm", SOLAR, "2024-10-30", "Energy Desk"))
        s.put("/private/secret.html", article_html("Secret", FLOOD))
        s.put("/rss.xml", rss("Valley News", [
            {"title": "River floods Millbrook", "link": s.url("/a/flood.html"), "pubDate": "Tue, 29 Oct 2024 08:00:00 GMT"},
            {"title": "Harbour Bridge closed", "link": s.url("/a/bridge.html"), "pubDate": "Wed, 30 Oct 2024 09:30:00 GMT"},
            {"title": "Members only", "link": s.url("/private/secret.html"), "pubDate": "Wed, 30 Oct 2024 10:00:00 GMT"},
        ]), "application/rss+xml")
        s.put("/atom.xml", atom("Energy Desk", [
            {"title": "Council approves solar farm", "link": s.url("/b/solar.html"), "updated": "2024-10-31T07:00:00Z"},
        ]), "application/atom+xml")
        s.put("/broken.xml", "<rss version='2.0'><channel><title>Broken</title><item><title>oops", "application/rss+xml")
        s.put("/down.xml", "", "application/rss+xml", status=503)
        yield s


@pytest.fixture
def fast(settings: Settings) -> Settings:
    return settings.model_copy(update={"feed_host_delay": 0.0, "feed_timeout": 2.0})


def _run(settings: Settings, *urls: str):
    store = PassageStore(settings)
    ingestor = Ingestor(settings, store)
    return ingest_feeds(ingestor, FeedRegistry(settings), FeedReader(settings), urls), store


def _by_title(store: PassageStore) -> dict[str, list]:
    out: dict[str, list] = {}
    for p in store.iter_passages():
        out.setdefault(p.title, []).append(p)
    return out


def test_new_items_ingested_broken_feeds_reported_rest_go_on(site, fast):
    run, store = _run(fast, site.url("/rss.xml"), site.url("/broken.xml"), site.url("/atom.xml"), site.url("/down.xml"))
    status = {p.feed.url.rsplit("/", 1)[1]: p for p in run.polls}
    assert status["rss.xml"].status == "ok" and status["atom.xml"].status == "ok"
    assert status["broken.xml"].status == "error" and "malformed" in status["broken.xml"].error
    assert status["down.xml"].status == "error" and "503" in status["down.xml"].error
    arts = _by_title(store)
    assert set(arts) == {"River floods Millbrook", "Harbour Bridge closed", "Council approves solar farm"}
    flood = arts["River floods Millbrook"][0]
    assert flood.source == "Valley News" and flood.url == site.url("/a/flood.html")
    assert flood.date.isoformat() == "2024-10-29"  # from the feed's pubDate
    assert "300 residents" in " ".join(p.text for p in arts["River floods Millbrook"])
    assert "Copyright" not in " ".join(p.text for ps in arts.values() for p in ps)  # extracted, not the page chrome
    assert arts["Council approves solar farm"][0].source == "Energy Desk"
    # robots.txt forbids /private/: never fetched, reported as an item failure
    assert not site.requests_for("/private/secret.html")
    assert any("robots.txt" in str(f) for f in run.summary.failed)
    # every request names Footnote
    assert all("Footnote" in r.headers.get("user-agent", "") for r in site.log)
    # the feeds and their state persist with the store
    feeds = {f.url: f for f in FeedRegistry(fast).load()}
    assert len(feeds) == 4 and feeds[site.url("/broken.xml")].last_error
    assert len(feeds[site.url("/rss.xml")].items) == 2  # the refused item is not marked stored


def test_unchanged_feed_costs_one_conditional_get_and_skips_items(site, fast):
    _run(fast, site.url("/rss.xml"))
    pages_before = len(site.requests_for("/a/flood.html"))
    run, store = _run(fast)  # every registered feed
    poll = run.polls[0]
    assert poll.status == "not modified"
    assert site.requests_for("/rss.xml")[-1].headers.get("if-none-match") == site.pages["/rss.xml"].etag
    assert len(site.requests_for("/a/flood.html")) == pages_before
    assert (run.summary.added, run.summary.updated, run.summary.chunks_written) == (0, 0, 0)
    # the feed changes (new ETag) but the old items did not: their pages are not fetched again
    site.put("/rss.xml", site.pages["/rss.xml"].body.replace("Valley News news", "Valley News headlines"),
             "application/rss+xml")
    run, _ = _run(fast)
    assert run.polls[0].status == "ok"
    assert [item.link for item, _ in run.polls[0].articles] == [site.url("/private/secret.html")]  # refused again
    assert len(site.requests_for("/a/flood.html")) == pages_before


def test_updated_item_replaces_its_earlier_version(site, fast):
    _run(fast, site.url("/rss.xml"))
    site.put("/a/flood.html", article_html("River floods Millbrook", [
        "Heavy rain flooded the river town of Millbrook on Tuesday, forcing 450 residents from their homes.",
        "Mayor Ellen Park said a second shelter opened at the sports hall on Thursday.",
        FLOOD[2],
    ], site_name="Valley News"))
    body = site.pages["/rss.xml"].body.replace("Tue, 29 Oct 2024 08:00:00 GMT", "Thu, 31 Oct 2024 18:00:00 GMT")
    site.put("/rss.xml", body, "application/rss+xml")
    run, store = _run(fast)
    assert run.summary.updated == 1 and run.summary.added == 0
    flood = _by_title(store)["River floods Millbrook"]
    text = " ".join(p.text for p in flood)
    assert "450 residents" in text and "300 residents" not in text
    assert {p.date.isoformat() for p in flood} == {"2024-10-31"}
    assert len({p.article_id for p in flood}) == 1


def test_page_date_from_htmldate_when_the_feed_has_none(site, fast):
    site.put("/nodate.xml", rss("Energy Desk", [{"title": "Council approves solar farm", "link": site.url("/b/solar.html")}]),
             "application/rss+xml")
    _, store = _run(fast, site.url("/nodate.xml"))
    assert {p.date.isoformat() for p in store.iter_passages()} == {"2024-10-30"}


def test_slow_feed_times_out_and_is_retried_next_round(site, fast):
    site.put("/slow.xml", site.pages["/atom.xml"].body, "application/atom+xml", delay=3.0)
    registry, store = FeedRegistry(fast), PassageStore(fast)
    registry.add(site.url("/slow.xml"))
    ingestor, reader = Ingestor(fast, store), FeedReader(fast)
    rounds: list = []

    def once():
        run = ingest_feeds(ingestor, registry, reader)
        rounds.append(run)
        site.pages["/slow.xml"].delay = 0.0  # the site recovers after the first round
        return run

    assert watch(once, 0.01, rounds=2, sleep=lambda s: None, echo=lambda s: None) == 2
    assert rounds[0].polls[0].status == "error" and "Timeout" in rounds[0].polls[0].error
    assert rounds[1].polls[0].status == "ok" and rounds[1].summary.added == 1
    assert "Council approves solar farm" in _by_title(store)


def test_per_host_delay_spaces_requests(site):
    waits: list[float] = []
    client = PoliteClient(delay=30.0, timeout=5, sleep=waits.append)  # the waits are recorded, not slept
    for path in ("/a/flood.html", "/a/bridge.html", "/b/solar.html"):
        client.get(site.url(path))
    other_host = site.url("/a/flood.html").replace("127.0.0.1", "localhost")
    client.get(other_host)  # another host: robots.txt read for it, and no wait behind the first host
    client.close()
    assert len(site.requests_for("/robots.txt")) == 2  # once per host
    # 127.0.0.1: robots.txt, then three pages each after a wait of about the delay; localhost:
    # its robots.txt at once (another host), then its page after one wait
    assert len(waits) == 4 and all(29.0 < w <= 30.0 for w in waits)


def test_registry_add_list_remove_and_bad_urls(fast):
    reg = FeedRegistry(fast)
    reg.add("https://example.org/feed.xml")
    reg.add("https://example.org/feed.xml")  # once
    reg.add(" https://example.com/atom ")
    assert [f.url for f in FeedRegistry(fast).load()] == ["https://example.org/feed.xml", "https://example.com/atom"]
    assert reg.remove("https://example.org/feed.xml") and not reg.remove("https://example.org/feed.xml")
    assert [f.url for f in reg.load()] == ["https://example.com/atom"]
    for bad in ("ftp://example.org/f", "not a url", "", "file:///etc/passwd"):
        with pytest.raises(FeedError):
            reg.add(bad)


def test_cli_feed_once(site, fast, capsys):
    code = ingest_main(["--feed", site.url("/atom.xml"), "--store", str(fast.store_dir)])
    out = capsys.readouterr().out
    assert code == 0, out
    assert "Energy Desk: ok, 1 new or updated item(s)" in out and "added 1" in out
    code = ingest_main(["--feed", site.url("/down.xml"), "--store", str(fast.store_dir)])
    assert code == 1 and "FAILED" in capsys.readouterr().out
    assert ingest_main(["--feed", "nonsense", "--store", str(fast.store_dir)]) == 2
