"""The settlement year (规程 §2): 1 Jan–31 Dec, university students 1 Sep–31 Aug.

The year of an inpatient bill is that of its discharge date (杭州 art. 64(6)); callers
pass the discharge date as the bill date. The start month-day comes from the region's
`settlement_year.start` parameter when the region declares one.
"""

from __future__ import annotations

import datetime as dt
from functools import lru_cache

from policy.parameters import UnknownParameter, parameters_for

from .types import PersonProfile, SettlementYear

# 规程 §2: the agency's reading where a region's file declares no settlement year.
_DEFAULT_START = {"default": "01-01", "student": "09-01"}


@lru_cache(maxsize=64)
def _month_day(text: str) -> tuple[int, int]:
    month, day = str(text).split("-")
    return int(month), int(day)


def _starts(params) -> tuple[tuple[int, int], tuple[int, int]]:
    """(everyone's, students') start month-day in this view."""
    table = _DEFAULT_START
    if params is not None:
        try:
            table = params["settlement_year.start"]
        except UnknownParameter:
            table = _DEFAULT_START
    default = _month_day(table["default"])
    return default, (_month_day(table["student"]) if "student" in table else default)


def _start_month_day(person: PersonProfile, params) -> tuple[int, int]:
    # resolved once per parameter view (a view is one region on one date: its values never change)
    cached = getattr(params, "__dict__", None)
    if cached is None:
        starts = _starts(params)
    else:
        starts = cached.get("_year_starts")
        if starts is None:
            starts = cached["_year_starts"] = _starts(params)
    return starts[1] if person.scheme == "resident" and person.category == "student" else starts[0]


@lru_cache(maxsize=4096)
def _year_for(month: int, day: int, on: dt.date) -> SettlementYear:
    start_this = dt.date(on.year, month, day)
    begin_year = on.year if on >= start_this else on.year - 1
    start = dt.date(begin_year, month, day)
    # the last representable year has no next year to end before (9999-12-31 was a ValueError)
    end = (
        dt.date(begin_year + 1, month, day) - dt.timedelta(days=1) if begin_year < dt.MAXYEAR else dt.date.max
    )
    key = str(begin_year) if (month, day) == (1, 1) else f"{begin_year}-{month:02d}"
    return SettlementYear(key=key, start=start, end=end)


def settlement_year(person: PersonProfile, on: dt.date, params=None) -> SettlementYear:
    """The settlement year `on` falls in for this person.

    `params` is the region's parameter view for `on`; without it the view is looked up.
    """
    if params is None:
        params = parameters_for(person.region, on)
    student = person.scheme == "resident" and person.category == "student"
    memo = getattr(params, "__dict__", None)
    if memo is not None:
        # per view (one region, one period): the year of each date asked, for students and for everyone else
        years = memo.get("_settlement_years")
        if years is None:
            years = memo["_settlement_years"] = {}
        found = years.get((on, student))
        if found is None:
            month, day = _start_month_day(person, params)
            found = years[(on, student)] = _year_for(month, day, on)
        return found
    month, day = _start_month_day(person, params)
    return _year_for(month, day, on)
