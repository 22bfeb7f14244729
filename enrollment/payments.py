"""The payments benefit status is derived from, asked of the app that records them.

`enrollment` sits below `contributions`, so it cannot import it. `contributions` registers
its reader here when Django starts (`ContributionsConfig.ready`); `benefit_status` asks
it for a person's employee months with their payment dates (coverage-rules.md reading 1).
A caller working through many persons reads them for all at once (`preload`); benefit status
reads them as a column of its enrolments' statement (`column`, `from_column`), in no statement
of their own.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Mapping

from policy.coverage import Paid

# person ids -> {person id: {month: Paid}}
Reader = Callable[[list[int]], Mapping[int, Mapping[dt.date, Paid]]]
_reader: Reader | None = None
# the person's id as SQL -> an SQL column of their payments; that column's value -> {month: Paid}
_column: Callable[[str], str] | None = None
_from_column: Callable[[object], Mapping[dt.date, Paid]] | None = None
CACHE = "_paid_months"


def register(
    reader: Reader,
    *,
    column: Callable[[str], str] | None = None,
    from_column: Callable[[object], Mapping[dt.date, Paid]] | None = None,
) -> None:
    global _reader, _column, _from_column
    _reader, _column, _from_column = reader, column, from_column


def column(person_id: str) -> str | None:
    """An SQL column of the person's payments (`person_id` is the SQL of their id), or None if none is known."""
    return _column(person_id) if _column is not None else None


def from_column(value) -> Mapping[dt.date, Paid]:
    """The months of a `column` value."""
    assert _from_column is not None
    return _from_column(value)


def paid_months(person) -> Mapping[dt.date, Paid]:
    """The person's employee months paid (contributions and back payments) with their dates."""
    cached = person.__dict__.get(CACHE)
    if cached is not None:
        return cached
    if _reader is None:
        return {}
    return _reader([person.pk]).get(person.pk, {})


def preload(persons: Iterable) -> None:
    """Read the payments of many persons in one query, kept on each person for `paid_months`."""
    persons = list(persons)
    if _reader is None or not persons:
        return
    found = _reader([p.pk for p in persons])
    for person in persons:
        person.__dict__[CACHE] = found.get(person.pk, {})


def forget(person) -> None:
    person.__dict__.pop(CACHE, None)
