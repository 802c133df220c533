"""BM25 over the stored passages: a tantivy index in a folder beside the store, written
incrementally.

Every ingest flush applies its passages to the index (the article's old passages deleted
by article id, the new ones added, one commit): the cost is that of the article, not of
the store. tantivy keeps the index as immutable segments and merges them in the
background of a write (log merge policy), so the segment count stays small.

Several app processes share the folder: one writes at a time (tantivy's writer lock,
waited for), every process reloads the last commit when it checks (at most once a
second). A small ``footnote-state.json`` beside the segments names the store ``revision``
the last commit reached. When the store's revision differs from it for longer than
``stale_after`` seconds (a process crashed between its Chroma write and its commit, or
wrote to the store without this folder), the index is rebuilt from the store's documents
in a background thread while questions keep using the last commit.

Passages are stored in the index too (id, text, metadata), so the dense retriever can
look passages up by id without keeping a copy of the store in memory.
"""

from __future__ import annotations

import functools
import json
import logging
import math
import os
import re
import shutil
import threading
import time
from collections.abc import Iterable, Sequence
from pathlib import Path

from footnote.records import Passage
from vectorstore.store import Filters, PassageStore

log = logging.getLogger("footnote.lexical")

_WORD = re.compile(r"[^\W_]+(?:['’.-][^\W_]+)*", re.U)
# Question words are kept out of the index and queries: they carry no topic.
STOPWORDS = frozenset(
    """a an and are as at be but by for if in into is it no not of on or such that the their then there these
    they this to was will with what which who whom whose when where why how does did do has have had been
    were its it's i you he she we our your his her them than so can could would should may might about
    after before over under up down out off again also just more most some any each few other only own same
    too very s t don now""".split()
)
_STEMMER = None


def _stem_words(words: list[str]) -> list[str]:
    global _STEMMER
    if _STEMMER is None:
        import Stemmer

        _STEMMER = Stemmer.Stemmer("english")
    return _STEMMER.stemWords(words)


def tokenize(text: str) -> list[str]:
    """Lowercased, stop-worded, Snowball-stemmed word tokens."""
    if len(text) <= _CACHED_CHARS:
        return list(_cached_tokens(text))
    return _tokens(text)


_CACHED_CHARS = 600  # words, questions and sentences (an answer reads each several times); not whole passages


def _tokens(text: str) -> list[str]:
    words = [w.replace("’", "'") for w in _WORD.findall(text.lower())]
    words = [w for w in words if w not in STOPWORDS]
    return _stem_words(words)


@functools.lru_cache(maxsize=16_384)  # a few MB: about 50 answers' words and sentences
def _cached_tokens(text: str) -> tuple[str, ...]:
    return tuple(_tokens(text))


# --- the tantivy folder ------------------------------------------------------------------
FORMAT = "tantivy-1"  # bump when the schema changes: an index of another format is rebuilt
STATE_FILE = "footnote-state.json"
WRITER_HEAP = 20_000_000  # bytes of the writer's buffer (tantivy flushes a segment when full; 15 MB least)
BULK_HEAP = 400_000_000  # for a full rebuild: fewer, larger segments
LOCK_WAIT_S = 120.0  # longest wait for another process's write to finish


def _schema():
    import tantivy

    sb = tantivy.SchemaBuilder()
    sb.add_text_field("id", stored=True, tokenizer_name="raw", index_option="basic")
    sb.add_text_field("article_id", tokenizer_name="raw", index_option="basic")
    sb.add_text_field("source", tokenizer_name="raw", index_option="basic")
    sb.add_integer_field("day", indexed=True, fast=True)  # date.toordinal(), -1 when undated
    sb.add_text_field("body", tokenizer_name="whitespace", index_option="freq")  # tokenize(title + text)
    sb.add_bytes_field("rec", stored=True)  # the passage's text and metadata (JSON)
    return sb.build()


def read_state(folder: Path) -> dict:
    """The folder's state file ({} when missing or unreadable)."""
    try:
        return json.loads((folder / STATE_FILE).read_text())
    except (OSError, ValueError):
        return {}


