"""Prompt templates as text files, loaded by name: ``load_prompt("answer")``.

A prompt file holds one or more chat messages, each opened by a header line naming its
role (``[system]``, ``[user]``, ``[assistant]``); the text below a header, up to the next
header, is that message's template. Variables are ``{name}`` (LangChain f-string
templates; a literal brace is written ``{{`` or ``}}``). Lines starting with ``#`` before
the first header are comments.

A prompt knows its variables: ``Prompt.inputs(**values)`` raises ``PromptError`` naming
the missing (or unexpected) ones before anything is sent to a model, and
``Prompt.template`` is the ``ChatPromptTemplate`` that LCEL chains start with
(``prompt.template | llm | StrOutputParser()``). No prompt strings live elsewhere.
"""

from __future__ import annotations

import re
import string
from dataclasses import dataclass
from functools import cache, cached_property
from importlib import resources
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # langchain is imported only when a template is built
    from langchain_core.prompts import ChatPromptTemplate

__all__ = ["Prompt", "PromptError", "list_prompts", "load_prompt"]

_HEADER = re.compile(r"^\[(system|user|assistant)\]\s*$", re.M)
_ROLES = {"system": "system", "user": "human", "assistant": "ai"}


class PromptError(ValueError):
    """A prompt is missing, malformed, or was given the wrong variables."""


@dataclass(frozen=True)
class Prompt:
    """A chat prompt loaded from ``prompts/<name>.txt``.

    Attributes:
        name: the file's stem.
        messages: (role, template) pairs, role one of system / user / assistant.
    """

    name: str
    messages: tuple[tuple[str, str], ...]

    @cached_property
    def variables(self) -> frozenset[str]:
        """Every ``{name}`` the templates use."""
        found: set[str] = set()
        for _, text in self.messages:
            for _, field, _, _ in string.Formatter().parse(text):
                if field:
                    found.add(field)
        return frozenset(found)

    def inputs(self, **values: Any) -> dict[str, Any]:
        """The values checked against the template's variables.

        Raises:
            PromptError: a variable has no value, or a value matches no variable.
        """
        missing = sorted(self.variables - values.keys())
        extra = sorted(values.keys() - self.variables)
        if missing or extra:
            parts = []
            if missing:
                parts.append(f"missing {', '.join(missing)}")
            if extra:
                parts.append(f"unexpected {', '.join(extra)}")
            raise PromptError(f"prompt '{self.name}': {'; '.join(parts)} (it uses {', '.join(sorted(self.variables))})")
        return values

    def render(self, **values: Any) -> list[tuple[str, str]]:
        """The messages with the values filled in, as (role, text) pairs."""
        self.inputs(**values)
        return [(role, text.format(**values)) for role, text in self.messages]

    @property
    def template(self) -> ChatPromptTemplate:
        """A LangChain ``ChatPromptTemplate`` of the messages (the head of an LCEL chain)."""
        from langchain_core.prompts import ChatPromptTemplate

        return ChatPromptTemplate.from_messages([(_ROLES[role], text) for role, text in self.messages])


def parse_prompt(name: str, text: str) -> Prompt:
    """A Prompt from the text of a prompt file (see the module docstring for the format)."""
    heads = list(_HEADER.finditer(text))
    if not heads:
        raise PromptError(f"prompt '{name}' has no [system] / [user] header")
    preamble = text[: heads[0].start()]
    if any(line.strip() and not line.lstrip().startswith("#") for line in preamble.splitlines()):
        raise PromptError(f"prompt '{name}': only # comments may come before the first header")
    messages = []
    for i, head in enumerate(heads):
        end = heads[i + 1].start() if i + 1 < len(heads) else len(text)
        body = text[head.end() : end].strip("\n").rstrip()
        if not body.strip():
            raise PromptError(f"prompt '{name}': the [{head.group(1)}] message is empty")
        messages.append((head.group(1), body))
    prompt = Prompt(name, tuple(messages))
    try:
        _ = prompt.variables
    except ValueError as e:  # an unbalanced brace
        raise PromptError(f"prompt '{name}': {e} (write a literal brace as {{{{ or }}}})") from e
    return prompt


@cache
def load_prompt(name: str) -> Prompt:
    """The prompt ``prompts/<name>.txt``.

    Raises:
        PromptError: no such prompt, or the file is malformed.
    """
    if not re.fullmatch(r"[a-z0-9_]+", name):
        raise PromptError(f"bad prompt name {name!r}: use lowercase letters, digits and _")
    path = resources.files(__name__) / f"{name}.txt"
    if not path.is_file():
        raise PromptError(f"no prompt named '{name}'; the prompts are: {', '.join(list_prompts())}")
    return parse_prompt(name, path.read_text(encoding="utf-8"))


def list_prompts() -> list[str]:
    """Names of every prompt file shipped in this package."""
    return sorted(p.name[:-4] for p in resources.files(__name__).iterdir() if p.name.endswith(".txt"))
