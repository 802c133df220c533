"""Follow-up questions: rewrite a question that leans on the conversation into one that
stands alone, before retrieval. Two condensers behind one seam (``Condenser``):

- ``HeuristicCondenser`` (offline): a question with a pronoun or demonstrative that points
  back ("them", "he", "that", "those"), or with fewer than three content words, is joined
  to the last user question that carried the topic.
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
        """The question made standalone by adding the previous question's topic when needed."""
        previous = [q for q in questions(history) if q.strip()]
        if not previous or not needs_context(question):
            return question
        return f"{question} ({previous[-1].strip()})"


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
