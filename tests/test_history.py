"""One normaliser for chat history (assistant/history.py): every shape callers send becomes
the same list of Turn records."""

from dataclasses import dataclass

from pydantic import BaseModel

from assistant.history import normalise, questions
from footnote.records import Turn

EXPECTED = [Turn("user", "Were troops reported?"), Turn("assistant", "Yes [1]."), Turn("user", "Who denied them?")]


class Message(BaseModel):
    role: str
    content: str


@dataclass
class Plain:
    role: str
    content: str | None


def test_pairs_messages_and_objects_give_the_same_turns():
    pairs = [("Were troops reported?", "Yes [1]."), ("Who denied them?", None)]
    messages = [{"role": t.role, "content": t.content} for t in EXPECTED]
    models = [Message(role=t.role, content=t.content) for t in EXPECTED]
    assert normalise(pairs) == normalise(messages) == normalise(models) == normalise(EXPECTED) == EXPECTED


def test_blank_unknown_and_malformed_turns_are_dropped():
    history = [{"role": "system", "content": "be nice"}, {"role": "user", "content": "   "}, {"role": "user"},
               Plain("assistant", None), 42, None, ("only a question",), [None, "an answer"]]
    assert normalise(history) == [Turn("user", "only a question"), Turn("assistant", "an answer")]
    assert normalise(None) == [] and normalise([]) == []


def test_questions_are_the_user_turns():
    assert questions(EXPECTED) == ["Were troops reported?", "Who denied them?"]
