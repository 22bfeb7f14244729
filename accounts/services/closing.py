"""Transfer in and out, clearing, death and inheritance (art. 26)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db import transaction
from django.utils.translation import gettext as _

from policy.money import ZERO, round_yuan
from policy.regions import article

from ..models import Account, Inheritance, LedgerEntry
from .ledger import AccountError, _entry, _lock, _money, _post

# --- Transfer, clearing, death and inheritance (art. 26) ---------------------------


@transaction.atomic
def transfer_in(*, person, amount: Decimal, on: dt.date, other_place: str, receipt: str = "") -> LedgerEntry:
    """The balance transferred from another place goes wholly into historical funds (art. 26(2)).

    `receipt` (the counter's receipt number) is written on the entries (`source_id`), so the
    receipt is printed from the ledger itself (`accounts.receipts`)."""
    amount = _money(amount, "amount")
    if not amount:
        raise AccountError({"amount": _("转入金额须大于 0")})
    account = _lock(person)
    if account.status != Account.Status.OPEN:
        raise AccountError({"person": _("个人账户已销户")})
    entry = _entry(
        account,
        kind=LedgerEntry.Kind.TRANSFER_IN,
        bucket=LedgerEntry.Bucket.HISTORICAL,
        amount=amount,
        on=on,
        text=f"自{other_place}转入个人账户结余，全部划入历年资金",
        article_text=article(account.region, "account.transfer_in"),
    )
    return _post(account, _stamp([entry], receipt))[0]


RECEIPT_SOURCE = "account_life"


def _stamp(entries: list[LedgerEntry], receipt: str) -> list[LedgerEntry]:
    """The counter's receipt number on every entry of one action (nothing without one)."""
    if receipt:
        for entry in entries:
            entry.source_type, entry.source_id = RECEIPT_SOURCE, receipt[:64]
    return entries


CLOSING_REASONS = {
    "transfer_out": (Account.Status.TRANSFERRED, LedgerEntry.Kind.TRANSFER_OUT, "转出个人账户实际结余"),
    "clearing": (Account.Status.CLEARED, LedgerEntry.Kind.CLEARING, "清算发还个人账户实际结余"),
    "death": (Account.Status.DECEASED, None, ""),
}


@transaction.atomic
def close_account(
    *,
    person,
    reason: str,
    on: dt.date,
    has_open_bills: bool = False,
    overdraft_collected: bool = False,
    other_place: str = "",
    receipt: str = "",
) -> list[LedgerEntry]:
    """Transfer out, clear, or close on death (art. 26(1)(3)).

    Open bills must be settled first (the caller passes what claims reports). A current-
    fund overdraft is offset by historical funds; what remains the person pays
    (`overdraft_collected` confirms the counter took it), or for a deceased person it is
    written off against the pooled fund. On death the balance waits for the heir
    (`settle_inheritance`).
    """
    if reason not in CLOSING_REASONS:
        raise AccountError({"reason": _("销户原因应为转出、清算或死亡")})
    account = _lock(person)
    region = account.region
    if account.status != Account.Status.OPEN:
        raise AccountError(
            {"person": _("个人账户已销户（%(status)s）") % {"status": account.get_status_display()}}
        )
    if has_open_bills:
        raise AccountError(
            {
                "person": _("须先结清相关医疗费用（%(article)s）")
                % {"article": article(region, "account.overdraft")}
            }
        )
    reconciled = _post(account, _stamp(_closing_reconciliation(account, on), receipt))
    entries = []
    if account.current < 0:
        overdraft = -account.current
        offset = min(overdraft, max(account.historical, ZERO))
        if offset:
            entries += [
                _entry(
                    account,
                    kind=LedgerEntry.Kind.OVERDRAFT_OFFSET,
                    bucket=LedgerEntry.Bucket.HISTORICAL,
                    amount=-offset,
                    on=on,
                    text="历年资金冲抵当年资金透支",
                    article_text=article(region, "account.overdraft"),
                ),
                _entry(
                    account,
                    kind=LedgerEntry.Kind.OVERDRAFT_OFFSET,
                    bucket=LedgerEntry.Bucket.CURRENT,
                    amount=offset,
                    on=on,
                    text="历年资金冲抵当年资金透支",
                    article_text=article(region, "account.overdraft"),
                ),
            ]
        rest = overdraft - offset
        if rest:
            if reason == "death":
                entries.append(
                    _entry(
                        account,
                        kind=LedgerEntry.Kind.WRITE_OFF,
                        bucket=LedgerEntry.Bucket.CURRENT,
                        amount=rest,
                        on=on,
                        text="死亡人员当年资金透支，历年资金不足冲抵部分在统筹基金中核销",
                        article_text=article(region, "account.overdraft"),
                    )
                )
            elif not overdraft_collected:
                raise AccountError(
                    {
                        "overdraft_collected": _(
                            "当年资金透支 %(rest)s 元须由本人补足后方可办理（%(article)s）"
                        )
                        % {"rest": rest, "article": article(region, "account.overdraft")}
                    }
                )
            else:
                entries.append(
                    _entry(
                        account,
                        kind=LedgerEntry.Kind.OVERDRAFT_REPAID,
                        bucket=LedgerEntry.Bucket.CURRENT,
                        amount=rest,
                        on=on,
                        text="当年资金透支由本人补足",
                        article_text=article(region, "account.overdraft"),
                    )
                )
    _post(account, _stamp(entries, receipt))
    status, kind, text = CLOSING_REASONS[reason]
    if kind is not None:
        if other_place:
            text = f"{text}（转往{other_place}）"
        out = [
            _entry(
                account,
                kind=kind,
                bucket=bucket,
                amount=-balance,
                on=on,
                text=text,
                article_text=article(region, f"account.{reason}"),
            )
            for bucket, balance in (
                (LedgerEntry.Bucket.CURRENT, account.current),
                (LedgerEntry.Bucket.HISTORICAL, account.historical),
            )
            if balance
        ]
        entries += _post(account, _stamp(out, receipt))
    Account.objects.filter(pk=account.pk).update(status=status, closed_on=on)
    account.status, account.closed_on = status, on
    return reconciled + entries


def _closing_reconciliation(account: Account, on: dt.date) -> list[LedgerEntry]:
    """The actual balance (实际结余) on closing mid-year: the preset not yet backed by credits.

    Current funds were preset for the whole year (art. 22(2)(3)); what is paid out on a
    transfer, clearing or death is the actual balance (art. 26(1)(3)(5)), so the part of the
    preset no monthly credit has backed yet is taken back (a credit above the preset is
    added). What that leaves below zero is the overdraft art. 26(3) then offsets.
    """
    if account.preset_year != on.year:
        return []
    credited = account.credited_total if account.credited_year == on.year else ZERO
    preset = account.preset_amount
    difference = credited - preset
    if not difference:
        return []
    Account.objects.filter(pk=account.pk).update(preset_amount=credited)
    account.preset_amount = credited
    text = f"销户结算：当年资金预设 {preset} 元，实际划入 {credited} 元，按实际结余调整"
    return [
        _entry(
            account,
            kind=LedgerEntry.Kind.RECONCILIATION,
            bucket=LedgerEntry.Bucket.CURRENT,
            amount=difference,
            on=on,
            text=text,
            article_text=article(account.region, "account.overdraft"),
        )
    ]


@transaction.atomic
def settle_inheritance(
    *, account: Account, heir_name: str, heir_id_number: str, on: dt.date, settled_by=None, receipt: str = ""
) -> Inheritance:
    """The heir or legatee receives the deceased holder's actual balance (art. 26(5))."""
    account = _lock(account)
    if account.status != Account.Status.DECEASED:
        raise AccountError({"account": _("仅死亡人员的账户可办理继承")})
    if not heir_name.strip():
        raise AccountError({"heir_name": _("请填写继承人或受遗赠人姓名")})
    if not heir_id_number.strip():
        raise AccountError({"heir_id_number": _("请填写继承人证件号码")})
    amount = account.current + account.historical
    entries = [
        _entry(
            account,
            kind=LedgerEntry.Kind.INHERITANCE,
            bucket=bucket,
            amount=-balance,
            on=on,
            text=f"由 {heir_name} 继承个人账户实际结余",
            article_text=article(account.region, "account.inheritance"),
        )
        for bucket, balance in (
            (LedgerEntry.Bucket.CURRENT, account.current),
            (LedgerEntry.Bucket.HISTORICAL, account.historical),
        )
        if balance
    ]
    _post(account, _stamp(entries, receipt))
    Account.objects.filter(pk=account.pk).update(status=Account.Status.INHERITED)
    return Inheritance.objects.create(
        account=account,
        heir_name=heir_name.strip(),
        heir_id_number=heir_id_number.strip(),
        amount=round_yuan(amount),
        settled_on=on,
        settled_by=settled_by,
    )
