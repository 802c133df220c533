"""``python -m eval.near_dups CORPUS.jsonl``: near-duplicate grouping measured on a corpus.

Compares MinHash/LSH (what ingest uses, ingest/dedup.py) with SimHash (64-bit, word
3-shingle features, Hamming distance <= 3) against the exact Jaccard similarity of word
5-shingles over all pairs (a sparse matrix product), and prints the groups so a person
can check them by hand (``--show N`` samples N groups with titles, sources, dates and
the opening of each text).
"""

from __future__ import annotations

import argparse
import json
import random
import time
from collections.abc import Sequence
from datetime import date

import numpy as np

from ingest.dedup import NearDuplicates, shingles


def exact_pairs(texts: list[str], threshold: float) -> set[tuple[int, int]]:
    """Every pair (i < j) whose exact shingle Jaccard similarity reaches the threshold."""
    from scipy.sparse import csr_matrix

    vocab: dict[bytes, int] = {}
    rows, cols = [], []
    sizes = np.zeros(len(texts))
    for i, t in enumerate(texts):
        sh = shingles(t)
        sizes[i] = len(sh)
        for s in sh:
            rows.append(i)
            cols.append(vocab.setdefault(s, len(vocab)))
    m = csr_matrix((np.ones(len(rows), dtype=np.float32), (rows, cols)), shape=(len(texts), len(vocab)))
    inter = (m @ m.T).tocoo()
    out = set()
    for i, j, v in zip(inter.row, inter.col, inter.data):
        if i < j and v / max(1.0, sizes[i] + sizes[j] - v) >= threshold:
            out.add((int(i), int(j)))
    return out


def simhash_pairs(texts: list[str], max_distance: int = 3) -> set[tuple[int, int]]:
    """Pairs whose 64-bit SimHash fingerprints differ in at most ``max_distance`` bits."""
    from simhash import Simhash, SimhashIndex

    index = SimhashIndex([], k=max_distance)
    out = set()
    for i, t in enumerate(texts):
        words = t.lower().split()
        h = Simhash([" ".join(words[k : k + 3]) for k in range(max(1, len(words) - 2))])
        for j in index.get_near_dups(h):
            out.add((int(j), i))
        index.add(str(i), h)
    return out


def groups_of(pairs: set[tuple[int, int]], n: int) -> list[list[int]]:
    """Connected components (size > 1) of the pair graph."""
    parent = list(range(n))

    def find(x: int) -> int:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for i, j in pairs:
        parent[find(i)] = find(j)
    comp: dict[int, list[int]] = {}
    for i in range(n):
        comp.setdefault(find(i), []).append(i)
    return [sorted(c) for c in comp.values() if len(c) > 1]


def _pairs_in(groups: list[list[int]]) -> set[tuple[int, int]]:
    return {(a, b) for g in groups for i, a in enumerate(g) for b in g[i + 1 :]}


def _score(name: str, found: set[tuple[int, int]], truth: set[tuple[int, int]], n: int, secs: float) -> None:
    tp = len(found & truth)
    p = tp / len(found) if found else 1.0
    r = tp / len(truth) if truth else 1.0
    g = groups_of(found, n)
    print(f"{name:8s} groups {len(g):4d}  articles in groups {sum(map(len, g)):4d}  pairs {len(found):4d}  "
          f"pair precision vs exact {p:.2f}  recall {r:.2f}  ({secs:.1f} s)")


def _date(a: dict) -> date | None:
    try:
        return date.fromisoformat(str(a.get("published_date") or "")[:10])
    except ValueError:
        return None


def _near(a: dict, b: dict, days: int) -> bool:
    da, db = _date(a), _date(b)
    return da is None or db is None or abs((da - db).days) <= days


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m eval.near_dups")
    ap.add_argument("corpus")
    ap.add_argument("--threshold", type=float, default=0.3, help="Jaccard threshold (MinHash and the exact reference)")
    ap.add_argument("--days", type=int, default=14, help="dated articles further apart are never grouped")
    ap.add_argument("--simhash-bits", type=int, default=3, help="most differing SimHash bits for a near-duplicate")
    ap.add_argument("--show", type=int, default=0, help="print N sampled MinHash groups for checking by hand")
    ap.add_argument("--seed", type=int, default=15)
    args = ap.parse_args(argv)
    arts = [json.loads(line) for line in open(args.corpus, encoding="utf-8") if line.strip()]
    texts = [a.get("text", "") for a in arts]
    t = time.perf_counter()
    truth = {(i, j) for i, j in exact_pairs(texts, args.threshold) if _near(arts[i], arts[j], args.days)}
    t_exact = time.perf_counter() - t
    t = time.perf_counter()
    nd = NearDuplicates(threshold=args.threshold, max_days=args.days)
    for a in arts:
        nd.assign(a["id"], a.get("text", ""), _date(a))
    index = {a["id"]: i for i, a in enumerate(arts)}
    mh_groups = [sorted(index[x] for x in g) for g in nd.members().values() if len(g) > 1]
    t_mh = time.perf_counter() - t
    t = time.perf_counter()
    sh = {(i, j) for i, j in simhash_pairs(texts, args.simhash_bits) if _near(arts[i], arts[j], args.days)}
    t_sh = time.perf_counter() - t
    print(f"{len(arts)} articles; exact Jaccard >= {args.threshold} within {args.days} days: {len(truth)} pairs, "
          f"{len(groups_of(truth, len(arts)))} groups ({t_exact:.1f} s)")
    _score("minhash", _pairs_in(mh_groups), truth, len(arts), t_mh)
    _score("simhash", sh, truth, len(arts), t_sh)
    rng = random.Random(args.seed)
    for g in rng.sample(mh_groups, min(args.show, len(mh_groups))):
        print("-" * 80)
        for i in g:
            a = arts[i]
            print(f"  {a.get('published_date', '')} {a.get('source', '')}: {a.get('title', '')}")
            print(f"      {' '.join(texts[i].split())[:240]}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
