"""A huge ``sources`` filter is the client's error, with the limit in the message (issue 13,
case 7), checked in the assistant so that every surface (API, page, OpenAI API) gets it."""

from __future__ import annotations

import pytest

from assistant import QuestionError


def test_too_many_sources_is_a_question_error_with_the_limit(seeded):
    limit = seeded.settings.max_sources
    many = [f"Source {i}" for i in range(40_000)]
    with pytest.raises(QuestionError, match=f"limit is {limit:,}"):
        seeded.ask("Who denied the reports?", sources=many)
    with pytest.raises(QuestionError, match="limit"):
        next(iter(seeded.stream("Who denied the reports?", sources=many)))


def test_sources_must_be_a_list_of_names(seeded):
    with pytest.raises(QuestionError, match="list"):
        seeded.ask("Who denied the reports?", sources="Kyiv Independent")
    with pytest.raises(QuestionError, match="text"):
        seeded.ask("Who denied the reports?", sources=[3])
    ok = seeded.ask("Who denied the reports?", sources=[f"Source {i}" for i in range(seeded.settings.max_sources)])
    assert ok.refused  # none of those sources exist: a refusal, not an error
