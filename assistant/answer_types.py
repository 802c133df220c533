"""What a question asks for, as spaCy entity labels: a person for *who*, a number or an
amount for *how many / how much*, a date for *when*, a place for *where*, and for
*which / what X* whatever X names (a country, a company, a film ...).

Keyword questions ("Oscars 2024 best picture", "Eurovision 2023 winner") have no wh-word:
the asked type is inferred from their words (a role noun such as "winner" or "ceo", a
thing noun such as "best picture" or "film").
"""

from __future__ import annotations

import re
from dataclasses import dataclass

NUMBER_LABELS = ("CARDINAL", "QUANTITY", "MONEY", "PERCENT")
NP = "NP"  # a common-noun phrase (assistant/ner.py): "mustard", "baby formula"
NAME = "NAME"  # an untyped proper noun (assistant/ner.py)
NAME_FIT = 0.6  # its fit for a question asking for a name (0.4, 0.6, 0.8 on the tune half: EM 0.476, 0.486, 0.481)
NP_FIT = 0.9  # a noun phrase's fit as a second choice (names get 0.6): chosen on the tune half
NAME_LABELS = ("PERSON", "ORG", "GPE", "WORK_OF_ART", "EVENT", "PRODUCT", "NORP", "LOC", "FAC", "LAW")


@dataclass(frozen=True)
class AskedType:
    """The kind of answer asked for.

    Attributes:
        kind: 'person', 'number', 'date', 'place', 'entity' or 'any' (the old answer kinds,
            used by the sentence scorer).
        labels: spaCy labels that fit, best first.
        second: labels that may fit when none of ``labels`` is found.
        wh: the question word ('' for keyword questions).
    """

    kind: str
    labels: tuple[str, ...] = ()
    second: tuple[str, ...] = ()
    wh: str = ""

    def weight(self, label: str) -> float:
        """How well an entity label fits: 1 for a first choice, 0.6 for a second (a noun
        phrase: ``NP_FIT``), else 0."""
        if label in self.labels:
            return 1.0
        if label == NAME and self.kind in ("person", "place", "entity", "any"):
            return NAME_FIT
        if label not in self.second:
            return 0.0
        return NP_FIT if label == NP else 0.6


PERSON = AskedType("person", ("PERSON",), ("ORG", "NORP", "GPE"))
NUMBER = AskedType("number", NUMBER_LABELS, ("DATE", "TIME", "ORDINAL"))
MONEY = AskedType("number", ("MONEY", "PERCENT", "QUANTITY", "CARDINAL"), ())
DURATION = AskedType("number", ("DATE", "TIME", "QUANTITY", "CARDINAL"), ())
DATE = AskedType("date", ("DATE", "TIME"), ("EVENT",))
PLACE = AskedType("place", ("GPE", "LOC", "FAC"), ("ORG",))
# a country, a state, a city: a political place, not a building ("the White House") or a region
POLITY = AskedType("place", ("GPE",), ("LOC", "ORG"))
_POLITY_NOUNS = r"country|countries|nation|state|states|city|cities|town|county|province|capital|us state"
ORG = AskedType("entity", ("ORG",), ("PRODUCT", "PERSON", "GPE", "WORK_OF_ART"))
WORK = AskedType("entity", ("WORK_OF_ART",), ("ORG", "PRODUCT", "PERSON", "EVENT", "LAW", NP))
TITLE = AskedType("entity", ("WORK_OF_ART",), ("ORG", "PRODUCT", "PERSON", "EVENT", "LAW"))  # a title is a name
EVENT = AskedType("entity", ("EVENT",), ("WORK_OF_ART", "ORG", "PERSON", "PRODUCT", NP))
LANGUAGE = AskedType("entity", ("LANGUAGE", "NORP"), ("GPE",))
NATIONALITY = AskedType("entity", ("NORP", "GPE"), ("LANGUAGE",))
ENTITY = AskedType("entity", NAME_LABELS, (NP,))
ANY = AskedType("any", (), NAME_LABELS + NUMBER_LABELS + (NP,))

