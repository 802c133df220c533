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
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from assistant.answer_types import NAME, AskedType
from assistant.demonyms import country_of, is_alias, is_country, same_country_named
from assistant.ner import NP, Entity, head_phrase, tag_many
from vectorstore.lexical import tokenize

# Chosen on the tune half of the dev questions (docs/EVALUATION.md), not the test half.
TYPE_WEIGHT = 0.7  # share of a candidate's score set by how well it fits the asked noun (0.5-0.9 on tune, round 5: EM 0.590, 0.595, 0.595, 0.586, 0.581)
IDF_WEIGHT = 0.15  # share set by how rare its words are (common names: "US", "America")
IDF_REF = 6.0
NP_IDF_WEIGHT = 0.6  # common nouns must be rare to answer: "mustard", not "year"
UNIT_BOOST = 1.5  # a number followed by the unit the question asks for
WINDOW = 80.0  # characters either side of a candidate counted as its context
LOCAL_SHARE = 0.5
VOTE = 0.35  # share of another sentence's score that the same phrase found there adds

# Outlets and wire services named in bylines and credits are never the answer.
_NOT_ANSWERS = frozenset(
    "cnn usa today ap associated press reuters afp getty images the week cbs news nbc news abc news fox news "
    "today this week last week monday tuesday wednesday thursday friday saturday sunday one first".split(" ")
)
_WORD = re.compile(r"[\w’'-]+")
_VAGUE_COUNT = re.compile(r"^(?:tens of |hundreds of )?(?:dozens|hundreds|thousands|millions|billions|trillions)\b")
_NOT_AN_AMOUNT = re.compile(r"^\d[\d,.]*\s?[-–]\s?\d[\d,.]*$|^\d[\d,.]*-[a-z]+(?:-[a-z]+)*$", re.I)
_SPAN = re.compile(
    r"^(?:\d[\d,.]*|a|an|one|two|three|four|five|six|seven|eight|nine|ten|several|a few|few|many)\s+"
    r"(?:years?|months?|weeks?|days?|hours?|minutes?|decades?|centuries)$", re.I
)


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
    fit: float = 1.0  # how well its label fits the asked type (AskedType.weight)

    @property
    def key(self) -> str:
        return normalise(self.text)

    def vote(self, score: float, sentence: str, n: int, article_id: str, text: str | None = None) -> None:
        """The same phrase found again with ``score``: the better finding leads (its
        sentence is quoted, its wording kept when ``text`` is given), the other adds
        ``VOTE`` of its score."""
        if score > self.score:
            self.score = score + VOTE * self.score
            self.sentence, self.n, self.article_id = sentence, n, article_id
            if text is not None:
                self.text = text
        else:
            self.score += VOTE * score


def normalise(text: str) -> str:
    """Lowercase words without articles, possessives or the dots of initials ("U.S" is
    "US"): the identity of a candidate."""
    text = undot(text)
    words = [w.lower().removesuffix("'s").removesuffix("’s") for w in _WORD.findall(text)]
    return " ".join(w for w in words if w not in ("the", "a", "an"))


_INITIAL_DOT = re.compile(r"(?<=\b[A-Za-z])\.(?=[A-Za-z]\b)|(?<=\b[A-Z])\.(?=\s|$)")


def undot(text: str) -> str:
    """``text`` without the dots of initials: "U.S." and "U.S" are "US"."""
    return _INITIAL_DOT.sub("", text)


_BRAND_S = re.compile(r"^\s+(?:is|was|has|had|will|would|said|says)\b|^\s*[,.;:!?]|^\s*$")


def brand_s(ent: Entity, sentence: str) -> str:
    """The "’s" of a name whose "’s" is its own, not a possessive: "Domino’s has been
    forced ...", "McDonald’s will begin ..." (a possessive is followed by what is owned);
    "" otherwise."""
    if ent.text[-2:] in ("’s", "'s"):
        own, after = ent.text[-2:], sentence[ent.end:]
    else:
        own, after = sentence[ent.end:ent.end + 2], sentence[ent.end + 2:]
    return own if own in ("’s", "'s") and _BRAND_S.match(after) else ""


_LEADING = re.compile(
    r"^(?:\d+(?:st|nd|rd|th)|monday|tuesday|wednesday|thursday|friday|saturday|sunday)\s+(?=\S)", re.I
)


