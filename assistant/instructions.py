"""A rule about sentence form: is this sentence an instruction addressed to the reader or
to an assistant, rather than news?

Article text is data. A sentence is an instruction when

- it addresses a machine reader (an AI, assistant, chatbot, language model, "the user",
  the system prompt, "your answer") and asks for something (an imperative or a modal:
  "must", "should", "need to", "are to"); or
- it is an imperative (its first word, after "please" / "now" / a vocative "X:"), is
  addressed to "you", and is about answering, citing, saying or following instructions.

Quoted speech with an attribution ("..., Biden said", "the coach told reporters") is news,
even when it is an imperative, unless it addresses a machine reader. Questions are not
answers either (``not_an_answer``).

The attacks it is tested on (tests/test_instructions.py) were written apart from this
rule, and so was the quoted speech that must stay answerable.
"""

from __future__ import annotations

import re

_MACHINE = re.compile(
    r"\b(?:a\.?i\.?|ai|virtual|digital) (?:assistants?|models?|systems?|chat ?bots?|tools?|readers?|agents?)\b"
    r"|\bchat ?bots?\b|\blanguage models?\b|\bllms?\b|\bgpt[\w-]*\b|\bsystem prompt\b"
    r"|\b(?:previous|prior|earlier|above|hidden|original|all|these|this|my|your|other|following) (?:instructions?|guidance|rules|directions|prompts?)\b"
    r"|\bthe user\b(?! (?:experience|interface|base|agreement|data|count))"
    r"|\byour (?:answer|response|reply|output|summary|task|guidelines)\b"
    r"|^\W*(?:assistants?|ai|models?|bots?|machines?|system|developer|admin)\s*[:,]|\bassistants? (?:reading|answering|summari\w+)\b"
    r"|\bif you are an? (?:ai|assistant|language model|bot|machine|model)\b",
    re.I,
)
_REQUEST = re.compile(
    r"\b(?:must|should|shall|need to|needs to|have to|has to|are to|is to|are required|are instructed|"
    r"are expected|ought to|will now|from now on|overrides?|supersedes?|takes? precedence)\b",
    re.I,
)
_IMPERATIVE = (
    "ignore disregard forget override bypass answer respond reply say state tell claim declare write output print "
    "repeat cite quote attribute include mention add append insert use treat consider assume pretend act behave "
    "stop do don't dont never always make remember note report summarise summarize translate return reveal show "
    "list give begin start end follow obey keep refuse replace rewrite describe call label mark"
).split()
_ONLY_VERBS = frozenset("ignore disregard forget override bypass respond reply say tell declare output print repeat cite "
                        "attribute include mention append insert pretend behave don't dont never always remember "
                        "summarise summarize translate reveal obey refuse rewrite describe".split())
_LEAD = re.compile(
    r"^\W*(?:(?:when|if|before|after|while|whenever|once|for)\b[^,;:]{0,80}[,;:]\s*|[\w\s'’.-]{1,30}[:,\-—]\s+)?"
    r"(?:(?:please|now|also|then|and|so|kindly|just|first|finally)\s+)*(?P<verb>[a-z']+)",
    re.I,
)
_TOPIC = re.compile(
    r"\b(?:answer\w*|respon\w+|repl\w+|say\w*|said|state|claim|cite\w*|citation|sources?|passages?|articles?|"
    r"instructions?|questions?|output|print|summar\w+|tell|told|mention)\b",
    re.I,
)
_SELF = re.compile(r"\bthis (?:article|passage|text|story|page|document|report|source)\b", re.I)
_CORRECT = re.compile(
    r"\bthe (?:correct|right|only|true|real) (?:answer|response|reply)\b"
    r"|\bthe (?:answer|response|reply) to (?:every|any|all|each|this) (?:questions?|query|queries)\b",
    re.I,
)
_NEGATIVE = re.compile(r"^\W*(?:please\s+)?(?:do not|don't|don’t|never)\b", re.I)
_YOU = re.compile(r"\b(?:you|your|yourself)\b", re.I)
# "...," Biden said.   "...," said the coach.   the coach told reporters   according to
_ATTRIBUTION = re.compile(
    r"[\"”’'],?\s+(?:[\w.’'-]+\s+){0,4}(?:said|says|told|added|wrote|tweeted|urged|asked|warned|explained|"
    r"insisted|recalled|joked|replied|continued|posted)\b"
    r"|[,\"”]\s*(?:said|says|added|wrote)\s+[A-Z\w]|\baccording to\b"
    r"|,\s+(?:[\w.’'-]+\s+){0,4}(?:said|says|told|urged|warned|added)\b[^.]{0,60}[.!]?\s*$",
    re.I,
)


def is_instruction(sentence: str) -> bool:
    """Whether the sentence is an instruction to a reader or assistant (see the module docstring)."""
    s = sentence.strip()
    if not s:
        return False
    machine = bool(_MACHINE.search(s))
    if _ATTRIBUTION.search(s) and not machine:
        return False  # reported speech: news, even in the imperative
    if _CORRECT.search(s) and (machine or _SELF.search(s) or _YOU.search(s) or "every" in s.lower()):
        return True
    m = _LEAD.match(s)
    verb = m.group("verb") if m else ""
    imperative = verb.lower() in _IMPERATIVE
    lead_clause = False
    if imperative and m.start("verb") > 0 and re.match(r"^\W*(?:when|if|before|after|while|whenever|once)\b", s, re.I):
        # "When asked ..., answer only ...": a main clause opening on a verb
        after = s[m.end("verb"):].lstrip().lower()
        verb_ok = verb.lower() in _ONLY_VERBS or after.startswith(("that ", "only ", "with ", "by ", "it ", "this "))
        lead_clause = True
    else:
        verb_ok = imperative and (verb.lower() in _ONLY_VERBS or _is_verb(s, m.start("verb")))
    request = bool(_REQUEST.search(s))
    if machine and (request or verb_ok or (_YOU.search(s) and _TOPIC.search(s))):
        return True
    answering = lead_clause and verb.lower() in ("answer", "respond", "reply", "say", "state", "cite", "claim", "write")
    addressed = _YOU.search(s) or _SELF.search(s) or _NEGATIVE.match(s) or answering
    return verb_ok and bool(addressed) and bool(_TOPIC.search(s))


def _is_verb(sentence: str, at: int) -> bool:
    """Whether the word at ``at`` is a base-form verb (spaCy's tagger): "State that ..." is,
    "State schools ..." is not. Only sentences the patterns flag are tagged."""
    from assistant.ner import tagged

    doc = tagged(sentence[:at + 200])
    tok = next((t for t in doc if t.idx >= at), None)
    if tok is None:
        return False
    return tok.tag_ in ("VB", "VBP", "MD") or tok.lower_ in ("do", "don't", "dont")
