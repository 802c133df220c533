"""Follow-up questions: rewrite a question that leans on the conversation into one that
stands alone, before retrieval. Two condensers behind one seam (``Condenser``):

- ``HeuristicCondenser`` (offline): a question with a pronoun or demonstrative that points
  back ("them", "he", "that", "those"), or with fewer than three content words, has its
  referents resolved from the previous turn: a personal pronoun becomes the previous
  answer's entity (its bold short answer, else its first named person or organisation),
  and "that" / "it" after "say" or "do" becomes the previous question's predicate ("When
  did he say that?" after "Who denied the reports?" -> "When did Dmitry Peskov deny the
  reports?"). What cannot be resolved is joined to the last user question instead.
- ``LLMCondenser``: the LLM rewrites it (assistant/llm.py); when the model fails or its
  rewrite is unusable, the heuristic answers instead.
"""

from __future__ import annotations

import logging
import re
from typing import Protocol

from assistant.history import questions
from footnote.records import Turn
from vectorstore.lexical import tokenize

log = logging.getLogger("footnote.assistant")

_BACK_REF = re.compile(
    r"\b(he|she|it|its|they|them|their|theirs|him|his|her|hers|this|that|these|those|there|then|the same|"
    r"the reports?|the (?:man|woman|company|country|group|event|deal|plan|bill|case|attack|war))\b",
    re.I,
)


class Condenser(Protocol):
    """Anything that makes a follow-up question stand alone."""

    def condense(self, question: str, history: list[Turn]) -> str:
        """The question rewritten to stand alone (unchanged when it already does)."""
        ...


def needs_context(question: str) -> bool:
    """Whether the question points back at the conversation or is too short to stand alone."""
    return bool(_BACK_REF.search(question)) or len(tokenize(question)) < 3


class HeuristicCondenser:
    """The offline condenser (see the module docstring)."""

    def condense(self, question: str, history: list[Turn]) -> str:
        """The question made standalone: referents resolved from the previous turn, or the
        previous question's topic added when they cannot be."""
        previous = [q for q in questions(history) if q.strip()]
        if not previous or not needs_context(question):
            return question
        answers = [t.content for t in history if t.role == "assistant"]
        entity = answer_entity(answers[-1]) if answers else None
        resolved = resolve_referents(question, previous[-1].strip(), entity)
        return resolved or f"{question} ({previous[-1].strip()})"


class LLMCondenser:
    """The model's rewrite when it is sound, else the fallback condenser's.

    Args:
        model: a condenser that raises when it cannot rewrite (``LLMAnswerer``).
        fallback: used when it raises (default: the heuristic).
    """

    def __init__(self, model: Condenser, fallback: Condenser | None = None) -> None:
        self.model = model
        self.fallback = fallback or HeuristicCondenser()

    def condense(self, question: str, history: list[Turn]) -> str:
        """The question rewritten by the model; the fallback's rewrite when that fails."""
        try:
            return self.model.condense(question, history)
        except Exception as e:  # noqa: BLE001 - the heuristic is always there
            log.warning("LLM condense failed (%s); using the heuristic", type(e).__name__)
            return self.fallback.condense(question, history)


