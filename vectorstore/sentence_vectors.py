"""Sentence vectors computed at ingest, so that answering embeds only the question.

The extractive answerer compares its lexical front-runners (10 sentences a question)
with the question under the embedding model, and the citation checker compares answer
sentences with passage sentences; embedding those sentences was over half of an
answer's time. Ingest therefore embeds every sentence a passage is read as
(``footnote.sentences.reading_sentences``) once, with the answerer's reading model, and
keeps the vectors beside the store. At answer time they are looked up by the sentence's
text; only what is not found (the question, a store built before this, articles another
machine ingested) is embedded.

Storage: append-only segments in ``store_dir/sentences-<collection>-<model>/``, each a
pair of ``.npy`` files, the keys (16-byte BLAKE2b digests of the text, ``uint8`` rows)
and the vectors (float16: half the disk; a similarity moves by about 1e-3). A segment is
written under a temporary name and renamed, vectors first and keys last, so a reader
never sees half of one; a reader picks up what other processes added when the folder
changes. Keyed by text, a vector is never stale: a changed article's new sentences are
new keys, and its old ones are merely unused (compaction merges segments; it keeps every
key).
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
import threading
import time
import uuid
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path

import numpy as np

from footnote.sentences import reading_sentences
from footnote.settings import Settings
from vectorstore.embeddings import Embedder

log = logging.getLogger("footnote.sentence_vectors")

KEY_BYTES = 16
ADD_BATCH = 2048  # sentences embedded and written per segment while back-filling
COMPACT_AT = 32  # segments; more are merged into one


def sentence_key(text: str) -> bytes:
    """The key a sentence's vector is stored under."""
    return hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=KEY_BYTES).digest()


def table_dir(settings: Settings, model_name: str) -> Path:
    """Where the sentence vectors of ``settings``' collection under ``model_name`` live."""
    slug = re.sub(r"[^A-Za-z0-9._-]+", "-", model_name).strip("-") or "model"
    return settings.store_dir / f"sentences-{settings.collection}-{slug}"


