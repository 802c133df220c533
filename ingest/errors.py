"""Errors of ingestion. Each names the item (file, line) and says why; the batch goes on."""


class IngestError(Exception):
    """One item could not be ingested; the message is shown to the user as the reason."""
