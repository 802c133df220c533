"""The offline answerer: extractive question answering over the retrieved passages.

No model generates text here. Every sentence of the top passages is scored by how much
of the question it covers (IDF-weighted stemmed terms, so rare names count most), by how
much new information it adds (a sentence that only repeats the question answers
nothing), by whether it holds the kind of thing the question asks for (a person, a
number, a date, a place), and by the rank of its passage. The best sentence is the
answer, cited; a close second from another passage is added. When the best sentence
covers too little of the question, the answer says the articles do not contain it.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from assistant.answerers import REFUSAL, Draft
from assistant.text import split_sentences
from footnote.records import Hit
from vectorstore.embeddings import Embedder
from vectorstore.lexical import tokenize

_NUMBER = re.compile(r"\d|\b(one|two|three|four|five|six|seven|eight|nine|ten|hundred|thousand|million|billion|dozen)\b", re.I)
_DATE = re.compile(
    r"\b(19|20)\d{2}\b|\b(january|february|march|april|may|june|july|august|september|october|november|december|"
    r"monday|tuesday|wednesday|thursday|friday|saturday|sunday)\b",
    re.I,
)
_NAME = re.compile(r"\b[A-Z][a-z]+(?:[ -][A-Z][a-z]+)+\b|\b[A-Z]{2,}\b")


@dataclass
class ScoredSentence:
    n: int  # passage number, 1-based
    text: str
    score: float
    coverage: float
    similarity: float = 0.0


def question_kind(question: str) -> str:
    q = question.lower().strip()
    if re.match(r"^(how many|how much|what (number|percentage|percent|share)|by how much)", q) or "how many" in q:
        return "number"
    if re.match(r"^(when|what (year|day|date|month))", q):
        return "date"
    if re.match(r"^(who|whom|whose)\b", q) or re.search(r"\bwhich (person|man|woman|leader|politician|player|actor|singer|company|country)\b", q):
        return "entity"
    if re.match(r"^where\b", q):
        return "entity"
    return "any"


class ExtractiveAnswerer:
    """Picks the sentence(s) that best answer the question and cites their passages."""

    name = "extractive"

    def __init__(
        self,
        idf: Callable[[str], float] | None = None,
        embedder: Embedder | None = None,
        min_coverage: float = 0.2,
        max_sentences: int = 2,
        rerank_top: int = 12,
    ) -> None:
        self.idf = idf or (lambda _t: 1.0)
        self.embedder = embedder
        self.min_coverage = min_coverage
        self.max_sentences = max_sentences
        self.rerank_top = rerank_top

    def score(self, question: str, hits: list[Hit]) -> list[ScoredSentence]:
        q_terms = set(tokenize(question))
        weights = {t: self.idf(t) for t in q_terms}
        total = sum(weights.values()) or 1.0
        kind = question_kind(question)
        q_lower = question.lower()
        scored: list[ScoredSentence] = []
        for n, hit in enumerate(hits, 1):
            rank_w = 1.0 / (1.0 + 0.12 * (n - 1))
            for sent in split_sentences(hit.passage.text):
                if len(sent) < 15:
                    continue
                s_terms = tokenize(sent)
                if not s_terms:
                    continue
                s_set = set(s_terms)
                coverage = sum(w for t, w in weights.items() if t in s_set) / total
                novelty = len(s_set - q_terms) / len(s_set)
                bonus = 0.0
                if kind == "number" and _NUMBER.search(sent):
                    bonus = 0.15
                elif kind == "date" and _DATE.search(sent):
                    bonus = 0.15
                elif kind == "entity" and any(nm.lower() not in q_lower for nm in _NAME.findall(sent)):
                    bonus = 0.1
                length_pen = 1.0 if len(sent) < 400 else 400 / len(sent)
                score = (coverage * (0.6 + 0.4 * novelty) + bonus) * rank_w * length_pen
                scored.append(ScoredSentence(n, sent, score, coverage))
        scored.sort(key=lambda s: -s.score)
        if self.embedder is not None and scored:
            # Meaning as well as words: "denied" should find "rejected". Only the lexical
            # front-runners are embedded, to keep the answer fast.
            top = scored[: self.rerank_top]
            vecs = self.embedder.embed([question] + [s.text for s in top])
            sims = vecs[1:] @ vecs[0]
            for s, sim in zip(top, sims):
                s.similarity = float(sim)
                s.score = s.score * 0.5 + max(0.0, float(sim)) * 0.5
            top.sort(key=lambda s: -s.score)
            scored[: self.rerank_top] = top
        return scored

    def answer(self, question: str, hits: list[Hit]) -> Draft:
        scored = self.score(question, hits)
        if not scored or (scored[0].coverage < self.min_coverage and scored[0].similarity < 0.35):
            return Draft(REFUSAL, refused=True)
        best = scored[0]
        chosen = [best]
        for s in scored[1:]:
            if len(chosen) >= self.max_sentences or s.score < 0.75 * best.score:
                break
            if s.n != best.n and s.coverage >= self.min_coverage and not _same(s.text, best.text):
                chosen.append(s)
        parts = [f"{s.text} [{s.n}]" for s in chosen]
        return Draft(" ".join(parts), quotes={s.n: s.text for s in chosen})

    def stream(self, question: str, hits: list[Hit]) -> Iterator[str]:
        text = self.answer(question, hits).text
        yield from re.findall(r"\S+\s*", text)


def _same(a: str, b: str) -> bool:
    ta, tb = set(tokenize(a)), set(tokenize(b))
    if not ta or not tb:
        return False
    return len(ta & tb) / math.sqrt(len(ta) * len(tb)) > 0.8
