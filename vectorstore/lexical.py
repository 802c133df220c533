"""BM25 over the stored passages (bm25s), persisted beside the store.

The index is derived data: it is rebuilt from the store's own documents whenever the
store's ``revision`` token differs from the one the index was built at (another process
wrote, the folder is missing, a crash came between the two writes). That one rule keeps
several app processes on one Chroma server consistent: each checks the token (at most
once a second) and rebuilds when it moved (in a background thread once it has an index
to serve from meanwhile).
"""

from __future__ import annotations

import json
import logging
import math
import os
import re
import shutil
import threading
import time
from collections import Counter
from pathlib import Path

import numpy as np

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
    words = [w.replace("’", "'") for w in _WORD.findall(text.lower())]
    words = [w for w in words if w not in STOPWORDS]
    return _stem_words(words)


class LexicalIndex:
    """An in-memory BM25 index of every passage, with the passages for lookup."""

    def __init__(self, passages: list[Passage], revision: str = "") -> None:
        import bm25s

        self.passages = passages
        self.revision = revision
        self.retriever = bm25s.BM25(k1=1.2, b=0.75)
        tokens = [tokenize(p.title + "\n" + p.text) for p in passages]
        if passages:
            self.retriever.index(tokens, show_progress=False)
        self._vocab = getattr(self.retriever, "vocab_dict", {}) or {}
        df: Counter[str] = Counter()
        for toks in tokens:
            df.update(set(toks))
        self.df = dict(df)

    def idf(self, token: str) -> float:
        """Inverse document frequency of a (stemmed) token over the passages."""
        n = len(self.passages)
        return math.log(1 + (n - self.df.get(token, 0) + 0.5) / (self.df.get(token, 0) + 0.5))

    def __len__(self) -> int:
        return len(self.passages)

    def search(self, query: str, k: int, filters: Filters | None = None) -> list[tuple[Passage, float]]:
        """Top k passages by BM25 score (only those with a positive score), best first."""
        if not self.passages:
            return []
        toks = [t for t in tokenize(query) if t in self._vocab]
        if not toks:
            return []
        scores = self.retriever.get_scores(toks)
        if filters is not None and filters.active:
            scores = scores * self.mask(filters)
        k = min(k, int((scores > 0).sum()))
        if k <= 0:
            return []
        top = np.argpartition(-scores, k - 1)[:k]
        top = top[np.argsort(-scores[top])]
        return [(self.passages[i], float(scores[i])) for i in top]

    def mask(self, filters: Filters) -> np.ndarray:
        """1.0 for the passages the filters accept, else 0.0 (vectorised over all passages)."""
        cols = self._columns()
        keep = np.ones(len(self.passages), dtype=bool)
        if filters.sources:
            keep &= np.isin(cols["source"], list(filters.sources))
        if filters.date_from:
            keep &= cols["day"] >= filters.date_from.toordinal()
        if filters.date_to:
            keep &= (cols["day"] >= 0) & (cols["day"] <= filters.date_to.toordinal())
        return keep.astype(np.float32)

    def _columns(self) -> dict[str, np.ndarray]:
        cols = getattr(self, "_cols", None)
        if cols is None:
            cols = self._cols = {
                "source": np.array([p.source for p in self.passages], dtype=object),
                "day": np.array([p.date.toordinal() if p.date else -1 for p in self.passages], dtype=np.int64),
            }
        return cols

    # --- persistence -----------------------------------------------------------------
    def save(self, folder: Path) -> None:
        # A name of its own: two processes sharing a folder never write into each other's copy.
        tmp = folder.with_name(f"{folder.name}.tmp-{os.getpid()}-{threading.get_ident()}")
        shutil.rmtree(tmp, ignore_errors=True)
        tmp.mkdir(parents=True)
        if self.passages:
            self.retriever.save(str(tmp), show_progress=False)
        with (tmp / "passages.jsonl").open("w", encoding="utf-8") as fh:
            for p in self.passages:
                fh.write(json.dumps({"id": p.id, "text": p.text, "meta": p.to_metadata()}, ensure_ascii=False) + "\n")
        (tmp / "df.json").write_text(json.dumps(self.df))
        (tmp / "revision.json").write_text(json.dumps({"revision": self.revision, "count": len(self.passages)}))
        shutil.rmtree(folder, ignore_errors=True)
        try:
            tmp.rename(folder)  # the swap is the commit point: a half-written index is never read
        except OSError:
            shutil.rmtree(tmp, ignore_errors=True)  # another process swapped its copy in first
            raise

    @classmethod
    def load(cls, folder: Path) -> LexicalIndex:
        import bm25s

        info = json.loads((folder / "revision.json").read_text())
        passages = []
        with (folder / "passages.jsonl").open(encoding="utf-8") as fh:
            for line in fh:
                rec = json.loads(line)
                passages.append(Passage.from_chroma(rec["id"], rec["text"], rec["meta"]))
        self = cls.__new__(cls)
        self.passages = passages
        self.revision = info["revision"]
        if passages:
            self.retriever = bm25s.BM25.load(str(folder), show_progress=False, verbosity=0)
        else:
            self.retriever = bm25s.BM25()
        self._vocab = getattr(self.retriever, "vocab_dict", {}) or {}
        self.df = json.loads((folder / "df.json").read_text())
        return self

    @staticmethod
    def saved_revision(folder: Path) -> str | None:
        try:
            return json.loads((folder / "revision.json").read_text())["revision"]
        except (OSError, ValueError, KeyError):
            return None


