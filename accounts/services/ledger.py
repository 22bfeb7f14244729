"""Posting to the ledger: every movement of an account is an entry, and the stored balances move with them.

The stored balances on `Account` change only in these services (and in the set-based batches,
`accounts.batch`), always in the same transaction as the entries that explain them,
with the account row locked (`select_for_update`).
"""

from __future__ import annotations

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from core.rows import add_to_row, insert_rows
from policy import accounts as rules
from policy.money import ZERO

from ..models import Account, LedgerEntry

# Who is preset, credited into current funds and pays the premium from them: one declaration
# (`policy.accounts`, art. 22, 23, 41), also read by the year-end rollover's SQL.
CURRENT_FUND_CATEGORIES = frozenset(rules.CURRENT_FUND_CATEGORIES)
CREDITED_CATEGORIES = CURRENT_FUND_CATEGORIES  # the name earlier callers used


class AccountError(ValidationError):
    """A refused account action: a dict of field -> message a clerk can act on."""


def _money(value, field: str) -> Decimal:
    if isinstance(value, (bool, float)) or value is None:
        raise AccountError({field: _("应为 Decimal 金额，不接受浮点数或空值")})
    amount = Decimal(value)
    if not amount.is_finite() or amount < 0:
        raise AccountError({field: _("金额不能为负数")})
    if amount != amount.quantize(Decimal("0.01")):
        raise AccountError({field: _("金额最多保留两位小数")})
    return amount.quantize(Decimal("0.01"))


def _lock(account_or_person) -> Account:
    """The account row, locked until the transaction ends."""
    if isinstance(account_or_person, Account):
        return Account.objects.select_for_update().get(pk=account_or_person.pk)
    account = Account.objects.select_for_update().filter(person=account_or_person).first()
    if account is None:
        raise AccountError({"person": _("该参保人没有个人账户")})
    return account


def _entry(
    account: Account, *, kind, bucket, amount, on, year=None, text, article_text, **extra
) -> LedgerEntry:
    return LedgerEntry(
        account=account,
        kind=kind,
        bucket=bucket,
        amount=amount,
        entry_date=on,
        year=year if year is not None else on.year,
        text=text[:200],
        article=article_text[:120],
        **extra,
    )


def _post(account: Account, entries: list[LedgerEntry]) -> list[LedgerEntry]:
    """Write the entries and move the stored balances by their sums (account row locked by the caller)."""
    effect = LedgerEntry.BUCKET_EFFECT
    current = sum((e.amount * effect[e.bucket][0] for e in entries), ZERO)
    historical = sum((e.amount * effect[e.bucket][1] for e in entries), ZERO)
    # every settlement paid from the account passes here: statements built once (core.rows)
    insert_rows(entries)
    if current or historical:
        add_to_row(Account, account.pk, current=current, historical=historical)
        account.current += current
        account.historical += historical
    return entries
