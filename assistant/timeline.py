"""Timelines: "What happened with X?" / "timeline of X" as dated lines, oldest first.

``timeline_subject`` spots the question; ``build_timeline`` takes the ranked passages
about the subject (retrieved without any date preference, wire copies already folded into
one story), keeps one passage per article that is really about the subject, picks the
sentence of each that names it, and orders them by publication date. ``timeline_answer``
turns a Timeline into an Answer whose lines cite their passages.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date

from assistant.dates import DateWindow
from assistant.text import split_sentences
from footnote.records import Answer, Citation, Hit, Timeline, TimelineEntry
from vectorstore.lexical import tokenize

ALL_DATES = DateWindow(date(1, 1, 1), date(9999, 12, 31), "any date")  # every dated passage counts the same
_PATTERNS = [
    re.compile(r"^\s*(?:give me |show me |make |build )?(?:a |the )?time\s*line (?:of|for|about|on) (?P<x>.+?)[\s?.!]*$", re.I),
    re.compile(r"^\s*what(?:'s| has| have)? (?:happened|been happening|is happening) (?:with|to|in|at|about) (?P<x>.+?)[\s?.!]*$", re.I),
    re.compile(r"^\s*(?P<x>.+?) time\s*line[\s?.!]*$", re.I),
    re.compile(r"^\s*how did (?P<x>.+?) (?:unfold|develop|evolve)[\s?.!]*$", re.I),
]


def timeline_subject(question: str) -> str | None:
    """X when the question asks what happened with X or for a timeline of X, else None."""
    for pat in _PATTERNS:
        m = pat.match(question or "")
        if m:
            x = m.group("x").strip().strip("\"'“”")
            if tokenize(x):
                return x
    return None


def _about(terms: set[str], text: str) -> float:
    """Share of the subject's terms that ``text`` contains."""
    if not terms:
        return 0.0
    return len(terms & set(tokenize(text))) / len(terms)


def _line(terms: set[str], text: str) -> str:
    """The passage's first sentence that names the most of the subject."""
    best, score = "", -1.0
    for s in split_sentences(text):
        sc = _about(terms, s)
        if sc > score:
            best, score = s, sc
    return best.strip()


def build_timeline(subject: str, hits: Sequence[Hit], min_share: float = 0.5, limit: int = 20) -> Timeline:
    """The dated passages of ``hits`` about ``subject``, one per article, oldest first.

    Args:
        subject: what the timeline is about (its words must mostly appear in a passage).
        hits: ranked passages (best first), wire copies already folded.
        min_share: least share of the subject's words a passage must contain.
        limit: most lines.
    """
    terms = set(tokenize(subject))
    seen: set[str] = set()
    picked: list[Hit] = []
    undated = 0
    for h in hits:
        p = h.passage
        if p.article_id in seen or _about(terms, p.title + "\n" + p.text) < min_share:
            continue
        seen.add(p.article_id)
        if p.date is None:
            undated += 1
            continue
        picked.append(h)
        if len(picked) == limit:
            break
    picked.sort(key=lambda h: (h.passage.date, -h.score))
    entries = [
        TimelineEntry(i, h.passage.date.isoformat(), _line(terms, h.passage.text), Citation.from_hit(i, h))
        for i, h in enumerate(picked, 1)
    ]
    return Timeline(subject, entries, undated)


def timeline_answer(timeline: Timeline, question: str, standalone: str) -> Answer:
    """An Answer listing the timeline, one cited line per entry (a refusal when it is empty)."""
    if not timeline.entries:
        text = f"The articles hold no dated reports about {timeline.subject}."
        return Answer(text, [], True, question, standalone, "timeline")
    lines = [f"{e.date}: {e.text} [{e.n}]" for e in timeline.entries]
    if timeline.undated:
        lines.append(f"({timeline.undated} undated report(s) about {timeline.subject} not shown.)")
    cites = [e.citation for e in timeline.entries]
    for e, c in zip(timeline.entries, cites):
        c.quote = e.text
    answer = Answer("\n".join(lines), cites, False, question, standalone, "timeline",
                    supported_sentences=len(timeline.entries), total_sentences=len(timeline.entries))
    answer.as_of = timeline.entries[-1].date
    return answer
