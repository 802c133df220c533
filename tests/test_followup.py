"""The condenser seam (assistant/followup.py): the offline heuristic, and the LLM condenser
that falls back to it. The real model's rewrite is tested in tests/test_llm.py."""

import pytest

from assistant.followup import Condenser, HeuristicCondenser, LLMCondenser
from footnote.records import Turn

HISTORY = [Turn("user", "Were North Korean troops reported in Ukraine?"), Turn("assistant", "Yes [1].")]


class _Rewrites:
    def __init__(self, reply: str | Exception) -> None:
        self.reply = reply

    def condense(self, question: str, history: list[Turn]) -> str:
        if isinstance(self.reply, Exception):
            raise self.reply
        return self.reply


CONDENSERS: dict[str, Condenser] = {
    "heuristic": HeuristicCondenser(),
    "llm-failing": LLMCondenser(_Rewrites(ValueError("the model's rewrite is empty"))),
}


@pytest.mark.parametrize("name", list(CONDENSERS))
def test_condenser_contract(name):
    c = CONDENSERS[name]
    assert c.condense("Who denied them?", HISTORY) == "Who denied them? (Were North Korean troops reported in Ukraine?)"
    assert c.condense("Did Peskov deny troop movements in Kursk?", HISTORY) == "Did Peskov deny troop movements in Kursk?"
    assert c.condense("Who denied them?", []) == "Who denied them?"


def test_the_llm_condenser_uses_a_sound_rewrite():
    c = LLMCondenser(_Rewrites("Who denied the troop reports?"))
    assert c.condense("Who denied them?", HISTORY) == "Who denied the troop reports?"


def test_plural_pronouns_take_the_previous_object_or_the_topic_never_the_answer_person():
    """ "them" is what the previous question's verb acted on; "they" as a subject is not the
    person who answered, so it is left to the topic join rather than guessed."""
    from assistant.followup import HeuristicCondenser
    from footnote.records import Turn

    c = HeuristicCondenser()
    denied = [Turn("user", "Who denied the reports?"), Turn("assistant", "**Dmitry Peskov** — “…” [1]")]
    assert c.condense("When did he reject them?", denied) == "When did Dmitry Peskov reject the reports?"
    assert c.condense("Why did they say that?", denied) == "Why did they say that? (Who denied the reports?)"
    troops = [Turn("user", "Were North Korean troops reported in Ukraine?"), Turn("assistant", "**Dmitry Peskov** — “…” [1]")]
    assert "Dmitry Peskov" not in c.condense("Who denied them?", troops)
