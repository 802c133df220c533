"""Citation checking: every [n] in an answer is parsed, range-checked, support-checked,
repaired where the evidence is clear, and renumbered in order of first use.

Support of a sentence by a passage (0..1) is the best of
  (a) lexical support: the share of the sentence's content words (stemmed) found in the
      passage, and
  (b) semantic support: the cosine similarity, under the embedding model, of the sentence
      and the passage's closest sentence, rescaled so that MiniLM's "loosely related"
      (~0.35) maps to 0 and "paraphrase" (~0.75) to 1,
capped below the threshold when the sentence states a number the passage does not hold,
or when most of its names are not in the passage (assistant/entities.py):
"Kim Jong Un denied the reports" shares words with a passage about Peskov's denial, but
not the person.
A sentence is supported when one of its cited passages reaches ``threshold``.

Repairs, each recorded on the sentence:
  - markers outside 1..len(passages) are dropped (``dropped_markers``);
  - an uncited claim that one passage clearly supports (``clear`` or more) gets its marker;
  - a claim its passages do not support, but another passage clearly does, is re-pointed;
  - in a sentence citing several passages, a marker whose passage does not support it at
    all (below ``threshold / 2``) while another marker does is dropped.
Otherwise an unsupported claim keeps its marker and its citation is flagged
(``Citation.supported`` is False when any sentence citing the passage is unsupported).
Questions and sentences without content words are not claims and are not counted.

Concessions: both measures are proxies for entailment (ALCE uses an NLI model): a
sentence that reuses a passage's words to say the opposite still scores high. Semantic
support costs one batched embedding call per answer, made only when some sentence's
lexical support falls short.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import numpy as np

from assistant.entities import missing_names, missing_numbers, name_words
from assistant.text import split_sentences
from footnote.records import Citation, Hit
from vectorstore.embeddings import Embedder
from vectorstore.lexical import tokenize

# [1]  [1, 2]  [1-3]  [1–3]  [1][2]
_MARKER_RE = re.compile(r"\s*\[(\d{1,3}(?:\s*(?:,|-|–)\s*\d{1,3})*)\]")
# Markers written after the sentence's end ("... news. [1] Next") move before it.
_TRAILING = re.compile(r"([.!?][\"'”’)]*)((?:\s*\[\d{1,3}(?:\s*(?:,|-|–)\s*\d{1,3})*\])+)")
# Preambles that carry no claim of their own: "The answer is:", "According to passage 2,".
_PREAMBLE = re.compile(
    r"^(?:(?:the )?answer(?: is)?\s*:?|according to (?:the )?(?:passages?|articles?|sources?)(?: \d+)?,?)\s*", re.I
)


@dataclass
class SentenceCheck:
    """One sentence of the answer as checked. Passage numbers are 1-based into the hits."""

    text: str  # the sentence without its markers
    cited: list[int] = field(default_factory=list)  # after repairs
    support: float = 0.0  # best support among the cited passages
    supported: bool = False
    claim: bool = True  # counts toward supported / total sentences
    added: bool = False  # the checker added the citation
    repointed: bool = False  # the checker replaced the cited passage with a better one
    removed: list[int] = field(default_factory=list)  # in-range markers taken off this sentence


@dataclass
class CheckedAnswer:
    """The checked answer: text renumbered 1, 2, ... and one Citation per number."""

    text: str
    citations: list[Citation]
    supported_sentences: int
    total_sentences: int
    dropped_markers: list[int]  # out-of-range numbers removed
    sentences: list[SentenceCheck] = field(default_factory=list)

    @property
    def added_markers(self) -> int:
        return sum(s.added for s in self.sentences)


def parse_markers(group: str) -> list[int]:
    """The numbers of one marker's inside: "1, 2" -> [1, 2]; "2-4" -> [2, 3, 4]."""
    out: list[int] = []
    for part in group.split(","):
        bounds = [int(x) for x in re.split(r"\s*[-–]\s*", part.strip()) if x]
        if len(bounds) == 2 and 0 < bounds[1] - bounds[0] <= 20:
            out.extend(range(bounds[0], bounds[1] + 1))
        else:
            out.extend(bounds)
    return out


def lexical_support(sentence: str, passage: str) -> float:
    """Share of the sentence's content words (stemmed) that occur in the passage."""
    s = set(tokenize(sentence))
    if not s:
        return 1.0
    p = set(tokenize(passage))
    return len(s & p) / len(s)


