"""Working days: Monday to Friday, except bank holidays (England and Wales unless told otherwise).

The bank holidays come from the ``holidays`` package (GOV.UK's lists, with the substitute day
when a holiday falls at a weekend and one-off days such as a state funeral), for any year, so
there is no list to keep up to date here. Scotland and Northern Ireland have their own bank
holidays: every function takes ``nation`` (one of ``NATIONS``), England and Wales by default.
"""

from __future__ import annotations

from datetime import date, timedelta
from functools import cache

import holidays

ENGLAND_AND_WALES = "england-and-wales"
SCOTLAND = "scotland"
NORTHERN_IRELAND = "northern-ireland"
# The nation's subdivision of the United Kingdom in the holidays package (ISO 3166-2:GB).
NATIONS = {ENGLAND_AND_WALES: "ENG", SCOTLAND: "SCT", NORTHERN_IRELAND: "NIR"}


@cache
def bank_holidays(year: int, nation: str = ENGLAND_AND_WALES) -> frozenset[date]:
    """The bank holidays of ``year`` in ``nation``, substitute days included."""
    if nation not in NATIONS:
        raise ValueError(f"nation must be one of {', '.join(NATIONS)}")
    found = holidays.country_holidays("GB", subdiv=NATIONS[nation], years=year)
    return frozenset(found)


def holidays_known_for(year: int) -> bool:
    """Whether the bank holidays of ``year`` are known (the package covers 1872 to 2100)."""
    return holidays.UK.start_year <= year <= holidays.UK.end_year


def is_working_day(day: date, nation: str = ENGLAND_AND_WALES) -> bool:
    """Monday to Friday and not a bank holiday in ``nation``."""
    return day.weekday() < 5 and day not in bank_holidays(day.year, nation)


def add_working_days(start: date, days: int, nation: str = ENGLAND_AND_WALES) -> date:
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
        if is_working_day(current, nation):
            remaining -= 1
    return current


def working_days_between(start: date, end: date, nation: str = ENGLAND_AND_WALES) -> int:
    """How many working days fall after ``start`` up to and including ``end`` (0 if none)."""
    count = 0
    current = start
    while current < end:
        current += timedelta(days=1)
        if is_working_day(current, nation):
            count += 1
    return count