def clean_phrase(text: str) -> str:
    """An entity's text as a short answer: no leading article, no possessive, no stray punctuation."""
    text = re.sub(r"^(?:the|a|an)\s+", "", text.strip(), flags=re.I)
    text = _LEADING.sub("", text)  # "75th Independence Day", "Tuesday abortion rights demonstration"
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
# Where a run of names stops on its right: function words, days and months ("Denver Broncos
# Tuesday"); titles do not stop it there, since some are surnames too ("Aaron Judge").
_STOP_RIGHT = frozenset(
    "the a an in on at of for and but by from with as to monday tuesday wednesday thursday friday saturday sunday "
    "january february march april may june july august september october november december".split()
)


def widen(ent: Entity, sentence: str) -> Entity:
    """A person's name the tagger cut short, widened over adjacent capitalised words that
    are not titles ("Inacio Lula da Silva" -> "Luiz Inacio Lula da Silva", "Choe Son" ->
    "Choe Son Hui")."""
    if ent.label != "PERSON":
        return ent
    start = ent.start
    while True:
        m = re.search(r"([A-Z][a-z][\w’'-]*)\s+$", sentence[:start])
        if not m or m.group(1).lower().strip(".") in _TITLES:
            break
        start = m.start(1)
    end = _names_after(sentence, ent.end, _STOP_RIGHT)
    return Entity(sentence[start:end], ent.label, start, end) if (start, end) != (ent.start, ent.end) else ent


def named_by_head(ent: Entity, sentence: str, head: str, asked: AskedType) -> Entity | None:
    """A name that carries the asked noun is one of the things asked for, whatever its tag
    (with the asked type's first label): "Hurricane Fiona" (tagged "Fiona", a person) for
    "which hurricane", "the Missouri River" for "which river"; else None."""
    if ent.label in (NP, "DATE", "TIME"):
        return None
    word = head.split()[-1]
    cap = word[:1].upper() + word[1:]
    label = asked.labels[0] if asked.labels else NAME
    before = re.search(rf"\b{re.escape(cap)}s?\s$", sentence[: ent.start])
    if before:
        return Entity(sentence[before.start() : ent.end], label, before.start(), ent.end)
    after = re.match(rf"\s{re.escape(cap)}s?\b", sentence[ent.end :])
    if after:
        return Entity(sentence[ent.start : ent.end + after.end()], label, ent.start, ent.end + after.end())
    if ent.text.split()[0] in (cap, cap + "s") or ent.text.split()[-1] in (cap, cap + "s"):
        return Entity(ent.text, label, ent.start, ent.end)
    return None


def hyphen_joined(ent: Entity, sentence: str) -> Entity:
    """A name with the hyphenated parts the tagger split off: "Chick" -> "Chick-fil-A",
    "Blink" -> "Blink-182"."""
    if ent.label == NP:
        return ent
    m = re.match(r"(?:-[\w’']+)+", sentence[ent.end:])
    return Entity(sentence[ent.start:ent.end + m.end()], ent.label, ent.start, ent.end + m.end()) if m else ent


def _names_after(sentence: str, end: int, stop: frozenset[str] = _TITLES | _STOP_RIGHT) -> int:
    """Where the run of capitalised words (not ``stop`` words) right after ``end`` stops."""
    while True:
        m = re.match(r"\s+([A-Z][a-z][\w’'-]*)\b", sentence[end:])
        if not m or m.group(1).lower() in stop or sentence[end:end + 1] in ",.;:" or sentence[end - 2:end] in ("’s", "'s"):
            return end  # nor past a possessive: "Kanye West’s Twitter account"
        end += m.end(1)


def city_team(ent: Entity, sentence: str) -> Entity | None:
    """A place followed by capitalised words that are not titles, as an organisation: the
    tagger reads "Cleveland Browns" as the city and leaves "Browns" out."""
    if ent.label not in ("GPE", "ORG", "NORP"):
        return None
    end = _names_after(sentence, ent.end)
    return Entity(sentence[ent.start:end], "ORG", ent.start, end) if end != ent.end else None


_QUOTED = re.compile(r"[“\"‘]([A-Z0-9][^“”\"‘’]{1,60}?)[,.!?]?[”\"’](?!\w)")


