"""Ingestion: load articles (txt, md, html, pdf, jsonl, URLs), clean, chunk, store."""

from ingest.chunking import Chunker
from ingest.clean import clean_text
from ingest.errors import IngestError
from ingest.pipeline import Ingestor

__all__ = ["Chunker", "IngestError", "Ingestor", "clean_text"]
