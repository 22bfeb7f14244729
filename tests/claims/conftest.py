"""Fixtures of the claims tests: insured persons with enrolments and accounts, institutions, API clients."""

import datetime as dt
import itertools
from decimal import Decimal

import pytest

from claims.models import Institution

_sequence = itertools.count(100)

LEVEL3 = "H330100001"
OTHER = "H330100002"
COMMUNITY = "C330100003"
PHARMACY = "P330100004"


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def make_person(
    *,
    category="active",
    birth=dt.date(1974, 5, 1),
    historical=Decimal("0.00"),
    current=Decimal("0.00"),
    enrolled=dt.date(2023, 1, 1),
):
    """An insured person enrolled (paid) from `enrolled`, with an account holding the given funds."""
    from accounts.models import Account
    from accounts.services import open_account, transfer_in
    from core.identity import make_resident_id
    from enrollment.models import Enrolment, Person

    number = make_resident_id("330106", birth, next(_sequence))
    person = Person.objects.create(
        name=f"测试{number[-4:]}", id_number=number, birth_date=birth, sex="M", hukou_district="西湖区"
    )
    scheme = "employee" if category in ("active", "retired", "flexible") else "resident"
    Enrolment.objects.create(
        person=person,
        scheme=scheme,
        category=category,
        district="西湖区",
        start_date=enrolled,
        first_paid_on=enrolled,
    )
    if scheme == "employee":
        open_account(person=person, on=enrolled, category=category)
        if historical:
            transfer_in(person=person, amount=historical, on=enrolled, other_place="测试地")
        if current:
            Account.objects.filter(person=person).update(current=current)
            # keep the ledger in step with the stored balance
            from accounts.models import LedgerEntry

            account = Account.objects.get(person=person)
            LedgerEntry.objects.create(
                account=account,
                kind=LedgerEntry.Kind.PRESET,
                bucket=LedgerEntry.Bucket.CURRENT,
                amount=current,
                entry_date=enrolled,
                year=enrolled.year,
                text="测试预设当年资金",
                article="杭州 第二十二条",
            )
    return person


@pytest.fixture
def person_factory(db):
    return make_person


@pytest.fixture
def institutions(db):
    rows = [
        (LEVEL3, "浙大一院（测试）", "level3", "hospital"),
        (OTHER, "西湖区人民医院（测试）", "other", "hospital"),
        (COMMUNITY, "翠苑街道社区卫生服务中心（测试）", "community", "community_centre"),
        (PHARMACY, "老百姓大药房（测试）", "other", "pharmacy"),
    ]
    return {
        code: Institution.objects.create(code=code, name=name, level=level, kind=kind)
        for code, name, level, kind in rows
    }


@pytest.fixture
def hospital(api_client_factory, institutions):
    """The level-3 hospital's API client (rest_framework APIClient)."""
    http, _client = api_client_factory(organisation_code=LEVEL3)
    return http


def inpatient(
    person, number="ZY0001", *, eligible="50000.00", discharge="2024-03-01", admission="2024-02-20", **extra
):
    body = {
        "id_number": person.id_number,
        "bill_number": number,
        "kind": "inpatient",
        "admission_date": admission,
        "discharge_date": discharge,
        "out_of_scope": "0.00",
        "self_pay_first": "0.00",
        "eligible": eligible,
        "special_drug": "0.00",
    }
    body.update(extra)
    return body


def money(text):
    return Decimal(text)
