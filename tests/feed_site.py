"""A small news site on loopback for the feed tests: RSS 2.0 and Atom feeds, article pages,
robots.txt, conditional GET (ETag / Last-Modified), and feeds that are down, malformed or slow.

``FeedSite.pages`` maps a path to a ``Page``; change a page (``site.put``) between rounds to
publish an update. Every request is logged (path, headers, time) for the assertions.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from eval.local_servers import free_port


@dataclass
class Page:
    body: str
    content_type: str = "text/html; charset=utf-8"
    status: int = 200
    delay: float = 0.0
    etag: str = ""
    modified: str = field(default_factory=lambda: formatdate(usegmt=True))


@dataclass
class Request:
    path: str
    headers: dict[str, str]
    at: float


class FeedSite:
    """A ThreadingHTTPServer on 127.0.0.1 serving ``pages``."""

    def __init__(self) -> None:
        self.port = free_port()
        self.pages: dict[str, Page] = {}
        self.log: list[Request] = []
        self._version = 0
        site = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args) -> None:  # quiet
                pass

            def do_GET(self) -> None:  # noqa: N802 - http.server's name
                site.log.append(Request(self.path, {k.lower(): v for k, v in self.headers.items()}, time.monotonic()))
                page = site.pages.get(self.path)
                if page is None:
                    self.send_error(404)
                    return
                if page.delay:
                    time.sleep(page.delay)
                if page.status != 200:
                    self.send_error(page.status)
                    return
                if page.etag and self.headers.get("If-None-Match") == page.etag:
                    self.send_response(304)
                    self.end_headers()
                    return
                data = page.body.encode("utf-8")
                self.send_response(200)
                self.send_header("Content-Type", page.content_type)
                self.send_header("Content-Length", str(len(data)))
                if page.etag:
                    self.send_header("ETag", page.etag)
                    self.send_header("Last-Modified", page.modified)
                self.end_headers()
                self.wfile.write(data)

        self.server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> FeedSite:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def put(self, path: str, body: str, content_type: str = "text/html; charset=utf-8", **kw) -> None:
        """Publish (or replace) a page; feeds get a fresh ETag on every change."""
        self._version += 1
        etag = kw.pop("etag", f'"v{self._version}"' if "xml" in content_type else "")
        self.pages[path] = Page(body, content_type, etag=etag, **kw)

    def requests_for(self, path: str) -> list[Request]:
        return [r for r in self.log if r.path == path]


def article_html(title: str, paragraphs: list[str], published: str = "", site_name: str = "") -> str:
    """A real-format article page: head metadata, navigation, the article, a footer."""
    meta = f'<meta property="article:published_time" content="{published}">' if published else ""
    body = "\n".join(f"<p>{p}</p>" for p in paragraphs)
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{title} | {site_name or "News"}</title>
<meta property="og:title" content="{title}"><meta property="og:site_name" content="{site_name or "News"}">{meta}
</head><body>
<nav><a href="/">Home</a> <a href="/world">World</a> <a href="/sport">Sport</a></nav>
<main><article><h1>{title}</h1>
{body}
</article></main>
<footer><p>Copyright News Inc. All rights reserved.</p><a href="/privacy">Privacy</a></footer>
</body></html>"""


def rss(title: str, items: list[dict[str, str]]) -> str:
    """An RSS 2.0 feed; each item: title, link, guid, pubDate (RFC 822), description."""
    entries = "\n".join(
        f"""<item><title>{i["title"]}</title><link>{i["link"]}</link>
<guid isPermaLink="false">{i.get("guid", i["link"])}</guid>
{f"<pubDate>{i['pubDate']}</pubDate>" if i.get("pubDate") else ""}
<description>{i.get("description", "")}</description></item>"""
        for i in items
    )
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:atom="http://www.w3.org/2005/Atom"><channel>
<title>{title}</title><link>http://127.0.0.1/</link><description>{title} news</description>
<language>en</language>
{entries}
</channel></rss>"""


def atom(title: str, entries: list[dict[str, str]]) -> str:
    """An Atom 1.0 feed; each entry: title, link, id, updated (RFC 3339)."""
    body = "\n".join(
        f"""<entry><title>{e["title"]}</title><link href="{e["link"]}"/><id>{e.get("id", e["link"])}</id>
<updated>{e["updated"]}</updated><summary>{e.get("summary", "")}</summary></entry>"""
        for e in entries
    )
    return f"""<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom"><title>{title}</title><id>urn:uuid:60a76c80-d399-11d9-b93C-0003939e0af6</id>
<updated>2024-11-02T12:00:00Z</updated><author><name>Desk</name></author>
{body}
</feed>"""
