"""Working days: weekends and bank holidays left out (England and Wales unless told otherwise)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from facilitator.models import utcnow
from facilitator.services import workdays

# GOV.UK's bank holidays for England and Wales, 2025 to 2028, as they were written out by hand
# in workdays.py before the holidays package: the package must agree with every one of them.
# fmt: off
GOV_UK_ENGLAND_AND_WALES = [date.fromisoformat(d) for d in (
    "2025-01-01", "2025-04-18", "2025-04-21", "2025-05-05", "2025-05-26", "2025-08-25",
    "2025-12-25", "2025-12-26",
    "2026-01-01", "2026-04-03", "2026-04-06", "2026-05-04", "2026-05-25", "2026-08-31",
    "2026-12-25", "2026-12-28",  # Boxing Day falls on a Saturday: substitute Monday
    "2027-01-01", "2027-03-26", "2027-03-29", "2027-05-03", "2027-05-31", "2027-08-30",
    "2027-12-27", "2027-12-28",  # Christmas and Boxing Day at the weekend: substitute days
    "2028-01-03",  # New Year's Day falls on a Saturday: substitute Monday
    "2028-04-14", "2028-04-17", "2028-05-01", "2028-05-29", "2028-08-28",
    "2028-12-25", "2028-12-26",
)]
# fmt: on


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
        (date(2031, 4, 10), date(2031, 4, 17)),  # 2031: Good Friday 11, Easter Monday 14 April
    ],
)
def test_three_working_days(received: date, due: date) -> None:
    assert workdays.add_working_days(received, 3) == due


def test_the_package_agrees_with_gov_uk_for_2025_to_2028() -> None:
    weekday_holidays = sorted(
        day
        for year in range(2025, 2029)
        for day in workdays.bank_holidays(year)
        if day.weekday() < 5
    )
    assert weekday_holidays == GOV_UK_ENGLAND_AND_WALES


@pytest.mark.parametrize(
    "day",
    [date(2026, 12, 25), date(2026, 12, 28), date(2027, 5, 3), date(2031, 5, 5), date(2031, 8, 25)],
    ids=["christmas-2026", "boxing-day-substitute-2026", "early-may-2027", "early-may-2031",
         "summer-2031"],
)  # fmt: skip
def test_known_bank_holidays_are_not_working_days(day: date) -> None:
    assert day.weekday() < 5
    assert workdays.is_working_day(day) is False
    assert workdays.is_working_day(day - timedelta(days=7)) is True  # the same weekday before


def test_a_year_beyond_the_old_list_has_its_bank_holidays() -> None:
    assert workdays.holidays_known_for(2031)
    weekdays_2031 = [d for d in workdays.bank_holidays(2031) if d.weekday() < 5]
    assert len(weekdays_2031) == 8
    assert workdays.working_days_between(date(2031, 12, 24), date(2031, 12, 31)) == 3


def test_this_years_bank_holidays_are_known() -> None:
    assert workdays.holidays_known_for(utcnow().year)


def test_scotland_and_northern_ireland_have_their_own_bank_holidays() -> None:
    second_of_january = date(2026, 1, 2)  # a Friday
    assert workdays.is_working_day(second_of_january) is True
    assert workdays.is_working_day(second_of_january, workdays.SCOTLAND) is False
    assert workdays.is_working_day(date(2026, 8, 31), workdays.SCOTLAND) is True
    assert workdays.is_working_day(date(2026, 8, 3), workdays.SCOTLAND) is False
    assert workdays.is_working_day(date(2026, 3, 17), workdays.NORTHERN_IRELAND) is False
    assert workdays.is_working_day(date(2026, 3, 17)) is True  # Saint Patrick's Day
    assert workdays.add_working_days(date(2026, 7, 10), 1, workdays.NORTHERN_IRELAND) == date(
        2026, 7, 14
    )  # the Twelfth falls on a Sunday: substitute Monday 13 July
    with pytest.raises(ValueError, match="nation"):
        workdays.is_working_day(date(2026, 1, 2), "wales-alone")


def test_working_days_between_and_bad_input() -> None:
    assert workdays.working_days_between(date(2027, 3, 5), date(2027, 3, 10)) == 3
    assert workdays.working_days_between(date(2027, 3, 10), date(2027, 3, 5)) == 0
    assert workdays.is_working_day(date(2027, 3, 29)) is False  # Easter Monday
    with pytest.raises(ValueError):
        workdays.add_working_days(date(2027, 3, 5), -1)
