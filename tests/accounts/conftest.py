"""Fixtures for the personal-account tests: persons with accounts, and the agency's 省平工资 override."""

import datetime as dt
import itertools
from decimal import Decimal

import pytest

from policy.parameters import Override, set_override_provider

_numbers = itertools.count(1)

# 上年度省平工资 as the agency would enter it (no value in the file; an agency override).
PROVINCIAL_AVERAGE = Decimal("8000.00")


@pytest.fixture
def provincial_average():
    def provider(region):
        if region == "hangzhou":
            return [Override("provincial_average_monthly_wage", dt.date(2020, 1, 1), PROVINCIAL_AVERAGE)]
        return []

    set_override_provider(provider)
    yield PROVINCIAL_AVERAGE
    set_override_provider(None)


@pytest.fixture
def make_person(db):
    from enrollment.models import Person

    def make(name="张三", birth_date=dt.date(1990, 6, 15), region="hangzhou"):
        number = next(_numbers)
        return Person.objects.create(
            name=f"{name}{number}",
            id_type=Person.IdType.FOREIGN_PERMIT,
            id_number=f"TEST{number:08d}",
            birth_date=birth_date,
            sex="M",
            hukou_local=False,
            region=region,
        )

    return make


def record_paid(person, month, *, category="active", base=Decimal("10000.00"), personal=None, paid_on=None):
    """A month's contribution as the tax bureau reports it (what credits follow, reading 11)."""
    from contributions.models import ContributionRecord

    kind = {"active": "employee", "flexible": "flexible", "unemployed": "unemployed"}[category]
    if personal is None:
        personal = (base * Decimal("0.02")).quantize(Decimal("0.01")) if category == "active" else base * 0
    return ContributionRecord.objects.create(
        person=person,
        month=month,
        kind=kind,
        base=base,
        employer_amount=Decimal("0"),
        employer_maternity=Decimal("0"),
        personal=personal,
        personal_subsidy=Decimal("0"),
        personal_payable=personal,
        total=personal,
        paid_on=paid_on or month + dt.timedelta(days=9),
    )


@pytest.fixture
def pay():
    """pay(account, year, months, base=...): the months paid for at the account's profile by default."""

    def pay(account, year, months=range(1, 13), *, base=None, category=None, personal=None, paid_on=None):
        from contributions.models import ContributionRecord

        for month in months:
            first = dt.date(year, month, 1)
            if ContributionRecord.objects.filter(person_id=account.person_id, month=first).exists():
                continue
            record_paid(
                account.person,
                first,
                category=category or (account.category if account.category != "none" else "active"),
                base=account.credit_base if base is None else base,
                personal=personal,
                paid_on=paid_on,
            )

    return pay


@pytest.fixture
def make_account(make_person):
    from accounts import services

    def make(
        *,
        category="active",
        base=Decimal("10000.00"),
        pension=Decimal("0"),
        opened=dt.date(2024, 1, 1),
        birth_date=dt.date(1990, 6, 15),
        name="张三",
    ):
        person = make_person(name=name, birth_date=birth_date)
        if category == "retired":  # a retiree is credited while a retired enrolment covers the month
            from enrollment.models import Enrolment

            Enrolment.objects.create(
                person=person,
                scheme="employee",
                category="retired",
                district="上城区",
                start_date=opened,
                first_paid_on=opened,
            )
        return services.open_account(person=person, on=opened, category=category, base=base, pension=pension)

    return make


@pytest.fixture
def enrol_paid_employee():
    """An active employee enrolment since 2023, paid from the start (what the credit batch refreshes from)."""
    from enrollment.models import Enrolment

    def enrol(person):
        return Enrolment.objects.create(
            person=person,
            scheme="employee",
            category="active",
            district="上城区",
            start_date=dt.date(2023, 1, 1),
            first_paid_on=dt.date(2023, 1, 5),
        )

    return enrol
