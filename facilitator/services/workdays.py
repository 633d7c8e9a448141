"""Working days in England and Wales: Monday to Friday, except bank holidays.

The bank holidays are written out by hand for 2025 to 2028 (from GOV.UK's list, including the
substitute days when a holiday falls at a weekend). Add the next years before 2029: a test
fails when the current year is not covered. Outside the covered years only weekends count.
"""

from __future__ import annotations

from datetime import date, timedelta

# fmt: off
BANK_HOLIDAYS_ENGLAND_AND_WALES = frozenset(date.fromisoformat(d) for d in (
    "2025-01-01", "2025-04-18", "2025-04-21", "2025-05-05", "2025-05-26", "2025-08-25",
    "2025-12-25", "2025-12-26",
    "2026-01-01", "2026-04-03", "2026-04-06", "2026-05-04", "2026-05-25", "2026-08-31",
    "2026-12-25", "2026-12-28",  # Boxing Day falls on a Saturday: substitute Monday
    "2027-01-01", "2027-03-26", "2027-03-29", "2027-05-03", "2027-05-31", "2027-08-30",
    "2027-12-27", "2027-12-28",  # Christmas and Boxing Day at the weekend: substitute days
    "2028-01-03",  # New Year's Day falls on a Saturday: substitute Monday
    "2028-04-14", "2028-04-17", "2028-05-01", "2028-05-29", "2028-08-28",
    "2028-12-25", "2028-12-26",
))
# fmt: on
COVERED_YEARS = range(2025, 2029)


def holidays_known_for(year: int) -> bool:
    """Whether the bank holidays of ``year`` are in the list."""
    return year in COVERED_YEARS


def is_working_day(day: date) -> bool:
    """Monday to Friday and not a bank holiday in England and Wales."""
    return day.weekday() < 5 and day not in BANK_HOLIDAYS_ENGLAND_AND_WALES


def add_working_days(start: date, days: int) -> date:
    """The date ``days`` working days after ``start`` (the day of receipt itself is day 0).

    Received on a Friday, 3 working days later is the Wednesday; received on a Saturday, it is
    also the Wednesday.
    """
    if days < 0:
        raise ValueError("days must not be negative")
    current = start
    remaining = days
    while remaining:
        current += timedelta(days=1)
        if is_working_day(current):
            remaining -= 1
    return current


def working_days_between(start: date, end: date) -> int:
    """How many working days fall after ``start`` up to and including ``end`` (0 if none)."""
    count = 0
    current = start
    while current < end:
        current += timedelta(days=1)
        if is_working_day(current):
            count += 1
    return count
