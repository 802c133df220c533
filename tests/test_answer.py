"""The seed question answered offline with the Peskov sentence cited; refusals; follow-ups."""

import pytest

from assistant import QuestionError


def test_seed_question_cites_the_peskov_sentence(seeded):
    ans = seeded.ask("Who denied the reports?")
    assert not ans.refused
    assert "Peskov" in ans.text and "[1]" in ans.text
    c = ans.citations[0]
    assert c.n == 1 and "Dmitry Peskov" in c.quote and c.quote in c.text
    assert c.title.startswith("Russia denies reports") and c.source == "Kyiv Independent"


def test_question_the_articles_do_not_answer_is_refused(seeded):
    ans = seeded.ask("What is the capital of Peru?")
    assert ans.refused and ans.citations == []
    assert "do not contain" in ans.text


def test_follow_up_keeps_the_conversation(seeded):
    history = [("Were North Korean troops reported in Ukraine?", "...")]
    ans = seeded.ask("Who denied them?", history=history)
    assert "Peskov" in ans.text and not ans.refused


@pytest.mark.parametrize("q", ["", "   \n\t ", "\x00\x01"])
def test_empty_questions_get_a_clear_message(seeded, q):
    with pytest.raises(QuestionError, match="type a question"):
        seeded.ask(q)


def test_oversized_question_is_refused_with_the_limit(seeded):
    with pytest.raises(QuestionError, match="limit"):
        seeded.ask("why " * 2000)


def test_stream_yields_text_then_the_answer(seeded):
    items = list(seeded.stream("Who denied the reports?"))
    *pieces, final = items
    assert all(isinstance(p, str) for p in pieces) and "".join(pieces) == final.text
    assert final.citations and final.timings["total_ms"] > 0
