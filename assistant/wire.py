"""Wire copies in retrieval: one representative per near-duplicate group in the ranking.

Ingest puts articles that carry the same story (an AP story run by several outlets, an
updated version of an article) in one group (``Passage.group``). Here the best-ranked
article of each group keeps its passages and the group's other articles are dropped from
the ranking, their outlets listed on the representative (``Hit.also_in``), so five copies
of one story never crowd out a second story.
"""

from __future__ import annotations

from footnote.records import Hit


def collapse_groups(hits: list[Hit]) -> list[Hit]:
    """Hits (best first) with each group's other articles folded into its best article."""
    rep: dict[str, str] = {}  # group -> representative article id
    first: dict[str, Hit] = {}  # group -> the representative's best hit
    others: dict[str, list[Hit]] = {}
    out: list[Hit] = []
    for h in hits:
        p = h.passage
        group = p.group or p.article_id
        chosen = rep.setdefault(group, p.article_id)
        if chosen == p.article_id:
            out.append(h)
            first.setdefault(group, h)
        else:
            others.setdefault(group, []).append(h)
    for group, dropped in others.items():
        head = first[group]
        for h in dropped:
            label = h.passage.source or h.passage.title
            if h.passage.source == head.passage.source and h.passage.date and h.passage.date != head.passage.date:
                label = f"{label} ({h.passage.date.isoformat()})"  # an earlier or later version
            if label and label not in head.also_in:
                head.also_in.append(label)
    return out
