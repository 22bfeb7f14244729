"""Residents' yearly contributions (杭州 art. 31, 32; 舟山 art. 27)."""

from __future__ import annotations

import datetime as dt
import logging

from django.db import transaction

from enrollment.models import (
    Category,
    Enrolment,
    Scheme,
)
from policy import contributions as rules
from policy.regions import region_of

from ..models import (
    ResidentPayment,
)
from .common import _lines, _params, _refuse, _rule
from .monthly import _after_payment
from .premium import _ensure_catastrophic_premium

log = logging.getLogger(__name__)

# --- residents ---------------------------------------------------------------------------


# A region whose contribution table has no row for our category names it by its broader group
# (舟山 art. 26, 27: minors, students, adults with one standard)
RESIDENT_CATEGORY_GROUPS = {
    Category.CHILD: "minor",
    Category.STUDENT: "student",
    Category.ADULT_TIER1: "adult",
    Category.ADULT_TIER2: "adult",
    Category.ADULT_TIER3: "adult",
}


def contribution_category(region: str, category: str, on: dt.date | None = None) -> str:
    """The resident category as the region's contribution table names it."""
    table = region_of(region).parameters(on or dt.date.today()).get("resident.contribution") or {}
    if category in table:
        return category
    return RESIDENT_CATEGORY_GROUPS.get(category, category)


def _settlement_year(enrolment: Enrolment) -> tuple[int, dt.date]:
    if enrolment.category == Category.STUDENT:
        year = enrolment.start_date.year if enrolment.start_date.month >= 9 else enrolment.start_date.year - 1
        return year, dt.date(year, 9, 1)
    return enrolment.start_date.year, dt.date(enrolment.start_date.year, 1, 1)


@transaction.atomic
def record_resident_payment(
    *,
    enrolment: Enrolment,
    paid_on: dt.date,
    subsidy_reason: str | None = None,
    source: str = ResidentPayment.Source.COUNTER,
    external_id: str | None = None,
) -> ResidentPayment:
    """A resident's yearly contribution by category with its subsidy (杭州 art. 31, 32; 舟山 art. 27).

    Without an explicit reason, a certificate valid and registered on the payment day
    gives the subsidy. The catastrophic premium is part of it (art. 41).
    """
    enrolment = Enrolment.objects.select_for_update().select_related("person").get(pk=enrolment.pk)
    person = enrolment.person
    if enrolment.scheme != Scheme.RESIDENT:
        _refuse("enrolment", "该参保登记不是城乡居民医保")
    if external_id:
        existing = ResidentPayment.objects.filter(external_id=external_id).first()
        if existing:
            if existing.enrolment_id != enrolment.pk:
                _refuse("id", f"税务记录号 {external_id} 已用于另一条缴费记录")
            return existing
    if ResidentPayment.objects.filter(enrolment=enrolment).exists():
        _refuse("enrolment", "该参保年度已缴费，不能重复缴费")
    year, year_start = _settlement_year(enrolment)
    if subsidy_reason is None:
        from enrollment.selectors import certificate_on

        subsidy_reason = certificate_on(person, paid_on)
    params = _params(person.region, year_start)
    result = _rule(
        rules.resident_contribution,
        params=params,
        category=contribution_category(person.region, enrolment.category, year_start),
        subsidy_reason=subsidy_reason,
    )
    payment = ResidentPayment.objects.create(
        person=person,
        enrolment=enrolment,
        year=year,
        category=enrolment.category,
        subsidy_reason=subsidy_reason or "",
        total=result.total,
        personal=result.personal,
        government_share=result.government_share,
        personal_subsidy=result.personal_subsidy,
        personal_payable=result.personal_payable,
        lines=_lines(result.lines),
        paid_on=paid_on,
        source=source,
        external_id=external_id or None,
    )
    _ensure_catastrophic_premium(
        person=person, year=year, scheme=Scheme.RESIDENT, category=enrolment.category
    )
    _after_payment(enrolment, [], paid_on)
    return payment
