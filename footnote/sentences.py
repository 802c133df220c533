"""The sentences of a passage as the answerer reads them, shared by ingest (which embeds
them ahead of time, vectorstore/sentence_vectors.py) and the answerers.

A passage is read as its story text (citation markers and prompt tags neutralised,
boilerplate lines such as captions and "Read more" left out) cut into sentences on
paragraph breaks and sentence ends, abbreviations and initials kept.
"""

from __future__ import annotations

import re

from footnote.boilerplate import is_boilerplate
from footnote.untrusted import neutralise

MIN_SENTENCE = 15  # characters: shorter pieces ("Hide Caption", "(CNN)") are never read

_ABBREV = {"mr", "mrs", "ms", "dr", "prof", "sen", "rep", "gov", "gen", "col", "lt", "sgt", "st", "jr", "sr", "inc",
           "co", "corp", "ltd", "vs", "no", "u.s", "u.k", "e.g", "i.e", "jan", "feb", "mar", "apr", "jun", "jul",
           "aug", "sep", "sept", "oct", "nov", "dec", "a.m", "p.m", "fig", "est", "approx", "dept", "univ", "ft", "mt"}
# A sentence ends at . ! ? (optionally followed by closing quotes/brackets) before whitespace.
_END = re.compile(r"([.!?][\"'”’)\]]*)(\s+)(?=[\"'“‘(\[]?[A-Z0-9])")


def split_sentences(text: str) -> list[str]:
    """Sentences of a passage, split on paragraph breaks and sentence ends (abbreviations kept)."""
    out: list[str] = []
    for para in re.split(r"\n\s*\n|\n", text):
        para = para.strip()
        if not para:
            continue
        start = 0
        for m in _END.finditer(para):
            end = m.end(1)
            before = para[start:end]
            last_word = re.findall(r"([A-Za-z][A-Za-z.]*)\.[\"'”’)\]]*$", before)
            if last_word and last_word[-1].lower().rstrip(".") in _ABBREV:
                continue
            if re.search(r"\b[A-Z]\.$", before):  # an initial: "John F. Kennedy"
                continue
            sent = para[start:end].strip()
            if sent:
                out.append(sent)
            start = m.end()
        rest = para[start:].strip()
        if rest:
            out.append(rest)
    return out


def story_text(text: str) -> str:
    """A passage as the answerer reads it: markers and tags neutralised, boilerplate lines
    (captions, credits, "Read more" ...) left out, for stores built before those rules."""
    return "\n".join(line for line in neutralise(text).split("\n") if not is_boilerplate(line))


_TRUNCATED = re.compile(r"\s*(?:\.{2,}|…)\s*$")
_SITE_SUFFIX = re.compile(r"\s+[|\-–—]\s+([^|\-–—]{1,40})$")


def headline(title: str, source: str = "") -> str:
    """An article's title as the answerer reads it, or "" when it is no headline: its
    outlet's suffix dropped (" - CNN", " | The Week UK" for the source "The Week"), a cut
    title's dots made one ellipsis ("... in .." -> "... in …", so it never reads as a
    sentence end), markers neutralised; a URL slug ("sri lanka bankrupt fuel crisis intl
    hnk": no capital letter), a title shorter than ``MIN_SENTENCE`` and a dateline taken for a title ("Colombo, Sri Lanka CNN —")
    are not headlines."""
    text = " ".join(neutralise(title).split())
    cut = bool(_TRUNCATED.search(text))
    text = _TRUNCATED.sub("", text)
    m = _SITE_SUFFIX.search(text)
    first = source.split()[:1]
    if m and first and m.group(1).split()[0].lower() == first[0].lower():
        text, cut = text[: m.start()], False  # the outlet, even cut short ("CNN ...")
    if len(text) < MIN_SENTENCE or not re.search(r"[A-Z]", text) or re.search(r"[—–-]$", text):
        return ""
    return text + "…" if cut else text


def reading_sentences(text: str) -> list[str]:
    """The sentences of a passage the answerer may read (each at least ``MIN_SENTENCE``
    characters): what ingest embeds ahead of time."""
    return [s for s in split_sentences(story_text(text)) if len(s) >= MIN_SENTENCE]
