"""Errors of ingestion. Each names the item (file, line) and says why; the batch goes on."""


class IngestError(Exception):
    """One item could not be ingested; the message is shown to the user as the reason."""


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