def write_state(folder: Path, revision: str) -> None:
    """Record the store revision the last commit reached (atomic rename)."""
    tmp = folder / f".{STATE_FILE}.{os.getpid()}-{threading.get_ident()}"
    tmp.write_text(json.dumps({"format": FORMAT, "revision": revision}))
    os.replace(tmp, folder / STATE_FILE)


def open_index(folder: Path | None):
    """The tantivy index in ``folder``, created when missing (``None``: in memory).

    A folder in another format (the bm25s index of earlier versions, an older schema) is
    emptied first; the index is derived data and gets rebuilt from the store.
    """
    import tantivy

    if folder is None:
        return tantivy.Index(_schema())
    folder.mkdir(parents=True, exist_ok=True)
    state = read_state(folder)
    if state.get("format") != FORMAT and any(folder.iterdir()) and not (folder / "meta.json").exists():
        shutil.rmtree(folder)
        folder.mkdir(parents=True)
    elif state and state.get("format") != FORMAT:
        shutil.rmtree(folder)
        folder.mkdir(parents=True)
    return tantivy.Index(_schema(), path=str(folder), reuse=True)


def _document(p: Passage):
    import tantivy

    doc = tantivy.Document(
        id=p.id, article_id=p.article_id, source=p.source, day=p.date.toordinal() if p.date else -1,
        body=" ".join(tokenize(p.title + "\n" + p.text)),
    )
    doc.add_bytes("rec", json.dumps({"text": p.text, "meta": p.to_metadata()}, ensure_ascii=False).encode())
    return doc


def _writer(index, heap: int, wait: float):
    """tantivy's writer, waiting up to ``wait`` s while another process holds its lock."""
    deadline = time.monotonic() + wait
    while True:
        try:
            return index.writer(heap_size=heap, num_threads=1)
        except ValueError as e:
            if "LockBusy" not in str(e) or time.monotonic() > deadline:
                raise
            time.sleep(0.02)


def write_passages(
    index, passages: Iterable[Passage], deleted_articles: Iterable[str] = (), *, replace_all: bool = False,
    merge_in_background: bool = False,
) -> int:
    """One commit: drop the named articles (and every article of ``passages``), add ``passages``.

    With ``replace_all`` every document is dropped first (a rebuild). The segment merges
    the commit started are waited for (so the segment count stays small), here or, with
    ``merge_in_background``, in a thread that holds the writer lock until they end (the
    next write waits for it; searches do not). Returns the number of passages added.
    """
    writer = _writer(index, BULK_HEAP if replace_all else WRITER_HEAP, LOCK_WAIT_S)
    try:
        if replace_all:
            writer.delete_all_documents()
        for aid in set(deleted_articles):
            writer.delete_documents_by_term("article_id", aid)
        seen: set[str] = set()
        added = 0
        for p in passages:
            if not replace_all and p.article_id not in seen:
                seen.add(p.article_id)
                writer.delete_documents_by_term("article_id", p.article_id)
            writer.add_document(_document(p))
            added += 1
        writer.commit()
    except BaseException:
        try:
            writer.rollback()
        except Exception:  # noqa: BLE001 - the writer may be gone already; the first error matters
            pass
        raise
    if merge_in_background:
        threading.Thread(target=_finish_merges, args=(writer,), name="lexical-merges", daemon=True).start()
    else:
        _finish_merges(writer)
    return added


def _finish_merges(writer) -> None:
    """Wait for the writer's merges, then let it go (that releases the lock)."""
    try:
        writer.wait_merging_threads()
    except Exception as e:  # noqa: BLE001 - a failed merge loses nothing committed
        log.warning("lexical index merge failed (%s); the segments stay as they are", e)


def _passage(doc) -> Passage:
    rec = json.loads(doc["rec"][0])
    return Passage.from_chroma(doc["id"][0], rec["text"], rec["meta"])


