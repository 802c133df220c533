"""Date phrases in questions ("this week", "yesterday", "last month", "in 2023") resolved
against the question's "today" into a window.

The window is a preference, not a filter: the retriever boosts passages inside it and
keeps undated ones, so an article with no date is never discarded by a phrase.
Explicit ``date_from``/``date_to`` filters are the hard version.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date, timedelta

MONTHS = {m.lower(): i for i, m in enumerate(calendar.month_name) if m}
MONTHS.update({m.lower(): i for i, m in enumerate(calendar.month_abbr) if m})
MONTHS["sept"] = 9


@dataclass(frozen=True)
class DateWindow:
    start: date
    end: date
    phrase: str

    def contains(self, d: date | None) -> bool:
        return d is not None and self.start <= d <= self.end

    @property
    def relative(self) -> bool:
        """A period counted from today ("this week", "yesterday"), not a named one ("in 2023")."""
        return self.start != date.min and not re.search(r"\d", self.phrase)

    def holds(self, d: date | None, slack_days: int = 3) -> bool | None:
        """Whether a story dated ``d`` can report on the period: published inside it, or
        up to ``slack_days`` before it (a quiz's "this week" lags the news by a day or
        two). None for an undated story."""
        if d is None:
            return None
        first, last = self.reach(slack_days)
        return first <= d <= last

    def reach(self, slack_days: int = 3) -> tuple[date, date]:
        """The first and last publication dates of a story that can report on the period
        (see ``holds``)."""
        return self.start - timedelta(days=slack_days), self.end


def _month_end(y: int, m: int) -> date:
    return date(y, m, calendar.monthrange(y, m)[1])


def resolve_dates(question: str, today: date) -> DateWindow | None:
    """The date window a question's wording implies, relative to ``today``; None if none."""
    q = question.lower()
    month_names = "|".join(sorted(MONTHS, key=len, reverse=True))
    m = re.search(rf"\b(?:in|during|since|of)\s+({month_names})\.?\s+(\d{{4}})\b", q)
    if m:
        mo, y = MONTHS[m.group(1)], int(m.group(2))
        return DateWindow(date(y, mo, 1), _month_end(y, mo), m.group(0))
    m = re.search(r"\b(?:in|during|of)\s+((?:19|20)\d{2})\b", q)
    if m:
        y = int(m.group(1))
        return DateWindow(date(y, 1, 1), date(y, 12, 31), m.group(0))
    rules: list[tuple[str, int, int]] = [
        # (pattern, days back from today for the start, days forward for the end)
        (r"\btoday\b|\btonight\b|\bthis morning\b", 1, 1),
        (r"\byesterday\b", 2, 0),
        (r"\bthis (?:past )?weekend\b|\blast weekend\b", 4, 1),
        (r"\bthis week\b|\bthis past week\b|\bthe past week\b|\bthe last week\b|\bearlier this week\b", 8, 2),
        (r"\blast week\b", 15, 1),
        (r"\b(?:in )?(?:the )?(?:past|last) few days\b|\bin recent days\b", 8, 2),
        # a bare weekday is the last one ("died Thursday"), not a named day ("Super Tuesday")
        (r"(?<!super )(?<!black )(?<!good )(?<!cyber )(?<!ash )(?<!holy )(?<!every )"
         r"\b(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday)\b(?!s| night)", 8, 2),
        (r"\brecently\b", 31, 2),
        (r"\bthis month\b|\bthe past month\b|\bthe last month\b|\bpast few weeks\b|\brecent weeks\b", 31, 2),
        (r"\blast month\b", 62, 1),
        (r"\bthis year\b", (today - date(today.year, 1, 1)).days, 2),
        (r"\blast year\b", (today - date(today.year - 1, 1, 1)).days, 0),
    ]
    for pattern, back, fwd in rules:
        m = re.search(pattern, q)
        if m:
            if m.group(0) == "last year":  # and reports on it published since
                return DateWindow(date(today.year - 1, 1, 1), today, m.group(0))
            return DateWindow(today - timedelta(days=back), today + timedelta(days=fwd), m.group(0))
    return None