class CitationChecker:
    """Checks and repairs the [n] markers of an answer against the passages it was given.

    Args:
        embedder: for semantic support; None checks lexically only.
        threshold: least support for a sentence to count as supported by a passage.
        clear: least support for the checker to add or re-point a citation on its own.
    """

    def __init__(self, embedder: Embedder | None = None, threshold: float = 0.5, clear: float = 0.8) -> None:
        self.embedder = embedder
        self.threshold = threshold
        self.clear = max(clear, threshold)

    def support(self, sentence: str, passage: str) -> float:
        """Support of a sentence by a passage, 0..1 (see the module docstring)."""
        return _Scorer(self, [passage], [sentence]).support(sentence, 0)

    def check(self, text: str, hits: list[Hit], quotes: dict[int, str] | None = None) -> CheckedAnswer:
        """Parse, range-check, support-check, repair and renumber the markers of ``text``.

        Args:
            text: the answer with [n] markers, n 1-based into ``hits``.
            hits: the passages the answerer was shown, in order.
            quotes: supporting sentences already known (extractive answers), by n: those
                citations count as supported without measuring.

        Returns:
            The answer renumbered so citations run 1, 2, ... in order of first use, with
            per-sentence results in ``sentences``.
        """
        k = len(hits)
        quotes = quotes or {}
        dropped: list[int] = []
        lines = _parse(text)
        checks = [s for line in lines for s in line]
        for s in checks:
            dropped += [n for n in s.cited if not 1 <= n <= k]
            s.cited = list(dict.fromkeys(n for n in s.cited if 1 <= n <= k))
            # Questions and lead-ins ("Several articles give different answers:") are not claims.
            s.claim = bool(tokenize(s.text)) and not s.text.rstrip("\"'”’) ").endswith(("?", ":"))
        scorer = _Scorer(self, [h.passage.text for h in hits], [s.text for s in checks if s.claim])
        for s in checks:
            if s.claim and hits:
                self._check_sentence(s, scorer, quotes)
            elif s.cited:
                s.supported = all(n in quotes for n in s.cited)

        used, cited_ok, quote_for, all_quotes = self._renumber(checks, scorer, quotes)
        out_lines = []
        for line in lines:
            out_lines.append(" ".join(_attach(s.text, "".join(f" [{used[n]}]" for n in s.cited)) for s in line))
        citations = [
            Citation.from_hit(new, hits[orig - 1], supported=cited_ok.get(orig, orig in quotes),
                              quote=quote_for.get(orig, ""), quotes=[q for q in all_quotes.get(orig, []) if q])
            for orig, new in sorted(used.items(), key=lambda kv: kv[1])
        ]
        claims = [s for s in checks if s.claim]
        return CheckedAnswer(
            "\n".join(out_lines).strip(),
            citations,
            sum(s.supported for s in claims),
            len(claims),
            dropped,
            checks,
        )

    @staticmethod
    def _renumber(
        checks: list, scorer: _Scorer, quotes: dict[int, str],
    ) -> tuple[dict[int, int], dict[int, bool], dict[int, str], dict[int, list[str]]]:
        """(original n -> new n in order of first use, whether each citation's claims are all
        supported, its quote, and every sentence of it that some claim cites it for)."""
        used: dict[int, int] = {}  # original n -> new n
        cited_ok: dict[int, bool] = {}
        quote_for: dict[int, str] = dict(quotes)
        all_quotes: dict[int, list[str]] = {}
        for s in checks:
            for n in s.cited:
                used.setdefault(n, len(used) + 1)
                if s.claim:
                    cited_ok[n] = cited_ok.get(n, True) and s.supported
                    best = scorer.best_sentence(s.text, n - 1)
                    if n not in quote_for:
                        quote_for[n] = best
                    every = all_quotes.setdefault(n, [quote_for[n]])
                    if best and best not in every and quotes.get(n) != s.text.strip():
                        every.append(best)  # each sentence citing n marks its own sentence of n
        return used, cited_ok, quote_for, all_quotes

    def _check_sentence(self, s: SentenceCheck, scorer: _Scorer, quotes: dict[int, str]) -> None:
        def score(n: int) -> float:
            return 1.0 if n in quotes else scorer.support(s.text, n - 1)

        if s.cited:
            scores = {n: score(n) for n in s.cited}
            best = max(scores.values())
            if best >= self.threshold:
                s.support, s.supported = best, True
                if len(s.cited) > 1:  # drop markers that add nothing
                    keep = [n for n in s.cited if scores[n] >= self.threshold / 2]
                    s.removed = [n for n in s.cited if n not in keep]
                    s.cited = keep
                return
            s.support = best
        if len(tokenize(s.text)) < 3 and not s.cited:
            return  # too short to attribute on its own ("Yes, he did.")
        others = [n for n in range(1, scorer.n_passages + 1) if n not in s.cited]
        if not others:
            return
        alt_score, alt = max((scorer.support(s.text, n - 1), n) for n in others)
        if alt_score >= self.clear:
            if s.cited:
                s.removed, s.repointed = list(s.cited), True
            else:
                s.added = True
            s.cited, s.support, s.supported = [alt], alt_score, True


