"""Monthly employee-scheme contributions and the yearly base declaration (杭州 art. 13, 14)."""

from __future__ import annotations

import datetime as dt
import logging
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from core import dates
from core.identity import mask_id_number
from enrollment.models import (
    CERTIFICATE_PRIORITY,
    Category,
    Employer,
    Enrolment,
    Person,
    Scheme,
)
from policy import contributions as rules
from policy.regions import region_of

from ..models import (
    BaseDeclaration,
    ContributionRecord,
)
from ..selectors import paid_months
from .arrears import lift_suspensions
from .common import _lines, _params, _refuse, _rule
from .premium import _ensure_catastrophic_premium

log = logging.getLogger(__name__)


def certificate_for_month(person: Person, month: dt.date) -> str | None:
    """The certificate that subsidises a month: registered by that month and valid in it (杭州 art. 13(5))."""
    month_end = dates.add_months(month, 1) - dt.timedelta(days=1)
    kinds = {
        c.kind
        for c in person.certificates.all()
        if dates.month_start(c.registered_on) <= month
        and c.valid_from <= month_end
        and (c.valid_to is None or c.valid_to >= month)
    }
    for kind in CERTIFICATE_PRIORITY:
        if kind in kinds:
            return kind
    return None


def _employee_enrolment(person: Person, month: dt.date) -> Enrolment:
    month_end = dates.add_months(month, 1) - dt.timedelta(days=1)
    for enrolment in person.enrolments.filter(scheme=Scheme.EMPLOYEE).order_by("-start_date"):
        if enrolment.start_date <= month_end and (enrolment.end_date is None or enrolment.end_date >= month):
            return enrolment
    art = region_of(person.region).article("contributions.employee_enrolment")
    _refuse("month", f"{month:%Y年%m月}没有职工医保参保登记，不能记录缴费（{art}）")


# --- base declaration -------------------------------------------------------------------


@transaction.atomic
def declare_base(
    *,
    person: Person,
    employer: Employer,
    year: int,
    monthly_wage: Decimal,
    declared_on: dt.date | None = None,
) -> BaseDeclaration:
    """缴费基数申报: last year's average monthly wage, clamped (杭州 art. 13(1)(2); 舟山 art. 9(2))."""
    params = _params(person.region, dt.date(year, 1, 1))
    base, lines = _rule(rules.employee_base, params=params, monthly_wage=monthly_wage)
    declaration, _created = BaseDeclaration.objects.update_or_create(
        person=person,
        employer=employer,
        year=year,
        defaults={
            "declared_monthly_wage": monthly_wage,
            "base": base,
            "lines": _lines(lines),
            "declared_on": declared_on or timezone.localdate(),
        },
    )
    return declaration


# --- monthly contributions ---------------------------------------------------------------


def _after_payment(enrolment: Enrolment, months: list[dt.date], paid_on: dt.date) -> None:
    """A payment starts benefits (first payment) and lifts the suspensions of the months it pays."""
    if enrolment.first_paid_on is None or paid_on < enrolment.first_paid_on:
        Enrolment.objects.filter(pk=enrolment.pk).update(first_paid_on=paid_on)
        enrolment.first_paid_on = paid_on
    lift_suspensions(enrolment=enrolment, months=months, paid_on=paid_on)


@transaction.atomic
def record_monthly_contribution(
    *,
    person: Person,
    month: dt.date,
    paid_on: dt.date,
    monthly_wage: Decimal | None = None,
    employer: Employer | None = None,
    disabled_veteran: bool = False,
    disability_allowance: Decimal | None = None,
    source: str = ContributionRecord.Source.COUNTER,
    external_id: str | None = None,
) -> ContributionRecord:
    """Record one month's employee-scheme contribution, computed by the person's category that month.

    Active employees: the year's declared base (or `monthly_wage`) clamped (art. 13(1)(2));
    flexible workers: the flexible standard with the certificate subsidy (art. 13(5));
    unemployed on benefit: the flexible standard, paid by the unemployment fund (art. 13(6)).
    """
    month = dates.month_start(month)
    Person.objects.select_for_update().filter(pk=person.pk).first()
    if external_id:
        existing = ContributionRecord.objects.filter(external_id=external_id).first()
        if existing:
            if existing.person_id != person.pk or existing.month != month:
                _refuse("id", f"税务记录号 {external_id} 已用于另一条缴费记录")
            return existing
    enrolment = _employee_enrolment(person, month)
    if ContributionRecord.objects.filter(person=person, month=month).exists() or month in paid_months(
        person=person
    ):
        _refuse("month", f"{month:%Y年%m月}已有缴费记录，不能重复缴费")
    params = _params(person.region, month)
    certificate = certificate_for_month(person, month)
    if enrolment.category == Category.ACTIVE:
        employer = employer or enrolment.employer
        if monthly_wage is None and disability_allowance is None:
            declaration = BaseDeclaration.objects.filter(
                person=person, employer=employer, year=month.year
            ).first()
            if declaration is None:
                _refuse(
                    "monthly_wage",
                    f"{month.year}年未申报缴费基数，请先申报或提供本人上年度月平均工资"
                    f"（{region_of(person.region).article('contributions.base_declaration')}）",
                )
            monthly_wage = declaration.declared_monthly_wage
        result = _rule(
            rules.employee_contribution,
            params=params,
            monthly_wage=monthly_wage,
            certificate=None,
            disabled_veteran=disabled_veteran,
            disability_allowance=disability_allowance,
        )
        kind = ContributionRecord.Kind.EMPLOYEE
    elif enrolment.category == Category.FLEXIBLE:
        result = _rule(rules.flexible_contribution, params=params, certificate=certificate)
        kind = ContributionRecord.Kind.FLEXIBLE
    elif enrolment.category == Category.UNEMPLOYED:
        result = _rule(rules.flexible_contribution, params=params, unemployed_on_benefit=True)
        kind = ContributionRecord.Kind.UNEMPLOYED
    elif enrolment.category == Category.AGREEMENT:
        region = region_of(person.region)
        key = (
            "contributions.agreement"
            if region.has("contributions.agreement")
            else "contributions.employee_enrolment"
        )
        _refuse("month", f"协缴人员在办理协缴手续时一次性缴纳职工医保费，不按月缴费（{region.article(key)}）")
    else:
        _refuse(
            "month", f"退休人员不再缴纳职工医保费（{region_of(person.region).article('coverage.retired')}）"
        )
    record = ContributionRecord.objects.create(
        person=person,
        enrolment=enrolment,
        employer=employer if kind == ContributionRecord.Kind.EMPLOYEE else None,
        month=month,
        kind=kind,
        base=result.base,
        employer_amount=result.employer,
        employer_maternity=result.employer_maternity,
        personal=result.personal,
        personal_subsidy=result.personal_subsidy,
        personal_payable=result.personal_payable,
        employer_subsidy=result.employer_subsidy,
        subsidy_payer=result.subsidy_payer,
        total=result.total,
        certificate=certificate or "" if kind == ContributionRecord.Kind.FLEXIBLE else "",
        lines=_lines(result.lines),
        paid_on=paid_on,
        source=source,
        external_id=external_id or None,
    )
    _ensure_catastrophic_premium(
        person=person, year=month.year, scheme=Scheme.EMPLOYEE, category=enrolment.category
    )
    _after_payment(enrolment, [month], paid_on)
    log.info("contribution %s %s recorded for %s", month, kind, mask_id_number(person.id_number))
    return record
