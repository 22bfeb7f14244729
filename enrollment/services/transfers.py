"""Transfers of the insurance relation in and out of the region (杭州 art. 76)."""

from __future__ import annotations

import datetime as dt

from django.db import transaction

from core import dates
from policy.regions import region_of

from .. import paid_months
from ..models import Category, Enrolment, Person, Scheme, Transfer
from .enrolment import _local_actual_months, end_enrolment
from .errors import _refuse


@transaction.atomic
def record_transfer_in(
    *,
    person: Person,
    other_place: str,
    transferred_on: dt.date,
    from_scheme: str = Scheme.EMPLOYEE,
    continuous_months_before: int = 0,
    transferred_months: int = 0,
    organisational_transfer: bool = False,
    note: str = "",
) -> Transfer:
    """转入 (杭州 art. 76(1)): who may bring contribution years from elsewhere."""
    age = dates.age_on(person.birth_date, transferred_on)
    allowed = (
        person.hukou_local
        or organisational_transfer
        or (person.sex == Person.Sex.MALE and age < 50)
        or (person.sex == Person.Sex.FEMALE and age < 40)
    )
    region = region_of(person.region)
    if not allowed and region.has("enrollment.transfer_in_nonlocal"):
        local = _local_actual_months(person)
        if local < 120:
            _refuse(
                "person",
                "非本市户籍人员转入须男性不满50周岁、女性不满40周岁，或本市实际缴费年限累计满10年，"
                f"或经组织部门批准调动（{region.article('enrollment.transfer_in_nonlocal')}）",
            )
    transfer = Transfer(
        person=person,
        direction=Transfer.Direction.IN,
        other_place=other_place,
        transferred_on=transferred_on,
        from_scheme=from_scheme,
        continuous_months_before=continuous_months_before,
        transferred_months=transferred_months,
        transferred_until=transferred_on,
        organisational_transfer=organisational_transfer,
        note=note,
    )
    transfer.full_clean()
    transfer.save()
    return transfer


@transaction.atomic
def record_transfer_out(
    *, person: Person, other_place: str, transferred_on: dt.date, note: str = ""
) -> Transfer:
    """转出 (杭州 art. 76(3)(4)): retirees are not transferred; arrears must be paid first."""
    region = region_of(person.region)
    current = person.enrolments.select_for_update().filter(end_date__isnull=True).first()
    if current and current.category == Category.RETIRED:
        _refuse(
            "person",
            f"已享受职工医保退休待遇的人员，医保关系不予转移（{region.article('enrollment.transfer_retiree')}）",
        )
    if current and current.scheme == Scheme.EMPLOYEE and region.has("enrollment.transfer_arrears"):
        owed = paid_months.arrears_months(current, until=transferred_on)
        if owed:
            _refuse(
                "person",
                f"转移前欠缴职工医保费 {len(owed)} 个月，补缴后方可办理转移（{region.article('enrollment.transfer_arrears')}）",
            )
    if current:
        end_enrolment(enrolment=current, end_date=transferred_on, reason=Enrolment.EndReason.TRANSFER_OUT)
    transfer = Transfer.objects.create(
        person=person,
        direction=Transfer.Direction.OUT,
        other_place=other_place,
        transferred_on=transferred_on,
        note=note,
    )
    return transfer
