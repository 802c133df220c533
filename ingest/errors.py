"""Errors of ingestion. Each names the item (file, line) and says why; the batch goes on."""

from __future__ import annotations


class IngestError(Exception):
    """One item could not be ingested.

    Args:
        reason: why, shown to the user.
        item: what failed when the raiser knows better than its caller (a JSON Lines
            record's "file.jsonl:LINE", an upload's cleaned name); None: the file or URL
            being read.
    """

    def __init__(self, reason: str, item: str | None = None) -> None:
        super().__init__(f"{item}: {reason}" if item else reason)
        self.reason = reason
        self.item = item


class ArticleConflict(IngestError):
    """Some articles were not stored: their ids belong to articles another origin added.

    Raised after the run (everything else in it is stored); ``summary`` is that run's
    summary and ``summary.conflicts`` the refused ids. The HTTP API answers 409.
    """

    def __init__(self, summary) -> None:
        self.summary = summary
        ids = ", ".join(repr(i) for i in summary.conflicts[:10])
        more = f" and {len(summary.conflicts) - 10} more" if len(summary.conflicts) > 10 else ""
        super().__init__(
            f"{len(summary.conflicts)} article(s) not replaced: the id(s) {ids}{more} belong to articles "
            "another origin added; give them other ids (nothing else was changed)"
        )