def quoted_titles(sentence: str) -> list[Entity]:
    """Titles in quotes ("the show “Squid Game”"), which the tagger often misses, as WORK_OF_ART."""
    out = []
    for m in _QUOTED.finditer(sentence):
        words = m.group(1).split()
        if 1 <= len(words) <= 6 and all(w[:1].isupper() or w.lower() in _TITLE_SMALL for w in words):
            out.append(Entity(m.group(1), "WORK_OF_ART", m.start(1), m.end(1)))
    return out


_TITLE_SMALL = frozenset("a an the of and in on at to for with from by or &".split())


_QUALIFIER = re.compile(
    r"^(?:more than|less than|fewer than|as (?:much|many|few|little) as|up to|at least|at most|nearly|almost|"
    r"about|around|approximately|roughly|over|under|some|just|only|an estimated|estimated|close to|upwards of|"
    r"well over|a record)\s+(?=\S)",
    re.I,
)
# "GARDINER, Mont. — ", "WASHINGTON (AP) — ", "JERUSALEM – ": a dateline names where the
# story was filed, never the answer.
_DATELINE = re.compile(
    r"^\W*(?:\(CNN\)\s*)?[A-Z][A-Z.'’ ]{2,}(?:,\s*[A-Z][\w.]*(?:\s[A-Z][\w.]*)?)*\s*(?:\([\w ]+\)\s*)?[—–-]{1,2}\s"
)


def unqualified(phrase: str) -> str:
    """An amount without its hedge: "more than 1,000" -> "1,000", "nearly 60%" -> "60%"."""
    return _QUALIFIER.sub("", phrase)


def not_in_answer_position(ent: Entity, sentence: str) -> bool:
    """Entities that are never answers: a dateline's place, a photo credit ("Name/Agency")."""
    if "/" in ent.text:
        return True
    m = _DATELINE.match(sentence)
    return bool(m and ent.start < m.end())


def known_owner_dropped(phrase: str, q_tokens: set[str]) -> str:
    """A name without a possessive the question already gives: "London’s National Gallery"
    for "which London gallery" -> "National Gallery"; else the owner ("Kanye West’s
    Twitter" -> "Kanye West")."""
    m = re.match(r"^([\w.-]+(?: [\w.-]+)?)[’']s\s+(\S.*)$", phrase)
    if m and set(tokenize(m.group(1))) <= q_tokens and tokenize(m.group(1)):
        return m.group(2)
    if m:  # an owner the question does not give is the name: "Kanye West’s Twitter" -> "Kanye West"
        return m.group(1)
    return phrase


def without_head(phrase: str, head: str) -> str:
    """A name without the asked noun it starts with: "Hurricane Ian" for "the name of the
    hurricane" -> "Ian"."""
    word = head.split()[-1].lower() if head else ""
    first, _, rest = phrase.partition(" ")
    return rest if word and rest[:1].isupper() and first.lower() in (word, word + "s") else phrase


def trim_known(phrase: str, q_tokens: set[str]) -> str:
    """A noun phrase without the question's own words at its edges: "monkeypox outbreak"
    for "which virus outbreak" -> "monkeypox"."""
    words = phrase.split()
    while words and set(tokenize(words[0])) <= q_tokens:
        words.pop(0)
    while words and set(tokenize(words[-1])) <= q_tokens:
        words.pop()
    return " ".join(words)


_SMALL_NUMBERS = {
    w: str(i) for i, w in enumerate(
        "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen "
        "seventeen eighteen nineteen twenty".split()
    )
}


def as_digits(phrase: str) -> str:
    """A count in digits, as quizzes and tables write it: "six" -> "6", "nine years" ->
    "9 years", "17-year-old" -> "17"."""
    m = re.match(r"^(\d+)-(?:year|month|week|day)s?-old$|^(\d+)(?:st|nd|rd|th)$", phrase, re.I)
    if m:  # "17-year-old" -> "17"; "her 23rd title" -> 23 titles
        return m.group(1) or m.group(2)
    words = phrase.split(" ", 1)
    digits = _SMALL_NUMBERS.get(words[0].lower())
    return phrase if digits is None else " ".join([digits, *words[1:]])


