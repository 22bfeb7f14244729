"""Demo accounts: every demo employee (active, flexible, unemployed, retired) gets an account with last
year's credits and rollover, this year's credits so far, and a few payments. Idempotent: accounts by
person, credits by (account, month), the rollover by its year marker, payments by source id.
Run after the enrollment and contributions demos.

One demo person, 蒋故 (an active employee of 杭州云帆科技), died in June of last year: the account
was closed by death and the balance inherited by a daughter, through the counter's services
(`services.life.perform`), so the admin shows a deceased account with its death and inheritance
receipts (杭州 art. 26(3)(5)).
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
    _deceased(last_year, stdout)
    employees = Person.objects.filter(enrolments__scheme="employee", death_date__isnull=True).distinct()
    for person in employees.order_by("id"):
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


# demo data: a Hangzhou employee who died last year, and the heir who inherited the account
DECEASED = ("蒋故", "330102", dt.date(1966, 3, 9), 141)
HEIR = ("蒋念", "330102", dt.date(1992, 9, 1), 152)
DECEASED_WAGE = Decimal("8000.00")


def _deceased(last_year: int, stdout) -> None:
    """蒋故: enrolled 1 January last year, contributions January to May, died 10 June; the account
    is closed by death (the preset not backed by credits is taken back) and inherited on 1 July.
    Idempotent: the person by ID number, the enrolment once, contributions by external id, the
    death and the inheritance only while the account's state still asks for them."""
    from contributions.models import ContributionRecord
    from contributions.services import declare_base, record_monthly_contribution
    from core.identity import make_resident_id
    from enrollment.demo import employer
    from enrollment.models import Person
    from enrollment.services import end_enrolment, enrol

    from .services.life import perform

    name, area, birth, sequence = DECEASED
    started, died, inherited = dt.date(last_year, 1, 1), dt.date(last_year, 6, 10), dt.date(last_year, 7, 1)
    person, _created = Person.objects.get_or_create(
        id_number=make_resident_id(area, birth, sequence),
        defaults={
            "name": name,
            "birth_date": birth,
            "sex": "M",
            "hukou_local": True,
            "hukou_district": "上城区",
            "residence_district": "上城区",
        },
    )
    tech = employer("tech")
    enrolment = person.enrolments.filter(start_date=started).first()
    if enrolment is None:
        enrolment = enrol(
            person=person,
            category="active",
            district="上城区",
            employer=tech,
            start_date=started,
            handled_on=started,
            credit_base=DECEASED_WAGE,
        )
    for month in range(1, 6):
        record_id = f"DEMO-deceased-{last_year}{month:02d}"
        if month == 1 and not person.base_declarations.filter(year=last_year).exists():
            declare_base(
                person=person,
                employer=tech,
                year=last_year,
                monthly_wage=DECEASED_WAGE,
                declared_on=dt.date(last_year, 1, 5),
            )
        if not ContributionRecord.objects.filter(external_id=record_id).exists():
            record_monthly_contribution(
                person=person,
                month=dt.date(last_year, month, 1),
                paid_on=dt.date(last_year, month, 15),
                source="tax_bureau",
                external_id=record_id,
            )
    account = Account.objects.filter(person=person).first()
    if account is None:
        stdout.write("  个人账户：蒋故 未开户，死亡与继承演示未办理\n")
        return
    if account.status == Account.Status.OPEN:
        for month in range(1, 6):
            _credit(account, last_year, month, stdout)
        if person.death_date is None:
            Person.objects.filter(pk=person.pk).update(death_date=died)
        if enrolment.end_date is None:
            end_enrolment(enrolment=enrolment, end_date=died, reason="death")
        data = {"on": died, "bills_settled": True}
        perform(action="death", account=account, data=data)
        account.refresh_from_db()
    if account.status == Account.Status.DECEASED:
        heir_name, heir_area, heir_birth, heir_sequence = HEIR
        heir = {
            "on": inherited,
            "heir_name": heir_name,
            "heir_id_number": make_resident_id(heir_area, heir_birth, heir_sequence),
        }
        perform(action="inheritance", account=account, data=heir)