class SyncedLexicalIndex:
    """The BM25 index of a store, kept at the store's revision (thread-safe).

    The first index is built (or loaded) before the first answer. Later, when another
    process moved the revision and this folder holds no copy at it, the rebuild runs in a
    background thread while questions keep using the index they have: a worker on a big
    shared store never stalls its requests for a rebuild (its BM25 side lags the store by
    the rebuild's duration; the dense side is always current).
    """

    def __init__(self, store: PassageStore, folder: Path, check_every: float = 1.0, background: bool = True) -> None:
        self.store = store
        self.folder = folder
        self.check_every = check_every
        self.background = background
        self._index: LexicalIndex | None = None
        self._checked = 0.0
        self._lock = threading.Lock()
        self._building: threading.Thread | None = None

    def current(self) -> LexicalIndex:
        """The index to search now (at most ``check_every`` seconds behind the store's revision check)."""
        now = time.monotonic()
        if self._index is not None and now - self._checked < self.check_every:
            return self._index
        with self._lock:
            rev = self.store.revision()
            self._checked = time.monotonic()
            if self._index is not None and self._index.revision == rev:
                return self._index
            if LexicalIndex.saved_revision(self.folder) == rev:
                try:
                    self._index = LexicalIndex.load(self.folder)
                    return self._index
                except (OSError, ValueError, KeyError):
                    pass  # unreadable: rebuild below
            if self._index is not None and self.background:
                self._start_rebuild(rev)
                return self._index
            self._index = self._build(rev)
            return self._index

    def refresh(self, timeout: float | None = None) -> LexicalIndex:
        """The index at the store's revision now, waiting (up to ``timeout`` s) for a rebuild."""
        self._checked = 0.0
        self.current()
        building = self._building
        if building is not None:
            building.join(timeout)
        self._checked = 0.0
        return self.current()

    def rebuild(self, revision: str | None = None) -> LexicalIndex:
        """Rebuild from the store's documents now, save it, and use it from now on."""
        index = self._build(revision if revision is not None else self.store.revision())
        with self._lock:
            self._index = index
        return index

    def _build(self, rev: str) -> LexicalIndex:
        index = LexicalIndex(list(self.store.iter_passages()), rev)
        try:
            index.save(self.folder)
        except OSError:
            pass  # a read-only folder still gets an in-memory index
        return index

    def _start_rebuild(self, rev: str) -> None:
        if self._building is not None and self._building.is_alive():
            return
        stale = self._index

        def work() -> None:
            try:
                index = self._build(rev)
            except Exception as e:  # noqa: BLE001 - the old index stays; the next check retries
                log.warning("BM25 rebuild failed (%s); keeping the previous index", e)
                return
            with self._lock:
                if self._index is stale:  # not replaced meanwhile by a newer rebuild()
                    self._index = index

        self._building = threading.Thread(target=work, name="bm25-rebuild", daemon=True)
        self._building.start()

    def search(self, query: str, k: int, filters: Filters | None = None) -> list[tuple[Passage, float]]:
        return self.current().search(query, k, filters)
