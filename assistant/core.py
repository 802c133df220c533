"""The Assistant: the one service the page, the HTTP API, eval and Python users share.

ask() and stream() run: validate -> condense follow-up (a Condenser) -> retrieve (hybrid,
timings returned with the hits) -> answer and check citations (a FallbackAnswerer: the LLM
falling back to the extractive answerer, or the extractive answerer alone) -> Answer.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator, Sequence
from datetime import date

import numpy as np

from assistant.answerers import REFUSAL, Draft, FallbackAnswerer
from assistant.citations import CitationChecker
from assistant.dates import DateWindow, resolve_dates
from assistant.errors import QuestionError
from assistant.extractive import ExtractiveAnswerer, attach_short_answer
from assistant.followup import Condenser, HeuristicCondenser, LLMCondenser
from assistant.history import normalise
from assistant.llm import LLMAnswerer
from assistant.news import annotate
from assistant.options import check_options
from assistant.retrieval import Query, Retrieval, build_retriever
from assistant.text import clean_question, word_pieces
from assistant.timeline import ALL_DATES, build_timeline, timeline_answer, timeline_subject
from footnote.records import Answer, Citation, Hit, Timeline
from footnote.settings import SAMPLE_ARTICLE, Settings
from vectorstore.embeddings import Embedder, get_embedder, reading_embedder
from vectorstore.lexical import SyncedLexicalIndex
from vectorstore.sentence_vectors import StoredVectorsEmbedder, with_stored_sentences
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
        llm: LLMAnswerer | None = None,
    ) -> None:
        self.settings = settings or Settings()
        self.embedder = embedder or (store.embedder if store else get_embedder(self.settings))
        self.store = store or PassageStore(self.settings, self.embedder)
        self.lexical = SyncedLexicalIndex(self.store, self.settings.bm25_dir)
        s = self.settings
        self.retriever = build_retriever(s, self.store, self.embedder, self.lexical)
        reader = with_stored_sentences(s, reading_embedder(s, self.embedder))
        self.extractive = ExtractiveAnswerer(idf=self._idf, embedder=reader, min_score=s.extractive_min_score)
        self.checker = CitationChecker(reader, s.support_threshold)
        self.heuristic = HeuristicCondenser()
        self._llm = llm

    # --- setup --------------------------------------------------------------------------
    def _idf(self, token: str) -> float:
        return self.lexical.current().idf(token)

    @property
    def llm(self) -> LLMAnswerer | None:
        """The LLM answerer when one is configured (built on first use)."""
        if self._llm is None and self.settings.llm_configured:
            self._llm = LLMAnswerer(self.settings)
        return self._llm

    def sentence_vectors_missing(self) -> bool:
        """Whether the store holds passages but none of their sentence vectors (a store
        built before ingest kept them): answers then embed sentences, about twice as slow."""
        reader = self.extractive.embedder
        return isinstance(reader, StoredVectorsEmbedder) and len(reader.table) == 0 and self.store.count() > 0

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

    def check(self, question: str, history: Sequence | None = None, **options) -> str:
        """Validate a whole request before any work: the question, history, top_k, sources,
        answerer (an LLM asked for but not configured). Servers call it before a stream's
        first byte. Returns the cleaned question; raises QuestionError."""
        q = self.validate(question)
        check_options(self.settings, history=history, top_k=options.get("top_k"),
                      sources=options.get("sources"), answerer=options.get("answerer"))
        if options.get("answerer") == "llm":
            self._answerer("llm")
        return q

    def standalone(self, question: str, history: Sequence | None) -> str:
        """The question rewritten to stand alone, given the conversation so far."""
        turns = normalise(history)
        return self.condenser.condense(question, turns) if turns else question

    @property
    def condenser(self) -> Condenser:
        """The LLM condenser (falling back to the heuristic) when answers use the LLM, else the heuristic."""
        if self.settings.use_llm and self.llm is not None:
            return LLMCondenser(self.llm, self.heuristic)
        return self.heuristic

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
        options = {"top_k": top_k, "sources": sources, "date_from": date_from, "date_to": date_to, "today": today}
        return self.search(question, **options).hits

    def search(self, question: str, **options) -> Retrieval:
        """Like ``retrieve``, with the time each retrieval stage took (``Retrieval.timings``)."""
        date_from, date_to, sources = options.get("date_from"), options.get("date_to"), options.get("sources")
        today = options.get("today")
        filters = Filters(list(sources) if sources else None, date_from, date_to)
        window = resolve_dates(question, today or date.today()) if not (date_from or date_to) else None
        query = Query(question, filters=filters, window=window, today=today)
        query.embedding = self.embedder.embed_query(question)
        found = self.retriever.search(query, options.get("top_k") or self.settings.top_k)
        if window is not None and window.relative and not self._covers(window, filters):
            for h in (*found.hits, *found.ranked):
                h.in_period = None  # the collection holds nothing of "this week": no constraint
        missing = [h.passage.id for h in found.hits if h.similarity is None]
        if missing:
            embs = self.store.get_embeddings(missing)
            for h in found.hits:
                if h.similarity is None and h.passage.id in embs:
                    h.similarity = float(np.dot(embs[h.passage.id], query.embedding))
        return found

    def _covers(self, window: DateWindow, filters: Filters) -> bool:
        """Whether the collection (within the source filter) holds an article that can
        report on the window (a count in the lexical index, remembered per window)."""
        first, last = window.reach()
        return self.lexical.current().matching(Filters(filters.sources, first, last)) > 0

    def timeline(
        self,
        subject: str,
        *,
        sources: Sequence[str] | None = None,
        date_from: date | None = None,
        date_to: date | None = None,
        depth: int = 40,
    ) -> Timeline:
        """The passages about ``subject`` ordered by publication date (wire copies merged).

        Example:
            >>> [(e.date, e.text) for e in Assistant().timeline("North Korean troops").entries]
        """
        subject = self.validate(subject)
        query = Query(subject, filters=Filters(list(sources) if sources else None, date_from, date_to), window=ALL_DATES)
        query.embedding = self.embedder.embed_query(subject)
        hits = self.retriever.search(query, depth).hits
        return build_timeline(subject, [h for h in hits if (h.similarity or 1.0) >= self.settings.min_relevance])

    def _answerer(self, answerer: str | None) -> FallbackAnswerer:
        """The extractive answerer, or the LLM falling back to it, each checked."""
        choice = answerer or ("llm" if self.settings.use_llm else "extractive")
        if choice != "llm":
            return FallbackAnswerer(self.extractive, None, self.checker)
        if self.llm is None:
            raise QuestionError("no LLM is configured: set OPENAI_API_KEY or OPENAI_BASE_URL")
        return FallbackAnswerer(self.llm, self.extractive, self.checker)

    def _relevant(self, hits: list[Hit]) -> list[Hit]:
        best = max((h.similarity or 0.0 for h in hits), default=0.0)
        if best < self.settings.min_relevance:
            return []
        return hits

    def ask(self, question: str, history: Sequence | None = None, **options) -> Answer:
        """Answer a question from the articles.

        Args:
            question: the user's question.
            history: earlier turns, [(user, assistant), ...], [{role, content}, ...] or
                objects with role and content (see assistant/history.py).
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
        q = self.check(question, history, top_k=top_k, sources=sources, answerer=answerer)
        standalone = self.standalone(q, history)
        subject = timeline_subject(standalone)
        if subject is not None:  # "What happened with X?": a dated list, not a one-line answer
            answer = timeline_answer(self.timeline(subject, sources=sources, date_from=date_from, date_to=date_to), q, standalone)
            yield from word_pieces(answer.text)
            answer.timings = {"total_ms": (time.perf_counter() - t0) * 1000}
            yield answer
            return
        t1 = time.perf_counter()
        found = self.search(standalone, top_k=top_k, sources=sources, date_from=date_from, date_to=date_to, today=today)
        t2 = time.perf_counter()
        timings = {"condense_ms": (t1 - t0) * 1000, "retrieve_ms": (t2 - t1) * 1000, **found.timings}
        passages = [Citation.from_hit(i, h) for i, h in enumerate(found.hits, 1)]
        relevant = self._relevant(found.hits)
        draft = Draft(REFUSAL, refused=True, answerer="none")
        if relevant:
            for item in self._answerer(answerer).run(standalone, relevant):
                if isinstance(item, str):
                    yield item
                else:
                    draft = item
        else:
            yield REFUSAL
        answer = _to_answer(draft, q, standalone, passages)
        annotate(answer, relevant, found.ranked, today=today)
        t3 = time.perf_counter()
        answer.timings = {**timings, "answer_ms": (t3 - t2) * 1000 if relevant else 0.0, "total_ms": (t3 - t0) * 1000}
        if draft.first_piece_at is not None:
            answer.timings["first_token_ms"] = (draft.first_piece_at - t0) * 1000
        yield answer


def _to_answer(draft: Draft, question: str, standalone: str, passages: list[Citation]) -> Answer:
    """The Answer for a checked draft (a refusal when it cites nothing)."""
    answer = Answer(draft.text, [], draft.refused, question, standalone, draft.answerer, draft.notice, passages=passages)
    checked = draft.checked
    if checked is not None:
        answer.citations = checked.citations
        answer.supported_sentences, answer.total_sentences = checked.supported_sentences, checked.total_sentences
        attach_short_answer(answer, draft, passages)
    return answer
