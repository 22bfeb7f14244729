"""舟山 art. 51(2): fixed grants for a resident's birth or an insured man's unemployed wife's birth."""

from __future__ import annotations

import datetime as dt
import logging

from django.db import transaction
from django.utils import timezone

from core.books import Fund
from enrollment.models import Person
from policy import maternity as rules
from policy.amount import RuleInputError
from policy.parameters import ParameterError
from policy.regions import region_of

from ..assessment import MaternityError
from ..models import (
    LumpSumGrant,
    MaternityPosting,
)
from .applications import _person_district, _username

logger = logging.getLogger(__name__)


@transaction.atomic
def grant_lump_sum(
    *,
    person: Person,
    kind: str,
    birth_date: dt.date,
    spouse: Person | None = None,
    user=None,
    today: dt.date | None = None,
) -> LumpSumGrant:
    """舟山 art. 51(2): the fixed grant for a resident's birth or an insured man's unemployed wife's birth.

    Refuses (MaternityError, nothing written) where the region has no such grant, the figure is
    not set, the person or spouse does not qualify on the birth date, or the birth had its grant.
    """
    today = today or timezone.localdate()
    Person.objects.select_for_update().filter(pk=person.pk).first()
    check_lump_sum(person=person, kind=kind, birth_date=birth_date, spouse=spouse, today=today)
    if LumpSumGrant.objects.filter(person=person, birth_date=birth_date).exists():
        raise MaternityError("birth_date", f"{birth_date} 的生育已核发定额补助，不能重复申领", status=409)
    region = region_of(person.region)
    params = region.parameters(birth_date)
    try:
        result = rules.maternity_lump_sum(params=params, kind=kind)
    except ParameterError as error:
        raise MaternityError("kind", str(error), getattr(error, "article", ""), status=422) from None
    except RuleInputError as error:
        raise MaternityError(
            error.field, error.message, region.article("maternity.medical_costs"), status=422
        ) from None
    fund = Fund.RESIDENT if kind == LumpSumGrant.Kind.RESIDENT else Fund.MATERNITY
    grant = LumpSumGrant.objects.create(
        person=person,
        kind=kind,
        birth_date=birth_date,
        spouse=spouse,
        region=person.region,
        district=_person_district(person, birth_date),
        fund=fund,
        amount=result.amount,
        lines=[line.as_dict() for line in result.lines],
        granted_on=today,
        granted_by=_username(user),
    )
    MaternityPosting.objects.create(
        fund=fund,
        region=grant.region,
        district=grant.district,
        posted_on=today,
        amount=-result.amount,
        source_kind="lump_sum",
        source_id=str(grant.pk),
        article=result.lines[0].article,
        text=f"{grant.get_kind_display()}定额补助（{person.name}）"[:200],
    )
    return grant


def check_lump_sum(
    *, person: Person, kind: str, birth_date: dt.date, spouse: Person | None, today: dt.date
) -> None:
    from enrollment.models import Category, Scheme
    from enrollment.selectors import benefit_status, enrolment_on

    region = region_of(person.region)
    if kind not in LumpSumGrant.Kind.values:
        raise MaternityError("kind", f"补助类别应为 {', '.join(LumpSumGrant.Kind.values)} 之一")
    key = f"maternity.{kind}_lump_sum"
    if not region.has(key):
        raise MaternityError(
            "kind",
            "本地区办法没有生育医疗费用定额补助，符合规定的生育医疗费用按基本医保规定结算",
            region.article("maternity.medical_costs"),
            status=422,
        )
    article = region.article(key)
    if birth_date > today:
        raise MaternityError("birth_date", f"生育日期 {birth_date} 晚于今天 {today}")
    if person.sex != "F":
        raise MaternityError("person", "生育医疗费用定额补助发给生育的妇女本人", article)
    enrolment = enrolment_on(person, birth_date)
    if kind == LumpSumGrant.Kind.RESIDENT:
        status = benefit_status(person=person, on=birth_date)
        if not status.eligible or status.scheme != Scheme.RESIDENT:
            why = status.reason or "生育时不是城乡居民医保参保人员"
            raise MaternityError("person", f"不能享受城乡居民医保生育定额补助：{why}", article, status=422)
        return
    if spouse is None:
        raise MaternityError("spouse", "须填写参加生育保险的男职工（配偶）", article)
    spouse_enrolment = enrolment_on(spouse, birth_date)
    if spouse.sex != "M" or spouse_enrolment is None or spouse_enrolment.category != Category.ACTIVE:
        raise MaternityError(
            "spouse", f"配偶在 {birth_date} 不是参加生育保险的在职男职工", article, status=422
        )
    if enrolment is not None and enrolment.scheme == Scheme.EMPLOYEE:
        raise MaternityError(
            "person", "本人参加职工医保（生育保险），按本人待遇享受，不属于未就业配偶", article, status=422
        )
