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