_PERSON_NOUNS = (
    r"person|man|woman|leader|politician|player|actor|actress|singer|rapper|celebrity|athlete|star|ceo|executive|"
    r"billionaire|president|senator|lawmaker|judge|justice|author|artist|musician|comedian|director|official|"
    r"candidate|member|governor|minister|prime minister|king|queen|prince|princess|royal|coach|quarterback|"
    r"pitcher|golfer|boxer|rapper|host|journalist|reporter|founder|owner|entrepreneur|investor|astronaut|"
    r"scientist|doctor|chef|designer|model|tennis player|skater|swimmer|gymnast|driver|winner|chairman|"
    r"representative|rep|mayor|pope|monarch|dictator|general|spokesperson|spokesman|spokeswoman|"
    r"musician|individual|writer|poet|filmmaker|producer|character|lawyer|attorney|suspect|victim"
)
_PLACE_NOUNS = (
    r"island|region|continent|"  # countries, states and cities are _POLITY_NOUNS, checked first
    r"location|place|neighborhood|territory|village|area|port|river|lake|mountain|volcano|sea|ocean|"
    r"border|district|venue|stadium|arena|airport|park|building|prison|university campus|destination"
)
_ORG_NOUNS = (
    r"company|companies|firm|brand|band|retailer|airline|bank|network|team|club|organization|organisation|agency|"
    r"party|university|college|school|league|union|chain|platform|app|website|site|startup|automaker|carmaker|"
    r"manufacturer|publication|newspaper|magazine|broadcaster|channel|studio|restaurant|store|streamer|"
    r"streaming service|service|social media platform|social network|tech giant|giant|franchise|court|"
    r"government agency|department|committee|group|nonprofit|charity|church|institution|exchange|cryptocurrency exchange"
)
_TITLE_NOUNS = (
    r"film|movie|show|series|tv show|television show|sitcom|drama|book|novel|memoir|song|album|single|video game|"
    r"game|play|musical|painting|documentary|podcast|opera|ballet|picture|best picture|anthem|poem"
)
_WORK_NOUNS = r"title|slogan|phrase|word|term|nickname|hashtag|emoji|app|product|drink|dish"
# Nouns that ask for an amount wherever they stand ("which massive figure", "which hourly
# amount"); checked before the person nouns.
_AMOUNT_NOUNS = r"price|amount|cost|fee|fine|sum|percentage|total|salary|wage|figure"
_EVENT_NOUNS = r"event|tournament|championship|holiday|festival|storm|hurricane|race|match|bowl|cup|war|battle|summit|ceremony"
_NUMBER_NOUNS = (
    r"number|percentage|percent|share|amount|price|proportion|total|score|rate|sum|figure|age|cost|fee|fine|"
    r"magnitude|death toll|toll|population|temperature|speed|height|distance|length|weight"
)
_DATE_NOUNS = r"year|day|date|month|decade|century|time|season|week"

_NUMBER_Q = re.compile(
    r"\bhow (?:many|much)\b|\bby how much\b|\bhow (?:old|tall|big|large|high|fast|far|heavy|deep|wide)\b"
    rf"|\bwhat (?:was |is |were |are )?(?:the )?(?:{_NUMBER_NOUNS})\b"
)
_MONEY_Q = re.compile(r"\bhow much\b|\bwhat (?:was |is )?(?:the )?(?:price|amount|cost|fee|fine|sum)\b")
_DURATION_Q = re.compile(r"\bhow long\b|\bhow often\b|\bfor how long\b|\bhow old\b")
_DATE_Q = re.compile(rf"\bhow soon\b|\bby when\b|^when\b|\bwhen (?:did|will|was|is|were|does|do|are|has|had)\b|\b(?:what|which) (?:{_DATE_NOUNS})\b|\bin what year\b")
_WHICH = re.compile(r"\b(?:which|what)\s+(?:(?:[a-z\-]+)\s+){0,3}?")


def _noun_after_which(q: str) -> str:
    """The words right after 'which' / 'what' ("which social media platform" -> "social media platform")."""
    m = re.search(r"\b(?:which|what)\s+(?:(?:is|was|are|were|the|a|an)\s+)*((?:[a-z0-9\-']+\s*){1,4})", q)
    if not m:
        return ""
    words = m.group(1).split()
    # the noun ends where the verb starts: "which virus is making officials ..." -> "virus"
    cut = next((i for i, w in enumerate(words) if i and w in _VERBS), len(words))
    return " ".join(words[:cut])


_VERBS = frozenset(
    "is are was were be been did does do has have had will would can could should may might must "
    "won wins made makes said says".split()
)


def _by_noun(words: str) -> AskedType | None:
    """The asked type named by a noun phrase, checking its words right to left (the head last)."""
    for pattern, t in (
        (_AMOUNT_NOUNS, MONEY),
        (_PERSON_NOUNS, PERSON), (_POLITY_NOUNS, POLITY), (_PLACE_NOUNS, PLACE), (_ORG_NOUNS, ORG), (_TITLE_NOUNS, TITLE), (_WORK_NOUNS, WORK),
        (_EVENT_NOUNS, EVENT), (r"language", LANGUAGE), (r"nationality|ethnicity", NATIONALITY),
    ):
        if re.search(rf"\b(?:{pattern})s?\b", words):
            return t
    return None


def focus(question: str) -> str:
    """The part of a question that asks: its last sentence holding a question word ("Queen
    Elizabeth II died Thursday. When did she ascend to the throne?" -> the second), and of
    "... who was associated with which group?" the "which" clause."""
    parts = [p for p in re.split(r"(?<=[.!?])\s+", question.strip()) if p]
    asking = [p for p in parts if re.search(r"\b(?:who|whom|whose|what|when|where|which|how)\b", p, re.I)]
    q = asking[-1] if asking else question
    m = re.search(r"\bwho\b.*?\b((?:which|what)\s+[a-z].*)$", q, re.I)
    return m.group(1) if m else q


