"""Names and numbers in text: one rule set for the extractive answerer (does a sentence
hold a name or number the question lacks?) and the citation checker (does a claim state a
name or number its passage lacks?).

- A number is a run of digits with its separators, currency sign and percent ("$1,200.5",
  "40%"), or a number word ("three", "million"). Digits are compared without "$", "%",
  and separators at either end, so "40%" and "40" are the same number.
- A name is a run of capitalised words ("Bob Mackie", "Bank of America"); its words are
  the capitalised ones. Words capitalised for grammar or bylines are not names
  (``NOT_NAMES``), nor, in a checked answer, the words an answer uses about itself
  (``ANSWER_WORDS``: "According to passage 2, ...").

Concession: capitalisation is a proxy for named-entity recognition; a sentence's first
word is capitalised whatever it is, so it is never counted as a name.
"""

from __future__ import annotations

import re

NUMBER = re.compile(
    r"\$?\d[\d,.]*%?|\b(?:one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|hundred|thousand|"
    r"million|billion|trillion|dozen|half)\b",
    re.I,
)
NAME = re.compile(r"\b[A-Z][\w’'&.-]*(?:\s+(?:of\s+|de\s+|the\s+)?[A-Z][\w’'&.-]*)*")
WORD = re.compile(r"[\w'’-]+")
NOT_NAMES = frozenset(
    "The A An He She It They We I You But And Or So In On At To Of By This That These Those His Her Their Its "
    "Our As For If When While After Before Some Many Most More There Here Then Now Also However Still Yet Mr Ms "
    "Mrs Dr CNN USA TODAY AP Reuters Photos Photo Hide Caption Getty Images".split()
)
ANSWER_WORDS = frozenset("According Answer Passage Passages Article Articles Yes No".split())
_MARKER = re.compile(r"\s*\[[\d,\s\-–]+\]")


def new_names(sentence: str, question_lower: str) -> list[str]:
    """Names in the sentence (not its first word) that the question does not already mention."""
    out: list[str] = []
    for m in NAME.finditer(sentence):
        if m.start() == 0:
            continue  # capitalised because it starts the sentence, as often as not
        words = [w for w in m.group(0).split() if w not in NOT_NAMES]
        if words and not all(w.lower().strip("’'.") in question_lower for w in words):
            out.append(m.group(0))
    return out


def new_numbers(sentence: str, question_lower: str) -> list[str]:
    """Numbers in the sentence that the question does not already mention."""
    return [x for x in NUMBER.findall(sentence) if x.lower() not in question_lower]


def name_words(claim: str) -> list[str]:
    """The capitalised words of a claim's names, after its first word, that could name something."""
    text = _MARKER.sub("", claim)
    words = [w for m in NAME.finditer(text) for w in WORD.findall(m.group(0)) if w[:1].isupper()]
    if text[:1].isupper():
        words = words[1:]
    return [w for w in words if not _stop(w)]


def missing_names(claim: str, passage: str) -> list[str]:
    """The claim's name words that the passage never uses."""
    have = {_word(w) for w in WORD.findall(passage)}
    return [w for w in name_words(claim) if _word(w) not in have]


def missing_numbers(claim: str, passage: str) -> list[str]:
    """The numbers (in digits) the claim states that the passage never does."""
    have = {_digits(n) for n in NUMBER.findall(passage) if n[:1] in "$0123456789"}
    return [_digits(n) for n in NUMBER.findall(claim) if n[:1] in "$0123456789" and _digits(n) not in have]


def _digits(number: str) -> str:
    return number.strip("$%.,").replace(",", "")


def _word(w: str) -> str:
    return w.lower().replace("’", "'").removesuffix("'s").strip("'-")


def _stop(w: str) -> bool:
    title = _word(w).title()
    return w in NOT_NAMES or title in NOT_NAMES or title in ANSWER_WORDS
