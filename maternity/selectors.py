"""Reads of the maternity chapter: a person's applications and payments, the allowances report."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db.models import Count, Sum
from django.db.models.functions import TruncMonth

from policy.money import round_yuan

from .models import Application, Payment

REPORT_COLUMNS = ["month", "district", "employer_credit_code", "employer_name", "payments", "amount"]
REPORT_HEADERS = ["拨付月份", "辖区", "统一社会信用代码", "用人单位", "笔数", "金额（元）"]


def applications_of(*, person) -> list[Application]:
    return list(
        Application.objects.filter(person=person)
        .select_related("employer", "decision", "payment")
        .order_by("-event_date", "-id")
    )


def payments_of(*, person) -> list[Payment]:
    return list(Payment.objects.filter(person=person).select_related("employer").order_by("-paid_on", "-id"))


def lump_sums_of(*, person) -> list:
    from .models import LumpSumGrant

    return list(LumpSumGrant.objects.filter(person=person).order_by("-birth_date", "-id"))


def allowances_report(*, date_from: dt.date | None = None, date_to: dt.date | None = None) -> list[dict]:
    """Allowances paid by month, district and employer (a flexible worker's own payments as 灵活就业人员)."""
    payments = Payment.objects.all()
    if date_from:
        payments = payments.filter(paid_on__gte=date_from)
    if date_to:
        payments = payments.filter(paid_on__lte=date_to)
    rows = (
        payments.annotate(month=TruncMonth("paid_on"))
        .values("month", "district", "employer__credit_code", "employer__name")
        .annotate(payments=Count("id"), amount=Sum("amount"))
        .order_by("month", "district", "employer__credit_code")
    )
    return [
        {
            "month": f"{row['month']:%Y-%m}",
            "district": row["district"],
            "employer_credit_code": row["employer__credit_code"] or "",
            "employer_name": row["employer__name"] or "灵活就业人员（本人）",
            "payments": row["payments"],
            "amount": round_yuan(Decimal(row["amount"])),
        }
        for row in rows
    ]


def may_apply_herself(*, person, on: dt.date) -> bool:
    """A flexible worker applies herself where the region's measures say so (舟山 art. 46, 48, 52)."""
    from enrollment.models import Category, Scheme
    from enrollment.selectors import enrolment_on
    from policy.regions import region_of

    if not region_of(person.region).has("maternity.flexible_workers"):
        return False
    enrolment = enrolment_on(person, on)
    return bool(enrolment and enrolment.scheme == Scheme.EMPLOYEE and enrolment.category == Category.FLEXIBLE)
