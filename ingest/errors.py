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
