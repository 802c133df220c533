"""Bad questions to Assistant.ask / stream (issue 7): a clear QuestionError, or an answer
(or a clean refusal) with valid citations; never a crash, never a stray exception type."""

from __future__ import annotations

import pytest

from assistant import Assistant, QuestionError
from footnote.settings import Settings

SEED = "Who denied the reports?"


@pytest.fixture(scope="module")
def assistant(tmp_path_factory) -> Assistant:
    a = Assistant(Settings(store_dir=tmp_path_factory.mktemp("q") / "store", _env_file=None))
    assert a.ensure_sample()
    return a


def _valid(ans) -> None:
    """Whatever the answer, its citations are among the retrieved passages."""
    retrieved = {p.passage_id for p in ans.passages}
    assert all(c.passage_id in retrieved for c in ans.citations)
    assert ans.refused == (not ans.citations)


@pytest.mark.parametrize("q", ["", " ", "   \n\t  ", "\u200b\u200b\u2060", "\x00\x01\x1b[0m", "\u202e\u202d"])
def test_empty_or_invisible_question_is_refused_with_a_message(assistant, q):
    with pytest.raises(QuestionError, match="type a question"):
        assistant.ask(q)
    with pytest.raises(QuestionError):
        next(iter(assistant.stream(q)))  # the stream fails before yielding anything


@pytest.mark.parametrize("size", [100 * 1024, 1024 * 1024])
def test_huge_question_is_refused_before_any_retrieval_with_the_limit(assistant, size, monkeypatch):
    def no_retrieval(*args, **kwargs):
        raise AssertionError("a question over the limit must be refused before retrieval")

    monkeypatch.setattr(assistant, "retrieve", no_retrieval)
    with pytest.raises(QuestionError, match=r"limit is 4,000"):
        assistant.ask(("Who denied the reports about the troops? " * (size // 40))[:size])


def test_question_at_the_limit_is_accepted(assistant):
    q = (SEED + " ") * (4000 // len(SEED + " "))
    assert len(q.strip()) <= 4000
    _valid(assistant.ask(q))


@pytest.mark.parametrize(
    "q",
    [
        "Who\x00 denied\x07 the reports?\x7f",
        "Who denied the \x1b[31mreports\x1b[0m?",
        "Who denied\u200b the reports?\u202e",
        "\ufeffWho denied the reports?\r\n",
    ],
)
def test_control_characters_are_stripped_and_the_question_answered(assistant, q):
    ans = assistant.ask(q)
    assert ans.question == SEED
    assert not ans.refused and "Peskov" in ans.text
    _valid(ans)


@pytest.mark.parametrize("q", ["😀😀🎉", "🇺🇦", "🤔?", "?", "!!!", "[1] [2]"])
def test_emoji_or_punctuation_only_is_refused_cleanly(assistant, q):
    ans = assistant.ask(q)
    assert ans.refused and ans.citations == [] and "do not contain" in ans.text
    _valid(ans)


@pytest.mark.parametrize(
    "q",
    [
        "¿Quién negó los informes?",
        "Кто опроверг сообщения о северокорейских войсках?",
        "谁否认了这些报道？",
        "من نفى التقارير؟",
        "Wer hat die Berichte über nordkoreanische Truppen dementiert?",
    ],
)
def test_other_languages_are_answered_or_refused_cleanly(assistant, q):
    ans = assistant.ask(q)
    assert ans.text and ans.question == q
    _valid(ans)
    if not ans.refused:
        assert "[1]" in ans.text


def test_non_text_question_is_a_question_error(assistant):
    for bad in (None, 42, b"Who denied the reports?", ["Who"]):
        with pytest.raises(QuestionError):
            assistant.ask(bad)  # type: ignore[arg-type]


def test_the_assistant_still_answers_after_bad_questions(assistant):
    ans = assistant.ask(SEED)
    assert not ans.refused and "Peskov" in ans.text
    _valid(ans)