class _Scorer:
    """Support scores for one answer, sharing one batched embedding call across sentences."""

    def __init__(self, checker: CitationChecker, passages: list[str], claims: list[str]) -> None:
        self.checker = checker
        self.passages = passages
        self.claims = claims
        self.n_passages = len(passages)
        self._sents = [split_sentences(p)[:40] or [p] for p in passages]
        self._vecs: dict[str, np.ndarray] | None = None
        self._cache: dict[tuple[str, int], float] = {}

    def _vec(self, text: str) -> np.ndarray:
        if self._vecs is None:
            assert self.checker.embedder is not None
            texts = list(dict.fromkeys([*self.claims, *(s for sents in self._sents for s in sents)]))
            self._vecs = dict(zip(texts, self.checker.embedder.embed(texts)))
        if text not in self._vecs:
            assert self.checker.embedder is not None
            self._vecs[text] = self.checker.embedder.embed([text])[0]
        return self._vecs[text]

    def semantic(self, sentence: str, i: int) -> tuple[float, int]:
        """Best cosine similarity of the sentence with passage i's sentences, and which one."""
        q = self._vec(sentence)
        sims = np.array([float(self._vec(s) @ q) for s in self._sents[i]])
        j = int(np.argmax(sims))
        return float(sims[j]), j

    def support(self, sentence: str, i: int) -> float:
        key = (sentence, i)
        if key in self._cache:
            return self._cache[key]
        c = self.checker
        passage = self.passages[i]
        claim = _PREAMBLE.sub("", sentence) or sentence
        value = lexical_support(claim, passage)
        if value < c.clear and c.embedder is not None:
            sim, _ = self.semantic(sentence, i)
            # MiniLM cosine ~0.35 is loosely related, ~0.75 a paraphrase: map that range to 0..1.
            value = max(value, min(1.0, max(0.0, (sim - 0.35) / 0.4)))
        names = name_words(claim)
        if missing_numbers(claim, passage) or (names and 2 * len(missing_names(claim, passage)) >= len(names)):
            value = min(value, c.threshold / 2)
        self._cache[key] = value
        return value

    def best_sentence(self, sentence: str, i: int) -> str:
        """The sentence of passage i closest to ``sentence`` (its quote)."""
        s = set(tokenize(sentence))
        scores = [len(s & set(tokenize(c))) / (len(s) or 1) for c in self._sents[i]]
        j = int(np.argmax(scores)) if scores else 0
        if self.checker.embedder is not None and self._vecs is not None and (not scores or max(scores) < 0.5):
            _, j = self.semantic(sentence, i)
        return self._sents[i][j] if self._sents[i] else ""


def _attach(sentence: str, markers: str) -> str:
    """Markers follow the sentence they cite: "... fake news. [1]"."""
    return sentence + markers if markers else sentence


def _parse(text: str) -> list[list[SentenceCheck]]:
    """The answer's lines, each a list of sentences with the markers they carry.

    A marker written after a sentence's end belongs to that sentence; a line holding only
    markers belongs to the sentence before it.
    """
    lines: list[list[SentenceCheck]] = []
    previous: SentenceCheck | None = None
    for raw in text.strip().splitlines():
        raw = _TRAILING.sub(lambda m: m.group(2) + m.group(1), raw.strip())
        if not raw:
            if lines and lines[-1]:
                lines.append([])  # keep a paragraph break
            continue
        line: list[SentenceCheck] = []
        for sent in split_sentences(raw) or [raw]:
            nums = [n for m in _MARKER_RE.finditer(sent) for n in parse_markers(m.group(1))]
            bare = _MARKER_RE.sub("", sent).strip()
            if not bare:
                if previous is not None:
                    previous.cited += nums
                elif nums:
                    line.append(SentenceCheck("", nums, claim=False))
                continue
            previous = SentenceCheck(bare, nums)
            line.append(previous)
        if line:
            lines.append(line)
    while lines and not lines[-1]:
        lines.pop()
    return lines
