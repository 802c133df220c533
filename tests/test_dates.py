"""Date phrases resolved against a fixed "today", and the soft date preference they feed."""

from datetime import date, timedelta

import pytest

from assistant.dates import DateWindow, resolve_dates
from assistant.retrieval import DatePrior

TODAY = date(2024, 3, 14)  # a Thursday


@pytest.mark.parametrize(
    ("question", "start", "end"),
    [
        ("Which show was renewed this week?", TODAY - timedelta(days=8), TODAY + timedelta(days=2)),
        ("Who resigned yesterday?", TODAY - timedelta(days=2), TODAY),
        ("What happened today in Paris?", TODAY - timedelta(days=1), TODAY + timedelta(days=1)),
        ("Who won last weekend?", TODAY - timedelta(days=4), TODAY + timedelta(days=1)),
        ("What did the court decide last week?", TODAY - timedelta(days=15), TODAY + timedelta(days=1)),
        ("Which bill passed last month?", TODAY - timedelta(days=62), TODAY + timedelta(days=1)),
        ("What was announced in March 2023?", date(2023, 3, 1), date(2023, 3, 31)),
        ("Who won the election in 2022?", date(2022, 1, 1), date(2022, 12, 31)),
        ("Which films flopped last year?", date(2023, 1, 1), TODAY),  # and the reports on it since
        ("What has sold best this year?", date(2024, 1, 1), TODAY + timedelta(days=2)),
        ("Who led in Sept. 2023?", date(2023, 9, 1), date(2023, 9, 30)),
        # a bare weekday is the last one, "recently" the last month
        ("The queen died Thursday. When was she crowned?", TODAY - timedelta(days=8), TODAY + timedelta(days=2)),
        ("What did the senator say on Monday?", TODAY - timedelta(days=8), TODAY + timedelta(days=2)),
        ("Which airline cancelled flights in recent days?", TODAY - timedelta(days=8), TODAY + timedelta(days=2)),
        ("Which currency recently plunged?", TODAY - timedelta(days=31), TODAY + timedelta(days=2)),
    ],
)
def test_phrases_resolve_to_a_window(question, start, end):
    w = resolve_dates(question, TODAY)
    assert w is not None
    assert (w.start, w.end) == (start, end)
    assert w.phrase and w.phrase in question.lower()


@pytest.mark.parametrize(
    "question",
    ["Who denied the reports?", "Which new show was renewed?", "What did the latest study find?", "Who just won?",
     "Who won on Super Tuesday?", "Which store has the best Black Friday deals?", "Who hosts Monday Night Football?",
     "What happens on Mondays?"],
)
def test_no_phrase_no_window(question):
    # "new", "latest", "just" describe the news, not a period: the recency preference covers them.
    assert resolve_dates(question, TODAY) is None


def test_window_contains_is_inclusive_and_rejects_undated():
    w = DateWindow(date(2024, 3, 1), date(2024, 3, 7), "this week")
    assert w.contains(date(2024, 3, 1)) and w.contains(date(2024, 3, 7))
    assert not w.contains(date(2024, 3, 8)) and not w.contains(None)


def test_date_prior_prefers_the_window_and_never_discards():
    prior = DatePrior(window_weight=0.6, recency_weight=0.4, recent_days=7, scale_days=30, undated=0.5)
    w = resolve_dates("Which show was renewed this week?", TODAY)
    inside = prior.factor(TODAY - timedelta(days=3), w, TODAY)
    near = prior.factor(w.start - timedelta(days=5), w, TODAY)
    far = prior.factor(date(2019, 1, 1), w, TODAY)
    undated = prior.factor(None, w, TODAY)
    assert inside == 1.0
    assert 1.0 > near > far
    assert far == pytest.approx(0.4)  # the floor: 1 - window_weight
    assert undated == pytest.approx(0.7) and undated > far  # undated is kept, mid-way


def test_recency_prior_applies_without_a_phrase():
    prior = DatePrior(window_weight=0.6, recency_weight=0.4, recent_days=7, scale_days=30)
    assert prior.factor(TODAY - timedelta(days=5), None, TODAY) == 1.0
    assert prior.factor(TODAY - timedelta(days=22), None, TODAY) == pytest.approx(1 - 0.4 * 15 / 30)
    assert prior.factor(date(2020, 1, 1), None, TODAY) == pytest.approx(0.6)
    assert prior.factor(date(2020, 1, 1), None, None) == 1.0  # no "today": no preference
    assert DatePrior(recency_weight=0.0).factor(date(2020, 1, 1), None, TODAY) == 1.0
