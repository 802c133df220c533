"""Follow-up questions: rewrite a question that leans on the conversation into one that
stands alone, before retrieval.

Offline heuristic: a question with a pronoun or demonstrative that points back ("them",
"he", "that", "those"), or with fewer than three content words, is joined to the last
user question that carried the topic. With an LLM configured, the LLM rewrites it
(assistant/llm.py) and this heuristic is the fallback.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from vectorstore.lexical import tokenize

_BACK_REF = re.compile(
    r"\b(he|she|it|its|they|them|their|theirs|him|his|her|hers|this|that|these|those|there|then|the same|"
    r"the reports?|the (?:man|woman|company|country|group|event|deal|plan|bill|case|attack|war))\b",
    re.I,
)


def history_questions(history: Sequence) -> list[str]:
    """User turns of a history given as [(user, assistant), ...] or [{role, content}, ...]."""
    out: list[str] = []
    for turn in history or []:
        if isinstance(turn, dict):
            if turn.get("role") == "user" and isinstance(turn.get("content"), str):
                out.append(turn["content"])
        elif isinstance(turn, (list, tuple)) and turn and isinstance(turn[0], str):
            out.append(turn[0])
    return out


def needs_context(question: str) -> bool:
    return bool(_BACK_REF.search(question)) or len(tokenize(question)) < 3


def condense_heuristic(question: str, history: Sequence) -> str:
    """The question made standalone by adding the previous question's topic when needed."""
    previous = [q for q in history_questions(history) if q.strip()]
    if not previous or not needs_context(question):
        return question
    return f"{question} ({previous[-1].strip()})"
