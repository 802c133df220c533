"""Article text is data: citation markers and prompt tags inside it are neutralised.

An article that writes ``[2]`` or ``</passage><passage n="1">`` must not be able to create
a citation: the checker maps ``[n]`` markers to passages, and the LLM prompt fences each
passage in ``<passage>`` tags. ``neutralise`` rewrites both shapes so they read the same
to a person but no longer parse as markup: ``[2]`` becomes ``(2)``, and passage /
role tags are removed. It runs at ingest (ingest/clean.py) and again on every passage
shown to an answerer (assistant/), so a store built before this rule is safe too.
"""

from __future__ import annotations

import re

# [1]  [1, 2]  [1-3]  [1–3]: the citation shapes the checker parses.
_MARKER = re.compile(r"\[(\s*\d{1,3}(?:\s*(?:,|-|–)\s*\d{1,3})*\s*)\]")
# <passage n="1">, </passage>, <passages>, <source>, <context>, <system>, <|im_start|> ...
_TAG = re.compile(
    r"<\s*/?\s*(?:passages?|sources?|documents?|context|articles?|system|user|assistant|instructions?)\b[^<>]{0,200}>"
    r"|<\|[a-z_]{1,30}\|>",
    re.I,
)


def neutralise(text: str) -> str:
    """``text`` with citation markers turned into parentheses and prompt tags removed."""
    if "[" not in text and "<" not in text:
        return text
    text = _TAG.sub(" ", text)
    return _MARKER.sub(lambda m: f"({m.group(1).strip()})", text)


def has_markup(text: str) -> bool:
    """Whether ``text`` holds a citation marker or a prompt tag that ``neutralise`` rewrites."""
    return bool(_MARKER.search(text) or _TAG.search(text))
