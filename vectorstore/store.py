"""The passage store: one Chroma collection, embedded (PersistentClient) or client-server
(HttpClient when ``FOOTNOTE_CHROMA_HOST`` is set).

We always pass embeddings ourselves and never let Chroma embed: its default embedder
downloads a model at first use. Writes are batched within the client's max batch size.
Each write bumps a ``revision`` token in the collection's metadata, which lets every
process (several app workers on one Chroma server) see that its BM25 index is stale.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

import numpy as np

from footnote.records import Passage, date_to_ts
from footnote.settings import Settings
from vectorstore.embeddings import Embedder, get_embedder
from vectorstore.errors import StoreError, StoreUnavailable

PAGE = 2000


@dataclass
class ArticleState:
    """What the store holds of one article: its content hash, whether it is whole, who added it."""

    article_hash: str
    expected: int
    found: int
    owner: str = "local"

    @property
    def complete(self) -> bool:
        return self.found == self.expected and self.expected > 0


@dataclass
class Filters:
    """Metadata filters shared by every retriever."""

    sources: list[str] | None = None
    date_from: date | None = None
    date_to: date | None = None

    def where(self) -> dict[str, Any] | None:
        clauses: list[dict[str, Any]] = []
        if self.sources:
            clauses.append({"source": {"$in": list(self.sources)}})
        if self.date_from:
            clauses.append({"ts": {"$gte": date_to_ts(self.date_from)}})
        if self.date_to:
            clauses.append({"ts": {"$lte": date_to_ts(self.date_to)}})
            if not self.date_from:
                clauses.append({"ts": {"$gte": 0}})  # undated passages are stored as -1
        if not clauses:
            return None
        return clauses[0] if len(clauses) == 1 else {"$and": clauses}

    def accepts(self, p: Passage) -> bool:
        if self.sources and p.source not in self.sources:
            return False
        if self.date_from and (p.date is None or p.date < self.date_from):
            return False
        if self.date_to and (p.date is None or p.date > self.date_to):
            return False
        return True

    @property
    def active(self) -> bool:
        return bool(self.sources or self.date_from or self.date_to)


def make_client(settings: Settings):
    """A Chroma client for the settings: HttpClient when a host is set, else PersistentClient."""
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    chroma_settings = ChromaSettings(anonymized_telemetry=False)
    try:
        if settings.chroma_host:
            headers = {}
            if settings.chroma_token:
                headers["Authorization"] = f"Bearer {settings.chroma_token.get_secret_value()}"
            return chromadb.HttpClient(
                host=settings.chroma_host,
                port=settings.chroma_port,
                ssl=settings.chroma_ssl,
                headers=headers,
                settings=chroma_settings,
            )
        settings.store_dir.mkdir(parents=True, exist_ok=True)
        return chromadb.PersistentClient(path=str(settings.store_dir), settings=chroma_settings)
    except Exception as e:
        where = f"{settings.chroma_host}:{settings.chroma_port}" if settings.chroma_host else str(settings.store_dir)
        raise StoreUnavailable(f"cannot open the Chroma store at {where}: {e}") from e


class PassageStore:
    """Passages in Chroma, with their embeddings and metadata."""

    def __init__(self, settings: Settings, embedder: Embedder | None = None, client: Any = None) -> None:
        self.settings = settings
        self.embedder = embedder or get_embedder(settings)
        self.client = client or make_client(settings)
        self.collection = self._open_collection()
        self._max_batch: int | None = None

    @property
    def location(self) -> str:
        s = self.settings
        return f"http://{s.chroma_host}:{s.chroma_port}" if s.chroma_host else str(s.store_dir)

    def _call(self, fn, *args, **kwargs):
        """Run a Chroma call, turning connection failures into StoreUnavailable."""
        try:
            return fn(*args, **kwargs)
        except StoreError:
            raise
        except Exception as e:
            name = type(e).__name__
            text = str(e)
            if any(k in (name + text) for k in ("Connect", "connect", "Timeout", "refused", "Unavailable", "unreachable")):
                raise StoreUnavailable(f"Chroma store at {self.location} is unreachable: {text or name}") from e
            if "readonly" in text.lower() or "read-only" in text.lower() or "disk" in text.lower():
                raise StoreError(f"Chroma store at {self.location} cannot be written: {text}") from e
            raise StoreError(f"Chroma error ({name}): {text}") from e

    def _open_collection(self):
        col = self._call(
            self.client.get_or_create_collection,
            self.settings.collection,
            embedding_function=None,
            configuration={"hnsw": {"space": "cosine", "ef_search": 128}},
            metadata={"embedding_model": self.embedder.name, "revision": uuid.uuid4().hex},
        )
        stored_model = (col.metadata or {}).get("embedding_model")
        if stored_model and stored_model != self.embedder.name:
            raise StoreError(
                f"collection {self.settings.collection!r} was built with embedding model {stored_model!r}, "
                f"not {self.embedder.name!r}; use another FOOTNOTE_COLLECTION or re-ingest into a new store"
            )
        return col

    # --- bookkeeping ------------------------------------------------------------------
    @property
    def max_batch(self) -> int:
        if self._max_batch is None:
            try:
                self._max_batch = int(self.client.get_max_batch_size())
            except Exception:
                self._max_batch = 1000
        return self._max_batch

    def revision(self) -> str:
        col = self._call(self.client.get_collection, self.settings.collection, embedding_function=None)
        return str((col.metadata or {}).get("revision", ""))

    def _bump_revision(self) -> None:
        meta = dict(self.collection.metadata or {})
        meta["revision"] = uuid.uuid4().hex
        meta["embedding_model"] = self.embedder.name
        self._call(self.collection.modify, metadata=meta)

    def count(self) -> int:
        return int(self._call(self.collection.count))

    def iter_metadata(self) -> Iterator[tuple[list[str], list[dict[str, Any]]]]:
        total = self.count()
        for offset in range(0, total, PAGE):
            got = self._call(self.collection.get, include=["metadatas"], limit=PAGE, offset=offset)
            yield got["ids"], got["metadatas"]

    def iter_passages(self) -> Iterator[Passage]:
        total = self.count()
        for offset in range(0, total, PAGE):
            got = self._call(self.collection.get, include=["metadatas", "documents"], limit=PAGE, offset=offset)
            for pid, doc, meta in zip(got["ids"], got["documents"], got["metadatas"]):
                yield Passage.from_chroma(pid, doc, meta)

    def article_states(self, article_ids: Sequence[str] | None = None) -> dict[str, ArticleState]:
        """Every stored article's content hash and chunk counts (found vs expected).

        With ``article_ids``, only those articles (one filtered read, not a scan of the store).
        """
        states: dict[str, ArticleState] = {}
        if article_ids is not None:
            got = self._call(self.collection.get, where={"article_id": {"$in": list(article_ids)}}, include=["metadatas"])
            pages: Iterator[tuple[list[str], list[dict[str, Any]]]] = iter([(got["ids"], got["metadatas"])])
        else:
            pages = self.iter_metadata()
        for _ids, metas in pages:
            for m in metas:
                aid = str(m.get("article_id", ""))
                st = states.get(aid)
                if st is None:
                    states[aid] = ArticleState(
                        str(m.get("article_hash", "")), int(m.get("n_chunks", 0)), 1, str(m.get("owner") or "local")
                    )
                else:
                    st.found += 1
                    if st.article_hash != m.get("article_hash"):
                        st.expected = -1  # mixed versions: treat as incomplete
        return states

    def url_version(self, owner: str, url: str) -> tuple[str, str] | None:
        """(article id, ISO date) of the stored article of ``owner`` at ``url``, or None: one
        filtered read, not a scan of the store."""
        got = self._call(self.collection.get, where={"url": url}, include=["metadatas"])
        for m in got["metadatas"] or []:
            if str(m.get("owner") or "local") == owner:
                return str(m.get("article_id", "")), str(m.get("date", ""))
        return None

    def stats(self) -> dict[str, int]:
        states = self.article_states()
        return {"articles": len(states), "passages": sum(s.found for s in states.values())}

    def sources(self) -> list[str]:
        found: set[str] = set()
        for _ids, metas in self.iter_metadata():
            found.update(str(m.get("source", "")) for m in metas if m.get("source"))
        return sorted(found)

    # --- writes -----------------------------------------------------------------------
    def add_passages(self, passages: Sequence[Passage], embeddings: np.ndarray | None = None) -> int:
        """Embed (unless given) and upsert passages, batched. Returns how many were written."""
        if not passages:
            return 0
        if embeddings is None:
            embeddings = self.embedder.embed([p.text for p in passages])
        step = self.max_batch
        for i in range(0, len(passages), step):
            batch = passages[i : i + step]
            self._call(
                self.collection.upsert,
                ids=[p.id for p in batch],
                embeddings=embeddings[i : i + step],
                documents=[p.text for p in batch],
                metadatas=[p.to_metadata() for p in batch],
            )
        self._bump_revision()
        return len(passages)

    def delete_articles(self, article_ids: Sequence[str]) -> None:
        ids = list(article_ids)
        step = 500
        for i in range(0, len(ids), step):
            self._call(self.collection.delete, where={"article_id": {"$in": ids[i : i + step]}})
        if ids:
            self._bump_revision()

    def reset(self) -> None:
        """Drop every passage (the collection is recreated empty)."""
        self._call(self.client.delete_collection, self.settings.collection)
        self.collection = self._open_collection()

    # --- reads ------------------------------------------------------------------------
    def query(self, embedding: np.ndarray, k: int, filters: Filters | None = None) -> list[tuple[Passage, float]]:
        """Nearest passages to a query embedding: (passage, cosine similarity), best first."""
        # No count() first: Chroma returns fewer than k (or none) by itself, and the extra
        # call cost 7 ms embedded and a round trip to a server on every question.
        where = filters.where() if filters else None
        res = self._call(
            self.collection.query,
            query_embeddings=[np.asarray(embedding, dtype=np.float32)],
            n_results=max(1, k),
            where=where,
            include=["documents", "metadatas", "distances"],
        )
        out = []
        for pid, doc, meta, dist in zip(res["ids"][0], res["documents"][0], res["metadatas"][0], res["distances"][0]):
            out.append((Passage.from_chroma(pid, doc, meta), 1.0 - float(dist)))
        return out

    def nearest_ids(self, embedding: np.ndarray, k: int, filters: Filters | None = None) -> list[tuple[str, float]]:
        """Ids of the nearest passages to a query embedding, with cosine similarity, best first.

        Cheaper than ``query``: Chroma returns no documents or metadata (the caller has them).
        """
        # No count() first (see ``query``): a COUNT over the store on every question.
        res = self._call(
            self.collection.query,
            query_embeddings=[np.asarray(embedding, dtype=np.float32)],
            n_results=max(1, k),
            where=filters.where() if filters else None,
            include=["distances"],
        )
        return [(pid, 1.0 - float(dist)) for pid, dist in zip(res["ids"][0], res["distances"][0])]

    def get_passages(self, ids: Sequence[str]) -> list[Passage]:
        if not ids:
            return []
        got = self._call(self.collection.get, ids=list(ids), include=["documents", "metadatas"])
        by_id = {pid: Passage.from_chroma(pid, d, m) for pid, d, m in zip(got["ids"], got["documents"], got["metadatas"])}
        return [by_id[i] for i in ids if i in by_id]

    def get_embeddings(self, ids: Sequence[str]) -> dict[str, np.ndarray]:
        if not ids:
            return {}
        got = self._call(self.collection.get, ids=list(ids), include=["embeddings"])
        return {pid: np.asarray(e, dtype=np.float32) for pid, e in zip(got["ids"], got["embeddings"])}

    # --- the article catalogue ----------------------------------------------------------
    def article_heads(self, filters: Filters | None = None) -> list[Passage]:
        """The first passage (metadata only, no text) of every stored article that passes
        the filters: one row per article, read in pages; the store's order."""
        where: dict[str, Any] = {"position": 0}
        extra = filters.where() if filters else None
        if extra:
            where = {"$and": [where, extra]}
        heads: list[Passage] = []
        offset = 0
        while True:
            got = self._call(self.collection.get, where=where, include=["metadatas"], limit=PAGE, offset=offset)
            heads += [Passage.from_chroma(pid, "", meta) for pid, meta in zip(got["ids"], got["metadatas"])]
            if len(got["ids"]) < PAGE:
                return heads
            offset += PAGE

    def article_passages(self, article_id: str) -> list[Passage]:
        """Every stored passage of one article, in reading order (empty when it is not stored)."""
        got = self._call(self.collection.get, where={"article_id": article_id}, include=["documents", "metadatas"])
        passages = [Passage.from_chroma(pid, d, m) for pid, d, m in zip(got["ids"], got["documents"], got["metadatas"])]
        return sorted(passages, key=lambda p: p.position)
