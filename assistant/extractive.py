"""The offline answerer: extractive question answering over the retrieved passages.

No model generates text here. Every sentence of the top passages is scored by

- coverage: the share of the question's IDF-weighted, stemmed terms it holds (rare names
  count most), damped when the sentence adds little beyond the question (novelty: a
  sentence that only repeats the question answers nothing);
- answer type: whether it holds the kind of thing the question asks for and the question
  does not already name (a number for "how many", a date for "when", a capitalised name
  for "who", "where" and "which ...");
- the rank of its passage (the retriever's order is a strong prior);
- meaning: for the lexical front-runners only, the cosine similarity of the sentence and
  the question under the embedding model ("denied" finds "rejected").

The answer is the best sentence plus up to two more from the same passage that score
close to it, all citing that one passage: one passage cited per answer keeps citations
precise, and two or three sentences usually hold the fact the question asks about. When
the best sentence scores too low (``min_score``), or covers too little of the question
and means something else, the answer says the articles do not contain it.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from assistant import compose
from assistant.answer_types import NAME, NP, asked_type
from assistant.answerers import REFUSAL, Draft
from assistant.constraints import (
    article_texts,
    other_years,
    passage_years,
    period_binds,
    question_constraints,
    unmet,
)
from assistant.entities import new_names, new_numbers
from assistant.instructions import is_instruction
from assistant.short_answer import Candidate, candidates
from assistant.text import split_sentences, word_pieces
from footnote.boilerplate import is_boilerplate
from footnote.records import Answer, AnswerCandidate, Citation, Hit
from footnote.sentences import MIN_SENTENCE, headline, story_text
from vectorstore.embeddings import Embedder
from vectorstore.lexical import tokenize

_DATE = re.compile(
    r"\b(?:1[89]|20)\d{2}\b|\b(?:january|february|march|april|may|june|july|august|september|october|november|"
    r"december|monday|tuesday|wednesday|thursday|friday|saturday|sunday|week|month|year|today|tomorrow|"
    r"yesterday)s?\b",
    re.I,
)
_NUMBER_Q = re.compile(
    r"\bhow (?:many|much|old|long|far|tall|big|large|high|fast|often)\b|\bby how much\b|"
    r"\bwhat (?:number|percentage|percent|share|age|amount|price|proportion)\b"
)
_DATE_Q = re.compile(r"^when\b|\bwhen (?:did|will|was|is|were|does|do)\b|\bwhat (?:year|day|date|month)\b")
_PERSON_Q = re.compile(
    r"\b(?:who|whom|whose)\b|\bwhich (?:person|man|woman|leader|politician|player|actor|actress|singer|rapper|"
    r"celebrity|athlete|star|ceo|executive|billionaire|president|senator|lawmaker|judge|justice|author|artist|"
    r"musician|comedian|director|official|candidate|member)\b"
)
_PLACE_Q = re.compile(
    r"\bwhere\b|\b(?:which|what) (?:country|city|state|nation|county|island|region|continent|town|capital|"
    r"province|airport|park|location|us state)\b"
)
_ENTITY_Q = re.compile(r"\bwhich\b|\bwhat (?:is|was|were|are) (?:it|they|the name)\b|\b(?:called|named|titled)\b")


_DATE_OR_NUMBER = frozenset(("date", "number"))  # a person or a place may be answered by a role ("the mayor")
_FIRST_CITED = re.compile(r"(.+?) \[(\d+)\](?=\s|$)", re.S)


@dataclass
class ScoredSentence:
    n: int  # passage number, 1-based
    text: str
    score: float
    coverage: float
    similarity: float = 0.0
    position: int = 0  # the sentence's index in its passage
    weight: float = 1.0  # passage rank and length weight, applied to every part of the score


# "The answer is ...", "Answer: ...": an answer planted for an answerer, never quoted as one.
_ANSWER_FORM = re.compile(r"^\W*(?:the (?:correct |right |real )?answer(?: to [^.]{1,60})? is\b|answer\s*:)", re.I)
_TERMINAL = re.compile(r"[.!?][\"'”’)\]]*$")


def not_an_answer(sentence: str) -> bool:
    """True for sentences an extractive answer must never quote: questions, planted answers
    ("The answer is ..."), instructions to a reader or an assistant
    (assistant/instructions.py), and page boilerplate."""
    s = sentence.strip().rstrip("\"'”’)")
    return s.endswith("?") or bool(_ANSWER_FORM.match(s)) or is_instruction(sentence) or is_boilerplate(sentence)


def looks_like_headline(sentence: str) -> bool:
    """A line with no sentence end: a headline, a subhead or a link run into the text."""
    return not _TERMINAL.search(sentence.strip())


def question_kind(question: str) -> str:
    """What the question asks for: 'number', 'date', 'person', 'place', 'entity' or 'any'."""
    q = question.lower().strip()
    if _NUMBER_Q.search(q):
        return "number"
    if _DATE_Q.search(q):
        return "date"
    if _PERSON_Q.search(q):
        return "person"
    if _PLACE_Q.search(q):
        return "place"
    if _ENTITY_Q.search(q):
        return "entity"
    return "any"


def answer_type_match(kind: str, sentence: str, question_lower: str) -> bool:
    """Whether the sentence holds something of the asked kind that the question lacks."""
    if kind == "number":
        return bool(new_numbers(sentence, question_lower))
    if kind == "date":
        return bool(_DATE.search(sentence))
    if kind in ("person", "place", "entity"):
        return bool(new_names(sentence, question_lower))
    return False


class ExtractiveAnswerer:
    """Picks the sentence(s) that best answer the question and cites their passage.

    Args:
        idf: inverse document frequency of a stemmed token (from the BM25 index).
        embedder: used to compare the front-running sentences with the question.
        min_coverage: below this coverage (and similarity) the answer is a refusal.
        min_score: below this best-sentence score the answer is a refusal (0.5 refused a
            quarter of the dev set's unanswerable questions and none of the answerable ones).
        max_sentences: most sentences in an answer (all from the cited passage).
        rerank_top: how many lexical front-runners are embedded (the costly step, ~4 ms a
            sentence; 10 and 12 answered as well as 16 on the tune half, 8 lost containment).
    """

    name = "extractive"
    live = False  # the answer is complete before its first piece

    # Weights measured on the dev set (tests/test_extractive.py pins the behaviour).
    novelty_share = 0.7  # coverage * (0.3 + 0.7 * novelty)
    type_bonus = 0.15
    similarity_weight = 0.6
    rank_decay = 0.12  # passage n weighs 1 / (1 + 0.12 (n - 1))
    long_sentence = 400  # characters; longer sentences are scaled down
    keep_ratio = 0.5  # extra sentences must score this share of the best one
    # Refusal: a best sentence covering under half of the question needs a similarity of
    # 0.45 (chosen with min_score 0.6 on the tune half's unanswerable set: refusals 0.47 -> 0.73,
    # wrong refusals 0.03 -> 0.045 on the tune questions).
    min_similarity = 0.45
    # ... unless its passage has a dense similarity of 0.55 to the question (0.45, 0.5, 0.55,
    # 0.6, 0.65 tried on the tune half's unanswerable set: refused 0.600, 0.633, 0.700,
    # 0.700, 0.700 with wrong refusals 0.021, 0.021, 0.021, 0.028, 0.041; without it 0.700
    # and 0.048). A similarity of the default embedder: set it anew for another model.
    close_passage = 0.55
    # A front-running sentence this close in meaning answers whatever its score ("Adele is
    # returning to Las Vegas" under a stronger-worded but vaguer sentence). Chosen on the tune
    # half with every front-runner considered (before: the best sentence only): 0.55, 0.6,
    # 0.65, 0.7 and none gave unanswerable refusals 0.733, 0.767, 0.767, 0.767, 0.767 with
    # wrong refusals on the tune questions 0.024, 0.029, 0.033, 0.038, 0.038 (0.048 before).
    close_sentence = 0.6
    default_min_coverage = 0.5
    headline_weight = 0.5  # a line with no sentence end (a headline run into the text)
    candidate_sentences = 3  # top sentences whose entities are short-answer candidates (3 beat 8 on tune)
    # The sentence before a top sentence offers candidates at this share of its score (0.5,
    # 0.7, 0.85, 1.0 tried on the tune half: EM 0.457, 0.462, 0.471, 0.471; containment
    # fell at 1.0; the sentence after, at 0.4 or 0.7, did not help).
    lead_in_weight = 0.85
    # An article's title offers candidates too, at this share of its passage's top sentence's
    # score: titles name what the story is about ("Thor: Love and Thunder ...", "One ticket in
    # Illinois won ..."). Chosen on the tune half (see docs/EVALUATION.md).
    title_weight = 0.7
    ambiguity_ratio = 0.9  # a second article's answer this close to the best is shown too
    ambiguity_coverage = 0.5  # ... when both sentences hold at least this share of the question

    def __init__(
        self,
        idf: Callable[[str], float] | None = None,
        embedder: Embedder | None = None,
        min_coverage: float | None = None,
        min_score: float = 0.0,
        max_sentences: int = 3,
        rerank_top: int = 10,
    ) -> None:
        self.idf = idf or (lambda _t: 1.0)
        self.embedder = embedder
        self.min_coverage = self.default_min_coverage if min_coverage is None else min_coverage
        self.min_score = min_score
        self.max_sentences = max_sentences
        self.rerank_top = rerank_top

    def score(self, question: str, hits: list[Hit]) -> list[ScoredSentence]:
        """Every sentence of the passages, scored, best first."""
        q_terms = set(tokenize(question))
        weights = {t: self.idf(t) for t in q_terms}
        total = sum(weights.values()) or 1.0
        kind = question_kind(question)
        q_lower = question.lower()
        scored: list[ScoredSentence] = []
        for n, hit in enumerate(hits, 1):
            rank_w = 1.0 / (1.0 + self.rank_decay * (n - 1))
            for j, sent in enumerate(split_sentences(story_text(hit.passage.text))):
                if len(sent) < MIN_SENTENCE or not_an_answer(sent):
                    continue
                s_set = set(tokenize(sent))
                if not s_set:
                    continue
                coverage = sum(w for t, w in weights.items() if t in s_set) / total
                novelty = len(s_set - q_terms) / len(s_set)
                bonus = self.type_bonus if answer_type_match(kind, sent, q_lower) else 0.0
                length_w = 1.0 if len(sent) < self.long_sentence else self.long_sentence / len(sent)
                weight = rank_w * length_w * (self.headline_weight if looks_like_headline(sent) else 1.0)
                base = coverage * (1 - self.novelty_share + self.novelty_share * novelty) + bonus
                scored.append(ScoredSentence(n, sent, base * weight, coverage, position=j, weight=weight))
        scored.sort(key=lambda s: -s.score)
        if self.embedder is not None and scored:
            # Meaning as well as words: only the lexical front-runners are embedded, to
            # keep the answer fast.
            top = scored[: self.rerank_top]
            vecs = self.embedder.embed([question] + [s.text for s in top])
            sims = vecs[1:] @ vecs[0]
            for s, sim in zip(top, sims):
                s.similarity = float(sim)
                s.score += self.similarity_weight * max(0.0, float(sim)) * s.weight
            scored.sort(key=lambda s: -s.score)
        return scored

    def _weak(self, scored: list[ScoredSentence]) -> bool:
        """Whether no front-running sentence is strong enough to answer with: each of the
        embedded front-runners (not only the best) may carry the answer, so a question is
        refused only when none of them scores well with half of the question's words or a
        close meaning, and none is very close in meaning (``close_sentence``)."""
        front = scored[: self.rerank_top]
        return not any(
            s.similarity >= self.close_sentence
            or (s.score >= self.min_score and (s.coverage >= self.min_coverage or s.similarity >= self.min_similarity))
            for s in front
        )

    def _close_passage(self, scored: list[ScoredSentence], hits: list[Hit]) -> bool:
        """Whether the best sentence's passage is close to the question in meaning (the
        store's dense similarity): a passage about the very thing asked answers even when
        its best sentence shares few of the question's words ("Adele is returning to Las
        Vegas" for a singer's Las Vegas residency)."""
        return bool(scored) and (hits[scored[0].n - 1].similarity or 0.0) >= self.close_passage

    def answer(self, question: str, hits: list[Hit]) -> Draft:
        """The short answer and the sentence that states it, cited; several answers when the
        articles disagree; or a refusal (naming what is closest when a constraint is unmet)."""
        scored = self.score(question, hits)
        if self._weak(scored) and not self._close_passage(scored, hits):
            return compose.plain_refusal()
        cons = question_constraints(question, self.idf)
        texts = article_texts(hits) if cons else {}
        in_period_only = period_binds(hits)
        # a passage's constraints are checked once, not once for each of its sentences
        unmet_in = {n: bool(cons) and bool(unmet(cons, hits[n - 1], texts[hits[n - 1].passage.article_id]))
                    for n in {s.n for s in scored}}
        fitting = [
            s for s in scored
            if not unmet_in[s.n]
            and not (in_period_only and hits[s.n - 1].in_period is False)
            and not other_years(cons, s.text)
        ]
        if self._weak(fitting) and not self._close_passage(fitting, hits):
            return _closest_refusal(question, scored[0], hits)
        asked = asked_type(question)
        top = fitting[: self.candidate_sentences]
        embed = self.embedder.embed if self.embedder is not None else None
        told = [(s.score, s.n, hits[s.n - 1].passage.article_id, s.text) for s in top]
        extra = self.lead_ins(top, hits, scored) + self.titles(top, hits)
        cands = candidates(question, asked, told + extra, idf=self.idf, embed=embed)
        coverage = {(s.n, s.text): s.coverage for s in top}
        distinct = self.distinct_answers([c for c in cands if coverage.get((c.n, c.sentence), 0) >= self.ambiguity_coverage])
        if distinct and cands and distinct[0] is not cands[0]:
            distinct = []  # the best answer's own sentence is weak: no ambiguity to show
        if len(distinct) > 1:
            return compose.several(distinct)
        if not cands and asked.kind in _DATE_OR_NUMBER:
            # a when / how many question whose best sentences hold no date or number: they
            # do not say it
            return _closest_refusal(question, fitting[0], hits)
        return self._single(fitting, cands[0] if cands else None)

    def lead_ins(self, top: list[ScoredSentence], hits: list[Hit], scored: list[ScoredSentence]) -> list[tuple[float, int, str, str]]:
        """The sentence before each top sentence, at ``lead_in_weight`` of its score: the
        name that "the wildly popular South Korean show" or "the Puerto Rican rapper"
        refers back to is often in the sentence before ("“Squid Game” is officially coming
        back.")."""
        known = {(s.n, s.text) for s in top}
        by_pos = {(s.n, s.position): s for s in scored}
        out = []
        for s in top:
            prev = by_pos.get((s.n, s.position - 1))
            if prev is not None and (prev.n, prev.text) not in known:
                known.add((prev.n, prev.text))
                out.append((s.score * self.lead_in_weight, prev.n, hits[prev.n - 1].passage.article_id, prev.text))
        return out

    def titles(self, top: list[ScoredSentence], hits: list[Hit]) -> list[tuple[float, int, str, str]]:
        """The title of each top sentence's passage, at ``title_weight`` of that sentence's
        score (each title once)."""
        seen: set[str] = set()
        out = []
        for s in top:
            passage = hits[s.n - 1].passage
            title = headline(passage.title, passage.source)
            if title and title not in seen and self.title_weight > 0:
                seen.add(title)
                out.append((s.score * self.title_weight, s.n, passage.article_id, title))
        return out

    def distinct_answers(self, cands: list[Candidate]) -> list[Candidate]:
        """The candidates that different articles give with evidence close to the best one's
        (at most three, best first); one when the best stands out. Evidence is a candidate's
        score before its label's fit: "Riley", a name the tagger left untyped, reports a
        denial as surely as "Trump" does."""
        if not cands:
            return []
        out = [cands[0]]
        top = _evidence(cands[0])
        for c in cands[1:]:
            if len(out) >= 3:
                break
            if _evidence(c) < self.ambiguity_ratio * top or not _same_kind(c.label, cands[0].label):
                continue
            if any(c.article_id == o.article_id for o in out) or any(c.key in o.key or o.key in c.key for o in out):
                continue
            out.append(c)
        return out

    def _single(self, fitting: list[ScoredSentence], cand: Candidate | None) -> Draft:
        """One answer: the short answer (if found), its sentence, and one more that adds to it."""
        best = fitting[0]
        n, sentence = (cand.n, cand.sentence) if cand else (best.n, best.text)
        ref = next((s for s in fitting if s.n == n and s.text == sentence), best)
        extra = None
        for s in fitting:
            if s.n != n or s.text == sentence or _same(s.text, sentence) or looks_like_headline(s.text):
                continue
            adds = s.coverage > 0 and s.score >= self.keep_ratio * ref.score
            if adds or (cand is not None and cand.key and cand.text in s.text and s.coverage > 0):
                extra = s.text
            break
        return Draft(
            compose.single(cand.text if cand else None, n, sentence, extra),
            quotes={n: sentence},
            short_answer=cand.text if cand else None,
        )

    def stream(self, question: str, hits: list[Hit]) -> Iterator[str]:
        """The answer's text in word pieces (it is complete before the first)."""
        yield from word_pieces(self.answer(question, hits).text)

    def finish(self, text: str) -> Draft:
        """The draft for a text this answerer wrote: its first sentence is the quote of the
        passage it cites (every sentence cites that one passage)."""
        text = text.strip()
        if not text or text == REFUSAL:
            return Draft(REFUSAL, refused=True)
        m = _FIRST_CITED.match(text)
        if not m:
            return Draft(text)
        short = re.match(r"^\*\*(.+?)\*\* — “(.+)”$", m.group(1), re.S)
        if short:  # "**Dmitry Peskov** — “quote” [1]"
            return Draft(text, quotes={int(m.group(2)): short.group(2)}, short_answer=short.group(1))
        return Draft(text, quotes={int(m.group(2)): m.group(1)})


def _closest_refusal(question: str, best: ScoredSentence, hits: list[Hit]) -> Draft:
    """A refusal that names ``best``'s article as the closest the articles come."""
    hit = hits[best.n - 1]
    return compose.closest_refusal(question, hit, best.n, best.text, passage_years(hit))


def _evidence(c: Candidate) -> float:
    return c.score / max(c.fit, 0.1)


def _same_kind(a: str, b: str) -> bool:
    """Labels of the same kind of answer (an untyped name goes with any name)."""
    return a == b or NAME in (a, b) and NP not in (a, b)


def _same(a: str, b: str) -> bool:
    ta, tb = set(tokenize(a)), set(tokenize(b))
    if not ta or not tb:
        return False
    return len(ta & tb) / math.sqrt(len(ta) * len(tb)) > 0.8


def attach_short_answer(answer: Answer, draft: Draft, passages: list[Citation]) -> None:
    """Copy the draft's short answer and candidates onto the checked answer, renumbering
    each candidate's passage (n into ``passages``, the hits the answerer was shown) to the
    answer's citation numbers."""
    if draft.refused:
        return
    answer.short_answer = draft.short_answer
    by_passage = {c.passage_id: c.n for c in answer.citations}
    answer.candidates = [
        AnswerCandidate(c.text, by_passage[passages[c.n - 1].passage_id], c.quote)
        for c in draft.candidates
        if 0 < c.n <= len(passages) and passages[c.n - 1].passage_id in by_passage
    ]
