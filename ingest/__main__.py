"""``python -m ingest PATH [PATH ...] [--url URL] [--feed URL [--watch MINUTES]] [--prune]``: a thin CLI
over Ingestor and the feed reader. ``python -m ingest --sentence-vectors`` embeds the
sentences of a store built before ingest kept them (vectorstore/sentence_vectors.py)."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from footnote.settings import Settings
from ingest.pipeline import Ingestor
from vectorstore.errors import StoreError


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI. Exit 0: all ingested; 1: some items failed; 2: nothing could run."""
    parser = argparse.ArgumentParser(prog="python -m ingest", description="Ingest news articles into Footnote's store.")
    parser.add_argument("paths", nargs="*", help="files or folders (.txt .md .html .pdf .jsonl)")
    parser.add_argument("--url", action="append", default=[], help="a web page to fetch and ingest (repeatable)")
    parser.add_argument("--feed", action="append", default=[], help="an RSS or Atom feed to subscribe to and read (repeatable)")
    parser.add_argument(
        "--watch", type=float, metavar="MINUTES", help="keep polling the feeds (given and stored) every MINUTES"
    )
    parser.add_argument("--prune", action="store_true", help="remove stored articles not present in this run")
    parser.add_argument(
        "--sentence-vectors", action="store_true",
        help="embed the sentences of stored passages that have no stored vector (a store built by an older version)",
    )
    parser.add_argument("--store", type=Path, help="store folder (default: FOOTNOTE_STORE_DIR)")
    parser.add_argument("--quiet", action="store_true", help="no progress bar")
    args = parser.parse_args(argv)
    if not args.paths and not args.url and not args.feed and args.watch is None and not args.sentence_vectors:
        parser.print_usage(sys.stderr)
        print("error: give at least one PATH, --url or --feed", file=sys.stderr)
        return 2
    if args.watch is not None and args.watch <= 0:
        print("error: --watch takes a positive number of minutes", file=sys.stderr)
        return 2
    if args.prune and (args.feed or args.watch is not None):
        print("error: --prune cannot be combined with --feed or --watch", file=sys.stderr)
        return 2
    settings = Settings(store_dir=args.store) if args.store else Settings()
    ingestor: Ingestor | None = None
    try:
        ingestor = Ingestor(settings)
        summary = None
        if args.sentence_vectors and not (args.paths or args.url or args.feed or args.watch is not None):
            return _sentence_vectors(ingestor, quiet=args.quiet)
        if args.paths or args.url:
            summary = ingestor.ingest(args.paths, urls=args.url, prune=args.prune, show_bar=not args.quiet)
            print(summary.format())
        if args.feed or args.watch is not None:
            return _feeds(settings, ingestor, args.feed, args.watch, summary)
    except (StoreError, OSError) as e:
        # The store is unreachable, read-only or full. Writes go in whole buffers and every
        # article is checked for completeness on the next run, so nothing stored is lost.
        reason = f"{e.strerror}: {e.filename}" if isinstance(e, OSError) and e.strerror else str(e)
        where = _where(settings)
        print(f"error: {reason}" if where in reason else f"error: store at {where}: {reason}", file=sys.stderr)
        if ingestor is not None and (ingestor.last_summary.added or ingestor.last_summary.updated):
            print(f"before the error: {ingestor.last_summary.format()}", file=sys.stderr)
        print(
            "What was stored before the error is intact. Fix the cause (free disk space, folder "
            "permissions, start the Chroma server) and run the same command again: finished "
            "articles are skipped, half-written ones are redone.",
            file=sys.stderr,
        )
        return 2
    if summary.chunks_written and summary.seconds > 0:
        print(f"{summary.chunks_written / summary.seconds:.1f} chunks/s")
    return 1 if summary.failed else 0


def _sentence_vectors(ingestor: Ingestor, quiet: bool) -> int:
    """Back-fill the sentence vectors of every stored passage."""
    from tqdm import tqdm

    store = ingestor.store
    with tqdm(total=store.count(), unit="passage", desc="sentence vectors", disable=quiet, dynamic_ncols=True) as bar:
        added = ingestor.add_sentence_vectors((p.text for p in store.iter_passages()), progress=bar.update)
    print(f"sentence vectors: {added} added for {store.count()} passages")
    return 0


def _feeds(settings: Settings, ingestor: Ingestor, urls: list[str], minutes: float | None, summary) -> int:
    """Read the feeds once, or keep watching them; exit 1 when a feed or an item failed."""
    from ingest.feeds import FeedError, FeedReader, FeedRegistry, check_feed_url, ingest_feeds, watch

    try:
        urls = [check_feed_url(u) for u in urls]
    except FeedError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    registry, reader = FeedRegistry(settings), FeedReader(settings)
    if minutes is None:
        run = ingest_feeds(ingestor, registry, reader, urls)
        print(run.format())
        failed = any(p.status == "error" for p in run.polls) or run.summary.failed
        return 1 if failed or (summary is not None and summary.failed) else 0
    for u in urls:
        registry.add(u)
    try:
        watch(lambda: ingest_feeds(ingestor, registry, reader), minutes)
    except KeyboardInterrupt:
        print("stopped watching", file=sys.stderr)
    return 0


def _where(settings: Settings) -> str:
    if settings.chroma_host:
        return f"{settings.chroma_host}:{settings.chroma_port}"
    return str(settings.store_dir)


if __name__ == "__main__":
    sys.exit(main())