def strip_unit(phrase: str, q_lower: str) -> str:
    """A count without the unit the question already names: "how many years" -> "12", not "12 years"."""
    phrase = as_digits(phrase)
    m = re.match(r"^(\$?[\d.,]+%?(?: (?:thousand|million|billion|trillion))?|[a-z-]+)\s+([a-z]+)$", phrase, re.I)
    if m and re.search(rf"\bhow (?:many|much|long|old) {re.escape(m.group(2).lower().rstrip('s'))}", q_lower):
        return m.group(1)
    return phrase


def _in_question(entity: str, q_tokens: set[str], q_lower: str, q_norm_tokens: set[str]) -> bool:
    """Whether the question already names the entity ("U.S" is named by "US" and the
    other way round: initials' dots do not count). ``q_lower`` is the normalised question
    (``normalise``: no dots), ``q_norm_tokens`` its tokens."""
    toks = tokenize(undot(entity))
    if not toks:
        return normalise(entity) in q_lower
    if same_country_named(normalise(entity), q_lower):
        return True  # "United States" is named by "the US"
    spaced = [part for t in tokenize(entity) for part in t.split(".") if part]  # "J.K." for "J. K."
    return any(all(t in have for t in words) for words in (toks, spaced) for have in (q_tokens, q_norm_tokens))


def question_words_at(sentence: str, q_tokens: set[str]) -> list[tuple[int, str]]:
    """(offset, stemmed token) of every question word in the sentence."""
    return [(m.start(), t) for m in _WORD.finditer(sentence) for t in set(tokenize(m.group(0))) & q_tokens]


def _proximity(ent: Entity, found: list[tuple[int, str]], idf: Callable[[str], float]) -> float:
    """1 when the question's words stand around the entity, falling towards 0.5 as they
    stand further away: the distance to the nearest question word, and the share (by IDF)
    of the sentence's question words (``found``: ``question_words_at``) within ``WINDOW``
    characters of it."""
    if not found:
        return 0.5
    d = min(min(abs(p - ent.start), abs(p - ent.end)) for p, _ in found)
    near = {t for p, t in found if ent.start - WINDOW <= p <= ent.end + WINDOW}
    every = {t for _, t in found}
    local = sum(idf(t) for t in near) / (sum(idf(t) for t in every) or 1.0)
    return 0.5 + 0.5 * ((1 - LOCAL_SHARE) * math.exp(-d / 60) + LOCAL_SHARE * local)


def _rarity(phrase: str, idf: Callable[[str], float] | None, weight: float = IDF_WEIGHT) -> float:
    """1 for a phrase of rare words, lower for common ones ("US", "America", "Biden"; for
    noun phrases, with ``NP_IDF_WEIGHT``: "year", "company", "devices")."""
    toks = tokenize(phrase)
    if idf is None or not toks:
        return 1.0
    mean = sum(idf(t) for t in toks) / len(toks)
    return (1 - weight) + weight * min(1.0, mean / IDF_REF)


def _unit(q_lower: str) -> str:
    """The unit a number question counts in: "how many seconds" -> "second"."""
    m = re.search(r"\bhow (?:many|much) ([a-z]+)", q_lower)
    return m.group(1).rstrip("s")[:5] if m and len(m.group(1)) > 2 else ""


def _type_fit(found: dict[str, Candidate], head: str, embed: Callable[[list[str]], np.ndarray]) -> None:
    """Scale each candidate by how well it fits the asked noun ("virus": monkeypox, not HHS),
    under the embedding model, relative to the best-fitting one."""
    keys = list(found)
    vecs = embed([head] + [found[k].text for k in keys])
    sims = np.maximum(vecs[1:] @ vecs[0], 0.0)
    top = float(sims.max()) if len(sims) else 0.0
    if top <= 0:
        return
    for k, sim in zip(keys, sims):
        found[k].score *= (1 - TYPE_WEIGHT) + TYPE_WEIGHT * float(sim) / top


