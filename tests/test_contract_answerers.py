"""One contract, every answerer: the same checks over each implementation of the
``Answerer`` protocol (answer, stream, finish):

- the offline extractive answerer;
- the LLM answerer against the real local llama.cpp server (SmolLM2, tests/fixtures_llm.py);
- the composite ``FallbackAnswerer``: the LLM falling back to the extractive answerer, and
  the extractive answerer alone, each with its citations checked.
"""

from __future__ import annotations

import re

import pytest

from assistant.answerers import REFUSAL, Answerer, Draft, FallbackAnswerer
from assistant.llm import LLMAnswerer

QUESTION = "Who denied the reports?"
NAMES = ["extractive", pytest.param("llm", marks=pytest.mark.llm),
         pytest.param("llm-then-extractive", marks=pytest.mark.llm), "extractive-checked"]


def _answerer(name: str, seeded, request) -> Answerer:
    if name == "extractive":
        return seeded.extractive
    if name == "extractive-checked":
        return FallbackAnswerer(seeded.extractive, None, seeded.checker)
    settings = request.getfixturevalue("llm_settings").model_copy(update={"max_tokens": 32})
    llm = LLMAnswerer(settings)
    return llm if name == "llm" else FallbackAnswerer(llm, seeded.extractive, seeded.checker)


@pytest.fixture(params=NAMES)
def answerer(request, seeded) -> Answerer:
    return _answerer(request.param, seeded, request)


def test_answerer_contract(answerer, seeded):
    hits = seeded.retrieve(QUESTION, top_k=2)
    assert isinstance(answerer.name, str) and isinstance(answerer.live, bool)
    draft = answerer.answer(QUESTION, hits)
    assert isinstance(draft, Draft) and draft.text.strip()
    assert not draft.refused or draft.text == REFUSAL
    pieces = list(answerer.stream(QUESTION, hits))
    assert pieces and all(isinstance(p, str) for p in pieces)
    # finish() turns a full text into the same kind of draft answer() gives
    assert answerer.finish(REFUSAL).refused
    assert answerer.finish("".join(pieces)).refused == draft.refused
    kept = answerer.finish("Dmitry Peskov denied the reports [1].")
    assert not kept.refused and "[1]" in kept.text


@pytest.mark.parametrize("name", ["extractive", "extractive-checked"])
def test_offline_answerers_stream_what_they_answer(seeded, request, name):
    answerer = _answerer(name, seeded, request)
    hits = seeded.retrieve(QUESTION, top_k=3)
    draft = answerer.answer(QUESTION, hits)
    assert "".join(answerer.stream(QUESTION, hits)) == draft.text and "Peskov" in draft.text
    assert answerer.finish(draft.text).text == draft.text


def test_the_extractive_quote_survives_finish(seeded):
    hits = seeded.retrieve(QUESTION, top_k=3)
    draft = seeded.extractive.answer(QUESTION, hits)
    assert seeded.extractive.finish(draft.text).quotes == draft.quotes and draft.quotes


@pytest.mark.llm
def test_the_composite_checks_every_answer(seeded, llm_settings):
    hits = seeded.retrieve(QUESTION, top_k=2)
    both = FallbackAnswerer(LLMAnswerer(llm_settings), seeded.extractive, seeded.checker)
    draft = both.answer(QUESTION, hits)
    assert draft.answerer in ("llm", "extractive")
    if not draft.refused:
        assert draft.checked is not None and draft.checked.citations
        used = {int(n) for n in re.findall(r"\[(\d+)\]", draft.text)}
        assert used == {c.n for c in draft.checked.citations} and max(used) <= len(hits)
