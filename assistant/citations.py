"""Citation checking: every [n] in an answer is parsed, range-checked, renumbered in order
of first use, and each cited sentence is checked against the passage it cites.

Support is measured per sentence as the best of (a) lexical support: the share of the
sentence's content words (stemmed) that occur in the cited passage, and (b) semantic
support: cosine similarity of the sentence and the passage's best sentence under the
embedding model, rescaled. A sentence with no marker that one passage clearly supports
gets that passage's marker added.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

from assistant.text import split_sentences
from footnote.records import Citation, Hit
from vectorstore.embeddings import Embedder
from vectorstore.lexical import tokenize

_MARKER_RE = re.compile(r"\s*\[(\d{1,3}(?:\s*,\s*\d{1,3})*)\]")


@dataclass
class CheckedAnswer:
    text: str
    citations: list[Citation]
    supported_sentences: int
    total_sentences: int
    dropped_markers: list[int]


def lexical_support(sentence: str, passage: str) -> float:
    s = set(tokenize(sentence))
    if not s:
        return 1.0
    p = set(tokenize(passage))
    return len(s & p) / len(s)


class CitationChecker:
    """Checks and repairs the [n] markers of an answer against the passages it was given."""

    def __init__(self, embedder: Embedder | None = None, threshold: float = 0.5) -> None:
        self.embedder = embedder
        self.threshold = threshold

    def support(self, sentence: str, passage: str) -> float:
        """Support of a sentence by a passage, 0..1."""
        lex = lexical_support(sentence, passage)
        if lex >= self.threshold or self.embedder is None:
            return lex
        sents = split_sentences(passage)[:40] or [passage]
        vecs = self.embedder.embed([sentence, *sents])
        sim = float(np.max(vecs[1:] @ vecs[0]))
        # MiniLM cosine ~0.35 is loosely related, ~0.75 a paraphrase: map that range to 0..1.
        return max(lex, min(1.0, max(0.0, (sim - 0.35) / 0.4)))

    def check(self, text: str, hits: list[Hit], quotes: dict[int, str] | None = None) -> CheckedAnswer:
        """Parse, range-check, support-check and renumber the markers of ``text``.

        Args:
            text: the answer with [n] markers, n 1-based into ``hits``.
            hits: the passages the answerer was shown, in order.
            quotes: supporting sentences already known (extractive answers), by n.

        Returns:
            The answer renumbered so citations run 1, 2, ... in order of first use.
        """
        k = len(hits)
        dropped: list[int] = []
        sentences = _answer_sentences(text)
        out_sentences: list[str] = []
        used: dict[int, int] = {}  # original n -> new n
        supported_flags: dict[int, bool] = {}
        quote_for: dict[int, str] = dict(quotes or {})
        supported_count = 0
        for sent in sentences:
            nums: list[int] = []
            for m in _MARKER_RE.finditer(sent):
                for x in m.group(1).split(","):
                    n = int(x)
                    if 1 <= n <= k:
                        if n not in nums:
                            nums.append(n)
                    else:
                        dropped.append(n)
            bare = _MARKER_RE.sub("", sent).strip()
            if not bare:
                continue
            if not nums and len(tokenize(bare)) >= 3 and hits:
                best_n, best_s = 0, 0.0
                for i, h in enumerate(hits, 1):
                    s = lexical_support(bare, h.passage.text)
                    if s > best_s:
                        best_n, best_s = i, s
                if best_s >= max(0.8, self.threshold):
                    nums = [best_n]
            sentence_ok = False
            for n in nums:
                s = 1.0 if quotes and n in quotes else self.support(bare, hits[n - 1].passage.text)
                ok = s >= self.threshold
                sentence_ok = sentence_ok or ok
                supported_flags[n] = supported_flags.get(n, False) or ok
                if n not in quote_for:
                    quote_for[n] = _best_quote(bare, hits[n - 1].passage.text)
            if sentence_ok:
                supported_count += 1
            for n in nums:
                if n not in used:
                    used[n] = len(used) + 1
            markers = "".join(f" [{used[n]}]" for n in nums)
            out_sentences.append(_attach(bare, markers))
        citations = [
            Citation.from_hit(new, hits[orig - 1], supported=supported_flags.get(orig, False), quote=quote_for.get(orig, ""))
            for orig, new in sorted(used.items(), key=lambda kv: kv[1])
        ]
        return CheckedAnswer(" ".join(out_sentences), citations, supported_count, len(out_sentences), dropped)


def _attach(sentence: str, markers: str) -> str:
    """Put markers before the sentence's final punctuation-free end ("... fake news. [1]")."""
    return sentence + markers if markers else sentence


def _answer_sentences(text: str) -> list[str]:
    # Markers follow the sentence they cite ("... news. [1] Next ..."): keep them with it.
    text = re.sub(r"([.!?][\"'”’)]*)\s*((?:\[\d{1,3}(?:\s*,\s*\d{1,3})*\]\s*)+)", lambda m: m.group(1) + " " + m.group(2).strip() + "\n", text)
    parts: list[str] = []
    for chunk in text.split("\n"):
        chunk = chunk.strip()
        if not chunk:
            continue
        if _MARKER_RE.search(chunk) and not re.search(r"[.!?][\"'”’)]*\s+[\"“]?[A-Z]", _MARKER_RE.sub("", chunk)):
            parts.append(chunk)
        else:
            parts.extend(split_sentences(chunk) or [chunk])
    return parts


def _best_quote(sentence: str, passage: str) -> str:
    s = set(tokenize(sentence))
    best, best_score = "", -1.0
    for cand in split_sentences(passage):
        c = set(tokenize(cand))
        score = len(s & c) / (len(s) or 1)
        if score > best_score:
            best, best_score = cand, score
    return best
