"""Sentence splitting and small text helpers shared by the answerers and citation checks."""

from __future__ import annotations

import re
import unicodedata

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


_ANSI = re.compile(r"\x1b(?:\[[0-?]*[ -/]*[@-~]|\][^\x07\x1b]*(?:\x07|\x1b\\)|[@-Z\\-_])")


def clean_question(text: str) -> str:
    """Strip control characters and collapse whitespace (keeps every script and emoji)."""
    text = _ANSI.sub("", text)  # terminal escapes pasted with the question: drop the whole sequence
    text = "".join(ch for ch in text if unicodedata.category(ch)[0] != "C" or ch in "\n\t")
    return re.sub(r"\s+", " ", text).strip()


def word_pieces(text: str) -> list[str]:
    """Text cut into words with their trailing spaces: how a finished answer is streamed."""
    return re.findall(r"\S+\s*", text)
