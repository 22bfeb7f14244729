"""Reads of personal accounts: balances for settlement, the ledger, and the balance audit."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.db import connection
from django.db.models import Q

from core.rows import select_one
from policy.money import ZERO
from policy.settlement.types import Balances

from .models import Account, LedgerEntry


def account_of(person, *, for_update: bool = False) -> Account | None:
    """The person's account, row-locked when `for_update` (call inside a transaction)."""
    # a settlement reads (and locks) it on every bill: no queryset compilation
    return select_one(Account, '"person_id" = %s', [person.pk], for_update=for_update)


def balances(*, person, for_update: bool = False) -> Balances:
    """Current and historical funds of the person (zeros without an account, e.g. residents).

    With `for_update` the account row stays locked until the caller's transaction ends,
    so the amounts a settlement computes from are the amounts it then pays from.
    """
    return balances_of(account_of(person, for_update=for_update))


def balances_of(account: Account | None) -> Balances:
    """What an account can pay from: its balances while open, zeros without one or once closed."""
    if account is None or account.status != Account.Status.OPEN:
        return Balances(current_funds=ZERO, historical_funds=ZERO)
    return Balances(current_funds=account.current, historical_funds=account.historical)


def uses_historical_funds(*, person) -> bool:
    """Whether historical funds pay the person's personal share (art. 25; default yes)."""
    account = Account.objects.filter(person=person).only("historical_pays_personal_share").first()
    return historical_funds_pay(account)


def historical_funds_pay(account: Account | None) -> bool:
    """Whether the account's historical funds pay the personal share: yes unless its holder opted out (art. 25).

    Also yes without an account (nothing to pay from then). The settlement asks it of the row it locked.
    """
    return True if account is None else bool(account.historical_pays_personal_share)


def ledger(*, person):
    """The person's ledger entries, oldest first (empty without an account)."""
    return LedgerEntry.objects.filter(account__person=person).order_by("id")


def mutual_aid_paid_out(*, person):
    """What the person's historical funds paid for relatives (art. 26(6)) and what came back on reversal."""
    from django.db.models import Q

    return LedgerEntry.objects.filter(
        Q(kind=LedgerEntry.Kind.MUTUAL_AID)
        | Q(kind=LedgerEntry.Kind.REVERSAL, reverses__kind=LedgerEntry.Kind.MUTUAL_AID),
        account__person=person,
    ).order_by("-entry_date", "-id")


def _fen(column: str) -> str:
    if connection.vendor == "postgresql":
        return f"({column} * 100)::bigint"
    return f"CAST(ROUND({column} * 100) AS INTEGER)"


@dataclass(frozen=True)
class Mismatch:
    account_id: int
    stored_current: Decimal
    stored_historical: Decimal
    ledger_current: Decimal
    ledger_historical: Decimal


def audit_balances(*, account_ids=None) -> list[Mismatch]:
    """Accounts whose stored balances differ from the sum of their ledger (核对余额).

    Summed in fen (integers) on both databases, so no rounding can hide or invent a difference.
    A `cur_to_hist` entry (the year-end carry-over, one row) counts out of current funds and into
    historical funds (`LedgerEntry.BUCKET_EFFECT`).
    """
    entries = LedgerEntry._meta.db_table
    accounts = Account._meta.db_table
    where, params = "", []
    if account_ids is not None:
        account_ids = list(account_ids)
        if not account_ids:
            return []
        where = f"WHERE a.id IN ({', '.join(['%s'] * len(account_ids))})"
        params = account_ids
    sql = f"""
        SELECT a.id, {_fen("a.current")}, {_fen("a.historical")},
               COALESCE(l.cur, 0), COALESCE(l.hist, 0)
        FROM {accounts} a
        LEFT JOIN (
            SELECT account_id,
                   SUM(CASE bucket WHEN 'current' THEN {_fen("amount")}
                                   WHEN 'cur_to_hist' THEN 0 - {_fen("amount")} ELSE 0 END) AS cur,
                   SUM(CASE WHEN bucket IN ('historical', 'cur_to_hist') THEN {_fen("amount")} ELSE 0 END) AS hist
            FROM {entries}
            GROUP BY account_id
        ) l ON l.account_id = a.id
        {where}
    """
    found = []
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        for account_id, current, historical, ledger_current, ledger_historical in cursor.fetchall():
            if int(current) != int(ledger_current) or int(historical) != int(ledger_historical):
                found.append(
                    Mismatch(
                        account_id,
                        Decimal(int(current)) / 100,
                        Decimal(int(historical)) / 100,
                        Decimal(int(ledger_current)) / 100,
                        Decimal(int(ledger_historical)) / 100,
                    )
                )
    return found


def active_grants(*, holder=None, relative=None):
    from .models import MutualAidGrant

    queryset = MutualAidGrant.objects.filter(revoked_on__isnull=True)
    if holder is not None:
        queryset = queryset.filter(holder=holder)
    if relative is not None:
        queryset = queryset.filter(relative=relative)
    return queryset


def open_accounts():
    return Account.objects.filter(Q(status=Account.Status.OPEN))
