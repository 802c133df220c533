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
from assistant.ner import Entity, tag_many
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


_TITLES = frozenset(
    "the a an president sen senator gov governor rep representative prime minister mr mrs ms dr king queen prince "
    "princess pope judge justice coach ceo secretary general chancellor gen lt col sgt mayor speaker leader "
    "former first lady sir dame lord st saint in on at of for and but by from with as police chief officer "
    "commissioner director minister spokesman spokeswoman spokesperson ambassador attorney deputy vice "
    "chairman chairwoman chair assistant associate professor rev father sister brother captain detective".split()
)
_CAP_WORD = re.compile(r"[A-Z][a-z][\w’'-]*")


def widen(ent: Entity, sentence: str) -> Entity:
    """A person's name the tagger cut short, widened over adjacent capitalised words that
    are not titles ("Inacio Lula da Silva" -> "Luiz Inacio Lula da Silva", "Choe Son" ->
    "Choe Son Hui")."""
    if ent.label != "PERSON":
        return ent
    start, end = ent.start, ent.end
    while True:
        m = re.search(r"([A-Z][a-z][\w’'-]*)\s+$", sentence[:start])
        if not m or m.group(1).lower().strip(".") in _TITLES:
            break
        start = m.start(1)
    while True:
        m = re.match(r"\s+([A-Z][a-z][\w’'-]*)\b", sentence[end:])
        if not m or m.group(1).lower() in _TITLES or sentence[end:end + 1] in ",.;:":
            break
        end += m.end(1)
    return Entity(sentence[start:end], ent.label, start, end) if (start, end) != (ent.start, ent.end) else ent


_QUOTED = re.compile(r"[“\"‘]([A-Z0-9][^“”\"‘’]{1,60}?)[,.!?]?[”\"’]")


def quoted_titles(sentence: str) -> list[Entity]:
    """Titles in quotes ("the show “Squid Game”"), which the tagger often misses, as WORK_OF_ART."""
    out = []
    for m in _QUOTED.finditer(sentence):
        words = m.group(1).split()
        if 1 <= len(words) <= 6 and all(w[:1].isupper() or w.lower() in _TITLE_SMALL for w in words):
            out.append(Entity(m.group(1), "WORK_OF_ART", m.start(1), m.end(1)))
    return out


_TITLE_SMALL = frozenset("a an the of and in on at to for with from by or &".split())


def strip_unit(phrase: str, q_lower: str) -> str:
    """A count without the unit the question already names: "how many years" -> "12", not "12 years"."""
    m = re.match(r"^(\$?[\d.,]+%?|[a-z-]+)\s+([a-z]+)$", phrase, re.I)
    if m and re.search(rf"\bhow (?:many|much|long|old) {re.escape(m.group(2).lower().rstrip('s'))}", q_lower):
        return m.group(1)
    return phrase


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
        for ent in [*(widen(e, sent) for e in tags[sent]), *quoted_titles(sent)]:
            fit = asked.weight(ent.label)
            if fit == 0 or (fit < 1 and not allow_second):
                continue
            phrase = strip_unit(clean_phrase(ent.text), q_lower) if asked.kind == "number" else clean_phrase(ent.text)
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
    # a second-choice label already carries its lower fit in its score: it wins only when its
    # sentence is that much better (a bakery that won a prize beats a person in a weak sentence)
    return sorted(found.values(), key=lambda c: -c.score)
