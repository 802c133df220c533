"""The short answer: the phrase of the asked type in the sentences that best answer.

Candidates are the named entities (spaCy) of the top few sentences whose label fits the
asked type (assistant/answer_types.py) and that the question does not already name. Each
is scored by its sentence's score, how well its label fits, and how close it stands to
the question's words in the sentence; the same phrase found in several sentences adds up
(a vote), so an answer several passages agree on wins.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field

from assistant.answer_types import AskedType
from assistant.entities import Entity, tag_many
from vectorstore.lexical import tokenize

# Outlets and wire services named in bylines and credits are never the answer.
_NOT_ANSWERS = frozenset(
    "cnn usa today ap associated press reuters afp getty images the week cbs news nbc news abc news fox news "
    "today this week last week monday tuesday wednesday thursday friday saturday sunday one first".split(" ")
)
_WORD = re.compile(r"[\w’'-]+")


@dataclass
class Candidate:
    """One short-answer candidate: its phrase and where it was found."""

    text: str
    label: str
    score: float
    sentence: str  # the best sentence that states it
    n: int  # the passage of that sentence (1-based)
    article_id: str = ""
    sentences: list[tuple[int, str]] = field(default_factory=list)  # every (n, sentence) stating it

    @property
    def key(self) -> str:
        return normalise(self.text)


def normalise(text: str) -> str:
    """Lowercase words without articles or possessives: the identity of a candidate."""
    words = [w.lower().removesuffix("'s").removesuffix("’s") for w in _WORD.findall(text)]
    return " ".join(w for w in words if w not in ("the", "a", "an"))


def clean_phrase(text: str) -> str:
    """An entity's text as a short answer: no leading article, no possessive, no stray punctuation."""
    text = re.sub(r"^(?:the|a|an)\s+", "", text.strip(), flags=re.I)
    text = re.sub(r"[’']s$", "", text)
    return text.strip(" \t\"'“”‘’.,;:()")


def _in_question(entity: str, q_tokens: set[str], q_lower: str) -> bool:
    toks = tokenize(entity)
    if not toks:
        return normalise(entity) in q_lower
    return all(t in q_tokens for t in toks)


def _proximity(ent: Entity, sentence: str, q_tokens: set[str]) -> float:
    """1 next to a question word, falling towards 0.5 as the entity stands further away."""
    positions = [m.start() for m in _WORD.finditer(sentence) if set(tokenize(m.group(0))) & q_tokens]
    if not positions:
        return 0.5
    d = min(min(abs(p - ent.start), abs(p - ent.end)) for p in positions)
    return 0.5 + 0.5 * math.exp(-d / 60)


def candidates(
    question: str, asked: AskedType, sentences: list[tuple[float, int, str, str]], *, allow_second: bool = True
) -> list[Candidate]:
    """Short-answer candidates, best first.

    Args:
        question: the standalone question.
        asked: the asked type.
        sentences: (score, passage n, article id, sentence) of the top sentences, best first.
        allow_second: also take entities of the asked type's second-choice labels.
    """
    q_tokens = set(tokenize(question))
    q_lower = normalise(question)
    tags = tag_many([s for _, _, _, s in sentences])
    found: dict[str, Candidate] = {}
    for score, n, aid, sent in sentences:
        seen_here: set[str] = set()
        for ent in tags[sent]:
            fit = asked.weight(ent.label)
            if fit == 0 or (fit < 1 and not allow_second):
                continue
            phrase = clean_phrase(ent.text)
            key = normalise(phrase)
            if not key or key in _NOT_ANSWERS or key in seen_here or _in_question(phrase, q_tokens, q_lower):
                continue
            if asked.kind == "number" and not re.search(r"\d|one|two|three|four|five|six|seven|eight|nine|ten|hundred|dozen|million|billion", key):
                continue
            seen_here.add(key)
            value = score * fit * _proximity(ent, sent, q_tokens)
            c = found.get(key)
            if c is None:
                found[key] = Candidate(phrase, ent.label, value, sent, n, aid, [(n, sent)])
            else:
                c.sentences.append((n, sent))
                if value > c.score:
                    c.score, c.sentence, c.n, c.article_id, c.text = value + 0.35 * c.score, sent, n, aid, phrase
                else:
                    c.score += 0.35 * value
    return sorted(found.values(), key=lambda c: -c.score)
