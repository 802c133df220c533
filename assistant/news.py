"""News context for an answer: when it was true, who agrees, who disputes it.

After an answer is checked, ``annotate`` fills four Answer fields from the passages that
were retrieved (and the wider ranking behind them):

* ``as_of``: the date of the newest cited article;
* ``newer``: a newer passage that was not cited but scored close to the cited ones (it
  lost on rank) and is on the same matter: "A newer article (2024-11-02) may change this [4]";
* ``support_outlets``: the independent outlets whose passages carry the answer's claim
  (wire copies of one story count once: a near-duplicate group is one outlet);
* ``disputed_by``: passages on the same matter that give a different answer of the same
  kind: the opposite stance (one reports, the other denies or rejects) or a different
  number for the same thing ("300 residents" / "450 residents").

Extra passages are numbered after the citations, so the page can list them as sources.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from assistant.text import split_sentences
from footnote.records import Answer, Citation, Hit
from vectorstore.lexical import tokenize

DENIAL = re.compile(
    r"\b(den(?:y|ies|ied|ying|ial)|reject(?:s|ed|ing)?|refut(?:e|es|ed|ing)|dismiss(?:es|ed|ing)?|"
    r"disput(?:e|es|ed|ing)|fake news|not true|no evidence|rebuff(?:s|ed)?|debunk(?:s|ed)?|"
    r"(?:is|are|was|were|as|them|it) (?:false|baseless|unfounded|untrue))\b",
    re.I,
)
# Words that name the act of reporting or denying: not part of the matter itself.
CUE_TERMS = frozenset(tokenize(
    "says said say saying report reports reported reporting claims claimed claim denied deny denies rejected "
    "reject rejects refuted dismissed false fake news suggesting suggest according sources told"
))
_NUM_NOUN = re.compile(
    r"(?<![\d.,-])\b(\d[\d,.]*)\s+(?:(million|billion|trillion|thousand|hundred)\s+)?(?:more\s+|other\s+)?([a-z]{3,})\b", re.I
)


@dataclass(frozen=True)
class NewsRules:
    """Thresholds of the annotations (tuned on questions-tune.jsonl).

    Attributes:
        newer_ratio: a newer uncited passage counts when its score is at least this share
            of the weakest cited passage's score.
        newer_pool: how many passages of the ranking are looked at for a newer one.
        topic_terms: least content words a sentence shares with the claim to be on the same matter.
        topic_share: least share of the claim's content words it must share.
        dispute_days: a dated passage further than this from the newest cited article is an
            earlier or later report, not a dispute (the "newer" note covers the later ones).
    """

    newer_ratio: float = 0.85
    newer_pool: int = 10
    topic_terms: int = 3
    topic_share: float = 0.25
    dispute_days: int = 31


def content_terms(text: str) -> set[str]:
    """Stemmed content words of a sentence, less the words of reporting and denying."""
    return {t for t in tokenize(text) if t not in CUE_TERMS and len(t) > 1}


def denies(sentence: str) -> bool:
    """Whether a sentence denies, rejects or calls false what it is about."""
    return bool(DENIAL.search(sentence))


def _numbers(sentence: str) -> dict[tuple[str, str], str]:
    """(thing counted, the next content word) -> its number.

    "96 people have been killed" -> {("peopl", "kill"): "96"}; "1 million migrants at the
    border" -> {("migrant", "border"): "1 million"}: the thing counted and what is said of
    it, not the scale word; a score or range ("3-2") is not a count.
    """
    out = {}
    for m in _NUM_NOUN.finditer(sentence):
        num, scale, noun = m.groups()
        stem = tokenize(noun)
        if stem:
            after = tokenize(sentence[m.end():])
            out[(stem[0], after[0] if after else "")] = (num.rstrip(".,").replace(",", "") + " " + (scale or "").lower()).strip()
    return out


def _on_topic(claim: set[str], sentence: str, rules: NewsRules) -> int:
    """How many content words ``sentence`` shares with the claim (0 when too few)."""
    shared = len(claim & content_terms(sentence))
    if shared >= rules.topic_terms and shared >= rules.topic_share * max(1, len(claim)):
        return shared
    return 0


def best_topic_sentence(claim: set[str], text: str, rules: NewsRules) -> str:
    """The sentence of ``text`` most about the claim's matter ("" when none is)."""
    best, best_n = "", 0
    for s in split_sentences(text):
        n = _on_topic(claim, s, rules)
        if n > best_n:
            best, best_n = s, n
    return best


def conflicts(claim_sentence: str, other: str) -> bool:
    """Whether two sentences on one matter give different answers of the same kind."""
    if denies(claim_sentence) != denies(other):
        return True
    a, b = _numbers(claim_sentence), _numbers(other)
    return any(noun in b and b[noun] != num for noun, num in a.items())


