"""Evaluation metrics: answers (SQuAD), retrieval (recall@k, MRR), citations (ALCE-style
proxy), refusals and latency percentiles. Pure functions on plain values, no I/O.

Concessions, stated once:
- SQuAD normalisation is the official one (lowercase, punctuation out, articles a/an/the
  out, whitespace collapsed), widened to every Unicode punctuation character so that
  curly quotes ("“Squid Game”") normalise like straight ones.
- Exact match and F1 score the answer's short answer when it has one (the answer phrase,
  "Dmitry Peskov"), else its whole text; containment always scores the whole text.
- ALCE judges citations with an NLI model; none runs offline here, so support is a proxy:
  a cited passage supports an answer sentence when most of the sentence's content words
  occur in it (the same lexical test as ``assistant.citations``) or when both contain
  the same gold answer. See ``citation_precision`` and ``citation_recall``.
"""

from __future__ import annotations

import re
import string
import unicodedata
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from assistant.citations import lexical_support
from assistant.text import split_sentences

_ARTICLES = re.compile(r"\b(a|an|the)\b", re.UNICODE)
_ASCII_PUNCT = frozenset(string.punctuation)
_MARKERS = re.compile(r"((?:\s*\[\d{1,3}(?:\s*,\s*\d{1,3})*\])+)")


# --- answers (SQuAD) --------------------------------------------------------------------
def normalize_answer(text: str) -> str:
    """SQuAD normalisation: lowercase, drop punctuation, drop a/an/the, collapse spaces."""
    text = text.lower()
    text = "".join(ch for ch in text if ch not in _ASCII_PUNCT and not unicodedata.category(ch).startswith("P"))
    text = _ARTICLES.sub(" ", text)
    return " ".join(text.split())


def exact_match(prediction: str, golds: Sequence[str]) -> float:
    """1.0 when the normalised prediction equals a normalised gold answer, else 0.0."""
    pred = normalize_answer(prediction)
    return max((float(pred == normalize_answer(g)) for g in golds), default=0.0)


def _f1(pred_tokens: list[str], gold_tokens: list[str]) -> float:
    if not pred_tokens or not gold_tokens:
        return float(pred_tokens == gold_tokens)
    same = sum((Counter(pred_tokens) & Counter(gold_tokens)).values())
    if same == 0:
        return 0.0
    precision = same / len(pred_tokens)
    recall = same / len(gold_tokens)
    return 2 * precision * recall / (precision + recall)


def token_f1(prediction: str, golds: Sequence[str]) -> float:
    """SQuAD token F1 of the prediction, the best over the gold answers."""
    pred = normalize_answer(prediction).split()
    return max((_f1(pred, normalize_answer(g).split()) for g in golds), default=0.0)


_POSSESSIVE = re.compile(r"(?<=\w)['’]s\b")
_JOINER = re.compile(r"(?<=\w)[-–—/](?=\w)")


def normalize_for_containment(text: str) -> str:
    """``normalize_answer`` with a possessive's "’s" and a hyphen's parts kept apart, so
    that "Mississippi’s capital" holds "Mississippi" and "a 17-year-old" holds "17"
    (SQuAD's normalisation alone drops the punctuation and glues the words: "mississippis",
    "17yearold"). Both sides are read the same way: "Chick-fil-A" still holds "Chick-fil-A"."""
    return normalize_answer(_JOINER.sub(" ", _POSSESSIVE.sub(" s", text)))


def contains_answer(text: str, golds: Sequence[str]) -> bool:
    """Whether a normalised gold answer occurs in the normalised text, on word boundaries
    (``normalize_for_containment``: "Kanye West’s account" holds "Kanye West").

    Gold answers that normalise to nothing (``"The"``, ``"?"``) never match.
    """
    hay = f" {normalize_for_containment(text)} "
    for g in golds:
        needle = normalize_for_containment(g)
        if needle and f" {needle} " in hay:
            return True
    return False


def containment(prediction: str, golds: Sequence[str]) -> float:
    """1.0 when a gold answer appears in the prediction (both normalised), else 0.0."""
    return float(contains_answer(prediction, golds))


