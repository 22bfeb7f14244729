"""Agreement payers' one-time payment (杭州 art. 13(7))."""

from __future__ import annotations

import datetime as dt
import logging
from decimal import Decimal

from django.db import transaction

from enrollment.models import (
    Category,
    Enrolment,
    Scheme,
)
from policy.explain import Line
from policy.money import round_yuan
from policy.regions import region_of

from ..models import (
    AgreementPayment,
)
from .common import _lines, _refuse
from .monthly import _after_payment
from .premium import _ensure_catastrophic_premium

log = logging.getLogger(__name__)

# --- agreement payers ------------------------------------------------------------------


@transaction.atomic
def record_agreement_payment(
    *, enrolment: Enrolment, amount: Decimal, paid_on: dt.date, standard: str
) -> AgreementPayment:
    """协缴 (杭州 art. 13(7)): the one-time payment; benefits start the month after (art. 15)."""
    enrolment = Enrolment.objects.select_for_update().select_related("person").get(pk=enrolment.pk)
    region = region_of(enrolment.person.region)
    if not region.has("contributions.agreement"):
        _refuse(
            "enrolment",
            f"{region.name}医保办法没有协缴人员（{region.article('contributions.employee_enrolment')}）",
        )
    article = region.article("contributions.agreement")
    if enrolment.category != Category.AGREEMENT:
        _refuse("enrolment", f"该参保登记不是协缴人员（{article}）")
    if AgreementPayment.objects.filter(enrolment=enrolment).exists():
        _refuse("enrolment", "该协缴登记已缴费")
    if not standard:
        _refuse(
            "standard",
            f"请注明执行的市政府协缴标准文件（{article}：具体标准按市政府有关规定执行）",
        )
    try:
        value = round_yuan(Decimal(str(amount)))
    except Exception:
        _refuse("amount", f"不是有效的金额: {amount!r}")
    if value <= 0:
        _refuse("amount", "协缴金额须大于零")
    payment = AgreementPayment.objects.create(
        person=enrolment.person,
        enrolment=enrolment,
        amount=value,
        standard=standard,
        lines=_lines([Line(article, f"协缴人员一次性缴纳职工医保费，按{standard}", value)]),
        paid_on=paid_on,
    )
    _ensure_catastrophic_premium(
        person=enrolment.person, year=paid_on.year, scheme=Scheme.EMPLOYEE, category=enrolment.category
    )
    _after_payment(enrolment, [], paid_on)
    return payment
