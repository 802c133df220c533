"""The service seam the page and the API share: one Assistant, built on first use.

A store that is down at start answers 503 until it is back; ingest is serialised; the
API's answers are bounded by ``settings.concurrency`` (the page's by its Gradio queue).
"""

from __future__ import annotations

import contextlib
import hashlib
import re
import threading
from collections.abc import Callable, Sequence
from pathlib import Path

import anyio

from assistant import Assistant
from assistant.articles import ArticleCatalogue, delete_article
from footnote.conversations import ConversationDB
from footnote.records import IngestFailure, IngestSummary
from footnote.settings import Settings
from ingest.uploads import UploadError, safe_upload_path
from vectorstore.errors import StoreError, StoreUnavailable


class Service:
    """What the page and the API share: the Assistant, an ingest lock, the API's concurrency
    bound (the page's is its Gradio queue, both ``settings.concurrency``)."""

    def __init__(self, settings: Settings, assistant: Assistant | None = None) -> None:
        self.settings = settings
        self._assistant = assistant
        self._build_lock = threading.Lock()
        self.ingest_lock = threading.Lock()
        # API answers at once; waiters wait in the event loop, not on a worker thread (a
        # thread blocked on a slot while a stream needs a thread to finish would deadlock)
        self.api_slots = anyio.Semaphore(settings.concurrency)
        self._overview: tuple[str, dict[str, int], list[str]] | None = None
        self._db: ConversationDB | None = None
        self._catalogue: ArticleCatalogue | None = None

    @property
    def db(self) -> ConversationDB:
        """The conversations and feedback database (``settings.database_path``), opened on first use."""
        if self._db is None:
            with self._build_lock:
                if self._db is None:
                    self._db = ConversationDB(self.settings.database_path)
        return self._db

    def catalogue(self) -> ArticleCatalogue:
        """The article catalogue of the store (one per store: it caches the list per revision)."""
        store = self.assistant.store
        if self._catalogue is None or self._catalogue.store is not store:
            self._catalogue = ArticleCatalogue(store)
        return self._catalogue

    def delete_article(self, article_id: str) -> int:
        """Remove an article from the store and the BM25 index (serialised with ingest);
        returns how many passages went. Raises ArticleNotFound, StoreError."""
        a = self.assistant
        with self.ingest_lock:
            removed = delete_article(a.store, a.lexical, article_id)
        self._overview = None
        return removed

    @property
    def assistant(self) -> Assistant:
        """The Assistant; raises StoreUnavailable while the store cannot be opened."""
        if self._assistant is None:
            with self._build_lock:
                if self._assistant is None:
                    self._assistant = self._build()
        return self._assistant

    def _build(self) -> Assistant:
        try:
            a = Assistant(self.settings)
        except StoreError:
            raise
        except Exception as e:  # Chroma raises assorted errors when its server is away
            raise StoreUnavailable(f"cannot open the store: {type(e).__name__}: {e}") from e
        if self.settings.ingest_sample:
            a.ensure_sample()
        return a

    def overview(self) -> tuple[dict[str, int], list[str]]:
        """(counts, sources) of the store, recomputed only when its revision changed: from
        the lexical index when it is at the store's revision, else by walking every
        passage's metadata."""
        a = self.assistant
        revision = a.store.revision()  # also the reachability check
        cached = self._overview
        if cached is not None and cached[0] == revision:
            return cached[1], cached[2]
        index = a.lexical.current()
        if index.revision == revision:  # the lexical index holds the store: read its term dictionary
            stats, sources = index.overview()
        else:  # not in step yet (a write in flight): walk the store's metadata
            stats, sources = a.stats(), a.store.sources()
        self._overview = (revision, stats, sources)
        return stats, sources

    def store_label(self) -> str:
        """'N articles, M passages', or why the store is unavailable."""
        try:
            st = self.overview()[0]
        except StoreError as e:
            return f"unavailable ({e})"
        return f"{st['articles']:,} articles, {st['passages']:,} passages"

    def sources(self) -> list[str]:
        """The stored sources (none while the store is unavailable)."""
        try:
            return self.overview()[1]
        except StoreError:
            return []

    def model_label(self) -> str:
        """The answerer in use, as the page and /api/health name it."""
        s = self.settings
        if s.use_llm:
            return f"LLM {s.model}" + (f" at {s.openai_base_url}" if s.openai_base_url else "")
        return "offline extractive answerer"

    @property
    def upload_dir(self) -> Path:
        return self.settings.store_dir / "uploads"

    def ingest_files(
        self, files: Sequence[tuple[str, bytes]], progress: Callable[[int, int], None] | None = None,
        user: str = "anonymous",
    ) -> IngestSummary:
        """Ingest uploaded (name, content) pairs; bad names and types are reported, not raised.

        Each file is staged as ``uploads/<content hash>/<cleaned name>`` (``ingest.uploads``
        keeps it inside that folder and checks its type) and deleted once ingested: the same
        file uploaded twice is one article (unchanged the second time), two different files
        with the same name are two articles. Their ids are namespaced ``upload:<user>:``, so
        an upload never replaces an article the operator or another user added.

        Raises:
            ArticleConflict: an id belonged to another origin's article (the rest is stored).
        """
        summary = IngestSummary()
        staged: list[Path] = []
        with self.ingest_lock:
            for raw_name, data in files:
                folder = self.upload_dir / hashlib.sha1(data).hexdigest()[:16]
                try:
                    target = safe_upload_path(folder, raw_name, unique=False)
                except UploadError as e:
                    summary.failed.append(IngestFailure(shown_name(raw_name), e.reason))
                    continue
                target.write_bytes(data)
                staged.append(target)
            try:
                if staged:
                    summary = self._ingest_staged(staged, summary, progress, user)
            finally:
                for path in staged:
                    path.unlink(missing_ok=True)
                    with contextlib.suppress(OSError):
                        path.parent.rmdir()  # its content-hash folder, now empty
        return summary

    def _ingest_staged(self, staged: list[Path], refused: IngestSummary, progress, user: str) -> IngestSummary:
        from ingest.errors import ArticleConflict
        from ingest.pipeline import Ingestor

        a = self.assistant
        try:
            result = Ingestor(a.settings, a.store, a.lexical).ingest(
                staged, progress=progress, owner=f"upload:{user}", refuse_conflicts=True)
        except ArticleConflict as e:
            e.summary.failed = refused.failed + [_shown(f) for f in e.summary.failed]
            raise
        # uploads are shown by their name, not by the folder they were staged in
        result.failed = refused.failed + [_shown(f) for f in result.failed]
        result.skipped += refused.skipped
        return result


def _shown(f: IngestFailure) -> IngestFailure:
    """An upload's failure named by the file, not by the folder it was staged in."""
    return IngestFailure(Path(f.item).name if "/" in f.item else f.item, f.reason)


def shown_name(raw: str | None) -> str:
    """An uploaded name as the summary shows it: the last path component, printable only."""
    name = re.split(r"[/\\]", raw or "")[-1]
    return "".join(ch for ch in name if ch.isprintable())[:120] or "(no name)"