class LexicalIndex:
    """One commit of the index, to search: BM25 (k1 1.2, b 0.75) with filters, idf, lookups."""

    def __init__(self, index, revision: str = "") -> None:
        self.index = index
        self.revision = revision
        self.searcher = index.searcher()
        self.schema = index.schema
        self._counts: dict[tuple, int] = {}  # passages passing a filter, in this commit

    @classmethod
    def from_passages(cls, passages: Sequence[Passage], revision: str = "", folder: Path | None = None) -> LexicalIndex:
        """An index of these passages (in memory unless ``folder`` is given)."""
        index = open_index(folder)
        write_passages(index, passages, replace_all=True)
        index.reload()
        return cls(index, revision)

    def __len__(self) -> int:
        return int(self.searcher.num_docs)

    def idf(self, token: str) -> float:
        """Inverse document frequency of a (stemmed) token over the passages."""
        n, df = len(self), self.searcher.doc_freq("body", token) if token else 0
        return math.log(1 + (n - df + 0.5) / (df + 0.5))

    def search(self, query: str, k: int, filters: Filters | None = None) -> list[tuple[Passage, float]]:
        """Top k passages by BM25 score (only those sharing a word with the query), best first."""
        import tantivy

        toks = tokenize(query)
        if not toks or k <= 0 or len(self) == 0:
            return []
        Q, Occur = tantivy.Query, tantivy.Occur
        q = Q.boolean_query([(Occur.Should, Q.term_query(self.schema, "body", t)) for t in toks])
        only = self._filter(filters) if filters is not None and filters.active else None
        if only is not None:
            q = Q.boolean_query([(Occur.Must, q), (Occur.Must, Q.const_score_query(only, 0.0))])
        hits = self.searcher.search(q, k).hits
        return [(_passage(self.searcher.doc(addr)), float(score)) for score, addr in hits if score > 0]

    def _filter(self, filters: Filters):
        import tantivy

        Q, Occur = tantivy.Query, tantivy.Occur
        parts = []
        if filters.sources:
            parts.append(Q.term_set_query(self.schema, "source", list(filters.sources)))
        lo = filters.date_from.toordinal() if filters.date_from else (0 if filters.date_to else None)
        hi = filters.date_to.toordinal() if filters.date_to else None
        if lo is not None or hi is not None:
            parts.append(Q.range_query(self.schema, "day", tantivy.FieldType.Integer, lo, hi))
        return Q.boolean_query([(Occur.Must, p) for p in parts]) if parts else None

    def matching(self, filters: Filters) -> int:
        """How many passages pass the filters (all of them when none is set); remembered
        per filter for this commit (11 ms at a million passages; a page's filter repeats)."""
        key = (tuple(sorted(filters.sources or ())), filters.date_from, filters.date_to)
        n = self._counts.get(key)
        if n is None:
            only = self._filter(filters) if filters.active else None
            if only is None:
                return len(self)
            if len(self._counts) > 256:
                self._counts.clear()
            n = self._counts[key] = int(self.searcher.search(only, 1, count=True).count)
        return n

    def _terms(self, field: str) -> list[tuple[str, int]]:
        """Every term of a raw field with the number of live passages holding it (deleted
        passages not counted: the term dictionary keeps them until a merge)."""
        import tantivy

        got = self.searcher.terms_with_prefix(field, "", filter_query=tantivy.Query.all_query())
        return [(t, n) for t, n in got if n > 0]

    def overview(self) -> tuple[dict[str, int], list[str]]:
        """(articles and passages counted, the sources) from the term dictionary: milliseconds
        at a million passages, where walking the store's metadata takes minutes."""
        articles = len(self._terms("article_id"))
        return {"articles": articles, "passages": len(self)}, sorted(t for t, _ in self._terms("source"))

    def get(self, ids: Sequence[str]) -> dict[str, Passage]:
        """The passages of these ids that the index holds, by id."""
        import tantivy

        if not ids:
            return {}
        q = tantivy.Query.term_set_query(self.schema, "id", list(ids))
        hits = self.searcher.search(q, len(ids), count=False).hits
        found = (_passage(self.searcher.doc(addr)) for _, addr in hits)
        return {p.id: p for p in found}