_WH = re.compile(r"\b(?:who|whom|whose|what|when|where|which|how)\b")
_TIME_PREPOSITIONS = frozenset(("since", "until", "till", "before", "after"))
YES_NO = AskedType("yesno")  # "Did the court ...?": the sentence answers, no phrase is picked out
REASON = AskedType("reason")  # "Why did ...?": a reason is a clause; the sentence answers
_YES_NO_Q = re.compile(
    r"^(?:did|does|do|is|are|was|were|has|have|had|can|could|will|would|should|shall|may|might|must)"
    r"(?:n[’']t)?\s(?!.*\b(?:who|whom|whose|what|when|where|which|how)\b)"
)


def asked_type(question: str) -> AskedType:
    """What the question asks for (see the module docstring)."""
    asking = focus(question)
    q = re.sub(r"[“”\"‘]", "", asking.lower().strip())  # which “Star Trek” character
    if _YES_NO_Q.match(q):
        return YES_NO
    if re.search(r"\bwhat (?:is|was) (?:his|her) (?:full )?name\b", q):
        return AskedType("person", PERSON.labels, PERSON.second, "what")  # "... booted from her seat. What is her name?"
    if re.search(r"^why\b|\bwhy (?:did|does|do|is|are|was|were|has|have|had|will|would)\b", q):
        return REASON
    if re.search(r"\bby:?\s*$", q) and not _WH.search(q):
        return AskedType("person", PERSON.labels, PERSON.second, "by")  # "... a record previously held by:"
    cloze = re.search(r"\b([a-z]+):?\s*$", q) if q.rstrip().endswith(":") and not _WH.search(q) else None
    if cloze:  # "... the highest hike since:", "... after fracturing his wrist in:": the blank's word asks
        return AskedType("date", DATE.labels, DATE.second, "") if cloze.group(1) in _TIME_PREPOSITIONS else ANY
    if _DURATION_Q.search(q):
        return AskedType("number", DURATION.labels, (), "how")
    if _MONEY_Q.search(q):
        return AskedType("number", MONEY.labels, (), "how much")
    if re.search(r"\b(?:percentage|percent|share|proportion)\b", q) and _NUMBER_Q.search(q):
        return AskedType("number", ("PERCENT",), ("CARDINAL", "QUANTITY"), "how many")
    if _NUMBER_Q.search(q):
        return AskedType("number", NUMBER.labels, NUMBER.second, "how many")
    if _DATE_Q.search(q):
        return AskedType("date", DATE.labels, DATE.second, "when")
    if re.search(r"\b[Ww]ho(?:m|se)?\b", asking):  # not "the WHO"
        return AskedType("person", PERSON.labels, PERSON.second, "who")
    if re.search(r"\bwhere\b", q):
        return AskedType("place", PLACE.labels, PLACE.second, "where")
    if re.search(r"\b(?:which|what)\b", q):
        # The head noun is the last noun of the few words after "which", up to a
        # possessive: "which late supreme court justice" asks for a justice, "which
        # country's president" for a country.
        if re.search(r"\b(?:which|what) (?:\w+ )?head of (?:state|government)\b", q):
            return AskedType("person", PERSON.labels, PERSON.second, "which")  # a person, not a state
        words = _noun_after_which(q).split()
        owner = next((i for i, w in enumerate(words) if w.endswith(("'s", "’s"))), None)
        if owner is not None:
            words = [*words[:owner], re.sub(r"['’]s$", "", words[owner])]
        for n in range(len(words) - 1, -1, -1):
            t = _by_noun(words[n])
            if t is not None:
                return AskedType(t.kind, t.labels, t.second, "which")
        return AskedType("entity", ENTITY.labels, ENTITY.second, "which")
    return _keyword_type(q)


def _keyword_type(q: str) -> AskedType:
    """A keyword question's type, from role and thing nouns among its words."""
    if re.search(r"\b(?:winner|won|champion|ceo|president|leader|founder|host|mvp|coach|killer|suspect)\b", q):
        return AskedType("person", PERSON.labels, ("ORG", "WORK_OF_ART", "GPE", "NORP"), "")
    if re.search(rf"\b(?:{_DATE_NOUNS}|date|when)\b", q):
        return AskedType("date", DATE.labels, DATE.second, "")
    if re.search(r"\b(?:count|toll|number|total|cost|price|amount|how many|percent|percentage|rate)\b", q):
        return AskedType("number", NUMBER.labels, NUMBER.second, "")
    t = _by_noun(q)
    if t is not None:
        return AskedType(t.kind, t.labels, t.second, "")
    return ANY
