"""The offline answer's wording: the short answer first, then the sentence that states it,
quoted and cited; several answers when the articles disagree; a refusal that says what
is closest.

    **Dmitry Peskov** — “Russian spokesman Dmitry Peskov on October 10 rejected ...” [1]

    Several articles give different answers:
    - **Dmitry Peskov** — “...” [1]
    - **Kim Yo Jong** — “...” [2]

    The articles do not say who won the 2031 Eurovision Song Contest; the closest is
    “Sweden's Loreen wins Eurovision” (2023) [1].
"""

from __future__ import annotations

import re

from assistant.answer_types import focus
from assistant.answerers import REFUSAL, Draft
from assistant.short_answer import Candidate
from footnote.records import AnswerCandidate, Hit

AMBIGUOUS_LEAD = "Several articles give different answers:"


def quoted(sentence: str) -> str:
    """A sentence inside curly quotes (its own outer quotes removed)."""
    s = sentence.strip()
    if len(s) > 1 and s[0] in "\"“" and s[-1] in "\"”" and s.count("“") + s.count('"') <= 2:
        s = s[1:-1].strip()
    return f"“{s}”"


def single(short: str | None, n: int, sentence: str, extra: str | None = None) -> str:
    """The short answer in bold, then the quoted, cited sentence (and one more that adds to it)."""
    head = f"**{short}** — {quoted(sentence)} [{n}]" if short else f"{sentence} [{n}]"
    if not extra:
        return head
    # a headline has no sentence end: the next sentence goes on its own line, so that the
    # two are never read as one
    sep = " " if _ENDS.search(sentence) else "\n"
    return f"{head}{sep}{extra} [{n}]"


_ENDS = re.compile(r"[.!?][\"'”’)\]]*\s*$")


def several(cands: list[Candidate]) -> Draft:
    """An answer listing distinct candidates, best first, each with its own citation."""
    lines = [AMBIGUOUS_LEAD] + [f"- **{c.text}** — {quoted(c.sentence)} [{c.n}]" for c in cands]
    return Draft(
        "\n".join(lines),
        quotes={c.n: c.sentence for c in reversed(cands)},
        short_answer=cands[0].text,
        candidates=[AnswerCandidate(c.text, c.n, c.sentence) for c in cands],
    )


def refusal_clause(question: str) -> str:
    """The question as a clause after "The articles do not say": "who won the 2031 ..."."""
    q = re.sub(r"\s+", " ", question).strip()
    asking = focus(q)
    if asking != q and not re.search(r"\b(?:he|she|it|they|him|her|his|its|their|them)\b", asking, re.I):
        q = asking  # "Aaron Judge hit ... this week. Who holds the record?" -> the asking sentence
    q = q.rstrip("?.! ")
    q = re.sub(r"\s*\(.*\)$", "", q)  # a condensed follow-up's appended context
    if re.match(r"^(?:who|whom|whose|what|when|where|which|why|how)\b", q, re.I):
        return q[0].lower() + q[1:]
    return f"anything about “{q}”"


def closest_refusal(question: str, hit: Hit, n: int, sentence: str, years: list[str]) -> Draft:
    """A refusal that names the closest thing the articles hold, cited: a 2031 question
    answered by nothing but a 2023 article."""
    title = hit.passage.title.strip() or sentence
    when = f" ({years[0]})" if years and years[0] not in title else ""
    text = f"The articles do not say {refusal_clause(question)}; the closest is {quoted(title)}{when} [{n}]."
    return Draft(text, refused=True, quotes={n: sentence})


def plain_refusal() -> Draft:
    return Draft(REFUSAL, refused=True)
