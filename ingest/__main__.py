"""``python -m ingest PATH [PATH ...] [--url URL] [--prune]``: a thin CLI over Ingestor."""

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
    parser.add_argument("--prune", action="store_true", help="remove stored articles not present in this run")
    parser.add_argument("--store", type=Path, help="store folder (default: FOOTNOTE_STORE_DIR)")
    parser.add_argument("--quiet", action="store_true", help="no progress bar")
    args = parser.parse_args(argv)
    if not args.paths and not args.url:
        parser.print_usage(sys.stderr)
        print("error: give at least one PATH or --url", file=sys.stderr)
        return 2
    settings = Settings(store_dir=args.store) if args.store else Settings()
    try:
        summary = Ingestor(settings).ingest(args.paths, urls=args.url, prune=args.prune, show_bar=not args.quiet)
    except StoreError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    print(summary.format())
    if summary.chunks_written and summary.seconds > 0:
        print(f"{summary.chunks_written / summary.seconds:.1f} chunks/s")
    return 1 if summary.failed else 0


if __name__ == "__main__":
    sys.exit(main())
