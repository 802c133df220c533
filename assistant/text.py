"""Sentence splitting and small text helpers shared by the answerers and citation checks."""

from __future__ import annotations

import re
import unicodedata

from footnote.sentences import split_sentences

__all__ = ["clean_question", "split_sentences", "word_pieces"]

_ANSI = re.compile(r"\x1b(?:\[[0-?]*[ -/]*[@-~]|\][^\x07\x1b]*(?:\x07|\x1b\\)|[@-Z\\-_])")


def clean_question(text: str) -> str:
    """Strip control characters and collapse whitespace (keeps every script and emoji)."""
    text = _ANSI.sub("", text)  # terminal escapes pasted with the question: drop the whole sequence
    text = "".join(ch for ch in text if unicodedata.category(ch)[0] != "C" or ch in "\n\t")
    return re.sub(r"\s+", " ", text).strip()


def word_pieces(text: str) -> list[str]:
    """Text cut into words with their trailing spaces: how a finished answer is streamed."""
    return re.findall(r"\S+\s*", text)