def candidates(
    question: str,
    asked: AskedType,
    sentences: list[tuple[float, int, str, str]],
    *,
    allow_second: bool = True,
    idf: Callable[[str], float] | None = None,
    embed: Callable[[list[str]], np.ndarray] | None = None,
) -> list[Candidate]:
    """Short-answer candidates, best first.

    Args:
        question: the standalone question.
        asked: the asked type.
        sentences: (score, passage n, article id, sentence) of the top sentences, best first.
        allow_second: also take entities of the asked type's second-choice labels.
        idf: inverse document frequency of a stemmed token (common names weigh less).
        embed: the embedding model, to weigh candidates by how well they fit the noun a
            which/what question asks about.
    """
    q_tokens = set(tokenize(question))
    q_lower = normalise(question)
    q_norm_tokens = set(tokenize(q_lower))
    head = head_phrase(question) if asked.wh == "which" or asked.kind in ("entity", "any") else ""
    idf_of = idf or (lambda _t: 1.0)
    unit = _unit(q_lower) if asked.kind == "number" else ""
    tags = tag_many([s for _, _, _, s in sentences])
    sub_national = asked.kind == "place" and bool(_SUB_NATIONAL.search(head))  # "which state": no country answers
    found: dict[str, Candidate] = {}
    for score, n, aid, sent in sentences:
        seen_here: set[str] = set()
        q_words = question_words_at(sent, q_tokens)
        ents = [hyphen_joined(widen(e, sent), sent) for e in tags[sent]]
        by_head = list(dict.fromkeys(e for e in (named_by_head(e, sent, head, asked) for e in ents) if e is not None)) if head else []
        ents = [*by_head, *(e for e in ents if not any(h.start <= e.start and e.end <= h.end for h in by_head))]
        if asked.labels[:1] == ("ORG",):  # "Cleveland Browns": a team named after its city
            ents += [t for t in (city_team(e, sent) for e in ents) if t is not None]
        for ent in [*ents, *quoted_titles(sent)]:
            if ent.label in ("NORP", "GPE") and asked.kind == "place" and (country := country_of(ent.text)):
                ent = Entity(country, "GPE", ent.start, ent.end)  # "Ukrainian first lady" names Ukraine
            elif asked.kind == "place" and ent.label not in ("GPE", NP) and is_country(ent.text):
                ent = Entity(ent.text, "GPE", ent.start, ent.end)  # "Sri Lanka’s" read as a person
            fit = asked.weight(ent.label)
            if sub_national and _only_a_country(ent.text):
                continue
            if fit == 0 or (fit < 1 and not allow_second) or not_in_answer_position(ent, sent):
                continue
            cleaned = clean_phrase(ent.text)
            if asked.kind == "number":
                phrase = strip_unit(unqualified(cleaned), q_lower)
            elif ent.label in ("DATE", "TIME"):
                phrase = unqualified(cleaned)  # "at least a few weeks" -> "a few weeks"
                if asked.kind == "date" and _SPAN.match(phrase) and re.search(r"\bwhen (?:did|was|were|had)\b", q_lower):
                    continue  # "70 years" says how long, not when: "February 1952" is the when
            elif ent.label == NP:
                phrase = trim_known(cleaned, q_tokens)
                if phrase and phrase.split()[-1] != cleaned.split()[-1]:
                    continue  # its head noun is the question's: "the popular South Korean show" describes, not names
            else:
                phrase = known_owner_dropped(cleaned, q_tokens)
                if asked.kind == "person" or ent not in by_head:  # "Justice Ruth Bader Ginsburg" -> the name
                    phrase = without_head(phrase, head)  # ... but "Hurricane Fiona" is the hurricane's name
                phrase += brand_s(ent, sent)
            key = normalise(phrase)
            if not key or key in _NOT_ANSWERS or key in seen_here or _in_question(phrase, q_tokens, q_lower, q_norm_tokens):
                continue
            if asked.kind == "number" and not re.search(r"\d|one|two|three|four|five|six|seven|eight|nine|ten|hundred|dozen|million|billion", key):
                continue
            if asked.kind == "number" and (_VAGUE_COUNT.match(key) or _NOT_AN_AMOUNT.match(phrase)):
                continue  # "millions", "dozens of": no count; "2-1", "258-169", "10-member": a score, a tally, a kind
            seen_here.add(key)
            label_fit = fit
            if unit and unit in sent[ent.start : ent.end + 25].lower():
                fit = max(fit, 1.0) * UNIT_BOOST  # "10 seconds" for "how many seconds", whatever its label
            rarity = _rarity(phrase, idf, NP_IDF_WEIGHT if ent.label == NP else IDF_WEIGHT)
            value = score * fit * _proximity(ent, q_words, idf_of) * rarity
            c = found.get(key)
            if c is None:
                found[key] = Candidate(phrase, ent.label, value, sent, n, aid, [(n, sent)], label_fit)
            else:
                c.sentences.append((n, sent))
                c.vote(value, sent, n, aid, phrase)
    if head and embed is not None and found:
        _type_fit(found, head, embed)
    # a second-choice label already carries its lower fit in its score: it wins only when its
    # sentence is that much better (a bakery that won a prize beats a person in a weak sentence)
    surnames_joined(found)
    short_forms_joined(found)
    ranked = sorted(found.values(), key=lambda c: -c.score)
    return paired(ranked, q_lower) if _PLURAL_ASK.search(q_lower) else ranked


