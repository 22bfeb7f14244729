"""The rows a settlement locks: the person's year-to-date row, then the account (in that order)."""

from __future__ import annotations

from accounts import selectors as account_selectors
from accounts.models import Account
from core.rows import join, next_key, queue_one_joined, select_one, together, where

from ..models import Accumulator, Settlement
from .inputs import Prepared


def lock_rows(prepared: Prepared, *, also=None) -> tuple[Accumulator, Account | None, object]:
    """Lock the person's year-to-date row, then the account row (HZ art. 24, 25); draw the settlement's key.

    Usually both rows exist and one joined SELECT … FOR UPDATE locks them in that order; the
    settlement's key is drawn right after it, once the rows are held, so a person's
    settlement ids give the order their bills were applied in. Both travel in one round
    trip. Otherwise (the year's first bill, or no account) the rows are locked one after
    the other, in the same order, and the key is drawn again after them: the year's row is
    created first by INSERT … ON CONFLICT DO NOTHING (no savepoint; a concurrent first bill
    makes it a no-op and the locking read waits for that transaction), so no settlement ever
    holds the account while it waits for the year's row (a reversal takes them in the same
    order). The key is None where the database gives keys on INSERT only (SQLite).
    """
    year, person = prepared.year, prepared.person
    with together():  # reads only: the lock and the key in one round trip (PostgreSQL)
        locked = queue_one_joined(
            (Accumulator, Account),
            join(Accumulator, Account, "person"),
            where(Accumulator, "person", "year_key"),
            [person.pk, year.key],
            for_update=True,
        )
        settlement_key = next_key(Settlement)
        if also is not None:  # the caller's reads that need no lock, sent in the same round trip
            also()
    both = locked()
    if both is not None:
        return (*both, settlement_key)
    accumulator = locked_accumulator(person.pk, year.key)
    if accumulator is None:
        Accumulator.objects.bulk_create(
            [
                Accumulator(
                    person=person,
                    year_key=year.key,
                    region=prepared.profile.region,
                    year_start=year.start,
                    year_end=year.end,
                    state={},
                )
            ],
            ignore_conflicts=True,
        )
        accumulator = locked_accumulator(person.pk, year.key)
    return accumulator, account_selectors.account_of(person, for_update=True), next_key(Settlement)


def locked_accumulator(person_id: int, year_key: str) -> Accumulator | None:
    return select_one(
        Accumulator, where(Accumulator, "person", "year_key"), [person_id, year_key], for_update=True
    )