def _near(d: date | None, as_of: str, days: int) -> bool:
    """Whether a passage dated ``d`` is within ``days`` of ``as_of`` (true when either is unknown)."""
    if d is None or not as_of:
        return True
    return abs((d - date.fromisoformat(as_of)).days) <= days


def _claim(answer: Answer, rules: NewsRules) -> tuple[str, set[str]]:
    """The claim's sentence, and the terms that say what matter it is about: the question's
    when it names enough of it ("Who says North Korean troops are in Ukraine?"), else the
    cited sentence's ("Who denied the reports?" names too little)."""
    sentence = " ".join(c.quote or "" for c in answer.citations).strip() or answer.text
    asked = content_terms(answer.standalone_question or answer.question)
    return sentence, asked if len(asked) >= rules.topic_terms + 1 else content_terms(sentence)


def annotate(
    answer: Answer, hits: Sequence[Hit], ranked: Sequence[Hit] = (), rules: NewsRules | None = None,
    today: date | None = None,
) -> None:
    """Fill ``as_of``, ``newer``, ``support_outlets`` and ``disputed_by`` (in place).

    Args:
        answer: a checked answer (refusals are left as they are).
        hits: the passages the answerer was shown, best first.
        ranked: the retriever's wider ranking (for a newer passage that just missed the top k).
        rules: thresholds; the defaults when None.
        today: the question's date; articles published after it are not "newer" (they
            do not exist yet as far as the question knows). None: no limit.
    """
    if answer.refused or not answer.citations:
        return
    rules = rules or NewsRules()
    cited_ids = {c.passage_id for c in answer.citations}
    dates = [c.date for c in answer.citations if c.date]
    answer.as_of = max(dates) if dates else ""
    by_id = {h.passage.id: h for h in [*hits, *ranked]}
    cited_hits = [by_id[i] for i in cited_ids if i in by_id]
    cited_groups = {h.passage.group or h.passage.article_id for h in cited_hits}
    claim_sentence, claim = _claim(answer, rules)
    next_n = len(answer.citations) + 1
    supporters: dict[str, str] = {}  # group -> outlet
    for h in cited_hits:
        supporters.setdefault(h.passage.group or h.passage.article_id, h.passage.source or h.passage.title)
    disputed: list[Citation] = []
    disputed_groups: set[str] = set()
    for h in hits:
        p = h.passage
        group = p.group or p.article_id
        if p.id in cited_ids or group in cited_groups:
            continue
        sentence = best_topic_sentence(claim, p.text, rules)
        if not sentence:
            continue
        if conflicts(claim_sentence, sentence) and _near(p.date, answer.as_of, rules.dispute_days):
            if group not in disputed_groups:  # one passage per disputing story
                disputed_groups.add(group)
                disputed.append(Citation.from_hit(next_n, h, quote=sentence))
                next_n += 1
        else:
            supporters.setdefault(group, p.source or p.title)
    answer.disputed_by = disputed
    # A story that disputes the claim does not also count for it (an article can do both).
    answer.support_outlets = sorted({s for g, s in supporters.items() if s and g not in disputed_groups})
    answer.newer = _newer(answer, cited_hits, hits, ranked, rules, next_n, today, claim)


def _newer(answer: Answer, cited: list[Hit], hits: Sequence[Hit], ranked: Sequence[Hit], rules: NewsRules,
           n: int, today: date | None, claim: set[str]) -> Citation | None:
    """The best uncited passage newer than ``as_of`` that scored close to the cited ones."""
    if not answer.as_of or not cited:
        return None
    floor = rules.newer_ratio * min(h.score for h in cited)
    cited_ids = {h.passage.id for h in cited}
    shown = {d.passage_id: d for d in answer.disputed_by}
    pool = list(hits) + [h for h in ranked[: rules.newer_pool] if h.passage.id not in {x.passage.id for x in hits}]
    for h in sorted(pool, key=lambda x: -x.score):
        p = h.passage
        if p.id in cited_ids or p.date is None or h.score < floor or (today is not None and p.date > today):
            continue
        if p.id not in shown and not best_topic_sentence(claim, p.text, rules):
            continue  # close in score but about something else
        if p.date.isoformat() > answer.as_of:
            return shown.get(p.id) or Citation.from_hit(n, h)
    return None


def notes(answer: Answer) -> list[str]:
    """The lines shown under an answer: as of, newer article, support, disputes."""
    out = []
    if answer.as_of:
        out.append(f"As of {answer.as_of}")
    if answer.newer is not None:
        out.append(f"A newer article ({answer.newer.date}) may change this [{answer.newer.n}]")
    if len(answer.support_outlets) > 1:
        out.append(f"Reported by {len(answer.support_outlets)} independent outlets: {', '.join(answer.support_outlets)}")
    if answer.disputed_by:
        refs = ", ".join(f"[{c.n}] {c.source or c.title}" for c in answer.disputed_by)
        out.append(f"Disputed by {refs}")
    return out
