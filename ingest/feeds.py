"""News feeds: RSS and Atom in, each new item's page fetched, extracted and ingested.

A ``FeedRegistry`` keeps the feeds (URL, title, conditional-GET validators, the items
already stored) in a small JSON file in the store folder, so the list travels with the
store. A ``FeedReader`` polls one feed politely: a user agent that names Footnote,
robots.txt respected (``urllib.robotparser``), a delay between requests to the same host,
and ``If-None-Match`` / ``If-Modified-Since`` so an unchanged feed costs one 304. Each
new or updated item's page is extracted as the HTML loader does (trafilatura); its date
comes from the feed, else from the page (htmldate). ``ingest_feeds`` polls every feed,
ingests what they brought and remembers which items are stored; a feed that is down,
slow or malformed is reported and retried next round while the others go on.
"""

from __future__ import annotations

import calendar
import json
import logging
import os
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from urllib.robotparser import RobotFileParser

from footnote.records import Article, IngestSummary, sha1
from footnote.settings import Settings
from ingest.errors import IngestError
from ingest.loaders import article_from_html

log = logging.getLogger("footnote.feeds")

USER_AGENT = "Footnote/1.0 (news QA feed reader; +https://github.com/footnote)"
ROBOTS_AGENT = "Footnote"
MAX_FEED_BYTES = 10_000_000
MAX_PAGE_BYTES = 20_000_000


class FeedError(Exception):
    """A feed (or an item's page) could not be read; the message says why."""


@dataclass
class Feed:
    """One subscribed feed and what Footnote remembers about it."""

    url: str
    title: str = ""
    etag: str = ""
    modified: str = ""
    items: dict[str, str] = field(default_factory=dict)  # item key -> its version stamp, once stored
    added: str = ""
    last_checked: str = ""
    last_error: str = ""

    def public(self) -> dict[str, Any]:
        """What the page and the API show (no validators, no item list)."""
        return {
            "url": self.url,
            "title": self.title,
            "items": len(self.items),
            "added": self.added,
            "last_checked": self.last_checked,
            "last_error": self.last_error,
        }


def check_feed_url(url: str) -> str:
    """The URL stripped, or FeedError when it is not an http(s) URL."""
    url = (url or "").strip()
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise FeedError(f"not an http(s) URL: {url!r}")
    if any(c.isspace() for c in url):
        raise FeedError(f"a URL has no spaces: {url!r}")
    return url


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


class FeedRegistry:
    """The feeds of one store, persisted as ``feeds-<collection>.json`` in the store folder.

    Writes go to a temporary file that replaces the old one, so a crash never leaves half
    a list; a lock serialises the page, the API and a watch loop in one process.
    """

    def __init__(self, settings: Settings) -> None:
        self.path = Path(settings.store_dir) / f"feeds-{settings.collection}.json"
        self._lock = threading.RLock()

    def load(self) -> list[Feed]:
        """The feeds, in the order they were added (an unreadable file reads as none, logged)."""
        with self._lock:
            if not self.path.exists():
                return []
            try:
                raw = json.loads(self.path.read_text(encoding="utf-8"))
                return [Feed(**{k: v for k, v in f.items() if k in Feed.__dataclass_fields__}) for f in raw["feeds"]]
            except (OSError, ValueError, KeyError, TypeError) as e:
                log.error("cannot read the feed list %s: %s", self.path, e)
                return []

    def save(self, feeds: list[Feed]) -> None:
        with self._lock:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            tmp = self.path.with_suffix(".tmp")
            tmp.write_text(json.dumps({"feeds": [asdict(f) for f in feeds]}, indent=1), encoding="utf-8")
            os.replace(tmp, self.path)

    def add(self, url: str, title: str = "") -> Feed:
        """Subscribe to a feed (an existing one is returned unchanged)."""
        url = check_feed_url(url)
        with self._lock:
            feeds = self.load()
            for f in feeds:
                if f.url == url:
                    return f
            feed = Feed(url=url, title=title, added=_now())
            self.save([*feeds, feed])
            return feed

    def remove(self, url: str) -> bool:
        """Unsubscribe; True if the feed was there. Its stored articles stay."""
        with self._lock:
            feeds = self.load()
            kept = [f for f in feeds if f.url != url.strip()]
            if len(kept) == len(feeds):
                return False
            self.save(kept)
            return True

    def update(self, feed: Feed) -> None:
        """Write back one feed's state (validators, stored items, last error)."""
        with self._lock:
            feeds = self.load()
            self.save([feed if f.url == feed.url else f for f in feeds] + ([] if any(f.url == feed.url for f in feeds) else [feed]))


