"""Paying bills from the account (art. 24, 25) and reversing them."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from ..models import Account, LedgerEntry
from .ledger import AccountError, _entry, _lock, _money, _post

# --- Payments ------------------------------------------------------------------------


def pay_for_settlement(
    *,
    person=None,
    account: Account | None = None,
    on: dt.date,
    current_funds: Decimal,
    historical_funds: Decimal,
    source_type: str,
    source_id: str,
    text: str,
    article: str,
) -> list[LedgerEntry]:
    """Pay a bill's account shares: current funds (art. 24) and historical funds (art. 25).

    With `person`, the account row is locked here, in a savepoint of the caller's transaction.
    With `account`, the caller has locked the row in its own transaction (`select_for_update`,
    as a settlement does): no second read and no savepoint; a refusal then aborts the
    caller's whole action. Refuses an amount above the balance, and a second payment for the
    same source (the database's `accounts_entry_one_payment_per_source`).
    """
    current_funds = _money(current_funds, "current_funds")
    historical_funds = _money(historical_funds, "historical_funds")
    if not source_type or not source_id:
        raise AccountError({"source_id": _("须注明来源（结算单）")})
    if not current_funds and not historical_funds:
        return []
    payment = dict(
        on=on,
        current_funds=current_funds,
        historical_funds=historical_funds,
        source_type=source_type,
        source_id=source_id,
        text=text,
        article=article,
    )
    if account is not None:
        return _pay(account, **payment)
    with transaction.atomic():
        return _pay(_lock(person), **payment)


def _pay(
    account: Account, *, on, current_funds, historical_funds, source_type, source_id, text, article
) -> list[LedgerEntry]:
    if account.status != Account.Status.OPEN:
        raise AccountError({"person": _("个人账户已销户，不能支付")})
    if current_funds and current_funds > account.current:
        raise AccountError(
            {
                "current_funds": _("当年资金余额 %(balance)s 元，不足支付 %(amount)s 元")
                % {"balance": account.current, "amount": current_funds}
            }
        )
    if historical_funds and historical_funds > account.historical:
        raise AccountError(
            {
                "historical_funds": _("历年资金余额 %(balance)s 元，不足支付 %(amount)s 元")
                % {"balance": account.historical, "amount": historical_funds}
            }
        )
    link = {
        "source_type": source_type,
        "source_id": source_id,
        "on": on,
        "text": text,
        "article_text": article,
    }
    entries = []
    if current_funds:
        entries.append(
            _entry(
                account,
                kind=LedgerEntry.Kind.OUTPATIENT,
                bucket=LedgerEntry.Bucket.CURRENT,
                amount=-current_funds,
                **link,
            )
        )
    if historical_funds:
        entries.append(
            _entry(
                account,
                kind=LedgerEntry.Kind.HISTORICAL_PAYMENT,
                bucket=LedgerEntry.Bucket.HISTORICAL,
                amount=-historical_funds,
                **link,
            )
        )
    try:
        return _post(account, entries)
    except IntegrityError as error:
        # PostgreSQL names the constraint; SQLite names its columns
        if not any(
            name in str(error) for name in ("one_payment_per_source", "accounts_ledgerentry.source_type")
        ):
            raise
        raise AccountError(
            {"source_id": _("该结算单已由个人账户支付：%(source)s") % {"source": source_id}}
        ) from error


def reverse_source(*, source_type: str, source_id: str, on: dt.date) -> list[LedgerEntry]:
    """Write the opposite of every entry of a source (冲正); refuses a second reversal.

    Current funds paid in a year that has since been rolled over come back as historical
    funds: that year's leftover current funds have already moved there (art. 22(4)).
    """
    with transaction.atomic():
        originals = list(
            LedgerEntry.objects.filter(
                source_type=source_type, source_id=source_id, reverses__isnull=True
            ).order_by("account_id", "id")
        )
        if LedgerEntry.objects.filter(
            source_type=source_type, source_id=source_id, reverses__isnull=False
        ).exists():
            raise AccountError(
                {"source_id": _("该来源已冲正，不能重复冲正：%(source)s") % {"source": source_id}}
            )
        if not originals:  # the source paid nothing from the account: nothing to reverse
            return []
        account_ids = sorted({entry.account_id for entry in originals})
        accounts = {
            a.pk: a for a in Account.objects.select_for_update().filter(pk__in=account_ids).order_by("pk")
        }
        if LedgerEntry.objects.filter(
            source_type=source_type, source_id=source_id, reverses__isnull=False
        ).exists():
            raise AccountError(
                {"source_id": _("该来源已冲正，不能重复冲正：%(source)s") % {"source": source_id}}
            )
        written = []
        for account_id in account_ids:
            account = accounts[account_id]
            entries = []
            for original in (e for e in originals if e.account_id == account_id):
                bucket = original.bucket
                if (
                    bucket == LedgerEntry.Bucket.CURRENT
                    and account.rolled_over_year is not None
                    and original.year <= account.rolled_over_year
                ):
                    bucket = LedgerEntry.Bucket.HISTORICAL
                entries.append(
                    _entry(
                        account,
                        kind=LedgerEntry.Kind.REVERSAL,
                        bucket=bucket,
                        amount=-original.amount,
                        on=on,
                        text=f"冲正：{original.text}",
                        article_text=original.article,
                        source_type=source_type,
                        source_id=source_id,
                        reverses=original,
                    )
                )
            written += _post(account, entries)
        return written
