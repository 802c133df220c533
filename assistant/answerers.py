"""The answerer protocol: turn a question and numbered passages into a draft answer whose
[n] markers point at the passages (1-based). The assistant checks and renumbers them."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Protocol

from footnote.records import AnswerCandidate, Hit

REFUSAL = "The articles do not contain the answer to this question."


@dataclass
class Draft:
    text: str
    refused: bool = False
    quotes: dict[int, str] = field(default_factory=dict)  # passage n -> its supporting sentence
    short_answer: str | None = None  # the answer phrase ("Dmitry Peskov"), when one was found
    candidates: list[AnswerCandidate] = field(default_factory=list)  # distinct answers, best first (n: passage)


class Answerer(Protocol):
    name: str

    def answer(self, question: str, hits: list[Hit]) -> Draft:
        """A complete draft answer."""
        ...

    def stream(self, question: str, hits: list[Hit]) -> Iterator[str]:
        """The draft's text in pieces as they are produced."""
        ...
