"""Wire copies in retrieval: one representative per near-duplicate group in the ranking.

Ingest puts articles that carry the same story (an AP story run by several outlets, an
updated version of an article) in one group (``Passage.group``). Here the best-ranked
article of each group keeps its passages; a passage of another article of the group is
dropped from the ranking when it repeats a kept passage of the group (word 3-shingle
Jaccard >= ``same``), its outlet listed on that passage (``Hit.also_in``), so five copies
of one story never crowd out a second story, while what a later version adds stays.
"""

from __future__ import annotations

import re

from footnote.records import Hit

_WORD = re.compile(r"\w+")


def _shingles(text: str) -> set[tuple[str, ...]]:
    w = _WORD.findall(text.lower())
    return {tuple(w[i : i + 3]) for i in range(max(1, len(w) - 2))}


def _alike(a: set, b: set) -> float:
    return len(a & b) / len(a | b) if a and b else 0.0


def collapse_groups(hits: list[Hit], same: float = 0.5) -> list[Hit]:
    """Hits (best first) with repeated passages of a group's other articles folded away."""
    rep: dict[str, str] = {}  # group -> representative article id (its best-ranked article)
    kept: dict[str, list[Hit]] = {}  # group -> its hits kept so far
    shingles: dict[str, set] = {}  # passage id -> shingles, computed only for groups with several articles
    out: list[Hit] = []

    def sh(h: Hit) -> set:
        if h.passage.id not in shingles:
            shingles[h.passage.id] = _shingles(h.passage.text)
        return shingles[h.passage.id]

    for h in hits:
        p = h.passage
        group = p.group or p.article_id
        if rep.setdefault(group, p.article_id) != p.article_id:
            twin = max(kept[group], key=lambda k: _alike(sh(h), sh(k)))
            if _alike(sh(h), sh(twin)) >= same:
                _note(twin, h)
                continue
        kept.setdefault(group, []).append(h)
        out.append(h)
    return out


def _note(head: Hit, copy: Hit) -> None:
    """List the copy's outlet on ``head`` (with its date when it is another version from the same outlet)."""
    label = copy.passage.source or copy.passage.title
    if copy.passage.source == head.passage.source and copy.passage.date and copy.passage.date != head.passage.date:
        label = f"{label} ({copy.passage.date.isoformat()})"
    if label and label not in head.also_in:
        head.also_in.append(label)
