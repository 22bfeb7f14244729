"""Month arithmetic for enrolment rules (benefits start and stop on month boundaries)."""

from __future__ import annotations

import datetime as dt


def month_start(day: dt.date) -> dt.date:
    return day.replace(day=1)


def add_months(day: dt.date, months: int) -> dt.date:
    """The same day `months` later (clamped to the month's end)."""
    index = day.year * 12 + (day.month - 1) + months
    year, month = divmod(index, 12)
    month += 1
    for candidate in (day.day, 30, 29, 28):
        try:
            return dt.date(year, month, min(day.day, candidate))
        except ValueError:
            continue
    raise ValueError(day)


def next_month(day: dt.date) -> dt.date:
    """First day of the month after `day`'s month."""
    return add_months(month_start(day), 1)


def months_between(earlier: dt.date, later: dt.date) -> int:
    """Whole calendar months from `earlier`'s month to `later`'s month (same month: 0)."""
    return (later.year - earlier.year) * 12 + (later.month - earlier.month)


def month_range(first: dt.date, last: dt.date):
    """First days of every month from `first`'s month to `last`'s month, inclusive."""
    current = month_start(first)
    end = month_start(last)
    while current <= end:
        yield current
        current = add_months(current, 1)


def age_on(birth_date: dt.date, on: dt.date) -> int:
    """Full years of age on `on`."""
    return on.year - birth_date.year - ((on.month, on.day) < (birth_date.month, birth_date.day))
