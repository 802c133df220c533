"""The Assistant: the one service the page, the HTTP API, eval and Python users share.

ask() and stream() run: validate -> condense follow-up -> retrieve (hybrid) -> answer
(LLM or extractive) -> check citations -> Answer.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator, Sequence
from datetime import date

import numpy as np

from assistant.answerers import REFUSAL, Answerer, Draft
from assistant.citations import CitationChecker
from assistant.dates import resolve_dates
from assistant.errors import QuestionError
from assistant.extractive import ExtractiveAnswerer, attach_short_answer
from assistant.followup import condense_heuristic
from assistant.retrieval import Query, build_retriever
from assistant.text import clean_question, word_pieces
from footnote.records import Answer, Citation, Hit
from footnote.settings import SAMPLE_ARTICLE, Settings
from vectorstore.embeddings import Embedder, get_embedder
from vectorstore.lexical import SyncedLexicalIndex
from vectorstore.store import Filters, PassageStore

log = logging.getLogger("footnote.assistant")


class Assistant:
    """Answers questions about the ingested articles, citing passages.

    Example:
        >>> from assistant import Assistant
        >>> a = Assistant()
        >>> ans = a.ask("Who denied the reports?")
        >>> ans.text, [c.title for c in ans.citations]
    """

    def __init__(
        self,
        settings: Settings | None = None,
        *,
        store: PassageStore | None = None,
        embedder: Embedder | None = None,
        llm: Answerer | None = None,
    ) -> None:
        self.settings = settings or Settings()
        self.embedder = embedder or (store.embedder if store else get_embedder(self.settings))
        self.store = store or PassageStore(self.settings, self.embedder)
        self.lexical = SyncedLexicalIndex(self.store, self.settings.bm25_dir)
        s = self.settings
        self.retriever = build_retriever(s, self.store, self.embedder, self.lexical)
        self.extractive = ExtractiveAnswerer(idf=self._idf, embedder=self.embedder, min_score=s.extractive_min_score)
        self.checker = CitationChecker(self.embedder, s.support_threshold)
        self._llm = llm

    # --- setup --------------------------------------------------------------------------
    def _idf(self, token: str) -> float:
        return self.lexical.current().idf(token)

    @property
    def llm(self) -> Answerer | None:
        """The LLM answerer when one is configured (built on first use)."""
        if self._llm is None and self.settings.llm_configured:
            from assistant.llm import LLMAnswerer

            self._llm = LLMAnswerer(self.settings)
        return self._llm

    def ensure_sample(self) -> bool:
        """Ingest the sample article when the store is empty. Returns True if it did."""
        if self.store.count() > 0 or not SAMPLE_ARTICLE.exists():
            return False
        from ingest.pipeline import Ingestor

        Ingestor(self.settings, self.store, self.lexical).ingest([SAMPLE_ARTICLE])
        return True

    def stats(self) -> dict[str, int]:
        return self.store.stats()

    # --- the pipeline ---------------------------------------------------------------------
    def validate(self, question: str) -> str:
        if not isinstance(question, str):
            raise QuestionError("the question must be text")
        q = clean_question(question)
        if not q:
            raise QuestionError("Please type a question.")
        if len(q) > self.settings.max_question_chars:
            raise QuestionError(
                f"The question is {len(q):,} characters long; the limit is {self.settings.max_question_chars:,}."
            )
        return q

    def standalone(self, question: str, history: Sequence | None) -> str:
        if not history:
            return question
        if self.settings.use_llm and self.llm is not None and hasattr(self.llm, "condense"):
            try:
                return self.llm.condense(question, history)  # type: ignore[attr-defined]
            except Exception as e:  # the heuristic is always there
                log.warning("LLM condense failed (%s); using the heuristic", type(e).__name__)
        return condense_heuristic(question, history)

    def retrieve(
        self,
        question: str,
        *,
        top_k: int | None = None,
        sources: Sequence[str] | None = None,
        date_from: date | None = None,
        date_to: date | None = None,
        today: date | None = None,
    ) -> list[Hit]:
        """The top passages for a (standalone) question, with similarities filled in."""
        filters = Filters(list(sources) if sources else None, date_from, date_to)
        window = resolve_dates(question, today or date.today()) if not (date_from or date_to) else None
        query = Query(question, filters=filters, window=window, today=today)
        query.embedding = self.embedder.embed_query(question)
        hits = self.retriever.retrieve(query, top_k or self.settings.top_k)
        missing = [h.passage.id for h in hits if h.similarity is None]
        if missing:
            embs = self.store.get_embeddings(missing)
            for h in hits:
                if h.similarity is None and h.passage.id in embs:
                    h.similarity = float(np.dot(embs[h.passage.id], query.embedding))
        return hits

    def _answerer(self, answerer: str | None) -> Answerer:
        choice = answerer or ("llm" if self.settings.use_llm else "extractive")
        if choice == "llm":
            if self.llm is None:
                raise QuestionError("no LLM is configured: set OPENAI_API_KEY or OPENAI_BASE_URL")
            return self.llm
        return self.extractive

    def _relevant(self, hits: list[Hit]) -> list[Hit]:
        best = max((h.similarity or 0.0 for h in hits), default=0.0)
        if best < self.settings.min_relevance:
            return []
        return hits

    def ask(self, question: str, history: Sequence | None = None, **options) -> Answer:
        """Answer a question from the articles.

        Args:
            question: the user's question.
            history: earlier turns, [(user, assistant), ...] or [{role, content}, ...].
            **options: top_k, sources, date_from, date_to, today (the question's date),
                answerer ("llm" | "extractive").

        Returns:
            An Answer: text with [n] markers, citations[n-1] the passage n, refused, timings.
        """
        final: Answer | None = None
        for item in self.stream(question, history, **options):
            if isinstance(item, Answer):
                final = item
        assert final is not None
        return final

    def stream(
        self,
        question: str,
        history: Sequence | None = None,
        *,
        top_k: int | None = None,
        sources: Sequence[str] | None = None,
        date_from: date | None = None,
        date_to: date | None = None,
        today: date | None = None,
        answerer: str | None = None,
    ) -> Iterator[str | Answer]:
        """Like ask(), but yields the answer's text in pieces, then the full Answer last."""
        t0 = time.perf_counter()
        q = self.validate(question)
        standalone = self.standalone(q, history)
        t1 = time.perf_counter()
        hits = self.retrieve(standalone, top_k=top_k, sources=sources, date_from=date_from, date_to=date_to, today=today)
        t2 = time.perf_counter()
        timings = {"condense_ms": (t1 - t0) * 1000, "retrieve_ms": (t2 - t1) * 1000}
        timings.update(self.retriever.timings)
        relevant = self._relevant(hits)
        passages = [Citation.from_hit(i, h) for i, h in enumerate(hits, 1)]
        base = Answer(text="", question=q, standalone_question=standalone, passages=passages)
        if not relevant:
            base.text, base.refused, base.answerer = REFUSAL, True, "none"
            yield REFUSAL
            base.timings = {**timings, "answer_ms": 0.0, "total_ms": (time.perf_counter() - t0) * 1000}
            yield base
            return
        chosen = self._answerer(answerer)
        notice = ""
        draft: Draft | None = None
        first_token_ms: float | None = None
        if chosen is self.extractive:
            draft = self.extractive.answer(standalone, relevant)
        else:
            pieces: list[str] = []
            try:
                for piece in chosen.stream(standalone, relevant):
                    if first_token_ms is None:
                        first_token_ms = (time.perf_counter() - t0) * 1000
                    pieces.append(piece)
                    yield piece
                draft = getattr(chosen, "finish", lambda text: Draft(text))("".join(pieces))
            except Exception as e:  # noqa: BLE001 - any LLM failure falls back, visibly
                notice = f"The language model could not answer ({_describe(e)}); this is the offline extractive answer."
                log.warning("LLM answer failed: %s", _describe(e))
                if pieces:
                    yield "\n\n"
                draft = self.extractive.answer(standalone, relevant)
                chosen = self.extractive
        assert draft is not None
        quotes = draft.quotes if chosen is self.extractive else None
        checked = None if draft.refused and not draft.quotes else self.checker.check(draft.text, relevant, quotes)
        if checked is not None and chosen is not self.extractive and checked.supported_sentences == 0:
            # Nothing the LLM wrote is backed by the passages it was shown (a weak model
            # naming the wrong person): answer extractively, visibly, rather than refuse.
            notice = "The language model's answer was not supported by the passages; this is the offline extractive answer."
            log.info("LLM answer not supported by its passages; answering extractively")
            yield "\n\n"
            chosen, draft = self.extractive, self.extractive.answer(standalone, relevant)
            checked = None if draft.refused else self.checker.check(draft.text, relevant, draft.quotes)
        if draft.refused and checked is not None and checked.citations:
            # A refusal that names what the articles hold instead ("the closest is ... [1]").
            answer = Answer(checked.text, checked.citations, True, q, standalone, chosen.name, notice, passages=passages)
        elif checked is None or not checked.citations:
            answer = Answer(REFUSAL, [], True, q, standalone, chosen.name, notice, passages=passages)
        else:
            answer = Answer(
                checked.text, checked.citations, False, q, standalone, chosen.name, notice,
                checked.supported_sentences, checked.total_sentences, passages=passages,
            )
        if checked is not None and checked.citations:
            attach_short_answer(answer, draft, relevant)
        if chosen is self.extractive or notice:
            yield from word_pieces(answer.text)
        t3 = time.perf_counter()
        answer.timings = {**timings, "answer_ms": (t3 - t2) * 1000, "total_ms": (t3 - t0) * 1000}
        if first_token_ms is not None:
            answer.timings["first_token_ms"] = first_token_ms
        yield answer


def _describe(e: Exception) -> str:
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
