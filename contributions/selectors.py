"""Reads: paid months, unpaid months, contribution years (杭州 art. 15, 18, 19, 20)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from enrollment import dates
from enrollment.models import Category, Enrolment, Person, Scheme, Transfer

from .models import BackPayment, ContributionRecord, CreditedPeriod, ResidentPayment

# Categories that owe a contribution every month (杭州 art. 13, 15). Agreement payers pay once
# (art. 13(7)); retirees pay nothing (art. 20).
MONTHLY_CATEGORIES = {Category.ACTIVE, Category.FLEXIBLE, Category.UNEMPLOYED}


def paid_months(*, person: Person) -> set[dt.date]:
    """Months (first days) with an employee-scheme contribution, back payments included."""
    months = set(ContributionRecord.objects.filter(person=person).values_list("month", flat=True))
    for back in BackPayment.objects.filter(person=person):
        months.update(dates.month_range(back.first_month, back.last_month))
    return months


def unpaid_months(*, enrolment: Enrolment, until: dt.date) -> list[dt.date]:
    """Months of a monthly-paying enrolment that ended before `until` without a contribution (杭州 art. 15)."""
    if enrolment.scheme != Scheme.EMPLOYEE or enrolment.category not in MONTHLY_CATEGORIES:
        return []
    first = enrolment.start_date
    last = enrolment.end_date or until
    paid = paid_months(person=enrolment.person)
    return [
        month
        for month in dates.month_range(first, last)
        if dates.next_month(month) <= until and month not in paid
    ]


def arrears_months(*, enrolment: Enrolment, until: dt.date) -> list[dt.date]:
    """Unpaid months from the first paid month on (before it, benefits never started: 杭州 art. 15)."""
    paid = paid_months(person=enrolment.person)
    first_paid = min((m for m in paid if m >= dates.month_start(enrolment.start_date)), default=None)
    if first_paid is None:
        return []
    return [m for m in unpaid_months(enrolment=enrolment, until=until) if m >= first_paid]


@dataclass(frozen=True)
class ContributionMonths:
    """Contribution years as month counts (杭州 art. 18, 19: no month counted twice).

    `local_actual`: months paid here (monthly records, back payments, the legacy local
    scheme, military service); `total`: the union of every kind, plus months made up by a
    retirement lump sum (which have no calendar months).
    """

    local_actual: int
    deemed: int
    continuous_service: int
    transferred: int
    university: int
    other: int
    lump_sum: int
    total: int
    months: frozenset = field(default_factory=frozenset, repr=False)

    @property
    def local_actual_years(self) -> str:
        return f"{self.local_actual // 12}年{self.local_actual % 12}个月"

    @property
    def total_years(self) -> str:
        return f"{self.total // 12}年{self.total % 12}个月"


def contribution_months(
    *, person: Person, until: dt.date | None = None, continuous_service_cutoff=None
) -> ContributionMonths:
    """Count contribution months by kind and in total, never counting a month twice."""
    limit = dates.month_start(until) if until else None

    def keep(months):
        return {m for m in months if limit is None or m <= limit}

    local = keep(paid_months(person=person))
    by_kind: dict[str, set] = {kind: set() for kind in CreditedPeriod.Kind.values}
    for period in CreditedPeriod.objects.filter(person=person):
        months = keep(dates.month_range(period.first_month, period.last_month))
        if period.kind == CreditedPeriod.Kind.CONTINUOUS_SERVICE and continuous_service_cutoff:
            months = {m for m in months if m <= continuous_service_cutoff}
        by_kind[period.kind] |= months
    for kind in CreditedPeriod.LOCAL_ACTUAL:
        local |= by_kind[kind]
    transferred = set(by_kind[CreditedPeriod.Kind.TRANSFERRED])
    for transfer in Transfer.objects.filter(
        person=person, direction=Transfer.Direction.IN, transferred_months__gt=0
    ):
        end = dates.month_start(transfer.transferred_until or transfer.transferred_on)
        transferred |= keep(dates.add_months(end, -i) for i in range(transfer.transferred_months))
    university = set()
    for payment in ResidentPayment.objects.filter(person=person, category=Category.STUDENT).select_related(
        "enrolment"
    ):
        enrolment = payment.enrolment
        university |= keep(
            dates.month_range(enrolment.start_date, enrolment.end_date or enrolment.start_date)
        )
    lump = 0
    retirement = getattr(person, "retirement", None)
    if retirement is not None and retirement.method == retirement.Method.LUMP_SUM and retirement.confirmed_on:
        lump = max(retirement.missing_local_months, retirement.missing_total_months)
    union = local | transferred | university
    for months in by_kind.values():
        union |= months
    return ContributionMonths(
        local_actual=len(local) + lump,
        deemed=len(by_kind[CreditedPeriod.Kind.DEEMED] - local),
        continuous_service=len(by_kind[CreditedPeriod.Kind.CONTINUOUS_SERVICE] - local),
        transferred=len(transferred - local),
        university=len(university - local),
        other=len(by_kind[CreditedPeriod.Kind.OTHER] - local),
        lump_sum=lump,
        total=len(union) + lump,
        months=frozenset(union),
    )
