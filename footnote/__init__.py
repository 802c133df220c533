"""Shared kernel of Footnote: the settings object and the records that cross packages.

`ingest/`, `vectorstore/`, `assistant/`, `eval/` and `app.py` all import from here; this
package imports none of them.
"""

from footnote.records import Answer, Article, Citation, Hit, IngestSummary, Passage, Turn
from footnote.settings import Settings

__all__ = ["Answer", "Article", "Citation", "Hit", "IngestSummary", "Passage", "Settings", "Turn"]