_BOLD = re.compile(r"\*\*([^*\n]{1,80})\*\*")
# singular pronouns take the previous answer's entity (a person or organisation); plural ones
# ("Who denied them?" after a question about troops) point at the previous question's topic,
# which no single answer entity names, so they are left to the topic join
_SUBJECT = re.compile(r"\b(he|she|him|her)\b", re.I)
_POSSESSIVE = re.compile(r"\b(his)\b", re.I)
_THEM = re.compile(r"\bthem\b", re.I)  # the object of the previous question's verb
_PLURAL = re.compile(r"\b(they|them|their|theirs)\b", re.I)
_DO_THAT = re.compile(r"\b(say|said|do|does|did|announce|claim|deny)\s+(that|it|this|so)\b", re.I)
_WH_LEAD = re.compile(r"^(?:who|what|which(?:\s+\w+){1,2}?|whom)\s+(?=\w+(?:ed|[^\s]*)\b)", re.I)
_IRREGULAR = {
    "said": "say", "won": "win", "did": "do", "made": "make", "took": "take", "gave": "give", "went": "go",
    "told": "tell", "found": "find", "got": "get", "led": "lead", "left": "leave", "held": "hold", "met": "meet",
    "paid": "pay", "sold": "sell", "bought": "buy", "brought": "bring", "became": "become", "began": "begin",
    "ran": "run", "wrote": "write", "spoke": "speak", "chose": "choose", "broke": "break", "fell": "fall",
    "lost": "lose", "built": "build", "sent": "send", "spent": "spend", "struck": "strike", "shot": "shoot",
    "stole": "steal", "threw": "throw", "drew": "draw", "flew": "fly", "grew": "grow", "knew": "know",
    "saw": "see", "ate": "eat", "sang": "sing", "hit": "hit", "set": "set", "put": "put", "quit": "quit",
    "laid": "lay", "signed": "sign", "was": "be", "were": "be", "had": "have", "has": "have", "is": "be",
}


def answer_entity(answer: str) -> str | None:
    """The entity a previous answer is about: its bold short answer, else its first person or organisation."""
    m = _BOLD.search(answer)
    if m:
        return m.group(1).strip()
    if not answer.strip():
        return None
    from assistant.ner import entities

    ents = [e for e in entities(re.sub(r"\[\d+\]", "", answer[:600])) if e.label in ("PERSON", "ORG")]
    return ents[0].text if ents else None


def base_form(verb: str) -> str:
    """A past-tense verb's base form, by rule ("denied" -> "deny", "rejected" -> "reject")."""
    v = verb.lower()
    if v in _IRREGULAR:
        return _IRREGULAR[v]
    if v.endswith("ied"):
        return v[:-3] + "y"
    if v.endswith("ed") and len(v) > 4:
        stem = v[:-2]
        if len(stem) > 2 and stem[-1] == stem[-2] and stem[-1] not in "lsz":
            return stem[:-1]  # "stopped" -> "stop"
        if stem.endswith(("c", "v", "z", "dg", "rg", "ur", "iat")) or re.search(r"[^aeiou][aeiou]s$", stem):
            return stem + "e"  # "announced", "moved", "judged", "caused"
        return stem
    return v


def previous_predicate(question: str) -> str | None:
    """The predicate of a "Who denied the reports?" question, in the base form: "deny the reports"."""
    q = question.strip().rstrip("?.! ")
    m = _WH_LEAD.match(q)
    if not m:
        return None
    words = q[m.end():].split()
    if not words or not (words[0].lower().endswith("ed") or words[0].lower() in _IRREGULAR):
        return None
    return " ".join([base_form(words[0]), *words[1:]])


def resolve_referents(question: str, previous: str, entity: str | None) -> str | None:
    """The question with its pronouns and "say that" resolved, or None when nothing could be."""
    q = question
    changed = False
    if entity and _SUBJECT.search(q):
        q = _SUBJECT.sub(entity, q, count=1)
        changed = True
    if entity and _POSSESSIVE.search(q):
        q = _POSSESSIVE.sub(f"{entity}'s", q, count=1)
        changed = True
    predicate = previous_predicate(previous)
    obj = " ".join(predicate.split()[1:]) if predicate else ""
    if obj and _THEM.search(q):  # "them" after "Who denied the reports?" -> "the reports"
        q = _THEM.sub(obj, q, count=1)
        changed = True
    m = _DO_THAT.search(q)
    if predicate and m:
        q = q[: m.start()] + predicate + q[m.end():]
        changed = True
    if not changed or _PLURAL.search(q) or (not entity and _SUBJECT.search(q)):
        return None  # a pronoun left unresolved: better the old join than a wrong referent
    return q