class SyncedLexicalIndex:
    """The lexical index of a store, in a folder several processes may share (thread-safe).

    ``apply`` writes an ingest's passages incrementally; ``current`` reloads the last
    commit (at most every ``check_every`` s) and starts a rebuild from the store when the
    store's revision has differed from the folder's for more than ``stale_after`` s (the
    rebuild runs in a background thread once there is an index to answer from).
    """

    def __init__(
        self, store: PassageStore, folder: Path, check_every: float = 1.0, background: bool = True,
        stale_after: float = 10.0,
    ) -> None:
        self.store = store
        self.folder = folder
        self.check_every = check_every
        self.background = background
        self.stale_after = stale_after
        self._tantivy = None
        self._index: LexicalIndex | None = None
        self._checked = 0.0
        self._mismatch_since: float | None = None
        self._lock = threading.RLock()
        self._building: threading.Thread | None = None

    def _open(self):
        if self._tantivy is None:
            self._tantivy = open_index(self.folder)
        return self._tantivy

    def _snapshot(self, revision: str) -> LexicalIndex:
        ix = self._open()
        ix.reload()
        self._index = LexicalIndex(ix, revision)
        return self._index

    def current(self) -> LexicalIndex:
        """The index to search now (at most ``check_every`` seconds behind the last commit)."""
        if self._index is not None and time.monotonic() - self._checked < self.check_every:
            return self._index
        return self._check(self.stale_after)

    def _check(self, stale_after: float) -> LexicalIndex:
        with self._lock:
            rev = self.store.revision()
            self._checked = time.monotonic()
            self._open()
            saved = read_state(self.folder).get("revision")
            if saved is None:  # never built (a new folder): build before the first answer
                return self.rebuild(rev) if not self._index else self._stale(rev, saved, stale_after)
            # The same recorded revision: the same commit, keep the searcher (and the object).
            index = self._index if self._index is not None and self._index.revision == saved else self._snapshot(saved)
            if saved == rev:
                self._mismatch_since = None
                return index
            return self._stale(rev, saved, stale_after)

    def _stale(self, rev: str, saved: str | None, stale_after: float) -> LexicalIndex:
        now = time.monotonic()
        if self._mismatch_since is None:
            self._mismatch_since = now
        if now - self._mismatch_since >= stale_after:
            if self.background and self._index is not None:
                self._start_rebuild(rev)
            else:
                return self.rebuild(rev)
        assert self._index is not None
        return self._index

    def refresh(self, timeout: float | None = None) -> LexicalIndex:
        """The index at the store's revision now: rebuilds at once if it differs (waits ``timeout`` s)."""
        self._check(0.0)
        building = self._building
        if building is not None:
            building.join(timeout)
        return self._check(float("inf"))

    def apply(self, passages: Sequence[Passage], deleted_articles: Iterable[str] = ()) -> LexicalIndex:
        """Write an ingest's passages (and deletions) into the index: cost of the change, not the store."""
        with self._lock:
            write_passages(self._open(), passages, deleted_articles, merge_in_background=True)
            rev = self.store.revision()
            write_state(self.folder, rev)
            self._checked = time.monotonic()
            self._mismatch_since = None
            return self._snapshot(rev)

    def rebuild(self, revision: str | None = None) -> LexicalIndex:
        """Rebuild from the store's documents now, commit it, and use it from now on."""
        rev = revision if revision is not None else self.store.revision()
        # Outside the lock: questions keep the last commit meanwhile (tantivy's writer
        # lock keeps writers apart).
        write_passages(self._open(), self.store.iter_passages(), replace_all=True)
        with self._lock:
            write_state(self.folder, rev)
            self._checked = time.monotonic()
            self._mismatch_since = None
            return self._snapshot(rev)

    def _start_rebuild(self, rev: str) -> None:
        if self._building is not None and self._building.is_alive():
            return

        def work() -> None:
            try:
                self.rebuild(rev)
            except Exception as e:  # noqa: BLE001 - the last commit stays; the next check retries
                log.warning("lexical index rebuild failed (%s); keeping the last commit", e)

        self._building = threading.Thread(target=work, name="lexical-rebuild", daemon=True)
        self._building.start()

    def search(self, query: str, k: int, filters: Filters | None = None) -> list[tuple[Passage, float]]:
        return self.current().search(query, k, filters)

    def lookup(self, ids: Sequence[str]) -> dict[str, Passage]:
        """Passages by id from the index (those it holds)."""
        return self.current().get(ids)

    def matching(self, filters: Filters) -> int:
        """How many passages pass the filters, by the index's count."""
        return self.current().matching(filters)