def surnames_joined(found: dict[str, Candidate]) -> None:
    """A person named by surname alone ("Maris") joins the one candidate named in full
    that ends with it ("Roger Maris"), as a vote (in place); with two such ("Joe Biden",
    "Jill Biden") it stays apart: which one is meant is not known."""
    for key, c in list(found.items()):
        if c.label not in ("PERSON", "NAME") or " " in key:
            continue
        full = [o for k, o in found.items() if k.endswith(" " + key) and o.label == "PERSON"]
        if len(full) != 1:
            continue
        full[0].vote(c.score, c.sentence, c.n, c.article_id)
        full[0].sentences += c.sentences
        del found[key]


_NAME_TAIL = re.compile(r"^(?:[A-Z][^ ]*|&|of|and|de)$")
_SUFFIX = re.compile(r"\b(?:Jr|Sr|II|III)\.?$")


def short_forms_joined(found: dict[str, Candidate]) -> None:
    """A name's first words ("Yellowstone", "Bed") join the one longer name among the
    candidates that goes on from them in capitals ("Yellowstone National Park", "Bed Bath &
    Beyond"), as a vote (in place); with two such, or a longer phrase that is no name
    ("mustard shortage"), it stays apart. A junior ("Roger Maris Jr.") is another person."""
    for key, c in sorted(found.items(), key=lambda kv: len(kv[0])):
        if key not in found:
            continue
        n = len(c.text.split())
        longer = [
            o for k, o in found.items()
            if k.startswith(key + " ") and (o.label == c.label or c.label in (NAME, NP))
            and all(_NAME_TAIL.match(w) for w in o.text.split()[n:]) and not _SUFFIX.search(o.text)
        ]
        if len(longer) != 1:
            continue
        full = longer[0]
        full.vote(c.score, c.sentence, c.n, c.article_id, full.text)
        full.sentences += c.sentences
        del found[key]


def _only_a_country(name: str) -> bool:
    """Whether ``name`` is a country and not also a state ("Georgia")."""
    key = normalise(name)
    return key != "georgia" and (is_country(name) or is_alias(key))


_SUB_NATIONAL = re.compile(r"\b(?:state|city|town|county|province|capital)s?$")
_PLURAL_ASK = re.compile(r"\b(?:which|what) (?:two|both)\b|\bboth\b.*\?$|\bwhich (?:two|pair)\b")


def paired(ranked: list[Candidate], q_lower: str) -> list[Candidate]:
    """For "which two countries ...?": the best candidate joined with the one its sentence
    coordinates it with ("Sweden and Finland"), in the sentence's order."""
    if not ranked:
        return ranked
    best = ranked[0]
    for other in ranked[1:]:
        if other.label != best.label or other.sentence != best.sentence:
            continue
        a, b = best.sentence.find(best.text), best.sentence.find(other.text)
        first, second = (best, other) if a < b else (other, best)
        between = best.sentence[min(a, b) + len(first.text) : max(a, b)]
        if a >= 0 and b >= 0 and re.fullmatch(r"\s*(?:,|and|&|,\s*and)\s*", between):
            joined = Candidate(f"{first.text} and {second.text}", best.label, best.score, best.sentence, best.n,
                               best.article_id, best.sentences)
            return [joined, *[c for c in ranked if c is not best and c is not other]]
    return ranked
