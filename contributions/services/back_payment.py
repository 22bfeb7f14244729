"""Back payments for months that should have been insured (杭州 art. 17)."""

from __future__ import annotations

import datetime as dt
import logging

from django.db import transaction

from core import dates
from enrollment.models import (
    Employer,
    Person,
    Scheme,
)
from policy import contributions as rules
from policy.regions import region_of

from ..models import (
    BackPayment,
    BaseDeclaration,
)
from ..selectors import paid_months
from .arrears import lift_suspensions
from .common import _lines, _params, _refuse, _rule

log = logging.getLogger(__name__)

# --- back payment ------------------------------------------------------------------------


@transaction.atomic
def record_back_payment(
    *,
    person: Person,
    identity: str,
    first_month: dt.date,
    last_month: dt.date,
    paid_on: dt.date,
    employer: Employer | None = None,
) -> BackPayment:
    """补缴 (杭州 art. 17): at the standards of the day of payment; years counted, benefits not.

    Months of this year at the current base, earlier years at last year's provincial average
    (employee identity); flexible identity not before this year (art. 17(2)). The suspensions
    of these months are lifted from the month after payment; bills inside stay unpaid (art. 17(4)).
    """
    Person.objects.select_for_update().filter(pk=person.pk).first()
    first_month, last_month = dates.month_start(first_month), dates.month_start(last_month)
    if last_month < first_month:
        _refuse("last_month", "补缴终止月不能早于起始月")
    if last_month >= dates.month_start(paid_on):
        _refuse(
            "last_month",
            f"补缴只适用于办理当月以前的应保未保月份（{region_of(person.region).article('contributions.back_payment')}）",
        )
    if identity == BackPayment.Identity.EMPLOYEE:
        employer = employer or _employer_of(person, first_month, last_month)
        joined = employer.joined_on if employer else None
        if joined and first_month < dates.month_start(joined):
            # reading 18: not before the employer joined the scheme
            _refuse(
                "first_month",
                f"补缴起始时间不得早于本人所在单位纳入职工医保参保范围的时间（{employer.name}，{joined.isoformat()}）"
                f"（{region_of(person.region).article('back_payment.employee')}）",
            )
    months = list(dates.month_range(first_month, last_month))
    already = sorted(set(months) & paid_months(person=person))
    if already:
        _refuse("first_month", f"{already[0]:%Y年%m月}已缴费，不能重复补缴")
    this_year = sum(1 for m in months if m.year == paid_on.year)
    earlier = len(months) - this_year
    params = _params(person.region, paid_on)
    current_base = None
    if identity == BackPayment.Identity.EMPLOYEE and this_year:
        declaration = (
            BaseDeclaration.objects.filter(person=person, year=paid_on.year).order_by("-declared_on").first()
        )
        if declaration is None:
            _refuse(
                "identity",
                f"{paid_on.year}年未申报缴费基数，无法按本人当前缴费基数补缴"
                f"（{region_of(person.region).article('contributions.back_payment_base')}）",
            )
        current_base = declaration.base
    result = _rule(
        rules.back_payment,
        params=params,
        identity=identity,
        months=this_year,
        current_base=current_base,
        earlier_months=earlier,
    )
    back = BackPayment.objects.create(
        person=person,
        employer=employer,
        identity=identity,
        first_month=first_month,
        last_month=last_month,
        months=this_year,
        earlier_months=earlier,
        base=result.base,
        employer_amount=result.employer,
        personal=result.personal,
        total=result.total,
        lines=_lines(result.lines),
        paid_on=paid_on,
    )
    for enrolment in person.enrolments.filter(scheme=Scheme.EMPLOYEE):
        lift_suspensions(enrolment=enrolment, months=months, paid_on=paid_on)
    return back


def _employer_of(person: Person, first_month: dt.date, last_month: dt.date) -> Employer | None:
    """The employer of the person's employee enrolment over the months back-paid (the latest one)."""
    enrolment = (
        person.enrolments.filter(
            scheme=Scheme.EMPLOYEE, employer__isnull=False, start_date__lte=dates.add_months(last_month, 1)
        )
        .exclude(end_date__lt=first_month)
        .select_related("employer")
        .order_by("-start_date")
        .first()
    )
    return enrolment.employer if enrolment else None
