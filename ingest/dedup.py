"""Near-duplicate articles (wire copies, updated versions of a story) grouped at ingest.

Each article's word 5-shingles go into a MinHash (datasketch, 128 permutations); an LSH
index finds the stored articles whose estimated Jaccard similarity reaches the threshold,
and the new article joins the group of the best match (else it starts its own group).
The group id travels in every passage's metadata (``group``), so retrieval can keep one
passage per story and list the other outlets. Signatures are kept in a small file in the
store folder (``dups-<collection>.npz``), so grouping an article never re-reads the store.

MinHash was measured against SimHash on the dev corpus (``python -m eval.near_dups``):
see docs/DESIGN-NOTES.md for the figures.
"""

from __future__ import annotations

import logging
import os
import re
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from footnote.settings import Settings

log = logging.getLogger("footnote.dedup")

NUM_PERM = 128
SHINGLE = 5
THRESHOLD = 0.3  # estimated Jaccard of word 5-shingles (wire copies are ~0.5+, updated versions ~0.3+)
MAX_DAYS = 14  # dated articles further apart than this are different stories, however alike
_WORD = re.compile(r"\w+", re.UNICODE)


def shingles(text: str, k: int = SHINGLE) -> set[bytes]:
    """The article's word k-shingles (lower-cased), as bytes for hashing."""
    words = _WORD.findall(text.lower())
    if len(words) < k:
        return {" ".join(words).encode()} if words else set()
    return {" ".join(words[i : i + k]).encode() for i in range(len(words) - k + 1)}


def signature(text: str):
    """The MinHash of an article's text."""
    from datasketch import MinHash

    m = MinHash(num_perm=NUM_PERM)
    sh = shingles(text)
    if sh:
        m.update_batch(list(sh))
    return m


@lru_cache(maxsize=1)
def _scheme() -> str:
    from datasketch import MinHash

    return MinHash(num_perm=NUM_PERM).scheme


@dataclass
class Match:
    """The stored article a new one duplicates, and how alike they are (estimated Jaccard)."""

    article_id: str
    group: str
    similarity: float


class NearDuplicates:
    """The MinHash/LSH index of the stored articles and their groups.

    Example:
        >>> nd = NearDuplicates.load(settings)
        >>> group = nd.assign("a1", text)   # "a1" or the group of a stored near-copy
        >>> nd.save()
    """

    def __init__(self, path: Path | None = None, threshold: float = THRESHOLD, max_days: int = MAX_DAYS) -> None:
        from datasketch import MinHashLSH

        self.path = path
        self.threshold = threshold
        self.max_days = max_days
        self.days: dict[str, int] = {}  # article id -> date ordinal (-1: undated)
        # Candidates from a looser LSH band setting, then checked against the threshold:
        # banding alone misses many pairs that lie just above it.
        self.lsh = MinHashLSH(threshold=max(0.1, threshold - 0.15), num_perm=NUM_PERM)
        self.sigs: dict[str, np.ndarray] = {}
        self.groups: dict[str, str] = {}
        self._lock = threading.RLock()

    @classmethod
    def load(cls, settings: Settings) -> NearDuplicates:
        """The index saved beside the store (empty when there is none or it is unreadable)."""
        path = Path(settings.store_dir) / f"dups-{settings.collection}.npz"
        make = lambda: cls(path, settings.dedup_threshold, settings.dedup_days)  # noqa: E731
        nd = make()
        if path.exists():
            try:
                with np.load(path, allow_pickle=False) as z:
                    for aid, grp, day, hv in zip(z["ids"].tolist(), z["groups"].tolist(), z["days"].tolist(), z["sigs"]):
                        nd._insert(str(aid), str(grp), int(day), np.asarray(hv, dtype=np.uint64))
            except (OSError, ValueError, KeyError) as e:
                log.error("near-duplicate index %s unreadable (%s); starting empty", path, e)
                nd = make()
        return nd

    def save(self) -> None:
        """Write the index atomically beside the store."""
        if self.path is None:
            return
        with self._lock:
            ids = list(self.sigs)
            self.path.parent.mkdir(parents=True, exist_ok=True)
            tmp = self.path.with_name(self.path.name + ".tmp.npz")
            sigs = np.stack([self.sigs[i] for i in ids]) if ids else np.zeros((0, NUM_PERM), dtype=np.uint64)
            np.savez(
                tmp, ids=np.array(ids, dtype=str), groups=np.array([self.groups[i] for i in ids], dtype=str),
                days=np.array([self.days[i] for i in ids], dtype=np.int64), sigs=sigs,
            )
            os.replace(tmp, self.path)

    def _insert(self, article_id: str, group: str, day: int, hashvalues: np.ndarray) -> None:
        from datasketch import LeanMinHash

        self.sigs[article_id] = hashvalues
        self.groups[article_id] = group
        self.days[article_id] = day
        scheme = _scheme()
        self.lsh.insert(article_id, LeanMinHash(seed=1, hashvalues=hashvalues, scheme=scheme), check_duplication=False)

    def best_match(self, text: str, day: int = -1, exclude: str = "") -> tuple[Match | None, np.ndarray]:
        """The most similar stored article above the threshold and within ``max_days`` (and the signature)."""
        m = signature(text)
        best: Match | None = None
        for aid in self.lsh.query(m):
            other = self.days[aid] if aid in self.days else -1
            if aid == exclude or (day >= 0 and other >= 0 and abs(day - other) > self.max_days):
                continue
            sim = float(np.mean(self.sigs[aid] == m.hashvalues))
            if sim >= self.threshold and (best is None or sim > best.similarity):
                best = Match(aid, self.groups[aid], sim)
        return best, m.hashvalues

    def assign(self, article_id: str, text: str, published: date | None = None) -> str:
        """Index an article and return its group id (a re-ingested article is re-grouped)."""
        day = published.toordinal() if published else -1
        with self._lock:
            self.forget([article_id])
            match, hv = self.best_match(text, day, exclude=article_id)
            group = match.group if match else article_id
            self._insert(article_id, group, day, hv)
            return group

    def forget(self, article_ids: Iterable[str]) -> None:
        """Drop articles (deleted or about to be replaced) from the index."""
        with self._lock:
            for aid in article_ids:
                if aid in self.sigs:
                    self.lsh.remove(aid)
                    del self.sigs[aid]
                    del self.groups[aid]
                    del self.days[aid]

    def members(self) -> dict[str, list[str]]:
        """Group id -> its article ids (groups of one included)."""
        out: dict[str, list[str]] = {}
        for aid, g in self.groups.items():
            out.setdefault(g, []).append(aid)
        return out
