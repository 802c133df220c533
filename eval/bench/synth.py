"""Larger stores made cheaply from a real one: no re-embedding.

Passage i of an N-passage store is base passage ``i % B``. Copies past the first get a
new id and article id (``~k`` appended), a light perturbation of their text (about one
word in twenty dropped, a different one in each copy, so copies are not exact duplicates
for BM25) and the base embedding plus Gaussian noise (renormalised, cosine to the
original about 0.97): the vectors are re-used, not computed from the perturbed text.
They are written straight to Chroma in batches of its max batch size, then the lexical
index is built in one bulk commit, as a rebuild would leave it.
"""

from __future__ import annotations

import shutil
import time
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import numpy as np

from footnote.records import Passage
from footnote.settings import Settings
from vectorstore.lexical import open_index, read_state, write_passages, write_state
from vectorstore.store import PassageStore

NOISE = 0.01  # per dimension; 384 dimensions -> a noise vector of norm about 0.2
DROP_EVERY = 20  # a copy loses about one word in this many


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


def perturb(text: str, copy: int, salt: int) -> str:
    """The text with about one word in ``DROP_EVERY`` dropped (which ones depends on ``copy``)."""
    words = text.split(" ")
    return " ".join(w for j, w in enumerate(words) if (j * 7 + copy * 13 + salt) % DROP_EVERY)


def copy_of(p: Passage, copy: int, salt: int) -> Passage:
    """Copy number ``copy`` of a base passage (copy 0 is the passage itself)."""
    if copy == 0:
        return p
    return replace(p, id=f"{p.id}~{copy}", article_id=f"{p.article_id}~{copy}", text=perturb(p.text, copy, salt))


def replicate(passages: list[Passage], size: int, start: int = 0) -> Iterator[Passage]:
    """Passages ``start`` .. ``size - 1`` of the synthesised store (deterministic)."""
    n = len(passages)
    for i in range(start, size):
        yield copy_of(passages[i % n], i // n, i % n)


def build(base_dir: Path, dest_dir: Path, size: int, seed: int = 0) -> dict[str, float]:
    """Write a ``size``-passage store to ``dest_dir`` from the store in ``base_dir`` (or finish one).

    Returns the seconds spent writing to Chroma and building the lexical index.
    """
    base_store = PassageStore(Settings(store_dir=base_dir, _env_file=None))
    passages, vecs = read_base(base_store)
    n_base = len(passages)
    settings = Settings(store_dir=dest_dir, _env_file=None)
    store = PassageStore(settings, base_store.embedder)
    t0 = time.perf_counter()
    step = 10_000
    # Resumable: a store cut off part way holds whole steps (plus at most a part of one,
    # which is written again: same ids, same vectors).
    for start in range(store.count() // step * step, size, step):
        idx = np.arange(start, min(size, start + step))
        rng = np.random.default_rng(seed * 1_000_003 + start)
        emb = vecs[idx % n_base].copy()
        noisy = idx // n_base > 0
        emb[noisy] += rng.normal(0, NOISE, size=(int(noisy.sum()), emb.shape[1])).astype(np.float32)
        emb /= np.linalg.norm(emb, axis=1, keepdims=True)
        store.add_passages(list(replicate(passages, int(idx[-1]) + 1, start)), emb)
    t1 = time.perf_counter()
    write_passages(open_index(settings.bm25_dir), replicate(passages, size), replace_all=True)
    write_state(settings.bm25_dir, store.revision())
    for table in base_dir.glob("sentences-*"):  # the copies' texts are the base's: so are their sentences
        shutil.copytree(table, dest_dir / table.name, dirs_exist_ok=True)
    t2 = time.perf_counter()
    return {"passages": float(store.count()), "chroma_write_s": t1 - t0, "bm25_build_s": t2 - t1}


def reusable(dest_dir: Path, size: int) -> bool:
    """True when ``dest_dir`` holds a synthesised store of ``size`` passages with its lexical index in step."""
    if not (dest_dir / "chroma.sqlite3").exists():
        return False
    settings = Settings(store_dir=dest_dir, _env_file=None)
    try:
        store = PassageStore(settings)
        return store.count() == size and read_state(settings.bm25_dir).get("revision") == store.revision()
    except Exception:  # noqa: BLE001 - anything wrong with it: build it again
        return False
