"""Larger stores made cheaply from a real one: no re-embedding.

Passage i of an N-passage store is base passage ``i % B``; copies past the first get a
new id and article id (``~k`` appended) and the base embedding plus Gaussian noise
(renormalised, cosine to the original about 0.97), and are written straight to Chroma
in batches of its max batch size. The BM25 index is then built and saved beside it, as
an ingest would leave it.
"""

from __future__ import annotations

import time
from dataclasses import replace
from pathlib import Path

import numpy as np

from footnote.records import Passage
from footnote.settings import Settings
from vectorstore.lexical import SyncedLexicalIndex
from vectorstore.store import PassageStore

NOISE = 0.01  # per dimension; 384 dimensions -> a noise vector of norm about 0.2


def read_base(store: PassageStore) -> tuple[list[Passage], np.ndarray]:
    """Every passage of a store with its embedding, in the store's order."""
    passages: list[Passage] = []
    vecs: list[np.ndarray] = []
    total = store.count()
    for offset in range(0, total, 2000):
        got = store.collection.get(include=["documents", "metadatas", "embeddings"], limit=2000, offset=offset)
        for pid, doc, meta, emb in zip(got["ids"], got["documents"], got["metadatas"], got["embeddings"]):
            passages.append(Passage.from_chroma(pid, doc, meta))
            vecs.append(np.asarray(emb, dtype=np.float32))
    return passages, np.stack(vecs)


def build(base_dir: Path, dest_dir: Path, size: int, seed: int = 0) -> dict[str, float]:
    """Write a ``size``-passage store to ``dest_dir`` from the store in ``base_dir``.

    Returns the seconds spent writing to Chroma and building the BM25 index.
    """
    base_store = PassageStore(Settings(store_dir=base_dir, _env_file=None))
    passages, vecs = read_base(base_store)
    n_base = len(passages)
    rng = np.random.default_rng(seed)
    settings = Settings(store_dir=dest_dir, _env_file=None)
    store = PassageStore(settings, base_store.embedder)
    t0 = time.perf_counter()
    step = 10_000
    for start in range(0, size, step):
        idx = np.arange(start, min(size, start + step))
        chunk: list[Passage] = []
        emb = vecs[idx % n_base].copy()
        copies = idx // n_base
        noisy = copies > 0
        emb[noisy] += rng.normal(0, NOISE, size=(int(noisy.sum()), emb.shape[1])).astype(np.float32)
        emb /= np.linalg.norm(emb, axis=1, keepdims=True)
        for i, k in zip(idx, copies):
            p = passages[i % n_base]
            chunk.append(p if k == 0 else replace(p, id=f"{p.id}~{k}", article_id=f"{p.article_id}~{k}"))
        store.add_passages(chunk, emb)
    t1 = time.perf_counter()
    SyncedLexicalIndex(store, settings.bm25_dir).current()
    t2 = time.perf_counter()
    return {"passages": float(store.count()), "chroma_write_s": t1 - t0, "bm25_build_s": t2 - t1}
