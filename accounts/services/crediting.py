"""The monthly credit of one account (杭州 art. 23, 27) and what it is computed from."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils.translation import gettext as _

from policy import accounts as rules
from policy.money import ZERO
from policy.parameters import parameters_for

from ..models import Account, LedgerEntry
from .ledger import CREDITED_CATEGORIES, AccountError, _entry, _lock, _post, article

# --- Profile and opening -------------------------------------------------------------


def _provincial_average(params):
    return params["provincial_average_monthly_wage"]


def credit_for_month(account: Account, year: int, month: int, params=None) -> rules.Amount | None:
    """One month's credit at the account's stored category and the age reached that month (杭州 art. 23).

    None for an agreement payer in a month outside the agreement period (art. 23(3)).
    """
    params = params or parameters_for(account.region, dt.date(year, month, 1))
    category = account.category
    kwargs = {}
    if category == "agreement":
        terms = agreement_terms(account, year, month)
        if terms is None:
            return None
        payment, months, index = terms
        kwargs = {"agreement_payment": payment, "agreement_months": months, "agreement_month_index": index}
    elif category == "retired":
        kwargs = {"pension": account.pension, "provincial_average_monthly_wage": _provincial_average(params)}
    else:
        kwargs = {"base": account.credit_base}
    return rules.monthly_credit(
        params=params, category=category, age=rules.age_in_month(account.birth_date, year, month), **kwargs
    )


def agreement_terms(account: Account, year: int, month: int) -> tuple[Decimal, int, int] | None:
    """An agreement payer's lump sum, the months of the agreement period and this month's place in it
    (杭州 art. 23(3): 50% of the lump sum paid when the agreement was made, credited monthly over
    the agreement period). The period is the agreement enrolment's start to end month; None when
    the month is outside it. Refuses when the enrolment has no end date (the months are unknown).
    """
    from contributions.models import AgreementPayment

    first = dt.date(year, month, 1)
    last = (first + dt.timedelta(days=31)).replace(day=1) - dt.timedelta(days=1)
    payment = (
        AgreementPayment.objects.filter(person_id=account.person_id, enrolment__start_date__lte=last)
        .filter(Q(enrolment__end_date__isnull=True) | Q(enrolment__end_date__gte=first))
        .select_related("enrolment")
        .order_by("-enrolment__start_date")
        .first()
    )
    if payment is None:
        return None
    start, end = payment.enrolment.start_date, payment.enrolment.end_date
    if end is None:
        raise AccountError(
            {
                "category": _(
                    "协缴期间未确定（协缴参保登记无终止日期），不能分月划入历年资金（杭州 第二十三条第(三)项）"
                )
            }
        )
    months = (end.year - start.year) * 12 + end.month - start.month + 1
    index = (year - start.year) * 12 + month - start.month + 1
    if not 1 <= index <= months:
        return None
    return payment.amount, months, index


def _preset_months(account: Account, year: int, first_month: int) -> Decimal:
    return sum((credit_for_month(account, year, m).amount for m in range(first_month, 13)), ZERO)

def _credits_apply(account: Account) -> bool:
    """Current funds are preset and credited (杭州 art. 22(2)(3), 23; stopped per art. 27)."""
    return (
        account.status == Account.Status.OPEN
        and account.category in CREDITED_CATEGORIES
        and not account.credits_stopped
        and not account.benefit_suspended
    )


def monthly_credit_applies(account: Account) -> bool:
    """A monthly credit is due (art. 23), agreement payers' into historical funds (art. 23(3)); none
    while stopped (art. 27: arrears, pension stopped, benefits suspended or ended, closed)."""
    return _credits_apply(account) or (
        account.status == Account.Status.OPEN
        and account.category == Account.Category.AGREEMENT
        and not account.credits_stopped
        and not account.benefit_suspended
    )


# --- Monthly credit ------------------------------------------------------------------


def credit_entry(account: Account, year: int, month: int, params=None) -> LedgerEntry | None:
    """The unsaved ledger entry of one month's credit (杭州 art. 23), or None when none is due.

    The money of current-fund credits is already in current funds through the year's preset:
    the entry (bucket `credited`) records it against the preset and the difference is settled
    at year end (art. 22(5)). A late credit for a year already rolled over, and an agreement
    payer's credit (art. 23(3)), go to historical funds. The caller has locked the account row.
    """
    period = f"{year:04d}-{month:02d}"
    if not monthly_credit_applies(account):
        return None
    agreement = account.category == Account.Category.AGREEMENT
    if not agreement and account.credited_year is not None and year > account.credited_year:
        raise AccountError(
            {
                "period": _("%(year)s 年度尚未结转，不能划入 %(period)s")
                % {"year": account.credited_year, "period": period}
            }
        )
    credit = credit_for_month(account, year, month, params)
    if credit is None or (agreement and not credit.amount):
        return None
    text = "；".join(line.text for line in credit.lines)
    article_text = credit.lines[0].article if credit.lines else article(account.region, "credit")
    late = not agreement and account.rolled_over_year is not None and year <= account.rolled_over_year
    bucket = LedgerEntry.Bucket.HISTORICAL if late or agreement else LedgerEntry.Bucket.CREDITED
    if late:
        text = f"补划 {period}（该年度已结转，划入历年资金）：{text}"
    return _entry(
        account,
        kind=LedgerEntry.Kind.CREDIT,
        bucket=bucket,
        amount=credit.amount,
        on=dt.date(year, month, 1),
        period=period,
        text=text,
        article_text=article_text,
    )


@transaction.atomic
def credit_month(*, account: Account, year: int, month: int) -> LedgerEntry | None:
    """Record one month's actual credit (杭州 art. 23), once per account and month whatever the retries.

    Stopped per art. 27 (credits stopped by a clerk, or benefits suspended/terminated); see
    `credit_entry` for where the money goes. The batch (`accounts.batch.credits`) does the same in bulk.
    """
    account = _lock(account)
    period = f"{year:04d}-{month:02d}"
    existing = LedgerEntry.objects.filter(
        account=account, kind=LedgerEntry.Kind.CREDIT, period=period
    ).first()
    if existing is not None:
        return None
    entry = credit_entry(account, year, month)
    if entry is None:
        return None
    try:
        with transaction.atomic():
            _post(account, [entry])
    except IntegrityError:  # a concurrent retry wrote it first
        return None
    if entry.bucket == LedgerEntry.Bucket.CREDITED:
        Account.objects.filter(pk=account.pk).update(
            credited_total=F("credited_total") + entry.amount, credited_year=year
        )
    return entry
