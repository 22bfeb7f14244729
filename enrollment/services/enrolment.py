"""Enrolling a person in a scheme, ending an enrolment, switching schemes (杭州 art. 73)."""

from __future__ import annotations

import datetime as dt
import logging
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from core.identity import mask_id_number
from policy.regions import region_of

from .. import account_opening, paid_months
from ..models import Category, Employer, Enrolment, Person, Scheme
from .eligibility import _check_single_scheme, _scheme_of, check_eligibility
from .errors import _refuse

# The logger keeps the package's name: log records read "enrollment.services" as before the split.
log = logging.getLogger("enrollment.services")


@transaction.atomic
def enrol(
    *,
    person: Person,
    category: str,
    district: str,
    start_date: dt.date,
    end_date: dt.date | None = None,
    employer: Employer | None = None,
    school: str = "",
    school_level: str = "",
    parent: Person | None = None,
    eligible_since: dt.date | None = None,
    local_actual_months: int | None = None,
    in_local_pension_scheme: bool = False,
    note: str = "",
    credit_base: Decimal | None = None,
    pension: Decimal | None = None,
    handled_on: dt.date | None = None,
    _allow_retired: bool = False,
) -> Enrolment:
    """Enrol a person in one scheme and category after the eligibility checks.

    An employee enrolment opens the personal account in the same transaction, or brings an
    existing one up to date (杭州 art. 22(3), 26(4)): current funds are preset from the month the
    enrolment is handled (`handled_on`, default today; not before the start date) to December,
    at `credit_base` (the monthly contribution base) or, for a retiree, `pension`.
    """
    Person.objects.select_for_update().filter(pk=person.pk).first()
    scheme = _scheme_of(category)
    if not district:
        _refuse("district", "请填写参保辖区")
    if end_date and end_date < start_date:
        _refuse("end_date", "参保终止日期不能早于开始日期")
    if not _allow_retired:
        if category == Category.FLEXIBLE and not person.hukou_local and local_actual_months is None:
            local_actual_months = _local_actual_months(person)
        check_eligibility(
            person=person,
            category=category,
            district=district,
            start_date=start_date,
            employer=employer,
            school=school,
            school_level=school_level,
            parent=parent,
            local_actual_months=local_actual_months,
            in_local_pension_scheme=in_local_pension_scheme,
        )
    if scheme == Scheme.RESIDENT and end_date is None:
        end_date = _resident_year_end(category, start_date)
    _check_single_scheme(person, start_date, end_date)
    enrolment = Enrolment(
        person=person,
        region=person.region,
        scheme=scheme,
        category=category,
        district=district,
        employer=employer,
        school=school,
        school_level=school_level,
        start_date=start_date,
        end_date=end_date,
        parent=parent,
        eligible_since=eligible_since,
        note=note,
    )
    enrolment.full_clean()
    enrolment.save()
    if scheme == Scheme.EMPLOYEE:
        account_opening.enrolled(
            enrolment,
            on=max(start_date, handled_on or timezone.localdate()),
            base=credit_base,
            pension=pension,
        )
    log.info("enrolled %s in %s/%s from %s", mask_id_number(person.id_number), scheme, category, start_date)
    return enrolment


def _local_actual_months(person: Person) -> int:
    """Actual local paid months, from the contributions app (杭州 art. 12(2), 19)."""
    return paid_months.local_actual_months(person)


def _resident_year_end(category: str, start_date: dt.date) -> dt.date:
    """Resident enrolments run to the end of the settlement year (规程 §2; students 31 August)."""
    if category == Category.STUDENT:
        year = start_date.year + (1 if start_date.month >= 9 else 0)
        return dt.date(year, 8, 31)
    return dt.date(start_date.year, 12, 31)


@transaction.atomic
def end_enrolment(*, enrolment: Enrolment, end_date: dt.date, reason: str) -> Enrolment:
    enrolment = Enrolment.objects.select_for_update().get(pk=enrolment.pk)
    if end_date < enrolment.start_date:
        _refuse("end_date", "参保终止日期不能早于开始日期")
    if enrolment.end_date and enrolment.end_date < end_date:
        _refuse("end_date", f"该参保登记已于{enrolment.end_date}终止")
    enrolment.end_date = end_date
    enrolment.end_reason = reason
    enrolment.save(update_fields=["end_date", "end_reason"])
    return enrolment


@transaction.atomic
def switch_scheme(*, person: Person, category: str, district: str, on: dt.date, **kwargs) -> Enrolment:
    """险种转换 (杭州 art. 73): end the current enrolment the day before and enrol in the new one.

    What the person already paid is not refunded; benefits across the switch follow
    art. 73(1)(2)(3), as `benefit_status` derives them.
    """
    current = person.enrolments.select_for_update().filter(start_date__lt=on).order_by("-start_date").first()
    if current is None or (current.end_date and current.end_date < on - dt.timedelta(days=1)):
        _refuse(
            "category",
            f"当前没有可转换的参保登记（{region_of(person.region).article('enrollment.single_scheme')}）",
        )
    if _scheme_of(category) == current.scheme:
        _refuse(
            "category",
            f"新旧险种相同（{current.get_scheme_display()}），无需办理险种转换"
            f"（{region_of(person.region).article('enrollment.single_scheme')}）",
        )
    end_enrolment(enrolment=current, end_date=on - dt.timedelta(days=1), reason=Enrolment.EndReason.SWITCH)
    return enrol(person=person, category=category, district=district, start_date=on, **kwargs)
