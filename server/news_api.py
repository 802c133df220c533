"""``/api/timeline`` and ``/api/feeds``: timelines of a subject, and the store's news feeds.

The feed routes list, add and remove subscriptions (kept with the store, see
ingest/feeds.py); ``POST /api/feeds/refresh`` reads them now (the only route that goes
online, and only when asked). ``python -m ingest --watch`` is the poller that keeps going.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool

from footnote.records import Citation
from ingest.feeds import FeedError, FeedReader, FeedRegistry, ingest_feeds
from server.errors import APIError


class TimelineEntryOut(BaseModel):
    n: int = Field(..., description="The entry's number; its citation is [n].")
    date: str = Field(..., description="Publication date (ISO).")
    text: str = Field(..., description="The passage's sentence about the subject.")
    citation: Citation


class TimelineOut(BaseModel):
    """Passages about a subject ordered by publication date, wire copies merged."""

    subject: str
    entries: list[TimelineEntryOut]
    undated: int = Field(..., description="Passages about the subject without a date (left out).")


class FeedOut(BaseModel):
    url: str
    title: str = Field(..., description="The feed's title: the source of its articles.")
    items: int = Field(..., description="Items stored from this feed.")
    added: str
    last_checked: str
    last_error: str = Field(..., description="Why the last read failed ('' when it worked).")


class FeedIn(BaseModel):
    url: str = Field(..., description="An RSS or Atom feed URL (http or https).", max_length=2000)


class FeedReadOut(BaseModel):
    feeds: list[dict[str, Any]] = Field(..., description="Per feed: url, status (ok | not modified | error), error, new.")
    summary: dict[str, Any] = Field(..., description="The ingest summary of the new items.")


def _day(value: str | None, name: str) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise APIError(400, f"{name} must be a date like 2024-11-02, not {value!r}", "bad_request") from None


def news_router(service) -> APIRouter:
    """The timeline and feed routes over ``service`` (mounted inside the authenticated /api router)."""
    router = APIRouter()
    registry = FeedRegistry(service.settings)

    @router.get("/timeline", response_model=TimelineOut, tags=["answers"])
    def timeline(
        q: str = Query(..., description="What the timeline is about, e.g. 'North Korean troops'", max_length=500),
        source: list[str] | None = Query(None, description="Only these sources (repeatable)"),
        date_from: str | None = Query(None, description="Earliest publication date (ISO)"),
        date_to: str | None = Query(None, description="Latest publication date (ISO)"),
    ) -> dict:
        """Passages about ``q`` ordered by publication date, one line each with its citation."""
        tl = service.assistant.timeline(
            q, sources=source or None, date_from=_day(date_from, "date_from"), date_to=_day(date_to, "date_to")
        )
        return tl.to_dict()

    @router.get("/feeds", response_model=list[FeedOut], tags=["feeds"])
    def feeds() -> list[dict]:
        """The subscribed feeds and how their last read went."""
        return [f.public() for f in registry.load()]

    @router.post("/feeds", response_model=FeedOut, status_code=201, tags=["feeds"])
    def add_feed(body: FeedIn) -> dict:
        """Subscribe to a feed (read on the next refresh or watch round)."""
        try:
            return registry.add(body.url).public()
        except FeedError as e:
            raise APIError(400, str(e), "bad_feed") from None

    @router.delete("/feeds", status_code=204, tags=["feeds"])
    def remove_feed(url: str = Query(..., description="The feed URL to unsubscribe from")) -> None:
        """Unsubscribe; articles already stored stay."""
        if not registry.remove(url):
            raise APIError(404, f"no such feed: {url}", "not_found")

    @router.post("/feeds/refresh", response_model=FeedReadOut, tags=["feeds"])
    async def refresh() -> dict:
        """Read every feed now and ingest its new items (goes online)."""
        return await run_in_threadpool(read_feeds, service, registry)

    return router


def read_feeds(service, registry: FeedRegistry) -> dict:
    """One round over the feeds into the service's store (under its ingest lock)."""
    from ingest.pipeline import Ingestor

    a = service.assistant
    with service.ingest_lock:
        run = ingest_feeds(Ingestor(a.settings, a.store, a.lexical), registry, FeedReader(a.settings))
    return {
        "feeds": [{"url": p.feed.url, "status": p.status, "error": p.error, "new": len(p.articles)} for p in run.polls],
        "summary": run.summary.to_dict(),
    }