class SentenceVectors:
    """A persistent map from sentence text to its vector (see the module's docstring)."""

    def __init__(self, directory: Path, dim: int, compact_at: int = COMPACT_AT) -> None:
        self.directory = Path(directory)
        self.dim = dim
        self.compact_at = compact_at
        self._lock = threading.Lock()
        # (key -> (segment, row), the segments' float16 vectors memory-mapped, their names),
        # replaced whole on a reload so that a reader never mixes two generations
        self._state: tuple[dict[bytes, tuple[int, int]], list[np.ndarray], list[str]] = ({}, [], [])
        self._seen_mtime: int | None = None

    def __len__(self) -> int:
        self._refresh()
        return len(self._state[0])

    # --- reading ------------------------------------------------------------------------
    def _refresh(self) -> None:
        """(Re)load the segments when the folder changed since the last look."""
        try:
            mtime = os.stat(self.directory).st_mtime_ns
        except FileNotFoundError:
            mtime = None
        if mtime == self._seen_mtime:
            return
        with self._lock:
            if mtime == self._seen_mtime:
                return
            self._load()
            self._seen_mtime = mtime

    def _load(self, attempts: int = 3) -> None:
        """Read every segment. A segment a compaction removed between the listing and the
        read means the merged one has been written: the folder is listed again."""
        for attempt in range(attempts):
            try:
                self._load_once(strict=attempt < attempts - 1)
                return
            except FileNotFoundError:
                continue

    def _load_once(self, strict: bool) -> None:
        index: dict[bytes, tuple[int, int]] = {}
        segments: list[np.ndarray] = []
        names: list[str] = []
        for name in self._segment_names():
            try:
                keys = np.load(self.directory / f"{name}.keys.npy")
                vecs = np.load(self.directory / f"{name}.vecs.npy", mmap_mode="r")
            except FileNotFoundError:
                if strict:
                    raise  # removed by a compaction meanwhile: list again
                continue
            except (OSError, ValueError) as e:  # damaged
                log.warning("sentence vectors: segment %s not read (%s)", name, e)
                continue
            if keys.ndim != 2 or keys.shape[1] != KEY_BYTES or vecs.shape != (len(keys), self.dim):
                log.warning("sentence vectors: segment %s has the wrong shape; ignored", name)
                continue
            seg = len(segments)
            raw = keys.tobytes()
            for row in range(len(keys)):
                index[raw[row * KEY_BYTES : (row + 1) * KEY_BYTES]] = (seg, row)
            segments.append(vecs)
            names.append(name)
        self._state = (index, segments, names)

    def _segment_names(self) -> list[str]:
        if not self.directory.is_dir():
            return []
        return sorted(p.name[: -len(".keys.npy")] for p in self.directory.glob("*.keys.npy"))

    def lookup(self, texts: Sequence[str]) -> tuple[np.ndarray, list[int]]:
        """The stored vectors of ``texts`` (float32 rows, zeros where none is stored) and
        the indices of the texts that have none."""
        self._refresh()
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        missing: list[int] = []
        index, segments, _ = self._state
        for i, t in enumerate(texts):
            where = index.get(sentence_key(t))
            if where is None:
                missing.append(i)
            else:
                out[i] = segments[where[0]][where[1]]
        return out, missing

    def has(self, text: str) -> bool:
        self._refresh()
        return sentence_key(text) in self._state[0]

    # --- writing ------------------------------------------------------------------------
    def add(self, texts: Sequence[str], vectors: np.ndarray) -> int:
        """Store the vectors of the texts not stored yet; returns how many were new."""
        self._refresh()
        keys: list[bytes] = []
        rows: list[int] = []
        fresh: set[bytes] = set()
        for i, t in enumerate(texts):
            k = sentence_key(t)
            if k in self._state[0] or k in fresh:
                continue
            fresh.add(k)
            keys.append(k)
            rows.append(i)
        if not keys:
            return 0
        self.directory.mkdir(parents=True, exist_ok=True)
        key_arr = np.frombuffer(b"".join(keys), dtype=np.uint8).reshape(len(keys), KEY_BYTES)
        self._write_segment(key_arr, np.asarray(vectors, dtype=np.float32)[rows].astype(np.float16))
        if len(self._segment_names()) > self.compact_at:
            self.compact()
        self._seen_mtime = None  # our own segment is read at the next look, whatever the clock
        return len(keys)

    def _write_segment(self, keys: np.ndarray, vectors: np.ndarray) -> str:
        name = f"seg-{time.time_ns():020d}-{os.getpid()}-{uuid.uuid4().hex[:8]}"
        for kind, arr in (("vecs", vectors), ("keys", keys)):  # keys last: they make it visible
            final = self.directory / f"{name}.{kind}.npy"
            tmp = final.with_name(final.name + ".tmp")
            with open(tmp, "wb") as fh:
                np.save(fh, arr)
            os.replace(tmp, final)
        return name

    def compact(self) -> None:
        """Merge every segment into one (no key is dropped)."""
        with self._lock:
            self._load()
            index, segments, names = self._state
            if len(names) <= 1:
                return
            keys = np.empty((len(index), KEY_BYTES), dtype=np.uint8)
            vecs = np.empty((len(index), self.dim), dtype=np.float16)
            for row, (k, (seg, r)) in enumerate(index.items()):
                keys[row] = np.frombuffer(k, dtype=np.uint8)
                vecs[row] = segments[seg][r]
            old = list(names)
            self._write_segment(keys, vecs)
            for name in old:
                for kind in ("keys", "vecs"):
                    (self.directory / f"{name}.{kind}.npy").unlink(missing_ok=True)
            self._seen_mtime = None

    def add_passages(
        self, passage_texts: Iterable[str], embedder: Embedder, progress: Callable[[int], None] | None = None,
    ) -> int:
        """Embed and store the reading sentences of the passages that have no vector yet;
        returns how many were added. ``progress`` is called with each batch's passage count."""
        added = 0
        pending: list[str] = []
        queued: set[str] = set()
        passages = 0
        for text in passage_texts:
            passages += 1
            for s in reading_sentences(text):
                if s not in queued and not self.has(s):
                    queued.add(s)
                    pending.append(s)
            if len(pending) >= ADD_BATCH:
                added += self.add(pending, embedder.embed(pending))
                pending, queued = [], set()
                if progress is not None:
                    progress(passages)
                passages = 0
        if pending:
            added += self.add(pending, embedder.embed(pending))
        if progress is not None and passages:
            progress(passages)
        return added


class StoredVectorsEmbedder(Embedder):
    """An embedder that takes the vectors it can from a ``SentenceVectors`` table and
    embeds only the rest with the model it wraps (same model, same vectors up to float16)."""

    def __init__(self, inner: Embedder, table: SentenceVectors) -> None:
        self.inner = inner
        self.table = table
        self.name = inner.name
        self.batch_size = inner.batch_size

    @property
    def dim(self) -> int:
        return self.inner.dim

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        out, missing = self.table.lookup(texts)
        if missing:
            out[missing] = self.inner.embed([texts[i] for i in missing])
        return out

    def embed_batch(self, texts: Sequence[str]) -> np.ndarray:
        return self.inner.embed_batch(texts)


def sentence_table(settings: Settings, reader: Embedder) -> SentenceVectors:
    """The sentence-vector table of ``settings``' collection under the reading model."""
    return SentenceVectors(table_dir(settings, reader.name), reader.dim)


def with_stored_sentences(settings: Settings, reader: Embedder) -> Embedder:
    """``reader`` taking stored sentence vectors first, when ingest writes them or a table
    exists (a store back-filled with ``python -m ingest --sentence-vectors``)."""
    table = sentence_table(settings, reader)
    if settings.sentence_vectors_on or table.directory.is_dir():
        return StoredVectorsEmbedder(reader, table)
    return reader