class PoliteClient:
    """HTTP GETs that name Footnote, respect robots.txt and space out requests to a host."""

    def __init__(self, delay: float = 1.0, timeout: float = 20.0, sleep: Callable[[float], None] = time.sleep) -> None:
        import httpx

        self.delay = delay
        self.sleep = sleep
        self.http = httpx.Client(timeout=timeout, follow_redirects=True, headers={"User-Agent": USER_AGENT})
        self._last: dict[str, float] = {}
        self._robots: dict[str, RobotFileParser] = {}

    def close(self) -> None:
        self.http.close()

    def _wait(self, host: str) -> None:
        last = self._last.get(host)
        if last is not None:
            gap = self.delay - (time.monotonic() - last)
            if gap > 0:
                self.sleep(gap)
        self._last[host] = time.monotonic()

    def allowed(self, url: str) -> bool:
        """Whether robots.txt lets Footnote fetch ``url`` (read once per host and run)."""
        parts = urlsplit(url)
        base = f"{parts.scheme}://{parts.netloc}"
        rp = self._robots.get(base)
        if rp is None:
            rp = self._robots[base] = RobotFileParser(base + "/robots.txt")
            import httpx

            try:
                self._wait(parts.netloc)
                resp = self.http.get(base + "/robots.txt")
                if resp.status_code in (401, 403):
                    rp.disallow_all = True
                elif resp.status_code >= 500:
                    del self._robots[base]  # ask again next time; do not crawl meanwhile
                    raise FeedError(f"robots.txt answered HTTP {resp.status_code}; retrying next round")
                elif resp.status_code >= 400:
                    rp.allow_all = True
                else:
                    rp.parse(resp.text.splitlines())
            except httpx.HTTPError as e:
                del self._robots[base]
                raise FeedError(f"cannot reach {base}: {type(e).__name__}") from e
        return rp.can_fetch(ROBOTS_AGENT, url)

    def get(self, url: str, headers: dict[str, str] | None = None, max_bytes: int = MAX_PAGE_BYTES):
        """GET ``url`` (httpx.Response), or FeedError: robots.txt forbids it, it failed, too big."""
        import httpx

        if not self.allowed(url):
            raise FeedError(f"robots.txt does not allow fetching {url}")
        self._wait(urlsplit(url).netloc)
        try:
            resp = self.http.get(url, headers=headers or {})
        except httpx.HTTPError as e:
            raise FeedError(f"cannot fetch {url}: {type(e).__name__}: {e}") from e
        if resp.status_code >= 400:
            raise FeedError(f"{url} answered HTTP {resp.status_code}")
        if len(resp.content) > max_bytes:
            raise FeedError(f"{url} is larger than {max_bytes // 1_000_000} MB")
        return resp


@dataclass
class FeedItem:
    """One entry of a parsed feed."""

    key: str
    link: str
    title: str
    stamp: str
    published: date | None


@dataclass
class FeedPoll:
    """What polling one feed brought: the items to ingest, or the error."""

    feed: Feed
    status: str = "ok"  # ok | not modified | error
    error: str = ""
    articles: list[tuple[FeedItem, Article | IngestError]] = field(default_factory=list)


def parse_feed(content: bytes, url: str, headers: dict[str, str] | None = None) -> tuple[str, list[FeedItem]]:
    """The feed's title and its items (feedparser: RSS 0.9x/1.0/2.0 and Atom). FeedError if unreadable."""
    import feedparser

    headers = {k.lower(): v for k, v in (headers or {}).items()}
    headers.setdefault("content-location", url)  # relative item links resolve against the feed
    parsed = feedparser.parse(content, response_headers=headers)
    items = []
    for e in parsed.entries:
        raw = dict(e)  # plain keys: no feedparser fallbacks (and their warnings) for missing ones
        link = (raw.get("link") or "").strip()
        if urlsplit(link).scheme not in ("http", "https"):
            continue  # no link, or not a web page (mailto:, javascript:)
        when = raw.get("published_parsed") or raw.get("updated_parsed")
        published = datetime.fromtimestamp(calendar.timegm(when), tz=UTC).date() if when else None
        stamp = raw.get("updated") or raw.get("published") or ""
        items.append(FeedItem(raw.get("id") or link, link, (raw.get("title") or "").strip(), stamp, published))
    if parsed.bozo and not items:
        why = type(parsed.get("bozo_exception")).__name__ if parsed.get("bozo_exception") else "unknown"
        raise FeedError(f"malformed feed {url} ({why})")
    if not parsed.get("version") and not items:
        raise FeedError(f"not an RSS or Atom feed: {url}")
    return (parsed.feed.get("title") or "").strip(), items


