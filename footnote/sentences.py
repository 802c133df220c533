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


def reading_sentences(text: str) -> list[str]:
    """The sentences of a passage the answerer may read (each at least ``MIN_SENTENCE``
    characters): what ingest embeds ahead of time."""
    return [s for s in split_sentences(story_text(text)) if len(s) >= MIN_SENTENCE]
