"""Reads: paid months, unpaid months, contribution years (杭州 art. 15, 18, 19, 20)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import connection
from django.db.models import BooleanField, Value
from django.utils import timezone
from django.utils.translation import gettext as _

from core import dates
from core.rows import column, from_json_rows, json_rows, table
from enrollment.models import Category, Enrolment, Person, Scheme, Transfer
from policy import retirement as retirement_rules
from policy.coverage import Paid
from policy.money import ZERO, round_yuan
from policy.parameters import parameters_for
from policy.retirement import Period

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

    `local_actual` and `total` come from `policy.retirement.contribution_months` (overlaps
    merged there); the per-kind counts are the months a kind adds beyond the local ones, for
    display. Months made up by a retirement lump sum have no calendar months and are added
    to both. `lines` explain each period.
    """

    local_actual: int
    deemed: int
    continuous_service: int
    transferred: int
    university: int
    other: int
    lump_sum: int
    total: int
    lines: tuple = ()
    months: frozenset = field(default_factory=frozenset, repr=False)

    @property
    def local_actual_years(self) -> str:
        return _("%(years)s年%(months)s个月") % {
            "years": self.local_actual // 12,
            "months": self.local_actual % 12,
        }

    @property
    def total_years(self) -> str:
        return _("%(years)s年%(months)s个月") % {"years": self.total // 12, "months": self.total % 12}


# CreditedPeriod kinds as policy.retirement names them
POLICY_KINDS = {
    CreditedPeriod.Kind.DEEMED: "deemed",
    CreditedPeriod.Kind.CONTINUOUS_SERVICE: "continuous_service",
    CreditedPeriod.Kind.TRANSFERRED: "transferred",
    CreditedPeriod.Kind.MILITARY: "military",
    CreditedPeriod.Kind.LEGACY_LOCAL: "local_serious_illness",
    CreditedPeriod.Kind.OTHER: "other",
}


def _month_period(month: dt.date, kind: str) -> Period:
    return Period(start=month, end=dates.add_months(month, 1) - dt.timedelta(days=1), kind=kind)


def contribution_periods(*, person: Person, until: dt.date | None = None) -> list[Period]:
    """Every period that may count as contribution years, as `policy.retirement.Period`s."""
    limit = dates.month_start(until) if until else None

    def keep(months):
        return sorted(m for m in months if limit is None or m <= limit)

    periods = [_month_period(m, "local_actual") for m in keep(paid_months(person=person))]
    for period in CreditedPeriod.objects.filter(person=person).order_by("first_month"):
        months = keep(dates.month_range(period.first_month, period.last_month))
        if months:
            end = dates.add_months(months[-1], 1) - dt.timedelta(days=1)
            periods.append(Period(start=months[0], end=end, kind=POLICY_KINDS[period.kind]))
    for transfer in Transfer.objects.filter(
        person=person, direction=Transfer.Direction.IN, transferred_months__gt=0
    ):
        end = dates.month_start(transfer.transferred_until or transfer.transferred_on)
        for month in keep(dates.add_months(end, -i) for i in range(transfer.transferred_months)):
            periods.append(_month_period(month, "transferred"))
    for payment in ResidentPayment.objects.filter(person=person, category=Category.STUDENT).select_related(
        "enrolment"
    ):
        enrolment = payment.enrolment
        for month in keep(
            dates.month_range(enrolment.start_date, enrolment.end_date or enrolment.start_date)
        ):
            periods.append(_month_period(month, "university"))
    return periods


def contribution_months(
    *, person: Person, until: dt.date | None = None, continuous_service_cutoff=None
) -> ContributionMonths:
    """Count contribution months by kind and in total (through `policy.retirement`), never a month twice."""
    on = until or timezone.localdate()
    params = parameters_for(person.region, on)
    periods = contribution_periods(person=person, until=until)
    counted = retirement_rules.contribution_months(params=params, periods=periods)
    by_kind: dict[str, set] = {}
    for period in periods:
        months = set(dates.month_range(period.start, period.end))
        if period.kind == "continuous_service" and continuous_service_cutoff:
            months = {m for m in months if m <= continuous_service_cutoff}
        by_kind.setdefault(period.kind, set()).update(months)
    local = (
        by_kind.get("local_actual", set())
        | by_kind.get("military", set())
        | by_kind.get("local_serious_illness", set())
    )
    lump = 0
    retirement = getattr(person, "retirement", None)
    if retirement is not None and retirement.method == retirement.Method.LUMP_SUM and retirement.confirmed_on:
        lump = max(retirement.missing_local_months, retirement.missing_total_months)
    union = frozenset().union(*by_kind.values()) if by_kind else frozenset()
    return ContributionMonths(
        local_actual=counted.local_actual_months + lump,
        deemed=len(by_kind.get("deemed", set()) - local),
        continuous_service=len(by_kind.get("continuous_service", set()) - local),
        transferred=len(by_kind.get("transferred", set()) - local),
        university=len(by_kind.get("university", set()) - local),
        other=len(by_kind.get("other", set()) - local),
        lump_sum=lump,
        total=counted.total_months + lump,
        lines=counted.lines,
        months=union,
    )


# --- reads for the maternity allowance (杭州 art. 56, 58; 舟山 art. 48, 50) -------------------


def month_kinds(*, person: Person) -> dict[tuple[int, int], str]:
    """(year, month) -> 'normal' or 'back_payment' for every paid month of the employee scheme.

    A month paid by a back payment (补缴, a `BackPayment` range or a record marked as one) is
    'back_payment': it counts as years, not towards benefits (杭州 art. 17, 56(2)).
    """
    kinds: dict[tuple[int, int], str] = {}
    for month, kind, back in ContributionRecord.objects.filter(person=person).values_list(
        "month", "kind", "is_back_payment"
    ):
        back = back or kind == ContributionRecord.Kind.BACK_PAYMENT
        kinds[(month.year, month.month)] = "back_payment" if back else "normal"
    for back in BackPayment.objects.filter(person=person):
        for month in dates.month_range(back.first_month, back.last_month):
            kinds[(month.year, month.month)] = "back_payment"
    return kinds


def employer_month_bases(*, employer_id: int, month: dt.date) -> list:
    """The contribution bases of an employer's insured employees in one month (back payments excluded)."""
    return list(
        ContributionRecord.objects.filter(
            employer_id=employer_id,
            month=dates.month_start(month),
            kind=ContributionRecord.Kind.EMPLOYEE,
            is_back_payment=False,
        ).values_list("base", flat=True)
    )


def employer_first_month(*, employer_id: int) -> dt.date | None:
    """The first month the employer paid contributions for an employee (its first insured month)."""
    first = (
        ContributionRecord.objects.filter(employer_id=employer_id, kind=ContributionRecord.Kind.EMPLOYEE)
        .order_by("month")
        .values_list("month", flat=True)
        .first()
    )
    return first


def own_flexible_base(*, person: Person, on: dt.date) -> tuple[dt.date, object] | None:
    """A flexible worker's own monthly base: her latest flexible-worker record up to `on`'s month, as (month, base)."""
    found = (
        ContributionRecord.objects.filter(
            person=person, kind=ContributionRecord.Kind.FLEXIBLE, month__lte=dates.month_start(on)
        )
        .order_by("-month")
        .values_list("month", "base")
        .first()
    )
    return found


def payments_by_person(person_ids: list[int]) -> dict[int, dict[dt.date, Paid]]:
    """Each person's employee months paid, with the payment date; back-paid months (art. 17) marked.

    What `enrollment.selectors.benefit_status` derives coverage from (reading 1), registered
    with `enrollment.payments` when the app starts. A month paid both ways keeps the earlier date.
    """
    found: dict[int, dict[dt.date, Paid]] = {pk: {} for pk in person_ids}
    records = (
        ContributionRecord.objects.filter(person_id__in=person_ids)
        .order_by()
        .values_list("person_id", "month", "month", "paid_on", "is_back_payment")
    )
    backs = (
        BackPayment.objects.filter(person_id__in=person_ids)
        .order_by()
        .values_list(
            "person_id", "first_month", "last_month", "paid_on", Value(True, output_field=BooleanField())
        )
    )
    for person_id, first, last, paid_on, back in records.union(backs, all=True):  # one round trip
        _add_paid(found[person_id], first, last, paid_on, back)
    return found


def _add_paid(months: dict[dt.date, Paid], first: dt.date, last: dt.date, paid_on: dt.date, back) -> None:
    """Months first..last paid on `paid_on`; a month paid both ways keeps the earlier date."""
    for month in dates.month_range(first, last):
        if month not in months or months[month].paid_on > paid_on:
            months[month] = Paid(paid_on, bool(back))


def _quoted(name: str) -> str:
    return connection.ops.quote_name(name)


def payments_column(person_id: str) -> str:
    """`payments_by_person` for one person as an SQL column (`core.rows.json_rows`), read with another row.

    `person_id` is the SQL of the person's id in the outer statement (e.g. the enrolment's
    `person_id` column): benefit status reads the payments with the enrolments, in one statement.
    """
    record, back = ContributionRecord, BackPayment
    source = (
        f"(SELECT {column(record, 'month')} AS {_quoted('first')}, {column(record, 'month')} AS {_quoted('last')}, "
        f"{column(record, 'paid_on')} AS {_quoted('paid_on')}, {column(record, 'is_back_payment')} AS {_quoted('back')} "
        f"FROM {table(record)} WHERE {column(record, 'person')} = {person_id} "
        f"UNION ALL SELECT {column(back, 'first_month')}, {column(back, 'last_month')}, "
        f"{column(back, 'paid_on')}, TRUE FROM {table(back)} WHERE {column(back, 'person')} = {person_id}) AS paid"
    )
    return json_rows(tuple(f"paid.{_quoted(name)}" for name in ("first", "last", "paid_on", "back")), source)


def payments_from_column(value) -> dict[dt.date, Paid]:
    """The value of a `payments_column` as `payments_by_person` gives one person's months."""
    months: dict[dt.date, Paid] = {}
    for first, last, paid_on, back in from_json_rows(value):
        day = dt.date.fromisoformat
        _add_paid(months, day(first), day(last), day(paid_on), back)
    return months


def paid_months_with_dates(*, person: Person) -> dict[dt.date, Paid]:
    """For other apps (accounts, art. 17(5) crediting): {month: Paid(paid_on, back_paid)}."""
    return payments_by_person([person.pk])[person.pk]


# --- What the personal-account credit reads (杭州 art. 17(5), 22(3), 23; coverage-rules 11–13) ----


@dataclass(frozen=True)
class PaidMonth:
    """A month paid for, as the account credit needs it: the category it was paid in, the base,
    and what the person paid for it (reading 12). Back-paid months are credited when back-paid."""

    month: dt.date
    category: str  # active / flexible / unemployed
    base: Decimal
    own_contribution: Decimal
    paid_on: dt.date
    back_payment: bool = False


@dataclass(frozen=True)
class AgreementPeriod:
    """An agreement payer's lump sum and its agreement period (杭州 art. 23(3)); `last_month` None when open."""

    amount: Decimal
    first_month: dt.date
    last_month: dt.date | None
    paid_on: dt.date


@dataclass
class CreditFacts:
    paid: list[PaidMonth] = field(default_factory=list)
    agreements: list[AgreementPeriod] = field(default_factory=list)
    # employee-scheme retired enrolments as (first month, last month or None)
    retired: list[tuple[dt.date, dt.date | None]] = field(default_factory=list)


RECORD_CATEGORY = {
    ContributionRecord.Kind.EMPLOYEE: "active",
    ContributionRecord.Kind.FLEXIBLE: "flexible",
    ContributionRecord.Kind.UNEMPLOYED: "unemployed",
    # art. 20 monthly top-up: enrolled as a flexible worker (reading 10)
    ContributionRecord.Kind.RETIREMENT_TOP_UP: "flexible",
}


def credit_facts(*, person_ids, until: dt.date) -> dict[int, CreditFacts]:
    """Per person: the months paid for up to `until` (back payments month by month), agreement
    periods and retired enrolments, in a few queries for a whole chunk of persons."""
    person_ids = list(person_ids)
    facts: dict[int, CreditFacts] = {pk: CreditFacts() for pk in person_ids}
    if not person_ids:
        return facts
    for row in ContributionRecord.objects.filter(person_id__in=person_ids, month__lte=until).values_list(
        "person_id", "month", "kind", "base", "personal", "paid_on", "employer_amount", "is_back_payment"
    ):
        person_id, month, kind, base, personal, paid_on, employer_amount, back = row
        category = RECORD_CATEGORY.get(kind) or ("active" if employer_amount else "flexible")
        facts[person_id].paid.append(PaidMonth(month, category, base, personal, paid_on, bool(back)))
    averages: dict[tuple[str, dt.date], Decimal] = {}
    for back in BackPayment.objects.filter(person_id__in=person_ids, first_month__lte=until).select_related(
        "person"
    ):
        employee = back.identity == BackPayment.Identity.EMPLOYEE
        rate = (
            parameters_for(back.person.region, back.paid_on)["employee.personal_rate"] if employee else None
        )
        for month in dates.month_range(back.first_month, back.last_month):
            if month > until:
                break
            base = back.base
            if employee and month.year < back.paid_on.year and back.months:
                # art. 17(1): earlier years at last year's provincial average wage
                key = (back.person.region, back.paid_on)
                if key not in averages:
                    averages[key] = round_yuan(
                        Decimal(parameters_for(*key)["provincial_average_monthly_wage"])
                    )
                base = averages[key]
            own = round_yuan(base * rate) if employee else ZERO  # reading 17: month by month
            category = "active" if employee else "flexible"
            facts[back.person_id].paid.append(PaidMonth(month, category, base, own, back.paid_on, True))
    from .models import AgreementPayment

    for payment in AgreementPayment.objects.filter(person_id__in=person_ids).select_related("enrolment"):
        enrolment = payment.enrolment
        facts[payment.person_id].agreements.append(
            AgreementPeriod(
                payment.amount,
                dates.month_start(enrolment.start_date),
                dates.month_start(enrolment.end_date) if enrolment.end_date else None,
                payment.paid_on,
            )
        )
    for person_id, start, end in Enrolment.objects.filter(
        person_id__in=person_ids, scheme=Scheme.EMPLOYEE, category=Category.RETIRED, start_date__lte=until
    ).values_list("person_id", "start_date", "end_date"):
        facts[person_id].retired.append((dates.month_start(start), dates.month_start(end) if end else None))
    return facts
