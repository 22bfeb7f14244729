"""The counter receipt (业务回执) of an account action (art. 26) as a Chinese PDF.

Printed from the ledger entries that carry the receipt number, so a receipt printed again says
what was written, whatever happened to the account since. ID numbers are masked (first 6, last 4).
"""

from __future__ import annotations

import logging

from django.template.loader import render_to_string

from core.identity import mask_id_number
from policy.money import ZERO
from policy.regions import region_of

from .models import Account, Inheritance, LedgerEntry
from .services.life import ACTIONS, receipt_entries

logging.getLogger("weasyprint").setLevel(logging.WARNING)
logging.getLogger("fontTools").setLevel(logging.WARNING)


class NoSuchReceipt(LookupError):
    pass


def receipt_context(account: Account, receipt: str) -> dict:
    action = ACTIONS.get(receipt.rsplit("-", 2)[0])  # "<action>-<account id>-<random>"
    if action is None or not receipt.startswith(f"{action.key}-{account.pk}-"):
        raise NoSuchReceipt(receipt)
    entries = receipt_entries(account, receipt)
    inheritance = Inheritance.objects.filter(account=account).first() if action.key == "inheritance" else None
    if not entries:
        # an action that moved no money (a death or an inheritance on a zero balance) leaves no entry;
        # its receipt stands only where the account's state says it was done
        done = {
            "death": account.status in (Account.Status.DECEASED, Account.Status.INHERITED),
            "inheritance": inheritance is not None,
        }.get(action.key, False)
        if not done:
            raise NoSuchReceipt(receipt)
    on = entries[0].entry_date if entries else (inheritance.settled_on if inheritance else account.closed_on)
    articles = sorted({entry.article for entry in entries}) or [
        region_of(account.region).article(
            f"account.{'inheritance' if action.key == 'inheritance' else 'overdraft'}"
        )
    ]
    movement = {
        bucket: sum((e.amount * LedgerEntry.BUCKET_EFFECT[e.bucket][index] for e in entries), ZERO)
        for index, bucket in enumerate(("current", "historical"))
    }
    region = region_of(account.region)
    return {
        "account": account,
        "person_name": account.person.name,
        "masked_id": mask_id_number(account.person.id_number),
        "region_name": region.name,
        # the 示例参数 notice when the region's figures in force on the action's date are illustrative
        "illustrative_notice": region.illustrative_notice(on) if on else "",
        "action": action,
        "receipt": receipt,
        "on": on,
        "entries": entries,
        "articles": articles,
        "current_movement": movement["current"],
        "historical_movement": movement["historical"],
        "net": movement["current"] + movement["historical"],
        "inheritance": inheritance,
        "heir_masked_id": mask_id_number(inheritance.heir_id_number) if inheritance else "",
    }


def render_html(account: Account, receipt: str) -> str:
    return render_to_string("accounts/receipt.html", receipt_context(account, receipt))


def render_pdf(account: Account, receipt: str) -> bytes:
    from weasyprint import HTML

    return HTML(string=render_html(account, receipt)).write_pdf()


def receipts_of(account: Account) -> list[tuple[str, str]]:
    """(receipt number, action label) of the account's counter actions that moved money, newest first."""
    from .services.closing import RECEIPT_SOURCE

    numbers = (
        LedgerEntry.objects.filter(account_id=account.pk, source_type=RECEIPT_SOURCE)
        .order_by("-id")
        .values_list("source_id", flat=True)
    )
    seen: dict[str, str] = {}
    for number in numbers:
        key = number.rsplit("-", 2)[0]
        if number not in seen and key in ACTIONS:
            seen[number] = str(ACTIONS[key].label)
    return list(seen.items())
