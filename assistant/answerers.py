"""The answerer seam: turn a question and numbered passages into a draft answer whose [n]
markers point at the passages (1-based).

Every answerer has ``answer``, ``stream`` and ``finish``. ``FallbackAnswerer`` composes
two of them with the citation checker: the primary (the LLM) answers and is checked;
when it fails, or nothing it wrote is supported by the passages, the fallback (the
extractive answerer) answers instead, visibly, with a notice. ``Assistant.stream`` talks
to that composite only.

Concession: a composite's ``finish`` cannot fall back (it has the text, not the
passages); it is the primary's ``finish``.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Generator, Iterator
from dataclasses import dataclass, field
from typing import Protocol

from assistant.citations import CheckedAnswer, CitationChecker
from assistant.text import word_pieces
from footnote.records import AnswerCandidate, Hit

REFUSAL = "The articles do not contain the answer to this question."
FAILED = "The language model could not answer ({reason}); this is the offline extractive answer."
UNSUPPORTED = "The language model's answer was not supported by the passages; this is the offline extractive answer."

log = logging.getLogger("footnote.assistant")


@dataclass
class Draft:
    """An answer as an answerer wrote it, before (or, from ``FallbackAnswerer``, after) checking."""

    text: str
    refused: bool = False
    quotes: dict[int, str] = field(default_factory=dict)  # passage n -> its supporting sentence
    answerer: str = ""  # the answerer that wrote it (set by FallbackAnswerer)
    notice: str = ""  # why the fallback answered, when it did
    checked: CheckedAnswer | None = None  # the checked, renumbered answer (set by FallbackAnswerer)
    first_piece_at: float | None = None  # perf_counter() of the first piece a live answerer wrote
    short_answer: str | None = None  # the answer phrase ("Dmitry Peskov"), when one was found
    candidates: list[AnswerCandidate] = field(default_factory=list)  # distinct answers, best first (n: passage)


class Answerer(Protocol):
    """What every answerer does.

    Attributes:
        name: reported as ``Answer.answerer``.
        live: True when ``stream`` yields text as it is generated (shown as it comes);
            False when the answer is complete before its first piece (the checked answer
            is shown instead).
    """

    name: str
    live: bool

    def answer(self, question: str, hits: list[Hit]) -> Draft:
        """A complete draft answer."""
        ...

    def stream(self, question: str, hits: list[Hit]) -> Iterator[str]:
        """The draft's text in pieces as they are produced."""
        ...

    def finish(self, text: str) -> Draft:
        """The draft for the full text ``stream`` produced (a refusal when it says so)."""
        ...


def describe(e: Exception) -> str:
    """A short description of an error that never includes credentials."""
    name = type(e).__name__
    status = getattr(e, "status_code", None)
    if status:
        what = f"the server answered HTTP {status}" + (" (rate limited)" if status == 429 else "")
    elif "Timeout" in name:
        what = "the request timed out"
    elif "Connection" in name or isinstance(e, ConnectionError):
        what = "the server could not be reached"
    else:
        return name
    return f"{what}: {name}"


class FallbackAnswerer:
    """The primary answers and is checked; the fallback answers when it cannot.

    Args:
        primary: the answerer asked first (the LLM, or the extractive one alone).
        fallback: answers when the primary raises or nothing it wrote is supported by
            the passages; None: the primary's result stands (and its errors propagate).
        checker: checks and renumbers every draft's citations.
    """

    live = True

    def __init__(self, primary: Answerer, fallback: Answerer | None, checker: CitationChecker) -> None:
        self.primary = primary
        self.fallback = fallback
        self.checker = checker
        self.name = primary.name

    def run(self, question: str, hits: list[Hit]) -> Iterator[str | Draft]:
        """The pieces to show as they come, then the checked Draft last."""
        pieces: list[str] = []
        first: list[float] = []
        used, notice = self.primary, ""
        try:
            draft = yield from _write(self.primary, question, hits, pieces, first)
        except Exception as e:  # noqa: BLE001 - any LLM failure falls back, visibly
            if self.fallback is None:
                raise
            notice = FAILED.format(reason=describe(e))
            log.warning("LLM answer failed: %s", describe(e))
            if pieces:
                yield "\n\n"
            used, draft = self.fallback, self.fallback.answer(question, hits)
        checked = self._check(draft, hits)
        if self.fallback is not None and used is self.primary and checked is not None and checked.supported_sentences == 0:
            # Nothing the LLM wrote is backed by the passages it was shown (a weak model
            # naming the wrong person): answer extractively, visibly, rather than refuse.
            notice = UNSUPPORTED
            log.info("LLM answer not supported by its passages; answering extractively")
            yield "\n\n"
            used, draft = self.fallback, self.fallback.answer(question, hits)
            checked = self._check(draft, hits)
        final = _final(draft, checked, used.name, notice, first)
        if not used.live or notice:
            yield from word_pieces(final.text)
        yield final

    def _check(self, draft: Draft, hits: list[Hit]) -> CheckedAnswer | None:
        # A refusal that names the closest article ("the closest is ... [1]") is checked too.
        return None if draft.refused and not draft.quotes else self.checker.check(draft.text, hits, draft.quotes)

    def answer(self, question: str, hits: list[Hit]) -> Draft:
        """The checked draft (``checked``, ``answerer`` and ``notice`` filled in)."""
        *_, final = self.run(question, hits)
        assert isinstance(final, Draft)
        return final

    def stream(self, question: str, hits: list[Hit]) -> Iterator[str]:
        """The pieces ``run`` shows, without the Draft."""
        for item in self.run(question, hits):
            if isinstance(item, str):
                yield item

    def finish(self, text: str) -> Draft:
        """The primary's draft for a text it wrote (see the module docstring)."""
        return self.primary.finish(text)


def _write(
    answerer: Answerer, question: str, hits: list[Hit], pieces: list[str], first: list[float]
) -> Generator[str, None, Draft]:
    """Stream a live answerer's pieces (kept in ``pieces``) and return its draft."""
    if not answerer.live:
        return answerer.answer(question, hits)
    for piece in answerer.stream(question, hits):
        if not first:
            first.append(time.perf_counter())
        pieces.append(piece)
        yield piece
    return answerer.finish("".join(pieces))


def _final(draft: Draft, checked: CheckedAnswer | None, name: str, notice: str, first: list[float]) -> Draft:
    """The checked draft the pipeline turns into an Answer (a refusal when nothing is cited)."""
    out = Draft(REFUSAL, True, answerer=name, notice=notice, first_piece_at=first[0] if first else None)
    if checked is not None and checked.citations:
        out.text, out.refused, out.checked, out.quotes = checked.text, draft.refused, checked, draft.quotes
        if not draft.refused:
            out.short_answer, out.candidates = draft.short_answer, draft.candidates
    return out
