"""The ingest pipeline: paths -> articles -> passages -> Chroma (+ BM25), idempotently.

Content hashes decide: an article whose hash and passage count match the store is
skipped without embedding; a changed (or half-written) one has its old passages deleted
and its new ones written; ``prune`` removes stored articles not seen in this run.
Passages are embedded and written in buffers of ``settings.ingest_flush_passages``, whole
articles at a time, so a crash loses at most one buffer, and the next run finds those
articles missing or incomplete (fewer passages stored than their ``n_chunks``) and redoes
them: a killed ingest re-run ends with every article exactly once.

Ids are namespaced by origin (``owner``): the operator's own ingest ("local": the CLI, the
sample) keeps the ids its files give (the dev corpus's ids are the evaluation's gold ids),
any other origin's ids are prefixed with it (``upload:alice:<id>``), so an upload that
copies a public id adds its own article. An id another origin already holds is never
replaced: the item is refused (``summary.conflicts``), the rest of the run goes on, and
``prune`` only removes the run's own origin's articles.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

from footnote.records import Article, IngestFailure, IngestSummary, Passage
from footnote.settings import Settings
from ingest.chunking import Chunker
from ingest.dedup import NearDuplicates
from ingest.errors import ArticleConflict, IngestError
from ingest.loaders import JSONL_EXTS, SUPPORTED_EXTS, article_from_url, load_path
from vectorstore.embeddings import Embedder, reading_embedder
from vectorstore.errors import EmbeddingError
from vectorstore.lexical import SyncedLexicalIndex
from vectorstore.sentence_vectors import SentenceVectors, sentence_table
from vectorstore.store import ArticleState, PassageStore

log = logging.getLogger("footnote.ingest")

FLUSH_PASSAGES = 4096  # upper bound of settings.ingest_flush_passages
Progress = Callable[[int, int], None]
LOCAL = "local"  # the operator's own ingest: ids as the files give them


def namespaced_id(raw_id: str, owner: str) -> str:
    """The stored id of an article that ``owner`` gave the id ``raw_id``."""
    return raw_id if owner == LOCAL else f"{owner}:{raw_id}"


def _inside(path: Path, top: Path) -> bool:
    """Whether ``path`` (a link, resolved) still lies inside the folder ``top``."""
    try:
        path.resolve().relative_to(top)
    except (ValueError, OSError, RuntimeError):  # RuntimeError: a symlink loop on older Pythons
        return False
    return True


def _link_out(fp: Path, top: Path, summary: IngestSummary) -> bool:
    """True (and listed as skipped) when ``fp`` is a link that leads out of the folder ``top``."""
    if fp.is_symlink() and fp.exists() and not _inside(fp, top):
        summary.skipped += 1
        summary.skipped_items.append(IngestFailure(str(fp), "a link to outside the folder; not followed"))
        return True
    return False


def expand_paths(paths: Iterable[str | Path], summary: IngestSummary) -> list[Path]:
    """Files to ingest: given files as they are, folders walked recursively.

    Inside a folder, a symlink is followed only while it stays inside that folder (a link
    to /etc/passwd or to a .env elsewhere is listed in ``summary.skipped_items``); a folder
    is walked once (a symlink loop is cut); a broken or looping file symlink and an
    unreadable folder are reported in ``summary.failed``.
    """
    files: list[Path] = []
    for raw in paths:
        path = Path(raw)
        if not path.exists():
            reason = "broken or looping symlink" if path.is_symlink() else "no such file or folder"
            summary.failed.append(IngestFailure(str(raw), reason))
            continue
        if path.is_file():
            files.append(path)
            continue
        seen_dirs: set[tuple[int, int]] = set()
        top = path.resolve()

        def unreadable(err: OSError, top: Path = path) -> None:
            summary.failed.append(IngestFailure(str(err.filename or top), f"cannot read folder: {err.strerror or err}"))

        for root, dirs, names in os.walk(path, followlinks=True, onerror=unreadable):
            st = os.stat(root)
            key = (st.st_dev, st.st_ino)
            if key in seen_dirs:
                dirs[:] = []  # a symlink loop: do not walk this folder twice
                continue
            seen_dirs.add(key)
            dirs[:] = sorted(d for d in dirs if not d.startswith(".") and not _link_out(Path(root) / d, top, summary))
            for name in sorted(names):
                fp = Path(root) / name
                if name.startswith(".") or fp.suffix.lower() not in SUPPORTED_EXTS or _link_out(fp, top, summary):
                    summary.skipped += 1
                    continue
                if not fp.is_file():
                    if fp.is_symlink() and not fp.exists():
                        summary.failed.append(IngestFailure(str(fp), "broken or looping symlink"))
                    else:
                        summary.skipped += 1
                    continue
                files.append(fp)
    return files


def count_items(files: list[Path]) -> int:
    """How many articles the files hold (JSONL lines counted), for the progress bar."""
    total = 0
    for f in files:
        if f.suffix.lower() in JSONL_EXTS:
            try:
                with f.open("rb") as fh:
                    total += sum(1 for line in fh if line.strip())
            except OSError:
                total += 1
        else:
            total += 1
    return total


class StoredStates:
    """The stored state of articles: all read at once (a prune, a small store), else per article.

    Reading every article's state scans the whole store: at a million passages that
    alone takes longer than ingesting a feed's few new articles, so a big store is asked
    about the articles being ingested only.
    """

    FULL_SCAN_PASSAGES = 20_000

    def __init__(self, store: PassageStore, full: bool = False) -> None:
        self.store = store
        self._all = store.article_states() if full or store.count() <= self.FULL_SCAN_PASSAGES else None
        self._known: dict[str, ArticleState | None] = {}

    def get(self, article_id: str) -> ArticleState | None:
        if self._all is not None:
            return self._all.get(article_id)
        if article_id not in self._known:
            self._known[article_id] = self.store.article_states([article_id]).get(article_id)
        return self._known[article_id]

    def all(self) -> dict[str, ArticleState]:
        if self._all is None:
            self._all = self.store.article_states()
        return self._all


class Ingestor:
    """Ingests files, folders and URLs into a PassageStore (and its BM25 index)."""

    def __init__(
        self,
        settings: Settings,
        store: PassageStore | None = None,
        lexical: SyncedLexicalIndex | None = None,
    ) -> None:
        self.settings = settings
        self.store = store or PassageStore(settings)
        self.lexical = lexical or SyncedLexicalIndex(self.store, settings.bm25_dir)
        self.chunker = Chunker(settings.chunk_size, settings.chunk_overlap)
        self.dups = NearDuplicates.load(settings)  # near-duplicate groups (wire copies, versions)
        self._sentences: tuple[SentenceVectors, Embedder] | None = None  # (table, reading model), on first write
        # (owner, url) -> (stored article id, date), or None: read from the store once per run and key
        self._versions: dict[tuple[str, str], tuple[str, str] | None] = {}
        self.last_summary = IngestSummary()  # the run in progress (or the last one): what got stored

    def ingest(
        self,
        paths: Iterable[str | Path] = (),
        *,
        urls: Iterable[str] = (),
        articles: Iterable[tuple[str, Article | IngestError]] = (),
        prune: bool = False,
        progress: Progress | None = None,
        show_bar: bool = False,
        owner: str = LOCAL,
        refuse_conflicts: bool = False,
    ) -> IngestSummary:
        """Ingest everything given; returns the summary (failures listed by name, never raised).

        Args:
            paths: files and folders (.txt .md .html .pdf .jsonl), folders recursively.
            urls: web pages to fetch and extract (only when asked: this goes online).
            articles: (origin, Article or the IngestError it became) already loaded, e.g. feed items.
            prune: remove stored articles that were not seen in this run.
            progress: called with (done, total) after each article.
            show_bar: draw a tqdm progress bar on stderr.
            owner: the origin adding these articles ("local" for the operator, else e.g.
                "upload:<user>"): their ids' namespace; another origin's ids are refused.
            refuse_conflicts: raise ArticleConflict after the run when an id was refused.

        Raises:
            ArticleConflict: with ``refuse_conflicts``, when some id belonged to another origin.
        """
        t0 = time.perf_counter()
        summary = self.last_summary = IngestSummary()
        files = expand_paths(paths, summary)
        url_list, loaded = list(urls), list(articles)
        total = count_items(files) + len(url_list) + len(loaded)
        bar = None
        if show_bar:
            from tqdm import tqdm

            bar = tqdm(total=total, unit="article", desc="ingest", dynamic_ncols=True)
        states = StoredStates(self.store, full=prune)
        self._versions = {}
        seen: set[str] = set()
        try:
            self._write_all(self._items(files, url_list, loaded), states, seen, summary, owner, bar, progress, total)
        finally:
            if bar is not None:
                bar.close()
        self._finish(states, seen, summary, owner, prune)
        summary.seconds = time.perf_counter() - t0
        if refuse_conflicts and summary.conflicts:
            raise ArticleConflict(summary)
        return summary

    def _write_all(
        self, items: Iterable[tuple[str, Article | IngestError]], states: StoredStates, seen: set[str],
        summary: IngestSummary, owner: str, bar: Any, progress: Progress | None, total: int,
    ) -> None:
        """Triage each item and write what changed, in flushes of about FLUSH_PASSAGES passages."""
        pending: list[tuple[Article, list[Passage], bool]] = []
        pending_passages = 0
        for done, (origin, art) in enumerate(items, 1):
            if bar is not None:
                bar.update(1)
            if progress is not None:
                progress(done, total)
            job = self._triage(origin, art, states, seen, summary, owner)
            if job is None:
                continue
            pending.append(job)
            pending_passages += len(job[1])
            if pending_passages >= min(self.settings.ingest_flush_passages, FLUSH_PASSAGES):
                self._flush(pending, summary)
                pending, pending_passages = [], 0
        self._flush(pending, summary)

    def _finish(self, states: StoredStates, seen: set[str], summary: IngestSummary, owner: str, prune: bool) -> None:
        """Prune what this origin no longer has (when asked), save the duplicate groups, and
        bring the lexical index back in line if a crash left it behind the store."""
        if prune:
            gone = [aid for aid, st in states.all().items() if aid not in seen and st.owner == owner]
            if gone:
                self.store.delete_articles(gone)
                self.lexical.apply([], gone)
                self.dups.forget(gone)
                summary.removed += len(gone)
        if summary.added or summary.updated or summary.removed:
            self.dups.save()
        if self._lexical_stale():
            self.lexical.rebuild()

    def _triage(
        self, origin: str, art: Article | IngestError, states: StoredStates, seen: set[str], summary: IngestSummary,
        owner: str = LOCAL,
    ) -> tuple[Article, list[Passage], bool] | None:
        """(article, its passages, whether it replaces a stored one) to write, or None when
        the item failed, is unchanged or belongs to another origin (counted in ``summary``)."""
        if isinstance(art, IngestError):
            summary.failed.append(IngestFailure(art.item or origin, art.reason))
            return None
        art.id, art.owner = namespaced_id(art.id, owner), owner
        if art.id in seen:
            summary.failed.append(IngestFailure(art.origin, f"duplicate article id {art.id!r} (first one kept)"))
            return None
        seen.add(art.id)
        state = states.get(art.id)
        if state is not None and state.owner != owner:
            summary.conflicts.append(art.id)
            summary.failed.append(IngestFailure(art.origin, f"id {art.id!r} belongs to an article another origin added; not replaced"))
            return None
        if state is not None and state.complete and state.article_hash == art.content_hash:
            summary.unchanged += 1
            return None
        if not self._newest_version(art, summary):
            return None
        passages = self.chunker.split(art)
        if not passages:
            summary.failed.append(IngestFailure(art.origin, "no text to index after cleaning"))
            return None
        return art, passages, state is not None

    def add_sentence_vectors(self, passage_texts: Iterable[str], progress: Callable[[int], None] | None = None) -> int:
        """Embed the passages' sentences with the answerer's reading model and keep them
        beside the store (vectorstore/sentence_vectors.py), so answers need not embed
        them; returns how many were new. The vectors only save time: when they cannot be
        written (a full disk), the passages stay stored and answers embed the sentences."""
        if self._sentences is None:
            reader = reading_embedder(self.settings, self.store.embedder)
            self._sentences = (sentence_table(self.settings, reader), reader)
        table, reader = self._sentences
        try:
            return table.add_passages(passage_texts, reader, progress)
        except (OSError, EmbeddingError) as e:
            log.warning("sentence vectors not written (%s); answers will embed these sentences", e)
            return 0

    def _lexical_stale(self) -> bool:
        """True when the saved BM25 index does not hold as many passages as the store.

        A crash between a Chroma write and its revision bump leaves the index at the old
        revision; the re-run finds every article complete and writes nothing, so this
        count check is what brings the index back in line.
        """
        try:
            return len(self.lexical.current()) != self.store.count()
        except (OSError, ValueError, KeyError):
            return True

    def _newest_version(self, art: Article, summary: IngestSummary) -> bool:
        """Whether ``art`` should be stored: a newer version of a stored URL replaces the older one.

        An article whose URL is stored under another id (by the same origin) replaces it when
        it is at least as new (an updated story); an older copy arriving late is skipped
        (counted unchanged).
        """
        key = (art.owner, art.url)
        if art.url and key not in self._versions:
            self._versions[key] = self.store.url_version(*key)
        old = self._versions.get(key) if art.url else None
        if old is None or old[0] == art.id:
            return True
        new_date = art.date.isoformat() if art.date else ""
        if old[1] and new_date and new_date < old[1]:
            summary.unchanged += 1
            return False
        self.store.delete_articles([old[0]])
        self.lexical.apply([], [old[0]])
        self.dups.forget([old[0]])
        summary.removed += 1
        self._versions[key] = (art.id, new_date)
        return True

    def _items(
        self, files: list[Path], urls: list[str], loaded: Iterable[tuple[str, Article | IngestError]] = (),
    ) -> Iterator[tuple[str, Article | IngestError]]:
        max_bytes = int(self.settings.max_file_mb * 1_000_000)
        max_chars = self.settings.max_article_chars
        for f in files:
            try:
                for art in load_path(f, max_bytes, max_chars):
                    yield str(f), art
            except OSError as e:
                yield str(f), IngestError(f"cannot read: {e}")
        for url in urls:
            try:
                yield url, article_from_url(url)
            except IngestError as e:
                yield url, e
        yield from loaded

    def _flush(self, pending: list[tuple[Article, list[Passage], bool]], summary: IngestSummary) -> None:
        if not pending:
            return
        for art, ps, _ in pending:
            group = self.dups.assign(art.id, art.text, art.date)
            for p in ps:
                p.group = group
        passages = [p for _, ps, _ in pending for p in ps]
        embeddings = self.store.embedder.embed([p.text for p in passages])
        replaced = [art.id for art, _, existed in pending if existed]
        if replaced:
            self.store.delete_articles(replaced)
        self.store.add_passages(passages, embeddings)
        self.lexical.apply(passages, replaced)
        if self.settings.sentence_vectors_on:
            self.add_sentence_vectors(p.text for p in passages)
        summary.chunks_written += len(passages)
        for _, _, existed in pending:
            if existed:
                summary.updated += 1
            else:
                summary.added += 1
