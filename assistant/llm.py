"""The LLM answerer: OpenAI or any OpenAI-compatible server (vLLM, Ollama, llama.cpp, LM
Studio) through LangChain LCEL, ``prompt | ChatOpenAI | StrOutputParser``.

The retrieved passages go into the user message, each fenced between ``<passage n="...">``
tags and declared as quoted data; text inside a passage that would open or close a fence
is defused, so an article saying "ignore your instructions" stays a quotation. Prompts are
the files ``prompts/answer.txt`` and ``prompts/condense.txt``.

Faults: the openai client under ChatOpenAI retries a timeout, a connection error, a 429
or a 5xx ``settings.llm_retries`` times with bounded exponential backoff (0.5 s doubling,
at most 8 s, or the server's Retry-After up to 60 s); each attempt is limited to
``settings.llm_timeout`` seconds. The error that remains propagates, and
``FallbackAnswerer`` (assistant/answerers.py) answers extractively with a notice. A stream
that breaks after its first token is not retried (its text was already shown). The API key is handed to the
client as a secret and never formatted into a message or a log line.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from assistant.answerers import REFUSAL, Draft
from assistant.text import split_sentences
from footnote.records import Hit, Turn
from footnote.settings import Settings
from footnote.untrusted import neutralise
from prompts import load_prompt
from vectorstore.lexical import tokenize

_FENCE = re.compile(r"<\s*/?\s*passages?\b[^>]*>?", re.I)
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_MARKERS = re.compile(r"\s*\[[\d,\s\-–]+\]")
# "The articles / passages / provided text do(es) not contain / mention ... the answer"
_REFUSAL_RE = re.compile(
    r"\b(articles?|passages?|sources?|texts?|context|documents?)\b[^.]{0,40}?\b"
    r"(do(?:es)?\s*n[o'’]?t|do(?:es)? not|cannot|can ?not|fail to)\s+"
    r"(contain|mention|include|provide|say|answer|address|specify|state|tell|give)\b"
    r"|\bnot (?:in|found in|mentioned in|covered (?:by|in)) the (?:articles?|passages?|sources?|texts?)\b"
    r"|\b(?:no|not enough) information\b[^.]{0,60}?\b(?:in|from) the (?:articles?|passages?|sources?|texts?)\b"
    r"|^i (?:do not|don't|cannot|can't) (?:know|answer)\b",
    re.I,
)
_CONDENSE_PREFIX = re.compile(r"^\s*(?:standalone question|rewritten question|question)\s*:\s*", re.I)


def fence(text: str) -> str:
    """Passage or title text made safe to quote inside ``<passage>`` tags: a tag in the text
    cannot close the fence (it becomes ``(passage tag removed)``), control characters go, and
    citation markers in the text become parentheses (footnote/untrusted.py): ``[2]`` in an
    article is not a citation the model could copy."""
    return neutralise(_FENCE.sub("(passage tag removed)", _CONTROL.sub("", text)))


def format_passages(hits: list[Hit]) -> str:
    """The numbered passages as they appear in the user message."""
    blocks = []
    for n, hit in enumerate(hits, 1):
        p = hit.passage
        attrs = [f'n="{n}"']
        for key, value in (("title", p.title), ("source", p.source), ("date", p.date.isoformat() if p.date else "")):
            if value:
                attrs.append(f'{key}="{fence(value).replace(chr(34), chr(39))}"')
        blocks.append(f"<passage {' '.join(attrs)}>\n{fence(p.text).strip()}\n</passage>")
    return "\n\n".join(blocks)


def is_refusal(text: str) -> bool:
    """Whether an LLM answer says the passages do not hold the answer.

    True when the first sentence says so, or when no sentence cites a passage and one says
    so; an answer that cites passages and only notes a missing detail later is no refusal.
    """
    plain = text.strip()
    if not plain:
        return True
    sentences = split_sentences(plain) or [plain]
    if _REFUSAL_RE.search(_MARKERS.sub("", sentences[0])):
        return True
    return "[" not in plain and any(_REFUSAL_RE.search(s) for s in sentences)


def history_lines(history: list[Turn], max_turns: int = 6, max_chars: int = 400) -> list[str]:
    """The last turns of a conversation as "User: ..." / "Assistant: ..." lines, markers removed."""
    out = []
    for turn in history[-2 * max_turns :]:
        line = " ".join(_MARKERS.sub("", f"{turn.role.title()}: {turn.content}").split())
        out.append(line if len(line) <= max_chars else line[: max_chars - 1] + "…")
    return out


class LLMAnswerer:
    """Answers from the passages with a chat model, streaming; see the module docstring.

    Args:
        settings: model, openai_api_key / openai_base_url, temperature, max_tokens,
            llm_timeout, llm_retries.
        chat_model: a LangChain chat model to use instead of ChatOpenAI built from settings.
    """

    name = "llm"
    live = True  # stream() yields the text as the model writes it

    def __init__(self, settings: Settings, *, chat_model: Any | None = None) -> None:
        self.settings = settings
        self._chat_model = chat_model
        self.answer_prompt = load_prompt("answer")
        self.condense_prompt = load_prompt("condense")
        self._answer_chain: Any | None = None
        self._condense_chain: Any | None = None

    # --- the model --------------------------------------------------------------------------
    @property
    def chat_model(self) -> Any:
        """The ChatOpenAI client (built on first use)."""
        if self._chat_model is None:
            try:
                from langchain_openai import ChatOpenAI
            except ImportError as e:  # pragma: no cover - a runtime dependency
                raise ImportError("the LLM answerer needs langchain-openai: .venv/bin/pip install -r requirements.txt") from e
            s = self.settings
            # A server on loopback needs no key, but the openai client insists on one.
            key = s.openai_api_key.get_secret_value() if s.openai_api_key else "not-needed"
            self._chat_model = ChatOpenAI(
                model=s.model,
                api_key=key,
                base_url=s.openai_base_url or None,
                temperature=s.temperature,
                max_tokens=s.max_tokens,
                timeout=s.llm_timeout,
                max_retries=s.llm_retries,
                streaming=True,
            )
        return self._chat_model

    def _chain(self, which: str) -> Any:
        from langchain_core.output_parsers import StrOutputParser

        if which == "answer":
            if self._answer_chain is None:
                self._answer_chain = self.answer_prompt.template | self.chat_model | StrOutputParser()
            return self._answer_chain
        if self._condense_chain is None:
            self._condense_chain = self.condense_prompt.template | self.chat_model | StrOutputParser()
        return self._condense_chain

    # --- answering ----------------------------------------------------------------------------
    def inputs(self, question: str, hits: list[Hit]) -> dict[str, str]:
        """The answer prompt's variables for a question and its numbered passages."""
        return self.answer_prompt.inputs(passages=format_passages(hits), question=question)

    def messages(self, question: str, hits: list[Hit]) -> list[tuple[str, str]]:
        """The chat messages sent to the model, as (role, text): for inspection and tests."""
        return self.answer_prompt.render(**self.inputs(question, hits))

    def stream(self, question: str, hits: list[Hit]) -> Iterator[str]:
        """The answer's text in pieces as the model produces them (markers not yet checked)."""
        for piece in self._chain("answer").stream(self.inputs(question, hits)):
            if piece:
                yield piece

    def finish(self, text: str) -> Draft:
        """The draft for the model's full text: a refusal when it says the passages lack the answer."""
        text = text.strip()
        if is_refusal(text):
            return Draft(REFUSAL, refused=True)
        return Draft(text)

    def answer(self, question: str, hits: list[Hit]) -> Draft:
        """A complete draft answer (the streamed pieces joined)."""
        return self.finish("".join(self.stream(question, hits)))

    # --- follow-ups ---------------------------------------------------------------------------
    def condense(self, question: str, history: list[Turn]) -> str:
        """The follow-up ``question`` rewritten by the model to stand alone.

        Raises:
            ValueError: the model's rewrite is unusable (empty, rambling, or unrelated to
                the conversation); the caller then uses the offline heuristic.
        """
        lines = history_lines(history)
        if not lines:
            return question
        raw = self._chain("condense").invoke(self.condense_prompt.inputs(history="\n".join(lines), question=question))
        return check_rewrite(raw, question, lines)


def check_rewrite(raw: str, question: str, history: list[str]) -> str:
    """The first line of a model's rewrite, cleaned, if it is a plausible standalone question.

    Raises:
        ValueError: it is empty, far longer than a question, or shares no content word
            with the question and the conversation.
    """
    line = next((ln for ln in raw.strip().splitlines() if ln.strip()), "")
    line = _CONDENSE_PREFIX.sub("", line).strip().strip("\"'“”‘’` ").strip()
    if not line:
        raise ValueError("the model's rewrite is empty")
    if len(line) > max(300, 3 * len(question)):
        raise ValueError("the model's rewrite is too long to be a question")
    context = set(tokenize(question)) | set(tokenize(" ".join(history)))
    if context and not set(tokenize(line)) & context:
        raise ValueError("the model's rewrite shares no word with the conversation")
    return line
