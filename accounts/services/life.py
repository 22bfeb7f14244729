"""The account's life at the counter (art. 26): transfer in, transfer out, clearing, death, inheritance.

Each action is shown before it is done: `preview` runs the very service that will write
(`closing.transfer_in`, `close_account`, `settle_inheritance`) inside a transaction and rolls it
back, so the amounts a clerk confirms are computed by the same code. `perform` runs it again
for real and refuses (nothing written) when the amounts are no longer the ones confirmed
(a settlement or a credit moved the balance in between). Every entry carries the receipt
number (`LedgerEntry.source_id`), from which the receipt is printed.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from policy.money import ZERO

from ..models import Account, Inheritance, LedgerEntry
from .closing import RECEIPT_SOURCE, close_account, settle_inheritance, transfer_in
from .ledger import AccountError


@dataclass(frozen=True)
class LifeAction:
    key: str
    label: str
    permission: str  # "<app>.<codename>"
    needs_status: str


ACTIONS = {
    action.key: action
    for action in (
        LifeAction("transfer_in", gettext_lazy("转入"), "accounts.transferin_account", Account.Status.OPEN),
        LifeAction("transfer_out", gettext_lazy("转出"), "accounts.close_account", Account.Status.OPEN),
        LifeAction("clearing", gettext_lazy("清算"), "accounts.close_account", Account.Status.OPEN),
        LifeAction("death", gettext_lazy("死亡销户"), "accounts.close_account", Account.Status.OPEN),
        LifeAction("inheritance", gettext_lazy("继承"), "accounts.close_account", Account.Status.DECEASED),
    )
}


def actions_for(account: Account, user) -> list[LifeAction]:
    """The actions this account's state allows and the clerk may take."""
    return [a for a in ACTIONS.values() if a.needs_status == account.status and user.has_perm(a.permission)]


@dataclass
class Outcome:
    """What an action writes (or would write): the entries, the balances before and after, the status."""

    action: str
    receipt: str
    entries: list[LedgerEntry]
    current_before: Decimal
    historical_before: Decimal
    current_after: Decimal
    historical_after: Decimal
    status_after: str
    inheritance: Inheritance | None = None
    paid_out: Decimal = field(default=ZERO)

    @property
    def digest(self) -> str:
        """The amounts confirmed: what `perform` must find again to write."""
        rows = [f"{e.kind}|{e.bucket}|{e.amount}" for e in self.entries]
        rows.append(f"status|{self.status_after}")
        return hashlib.sha256("\n".join(rows).encode()).hexdigest()[:32]

    @property
    def status_after_display(self) -> str:
        return str(Account.Status(self.status_after).label)


class ChangedSincePreview(AccountError):
    """The balance moved between the preview and the confirmation: nothing written, preview again."""


class _RollBack(Exception):
    pass


def new_receipt(action: str, account: Account) -> str:
    return f"{action}-{account.pk}-{secrets.token_hex(5)}"


def _call(action: str, account: Account, data: dict, receipt: str, user):
    on: dt.date = data["on"]
    if action == "transfer_in":
        return transfer_in(
            person=account.person,
            amount=data.get("amount"),
            on=on,
            other_place=data.get("other_place", ""),
            receipt=receipt,
        )
    if action in ("transfer_out", "clearing", "death"):
        return close_account(
            person=account.person,
            reason=action,
            on=on,
            has_open_bills=not data.get("bills_settled", False),
            overdraft_collected=bool(data.get("overdraft_collected")),
            other_place=data.get("other_place", ""),
            receipt=receipt,
        )
    if action == "inheritance":
        return settle_inheritance(
            account=account,
            heir_name=data.get("heir_name", ""),
            heir_id_number=data.get("heir_id_number", ""),
            on=on,
            settled_by=user,
            receipt=receipt,
        )
    raise AccountError({"action": _("未知的账户业务：%(action)s") % {"action": action}})


def _run(action: str, account: Account, data: dict, receipt: str, user) -> Outcome:
    if action not in ACTIONS:
        raise AccountError({"action": _("未知的账户业务：%(action)s") % {"action": action}})
    before = Account.objects.select_for_update().get(pk=account.pk)
    if before.status != ACTIONS[action].needs_status:
        raise AccountError(
            {
                "account": _("账户状态为%(status)s，不能办理%(action)s")
                % {"status": before.get_status_display(), "action": ACTIONS[action].label}
            }
        )
    result = _call(action, before, data, receipt, user)
    after = Account.objects.get(pk=account.pk)
    entries = list(
        LedgerEntry.objects.filter(
            account_id=account.pk, source_type=RECEIPT_SOURCE, source_id=receipt
        ).order_by("id")
    )
    out_kinds = {LedgerEntry.Kind.TRANSFER_OUT, LedgerEntry.Kind.CLEARING, LedgerEntry.Kind.INHERITANCE}
    return Outcome(
        action=action,
        receipt=receipt,
        entries=entries,
        current_before=before.current,
        historical_before=before.historical,
        current_after=after.current,
        historical_after=after.historical,
        status_after=after.status,
        inheritance=result if isinstance(result, Inheritance) else None,
        paid_out=-sum((e.amount for e in entries if e.kind in out_kinds), ZERO),
    )


def preview(*, action: str, account: Account, data: dict, user=None) -> Outcome:
    """What `perform` would write, computed by the same services and rolled back: nothing is written."""
    outcome: list[Outcome] = []
    try:
        with transaction.atomic():
            outcome.append(_run(action, account, data, new_receipt(action, account), user))
            raise _RollBack
    except _RollBack:
        pass
    return outcome[0]


@transaction.atomic
def perform(*, action: str, account: Account, data: dict, user=None, confirmed: str = "") -> Outcome:
    """Do the action (one transaction); with `confirmed` (a preview's digest), only if the amounts are the same."""
    outcome = _run(action, account, data, new_receipt(action, account), user)
    if confirmed and outcome.digest != confirmed:
        raise ChangedSincePreview({"account": _("账户余额已变动，金额与确认时不同，请重新核对后再办理")})
    return outcome


def receipt_entries(account: Account, receipt: str) -> list[LedgerEntry]:
    return list(
        LedgerEntry.objects.filter(
            account_id=account.pk, source_type=RECEIPT_SOURCE, source_id=receipt
        ).order_by("id")
    )
