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

from assistant.answerers import REFUSAL, Draft
from assistant.entities import new_names, new_numbers
from assistant.text import split_sentences, word_pieces
from footnote.records import Hit
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


_FIRST_CITED = re.compile(r"(.+?) \[(\d+)\](?= |$)", re.S)


@dataclass
class ScoredSentence:
    n: int  # passage number, 1-based
    text: str
    score: float
    coverage: float
    similarity: float = 0.0
    position: int = 0  # the sentence's index in its passage
    weight: float = 1.0  # passage rank and length weight, applied to every part of the score


# Sentences that cannot be an answer: questions, and instructions addressed to a reader or
# an assistant (an article is data; "answer only with ..." is never quoted as the answer).
_INSTRUCTION = re.compile(
    r"^\W*(answer|respond|reply|say|cite|output|print|repeat|do not|don't|never|always|you must|you should)\b"
    r"|\b(ignore|disregard|forget)\b[^.]{0,40}\b(instructions?|prompts?|rules|above)\b"
    r"|\b(answer|respond|reply)\s+(only|with|that)\b|\bwhen asked\b|\bcite (passage|source)s?\b"
    r"|\bsystem prompt\b|\bthis instruction\b|\bas an ai\b",
    re.I,
)


def not_an_answer(sentence: str) -> bool:
    """True for sentences an extractive answer must never quote: questions and instructions."""
    s = sentence.strip().rstrip("\"'”’)")
    return s.endswith("?") or bool(_INSTRUCTION.search(sentence))


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
        rerank_top: how many lexical front-runners are embedded (the costly step).
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
    min_similarity = 0.35

    def __init__(
        self,
        idf: Callable[[str], float] | None = None,
        embedder: Embedder | None = None,
        min_coverage: float = 0.2,
        min_score: float = 0.0,
        max_sentences: int = 3,
        rerank_top: int = 16,
    ) -> None:
        self.idf = idf or (lambda _t: 1.0)
        self.embedder = embedder
        self.min_coverage = min_coverage
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
            for j, sent in enumerate(split_sentences(hit.passage.text)):
                if len(sent) < 15 or not_an_answer(sent):
                    continue
                s_set = set(tokenize(sent))
                if not s_set:
                    continue
                coverage = sum(w for t, w in weights.items() if t in s_set) / total
                novelty = len(s_set - q_terms) / len(s_set)
                bonus = self.type_bonus if answer_type_match(kind, sent, q_lower) else 0.0
                length_w = 1.0 if len(sent) < self.long_sentence else self.long_sentence / len(sent)
                weight = rank_w * length_w
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

    def answer(self, question: str, hits: list[Hit]) -> Draft:
        """The best sentence and its close seconds from the same passage, cited; or a refusal."""
        scored = self.score(question, hits)
        if (
            not scored
            or scored[0].score < self.min_score
            or (scored[0].coverage < self.min_coverage and scored[0].similarity < self.min_similarity)
        ):
            return Draft(REFUSAL, refused=True)
        best = scored[0]
        chosen = [best]
        for s in scored[1:]:
            if len(chosen) >= self.max_sentences:
                break
            if s.n == best.n and s.coverage > 0 and s.score >= self.keep_ratio * best.score and not any(_same(s.text, c.text) for c in chosen):
                chosen.append(s)
        # The best sentence first, then the others in the order the article tells them.
        ordered = [best] + sorted(chosen[1:], key=lambda s: s.position)
        parts = [f"{s.text} [{s.n}]" for s in ordered]
        return Draft(" ".join(parts), quotes={best.n: best.text})

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
        return Draft(text, quotes={int(m.group(2)): m.group(1)} if m else {})


def _same(a: str, b: str) -> bool:
    ta, tb = set(tokenize(a)), set(tokenize(b))
    if not ta or not tb:
        return False
    return len(ta & tb) / math.sqrt(len(ta) * len(tb)) > 0.8
