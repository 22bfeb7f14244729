"""Retirement confirmation: checking and making up the years (杭州 art. 20, 21)."""

from __future__ import annotations

import datetime as dt
import logging
from decimal import Decimal

from django.db import transaction

from enrollment.models import (
    Category,
    Enrolment,
    Person,
    Scheme,
)
from enrollment.services import end_enrolment, enrol
from policy import contributions as rules
from policy import retirement as retirement_rules
from policy.explain import Line
from policy.parameters import ParameterError
from policy.regions import region_of

from ..models import (
    RetirementConfirmation,
)
from ..selectors import contribution_months
from .common import ContributionError, _lines, _params, _refuse, _rule

log = logging.getLogger(__name__)
# 杭州 art. 12(2): a non-local person may enrol as a flexible worker after 10 years of local actual contribution
NON_LOCAL_FLEXIBLE_MONTHS = 120

# --- retirement --------------------------------------------------------------------------


@transaction.atomic
def confirm_retirement(
    *,
    person: Person,
    retirement_date: dt.date,
    confirmed_on: dt.date,
    method: str | None = None,
) -> RetirementConfirmation:
    """医保退休资格确认 (杭州 art. 20, 21): check the years; make them up by lump sum or monthly.

    Qualified (10 local actual years and 20 in total) or lump sum: the active enrolment ends
    and a retired enrolment starts. Monthly top-up: the plan is recorded, the person pays at
    the flexible standard until the years are met, then confirms again.
    """
    Person.objects.select_for_update().filter(pk=person.pk).first()
    region = person.region
    art = region_of(region).article("coverage.retired")
    current = (
        person.enrolments.filter(scheme=Scheme.EMPLOYEE, start_date__lte=retirement_date)
        .order_by("-start_date")
        .first()
    )
    if current is None:
        _refuse("person", f"退休时未在本市参加职工医保，不能办理医保退休资格确认（{art}）")
    if current.category == Category.RETIRED:
        _refuse("person", "已办理医保退休资格确认")
    try:
        counted = contribution_months(person=person, until=retirement_date)
    except ParameterError as error:
        raise ContributionError({"parameters": [str(error)]})
    from enrollment.selectors import certificate_on

    certificate_holder = certificate_on(person, confirmed_on) is not None
    # the figures of the day the top-up is made (杭州 art. 20: 办理补缴时的上年度省平工资)
    check = _rule(
        retirement_rules.retirement_check,
        params=_params(region, confirmed_on),
        local_actual_months=counted.local_actual,
        total_months=counted.total,
        hukou_local=person.hukou_local,
        employed_locally=current.category == Category.ACTIVE,
        flexible_locally=current.category == Category.FLEXIBLE,
        # reading 21: art. 21 refuses only a non-local person meeting neither art. 11 nor art. 12(2)
        meets_flexible_conditions=counted.local_actual >= NON_LOCAL_FLEXIBLE_MONTHS,
        certificate_holder=certificate_holder,
    )
    lines = [*counted.lines, *check.lines]
    missing_local, missing_total = check.missing_local_months, check.missing_total_months
    lump_sum = lump_sum_premium = Decimal("0.00")
    if check.eligible:
        method = RetirementConfirmation.Method.QUALIFIED
    elif check.refused or not check.may_top_up:
        last = check.lines[-1]
        _refuse("person", f"{last.text}（{last.article}）")
    elif method is None:
        offer = (
            "按月缴纳" if certificate_holder else f"按月缴纳或一次性补缴（一次性补缴 {check.lump_sum} 元）"
        )
        _refuse(
            "method",
            f"缴费年限不足：本市实际缴费缺 {missing_local} 个月，累计缴费缺 {missing_total} 个月；"
            f"请选择{offer}至规定年限（{art}）",
        )
    elif method == RetirementConfirmation.Method.LUMP_SUM:
        if certificate_holder:
            _refuse("method", f"持证人员应按月缴纳至规定年限，应缴部分由政府按规定补贴（{art}）")
        lump_sum = check.lump_sum
        # reading 20 (art. 41): the catastrophic premium's personal part for each year, or part of one, made up
        years = -(-max(missing_local, missing_total) // 12)
        premium = _rule(
            rules.catastrophic_premium, params=_params(region, confirmed_on), scheme=Scheme.EMPLOYEE
        )
        lump_sum_premium = premium.personal * years
        lines.append(
            Line(
                premium.lines[0].article,
                f"一次性补缴同时缴纳大病保险费个人部分：{premium.personal} 元 × {years} 年",
                lump_sum_premium,
            )
        )
    elif method != RetirementConfirmation.Method.MONTHLY:
        _refuse("method", "应为一次性补缴（lump_sum）或按月缴纳（monthly）")
    total = counted.total
    confirmation, _created = RetirementConfirmation.objects.update_or_create(
        person=person,
        defaults={
            "retirement_date": retirement_date,
            "confirmed_on": None if method == RetirementConfirmation.Method.MONTHLY else confirmed_on,
            "local_actual_months": counted.local_actual,
            "total_months": total,
            "missing_local_months": missing_local,
            "missing_total_months": missing_total,
            "method": method,
            "lump_sum": lump_sum,
            "lump_sum_premium": lump_sum_premium,
            "lines": _lines(lines),
        },
    )
    if method == RetirementConfirmation.Method.MONTHLY:
        # reading 10 (art. 20): not retired; until the years are complete, a flexible worker paying
        # at the flexible standard
        if current.category != Category.FLEXIBLE:
            if current.end_date is None or current.end_date >= retirement_date:
                end_enrolment(
                    enrolment=current,
                    end_date=retirement_date - dt.timedelta(days=1),
                    reason=Enrolment.EndReason.STOPPED,
                )
            enrol(
                person=person,
                category=Category.FLEXIBLE,
                district=current.district,
                start_date=retirement_date,
                note=f"按月缴纳职工医保费至规定年限，按同期灵活就业人员标准缴费（{art}）",
                _allow_retired=True,
            )
        return confirmation
    start = max(retirement_date, confirmed_on)
    if current.end_date is None or current.end_date >= start:
        end_enrolment(
            enrolment=current, end_date=start - dt.timedelta(days=1), reason=Enrolment.EndReason.STOPPED
        )
    enrol(
        person=person,
        category=Category.RETIRED,
        district=current.district,
        start_date=start,
        note=f"医保退休资格确认（{art}）",
        _allow_retired=True,
    )
    return confirmation