# --- retrieval --------------------------------------------------------------------------
def recall_at_k(retrieved_articles: Sequence[str], evidence: Iterable[str], k: int) -> float:
    """1.0 when a gold evidence article is among the articles of the top ``k`` passages."""
    gold = set(evidence)
    return float(any(a in gold for a in retrieved_articles[:k]))


def reciprocal_rank(retrieved_articles: Sequence[str], evidence: Iterable[str], k: int = 10) -> float:
    """1/rank of the first passage (within the top ``k``) from a gold article, else 0.0."""
    gold = set(evidence)
    for rank, a in enumerate(retrieved_articles[:k], 1):
        if a in gold:
            return 1.0 / rank
    return 0.0


# --- citations (proxy for ALCE) -----------------------------------------------------------
@dataclass
class CitedPassage:
    """What the citation metrics need to know of one citation of an answer."""

    n: int
    text: str
    article_id: str = ""
    supported: bool = False  # the assistant's own check: the passage supports its sentence


def citation_is_precise(c: CitedPassage, golds: Sequence[str], evidence: Iterable[str] = ()) -> bool:
    """A citation is relevant when its passage contains a gold answer (whether or not its
    article is listed as evidence: evidence lists are not exhaustive). Only the passage
    counts: not the article being evidence, and not the answerer having quoted it (an
    extractive answer always "supports" its own quote). ``evidence`` is kept for callers."""
    return bool(golds) and contains_answer(c.text, golds)


def citation_precision(citations: Sequence[CitedPassage], golds: Sequence[str], evidence: Iterable[str]) -> float | None:
    """Share of an answer's citations that are precise (see ``citation_is_precise``).

    Returns None when the answer cites nothing (the question then counts only for recall).
    """
    if not citations:
        return None
    ev = set(evidence)
    return sum(citation_is_precise(c, golds, ev) for c in citations) / len(citations)


def answer_sentences(text: str) -> list[tuple[str, list[int]]]:
    """An answer's sentences, each with the [n] markers that follow it."""
    out: list[tuple[str, list[int]]] = []
    parts = _MARKERS.split(text)
    # parts alternates: text, markers, text, markers, ..., text
    for i in range(0, len(parts), 2):
        chunk = parts[i]
        marks = parts[i + 1] if i + 1 < len(parts) else ""
        nums = [int(x) for x in re.findall(r"\d{1,3}", marks)]
        sents = split_sentences(chunk) or ([chunk.strip()] if chunk.strip() else [])
        for j, s in enumerate(sents):
            out.append((s, nums if j == len(sents) - 1 else []))
    return [(s, nums) for s, nums in out if re.search(r"\w", s)]


def sentence_supported(sentence: str, passage: str, golds: Sequence[str], threshold: float = 0.5) -> bool:
    """Proxy for "the passage entails the sentence": lexical support at least ``threshold``
    (share of the sentence's stemmed content words found in the passage), or sentence and
    passage contain the same gold answer."""
    if lexical_support(sentence, passage) >= threshold:
        return True
    return any(contains_answer(sentence, [g]) and contains_answer(passage, [g]) for g in golds)


def citation_recall(
    answer: str, citations: Mapping[int, CitedPassage], golds: Sequence[str], threshold: float = 0.5
) -> float | None:
    """Share of the answer's sentences that carry a citation whose passage supports them.

    Returns None when the answer has no sentences.
    """
    sents = answer_sentences(answer)
    if not sents:
        return None
    ok = 0
    for sent, nums in sents:
        cited = [citations[n] for n in nums if n in citations]
        if any(sentence_supported(sent, c.text, golds, threshold) for c in cited):
            ok += 1
    return ok / len(sents)


# --- aggregation --------------------------------------------------------------------------
def mean(values: Iterable[float | None]) -> float | None:
    """Mean of the values that are not None; None when there are none."""
    vals = [float(v) for v in values if v is not None]
    return float(np.mean(vals)) if vals else None


def percentile(values: Iterable[float | None], q: float) -> float | None:
    """The q-th percentile (linear interpolation) of the values that are not None."""
    vals = [float(v) for v in values if v is not None]
    return float(np.percentile(vals, q)) if vals else None
