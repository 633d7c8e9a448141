"""Working days in England and Wales: weekends and bank holidays left out."""

from __future__ import annotations

from collections import Counter
from datetime import date

import pytest

from facilitator.models import utcnow
from facilitator.services import workdays


@pytest.mark.parametrize(
    ("received", "due"),
    [
        (date(2027, 3, 5), date(2027, 3, 10)),  # Friday -> Wednesday
        (date(2027, 3, 6), date(2027, 3, 10)),  # Saturday -> Wednesday
        (date(2027, 3, 8), date(2027, 3, 11)),  # Monday -> Thursday
        (date(2026, 4, 2), date(2026, 4, 9)),  # Good Friday and Easter Monday left out
        (date(2026, 12, 23), date(2026, 12, 30)),  # Christmas, and Boxing Day's substitute Monday
        (date(2027, 12, 24), date(2027, 12, 31)),  # both Christmas substitute days
        (date(2027, 12, 30), date(2028, 1, 5)),  # New Year's Day's substitute Monday 3 January
        (date(2025, 5, 2), date(2025, 5, 8)),  # early May bank holiday
        (date(2028, 8, 25), date(2028, 8, 31)),  # summer bank holiday
    ],
)
def test_three_working_days(received: date, due: date) -> None:
    assert workdays.add_working_days(received, 3) == due


def test_every_covered_year_has_its_eight_bank_holidays_on_weekdays() -> None:
    per_year = Counter(d.year for d in workdays.BANK_HOLIDAYS_ENGLAND_AND_WALES)
    assert per_year == {year: 8 for year in workdays.COVERED_YEARS}
    assert all(d.weekday() < 5 for d in workdays.BANK_HOLIDAYS_ENGLAND_AND_WALES)


def test_this_years_bank_holidays_are_listed() -> None:
    """A reminder to add the next years' bank holidays before the list runs out."""
    assert workdays.holidays_known_for(utcnow().year), (
        "add this year's bank holidays to workdays.py"
    )


def test_working_days_between_and_bad_input() -> None:
    assert workdays.working_days_between(date(2027, 3, 5), date(2027, 3, 10)) == 3
    assert workdays.working_days_between(date(2027, 3, 10), date(2027, 3, 5)) == 0
    assert workdays.is_working_day(date(2027, 3, 29)) is False  # Easter Monday
    with pytest.raises(ValueError):
        workdays.add_working_days(date(2027, 3, 5), -1)
