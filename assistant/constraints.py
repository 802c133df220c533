"""The constraints a question puts on its answer, and whether a passage meets them.

A question about "the 2031 Eurovision Song Contest" is not answered by a 2023 article: the
year is a constraint. So are the other numbers a question names ("11,000 employees") and
its rare names (words the corpus seldom uses, by IDF). A passage meets the constraints when
its text or title holds every year (or the article is dated that year), and holds most of
the rare names and numbers. When nothing the answerer was shown meets them, it refuses and
says what is closest ("the closest is ... (2023) [1]").
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

from assistant.demonyms import COUNTRY_WORDS
from footnote.records import Hit
from vectorstore.lexical import tokenize

_YEAR = re.compile(r"\b(?:19[5-9]\d|20[0-9]\d)\b")
_NUMBER = re.compile(r"\b\d[\d,.]*\b")
# A number in a name ("Covid-19", "BA.5") is part of the name, not a quantity.
_QUANTITY = re.compile(r"(?<![A-Za-z][-.])\b\d[\d,.]*\b")
_ORDINAL = re.compile(r"\b(\d+)(?:st|nd|rd|th)\b")
_CAPITALISED = re.compile(r"\b[A-Z][\w’'-]*(?:\.\w+)*")
_COMMON = frozenset(
    "who what when where which why how the a an in on of to for is was were are did does do this that these those "
    "and or but with by from at as it its his her their he she they we i you said says new".split()
)


@dataclass
class Constraints:
    """What a question pins down: years, other numbers, rare names (stemmed tokens)."""

    years: list[str] = field(default_factory=list)
    numbers: list[str] = field(default_factory=list)
    names: list[str] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.years or self.numbers or self.names)


def question_constraints(question: str, idf: Callable[[str], float], rare_idf: float = 5.0) -> Constraints:
    """The years, numbers and rare names of a question.

    Args:
        question: the standalone question.
        idf: inverse document frequency of a stemmed token.
        rare_idf: a capitalised word whose stem has at least this IDF is a rare name.
    """
    years = list(dict.fromkeys(_YEAR.findall(question)))
    numbers = [n.replace(",", "") for n in _QUANTITY.findall(question) if n not in years and len(n.replace(",", "")) > 1]
    numbers += [n for n in _ORDINAL.findall(question) if len(n) > 1]  # "the 29th African nation": 29
    names: list[str] = []
    # a country is named many ways ("the United Kingdom", "Britain", "British"): not a rare name
    masked = COUNTRY_WORDS.sub(lambda m: " " * len(m.group(0)), question)
    for i, m in enumerate(_CAPITALISED.finditer(masked)):
        word = m.group(0)
        if word.lower() in _COMMON or (i == 0 and m.start() == 0):
            continue
        # "Prize-winning": prize, win; an initial ("J. K. Rowling") is no rare name
        for tok in (t for part in word.split("-") for t in tokenize(part)):
            if len(tok) > 1 and idf(tok) >= rare_idf and tok not in names:
                names.append(tok)
    return Constraints(years, list(dict.fromkeys(numbers)), names)


def unmet(c: Constraints, hit: Hit, article_text: str = "") -> list[str]:
    """The constraints of ``c`` that the passage of ``hit`` does not meet (empty: all met).

    Years must all be met (in the text, the title, or the article's date); of the numbers
    and rare names, at most one may be missing when there are three or more. What the
    article's other passages shown say counts too (``article_text``): "aged 91" in one
    passage, "Nobel Peace Prize" in the next.
    """
    p = hit.passage
    text = f"{p.title}\n{p.text}\n{article_text}"
    missing = [y for y in c.years if y not in text and not (p.date and str(p.date.year) == y)]
    have_numbers = _numbers_in(text)
    toks = set(tokenize(text))
    toks |= {part for t in toks if "-" in t for part in tokenize(t.replace("-", " "))}  # "Mar-a-Lago": mar, lago
    soft = [n for n in c.numbers if n not in have_numbers] + [t for t in c.names if t not in toks]
    allowed = 1 if len(c.numbers) + len(c.names) >= 3 else 0
    if len(soft) > allowed:
        missing += soft
    return missing


def _numbers_in(text: str) -> set[str]:
    """The numbers of a text, each also as its whole part: "$11.8 million" meets a
    question's "more than $11 million"."""
    out: set[str] = set(_ORDINAL.findall(text))
    for n in _NUMBER.findall(text):
        n = n.replace(",", "").rstrip(".")
        out.add(n)
        out.add(n.split(".")[0])
    return out


def other_years(c: Constraints, sentence: str) -> bool:
    """Whether a sentence speaks of other years only: "won the Stanley Cup in 2006" does
    not answer a question about 2022, even in a 2022 article."""
    said = set(_YEAR.findall(sentence))
    return bool(c.years and said and not said & set(c.years))


def article_texts(hits: list[Hit]) -> dict[str, str]:
    """The text of every passage shown, joined per article."""
    out: dict[str, list[str]] = {}
    for h in hits:
        out.setdefault(h.passage.article_id, []).append(h.passage.text)
    return {a: "\n".join(texts) for a, texts in out.items()}


def period_binds(hits: list[Hit]) -> bool:
    """Whether the period the question names ("this week") constrains the answer: when
    the collection holds articles of that period, the passages were told whether they lie
    in it (``Hit.in_period``), and a passage from another time does not answer ("Which team
    won the World Series this week?" is not answered by the 2013 Series). When the
    collection holds none (today is far from every article, as when a deployed app is asked
    about "this week" of an old collection), it constrains nothing: it was only a
    preference (``Assistant.search`` then leaves ``in_period`` None)."""
    return any(h.in_period is not None for h in hits)


def passage_years(hit: Hit) -> list[str]:
    """Years the passage speaks of (its title first, then its text), else the article's
    year: the closest to a 2030 World Cup question is "World Cup 2023", not a 2019 result
    its text looks back on."""
    found = list(dict.fromkeys(_YEAR.findall(f"{hit.passage.title}\n{hit.passage.text}")))
    if found:
        return found
    return [str(hit.passage.date.year)] if hit.passage.date else []
