"""Cleaning of saved news pages: boilerplate out, title / source / date kept as metadata.

Rules are line-based and conservative: a line is dropped only when it matches a known
boilerplate shape (breadcrumbs, "You may be interested", comment forms, share bars,
newsletter prompts...; news-page captions, credits, "Read more" links and bylines are the
named rules of ingest/boilerplate.py, counted on the dev corpus). Citation markers and
prompt tags inside the text are neutralised (footnote/untrusted.py): article text is data.
The first heading-like line becomes the title, and its repeats are dropped. "Source: X" / "Fuente: X" / "Via X" lines become the source.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime

from footnote.boilerplate import matching_rule
from footnote.untrusted import neutralise

_BREADCRUMB = re.compile(r"^\s*(home|inicio|start)\s*(»|>|›|/|\|)", re.I)
_BREADCRUMB_SEP = re.compile(r"\s(»|›)\s")
_SOURCE = re.compile(r"^\s*(source|fuente|fonte|quelle|via|originally published (?:by|in|at))\s*[:\-–]\s*(.{2,80}?)\s*\.?$", re.I)
_DATE_LINE = re.compile(
    r"^\s*(published|posted|updated|date|fecha|publicado)?\s*(on)?\s*[:\-–]?\s*(.{6,40})$", re.I
)
_BOILERPLATE = [
    r"^you may (also )?be interested( in)?\s*:",
    r"^(read|see) (more|also)\s*:",
    r"^related( articles| stories| posts)?\s*:",
    r"^(also )?read\s*:",
    r"^recommended( for you)?\s*:?$",
    r"^leave a (comment|reply)",
    r"^this site uses akismet",
    r"^learn how your comment data is processed",
    r"^(share|share this|share on \w+|tweet|email|print)( article| story| this)?\s*:?$",
    r"^(sign up|subscribe) (for|to) (our|the) .*newsletter",
    r"^subscribe( now)?\s*[.!]?$",
    r"^advertisement\s*$",
    r"^(click|tap) here",
    r"^follow us on",
    r"^(copyright|©)\s",
    r"^all rights reserved",
    r"^(tags|filed under|posted in|categories)\s*:",
    r"^(previous|next) (article|post)\s*:?",
    r"^cookie(s)? (policy|settings|preferences)",
    r"^we use cookies",
    r"^your email address will not be published",
    r"^(comment|name|email|website)\s*\*?$",
    r"^save my name, email",
    r"^post comment$",
]
_BOILERPLATE_RE = re.compile("|".join(f"(?:{p})" for p in _BOILERPLATE), re.I)
_DATE_FORMATS = ["%Y-%m-%d", "%B %d, %Y", "%b %d, %Y", "%d %B %Y", "%d %b %Y", "%Y/%m/%d", "%m/%d/%Y", "%b. %d, %Y"]


@dataclass
class Cleaned:
    text: str
    title: str = ""
    source: str = ""
    date: date | None = None
    dropped: dict[str, int] = field(default_factory=dict)  # boilerplate lines dropped, by rule


def parse_date(value: str | None) -> date | None:
    """A date from the usual shapes (ISO, 'October 10, 2024', '10 Oct 2024'); None otherwise."""
    if not value:
        return None
    value = value.strip().rstrip(".")
    m = re.match(r"^(\d{4}-\d{2}-\d{2})", value)
    if m:
        try:
            return date.fromisoformat(m.group(1))
        except ValueError:
            return None
    value = re.sub(r"(\d)(st|nd|rd|th)\b", r"\1", value)
    for fmt in _DATE_FORMATS:
        try:
            return datetime.strptime(value, fmt).date()
        except ValueError:
            continue
    return None


def _norm(s: str) -> str:
    return re.sub(r"\W+", " ", s).strip().lower()


def looks_like_title(line: str) -> bool:
    s = line.strip()
    # a dateline ("Colombo, Sri Lanka CNN —", "WASHINGTON –") ends in a dash: no title
    return 3 <= len(s) <= 200 and not s.endswith((".", ":", ";", ",", "—", "–", "-")) and len(s.split()) >= 2


def clean_text(raw: str, *, title: str = "", source: str = "", published: date | None = None) -> Cleaned:
    """Strip boilerplate from page text and pull out title, source and date.

    Args:
        raw: the page's text (already decoded; HTML already reduced to text).
        title, source, published: metadata known from elsewhere (kept over what is found).

    Returns:
        Cleaned text (paragraphs separated by blank lines) and the metadata found.
    """
    text = raw.replace("\r\n", "\n").replace("\r", "\n").replace("\u00a0", " ")
    text = re.sub(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]", "", text)
    lines = [ln.strip() for ln in text.split("\n")]
    kept: list[str] = []
    found_title = title.strip()
    found_source = source.strip()
    found_date = published
    crumb_title = ""
    dropped: dict[str, int] = {}
    for i, line in enumerate(lines):
        if not line:
            kept.append("")
            continue
        if _BREADCRUMB.match(line) or (len(_BREADCRUMB_SEP.findall(line)) >= 2 and len(line) < 200):
            parts = re.split(r"\s*(?:»|›|>|\|)\s*", line)
            crumb_title = parts[-1].strip() if parts else ""
            continue
        m = _SOURCE.match(line)
        if m and len(line) < 100:
            found_source = found_source or m.group(2).strip()
            continue
        if _BOILERPLATE_RE.match(line):
            continue
        rule = matching_rule(line)
        if rule:
            dropped[rule] = dropped.get(rule, 0) + 1
            continue
        if found_date is None and len(line) < 60 and i < 15:
            dm = _DATE_LINE.match(line)
            d = parse_date(dm.group(3)) if dm else None
            if d:
                found_date = d
                continue
        if not found_title and looks_like_title(line):
            found_title = line.lstrip("# ").strip()
            continue
        if found_title and _norm(line.lstrip("# ")) == _norm(found_title):
            continue  # the title repeated in the body
        kept.append(line)
    if not found_title and crumb_title:
        found_title = crumb_title
    body = neutralise(re.sub(r"\n{3,}", "\n\n", "\n".join(kept)).strip())
    return Cleaned(text=body, title=neutralise(found_title), source=found_source, date=found_date, dropped=dropped)
