"""Optional reranking of the retrieved passages (the ``Reranker`` protocol in retrieval.py).

``LLMReranker`` shows the configured LLM the question and the top passages (title, source,
date and the start of the text, in the same ``<passage>`` blocks the LLM answerer uses)
and asks for the numbers of the useful ones, best first. One short request per question;
any failure, or a reply with no usable numbers, leaves the order as it was. Off by
default (``FOOTNOTE_RERANK=off``): offline there is no model to rerank with, and a small
local model reorders worse than the fused ranking it would replace.
"""

from __future__ import annotations

import logging
import re
from dataclasses import replace
from typing import Any

from footnote.records import Hit
from footnote.settings import Settings
from prompts import load_prompt

log = logging.getLogger("footnote.rerank")


def parse_order(reply: str, n: int) -> list[int]:
    """Passage numbers (1..n) in the order the reply names them, each once."""
    out: list[int] = []
    for m in re.finditer(r"\d{1,3}", reply):
        k = int(m.group(0))
        if 1 <= k <= n and k not in out:
            out.append(k)
    return out


class LLMReranker:
    """Reorders the top ``top`` hits by the LLM's judgement; the rest keep their order.

    Args:
        settings: the LLM connection (base URL, key, model, timeout).
        client: an OpenAI-compatible client (built from the settings when None).
        top: how many hits the LLM sees.
        excerpt: characters of each passage shown.
    """

    name = "llm"

    def __init__(self, settings: Settings, client: Any = None, top: int = 10, excerpt: int = 500) -> None:
        self.settings = settings
        self.top = top
        self.excerpt = excerpt
        self.prompt = load_prompt("rerank")
        if client is None:
            from openai import OpenAI

            key = settings.openai_api_key.get_secret_value() if settings.openai_api_key else "not-needed"
            client = OpenAI(api_key=key, base_url=settings.openai_base_url, timeout=settings.llm_timeout, max_retries=0)
        self.client = client

    def rerank(self, query: str, hits: list[Hit]) -> list[Hit]:
        """The hits with the LLM's choice first (in its order), then the others as they were."""
        from assistant.llm import format_passages

        head, tail = hits[: self.top], hits[self.top :]
        if len(head) < 2:
            return hits
        shown = [Hit(replace(h.passage, text=h.passage.text[: self.excerpt]), h.score) for h in head]
        messages = [{"role": role, "content": text}
                    for role, text in self.prompt.render(passages=format_passages(shown), question=query)]
        try:
            resp = self.client.chat.completions.create(
                model=self.settings.model, messages=messages, temperature=0.0, max_tokens=40
            )
            reply = resp.choices[0].message.content or ""
        except Exception as e:  # noqa: BLE001 - reranking is optional: keep the fused order
            log.warning("LLM rerank failed (%s); keeping the fused order", type(e).__name__)
            return hits
        order = parse_order(reply, len(head))
        if not order:
            return hits
        rest = [h for i, h in enumerate(head, 1) if i not in order]
        return [head[k - 1] for k in order] + rest + tail


def make_reranker(settings: Settings) -> LLMReranker | None:
    """The reranker the settings ask for, or None (off, or no LLM configured)."""
    if settings.rerank != "llm":
        return None
    if not settings.llm_configured:
        log.warning("FOOTNOTE_RERANK=llm but no LLM is configured (OPENAI_BASE_URL or OPENAI_API_KEY): reranking is off")
        return None
    return LLMReranker(settings, top=settings.rerank_candidates)
