"""The retirement year's outpatient deductible refund (art. 29(2))."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal

from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.db import transaction
from django.db.models import Sum

from policy import accounts as rules
from policy.money import ZERO
from policy.parameters import parameters_for

from ..models import Account, LedgerEntry
from .ledger import _entry, _lock, _post

# --- Retirement year's outpatient deductible (art. 29(2)) ------------------------------

# (person id, year) -> outpatient deductible the person paid that year. The settlements keep
# it (claims' year-to-date rows, above accounts): claims registers its selector at start-up
# (`ClaimsConfig.ready`) and passes the value in when it has it, so accounts imports no claims.
DeductiblePaid = Callable[[int, int], Decimal]
_deductible_paid: DeductiblePaid | None = None


def provide_deductible_paid(function: DeductiblePaid) -> None:
    """Register where the year's outpatient deductible paid is read from (the claims app does)."""
    global _deductible_paid
    _deductible_paid = function


def _paid_in(person, year: int) -> Decimal:
    if _deductible_paid is None:
        raise ImproperlyConfigured("no provider of the deductible paid: is the claims app installed?")
    return _deductible_paid(person.pk, year)


def retirement_year_months(retired_on: dt.date) -> tuple[int, int]:
    """(months before retirement, months retired) in the year of retirement (art. 29(2):
    按医保退休前后实际月份分别计算). The month of retirement counts as retired: benefits of a
    retiree apply from the month the retirement takes effect."""
    return retired_on.month - 1, 13 - retired_on.month


@transaction.atomic
def refund_retirement_year_deductible(
    *, person, year: int, on: dt.date | None = None, deductible_paid: Decimal | None = None
) -> LedgerEntry | None:
    """What the person paid above the retirement year's outpatient deductible, × 80%, into historical
    funds (art. 29(2)). None when nothing is (or nothing more is) due.

    The year's deductible is worked out by the months before and after retirement
    (`policy.accounts.retirement_year_outpatient_deductible`); what the person actually paid
    is `deductible_paid`, or else asked of the claims app's registered selector (the year's
    `outpatient_deductible_paid` kept by the settlements). Run
    after the year has ended (the year-end task does it), and again when a bill of that year
    is settled or reversed later (a counter reimbursement may come until the end of the next
    year, art. 65): the year's refund entries then add up to what is due now. The entry
    posted is the difference; a refund that has become too large is taken back from the
    historical funds, never below zero.
    """
    from contributions.models import RetirementConfirmation
    from policy.amount import NotInRegion

    confirmation = RetirementConfirmation.objects.filter(person=person, confirmed_on__isnull=False).first()
    if confirmation is None or confirmation.retirement_date.year != year:
        return None
    account = _lock(person)
    if account.status != Account.Status.OPEN:
        return None
    # what the year's refunds already paid (the account row is locked: retries add nothing)
    refunded = (
        LedgerEntry.objects.filter(
            account=account, kind=LedgerEntry.Kind.RETIREMENT_REFUND, year=year
        ).aggregate(total=Sum("amount"))["total"]
        or ZERO
    )
    params = parameters_for(account.region, dt.date(year, 12, 31))
    months_active, months_retired = retirement_year_months(confirmation.retirement_date)
    try:
        due = rules.retirement_year_outpatient_deductible(
            params=params, months_active=months_active, months_retired=months_retired
        )
    except NotInRegion:  # the region has no such rule
        return None
    paid = deductible_paid if deductible_paid is not None else _paid_in(person, year)
    refund = rules.retirement_year_refund(params=params, deductible_paid=paid, deductible_due=due.amount)
    difference = refund.amount - refunded  # the rule gives zero, never less, when nothing is due
    if difference < 0:
        difference = -min(-difference, max(account.historical, ZERO))
    if not difference:
        return None
    text = f"{year}年退休，门诊起付标准应付 {due.amount}（{due.lines[0].text}）；{refund.lines[0].text}"
    if refunded:
        text = f"{text}；已划入 {refunded}，{'补划' if difference > 0 else '冲回'} {abs(difference)}"
    entry = _entry(
        account,
        kind=LedgerEntry.Kind.RETIREMENT_REFUND,
        bucket=LedgerEntry.Bucket.HISTORICAL,
        amount=difference,
        on=on or dt.date(year, 12, 31),
        year=year,
        text=text,
        article_text=refund.lines[0].article,
        source_type="retirement_year",
        source_id=f"{year:04d}",
    )
    return _post(account, [entry])[0]


def run_retirement_year_refunds(year: int) -> dict:
    """Art. 29(2) for everybody whose retirement took effect in `year` (one transaction each)."""
    from contributions.models import RetirementConfirmation

    done, errors = 0, []
    confirmations = RetirementConfirmation.objects.filter(
        retirement_date__year=year, confirmed_on__isnull=False, person__account__isnull=False
    ).select_related("person")
    for confirmation in confirmations:
        try:
            if refund_retirement_year_deductible(person=confirmation.person, year=year):
                done += 1
        except ValidationError as error:
            errors.append(f"参保人 {confirmation.person_id}：{'；'.join(error.messages)}")
    return {"refunds": done, "errors": errors}