class FeedReader:
    """Polls feeds and extracts their new items' pages (see the module docstring)."""

    def __init__(self, settings: Settings, client: PoliteClient | None = None) -> None:
        self.settings = settings
        self.client = client or PoliteClient(delay=settings.feed_host_delay, timeout=settings.feed_timeout)

    def poll(self, feed: Feed) -> FeedPoll:
        """Fetch the feed (conditionally) and every item not stored yet in its current version."""
        out = FeedPoll(feed)
        headers = {}
        if feed.etag:
            headers["If-None-Match"] = feed.etag
        if feed.modified:
            headers["If-Modified-Since"] = feed.modified
        feed.last_checked = _now()
        try:
            resp = self.client.get(feed.url, headers, MAX_FEED_BYTES)
            if resp.status_code == 304:
                out.status, feed.last_error = "not modified", ""
                return out
            title, items = parse_feed(resp.content, feed.url, dict(resp.headers))
        except FeedError as e:
            out.status, out.error = "error", str(e)
            feed.last_error = str(e)
            return out
        feed.title = feed.title or title or urlsplit(feed.url).netloc
        feed.etag = resp.headers.get("ETag", "")
        feed.modified = resp.headers.get("Last-Modified", "")
        feed.last_error = ""
        for item in items:
            if feed.items.get(item.key) == item.stamp:
                continue  # stored already, in this version
            out.articles.append((item, self._article(item, feed.title)))
        return out

    def _article(self, item: FeedItem, source: str) -> Article | IngestError:
        try:
            resp = self.client.get(item.link)
            html = resp.text
            art = article_from_html(
                html, article_id="feed-" + sha1(item.link)[:16], origin=item.link, url=item.link,
                max_chars=self.settings.max_article_chars,
            )
        except (FeedError, IngestError) as e:
            return IngestError(str(e))
        art.source = source
        art.url = item.link
        if item.title:
            art.title = item.title
        art.date = item.published or page_date(html) or art.date
        return art


def page_date(html: str) -> date | None:
    """The publication date htmldate finds in a page (original, not last-modified), or None."""
    from htmldate import find_date

    try:
        found = find_date(html, original_date=True, extensive_search=False)
    except Exception:  # noqa: BLE001 - htmldate raises assorted parser errors on broken pages
        return None
    try:
        return date.fromisoformat(found) if found else None
    except ValueError:
        return None


@dataclass
class FeedRun:
    """One round over the feeds: per feed what happened, and the ingest summary."""

    polls: list[FeedPoll]
    summary: IngestSummary

    def format(self) -> str:
        lines = []
        for p in self.polls:
            name = p.feed.title or p.feed.url
            if p.status == "error":
                lines.append(f"feed {name}: FAILED: {p.error} (retried next round)")
            else:
                lines.append(f"feed {name}: {p.status}, {len(p.articles)} new or updated item(s)")
        return "\n".join([*lines, self.summary.format()])


def ingest_feeds(ingestor, registry: FeedRegistry, reader: FeedReader, urls: Iterable[str] = ()) -> FeedRun:
    """Poll the given feeds (added to the registry) or, with none given, every registered one.

    Items are marked stored only once the ingest stored them, so a page that failed is
    fetched again next round. A failing feed is reported in its poll and never stops the rest.
    """
    wanted = [registry.add(u).url for u in urls]
    feeds = [f for f in registry.load() if not wanted or f.url in wanted]
    polls = [reader.poll(f) for f in feeds]
    batch: list[tuple[str, Article | IngestError]] = []
    for p in polls:
        batch += [(item.link, art) for item, art in p.articles]
    summary = ingestor.ingest(articles=batch)
    failed = {f.item if hasattr(f, "item") else f[0] for f in summary.failed}
    for p in polls:
        for item, art in p.articles:
            if isinstance(art, Article) and art.origin not in failed:
                p.feed.items[item.key] = item.stamp
        registry.update(p.feed)
    return FeedRun(polls, summary)


def watch(run_once: Callable[[], FeedRun], minutes: float, rounds: int | None = None,
          sleep: Callable[[float], None] = time.sleep, echo: Callable[[str], None] = print) -> int:
    """Poll every ``minutes`` until interrupted (or ``rounds`` rounds); returns the rounds run."""
    done = 0
    while rounds is None or done < rounds:
        try:
            echo(run_once().format())
        except Exception as e:  # noqa: BLE001 - a watch loop outlives one bad round
            log.exception("feed round failed")
            echo(f"round failed: {type(e).__name__}: {e} (retrying in {minutes:g} min)")
        done += 1
        if rounds is not None and done >= rounds:
            break
        sleep(minutes * 60)
    return done
