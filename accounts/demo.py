"""Demo accounts: every demo employee (active, flexible, unemployed, retired) gets an account with last
year's credits and rollover, this year's credits so far, and a few payments. Idempotent: accounts by
person, credits by (account, month), the rollover by its year marker, payments by source id.
Run after the enrollment and contributions demos.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.utils import timezone

from policy.parameters import ParameterError

from . import services
from .batch import rollover
from .models import Account, LedgerEntry

DEMO_PENSION = Decimal("6200.00")  # demo data: a retiree's monthly pension last year


def load(stdout) -> None:
    from enrollment.models import Enrolment, Person

    today = timezone.localdate()
    last_year = today.year - 1
    opened = dt.date(last_year, 1, 1)
    made = 0
    for person in Person.objects.filter(enrolments__scheme="employee").distinct().order_by("id"):
        enrolment = (
            Enrolment.objects.filter(person=person, scheme="employee", start_date__lte=today)
            .order_by("-start_date")
            .first()
        )
        if enrolment is None or enrolment.category not in services.CURRENT_FUND_CATEGORIES:
            continue
        base = services._latest_base(Account(person=person), today) or Decimal("0")
        if enrolment.category != "retired" and not base:
            continue
        try:
            account = services.open_account(
                person=person,
                on=max(opened, enrolment.start_date.replace(day=1)),
                category=enrolment.category,
                base=base,
                pension=DEMO_PENSION if enrolment.category == "retired" else Decimal("0"),
            )
        except (ValidationError, ParameterError) as error:
            stdout.write(f"  个人账户：{person.masked_id_number} 未开户（{error}）\n")
            continue
        made += 1
        if account.opened_on.year == last_year:
            for month in range(account.opened_on.month, 13):
                _credit(account, last_year, month, stdout)
    job = rollover.run_rollover(last_year)
    if job.status != job.Status.DONE:
        stdout.write(f"  个人账户：{last_year} 年度结转未完成：{job.errors}\n")
    for account in Account.objects.filter(status=Account.Status.OPEN).select_related("person"):
        for month in range(1, today.month + 1):
            _credit(account, today.year, month, stdout)
        _demo_payment(account, today)
    stdout.write(f"  个人账户：{made} 个（含划账、结转与支付记录）\n")


def _credit(account, year, month, stdout) -> None:
    try:
        services.credit_month(account=account, year=year, month=month)
    except (ValidationError, ParameterError) as error:
        stdout.write(f"  个人账户 {account.pk} {year}-{month:02d} 未划账：{error}\n")


def _demo_payment(account: Account, today: dt.date) -> None:
    source_id = f"DEMO-{account.pk}-{today.year}"
    if LedgerEntry.objects.filter(source_type="demo", source_id=source_id).exists():
        return
    account.refresh_from_db()
    current = min(Decimal("86.50"), max(account.current, Decimal("0")))
    historical = min(Decimal("23.40"), account.historical)
    if current or historical:
        services.pay_for_settlement(
            person=account.person,
            on=today,
            current_funds=current,
            historical_funds=historical,
            source_type="demo",
            source_id=source_id,
            text="演示：社区卫生服务中心普通门诊（当年资金）及自理部分（历年资金）",
            article="杭州 第二十四条、第二十五条",
        )
