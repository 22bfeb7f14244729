"""Fixtures of the portal tests: two insured persons (A and B) with logins, accounts, records and bills."""

import datetime as dt
import itertools
from decimal import Decimal

import pytest
from django.utils import timezone

_sequence = itertools.count(500)

PASSWORD = "portal-pass-2024"


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def make_insured(
    django_user_model,
    *,
    name,
    username=None,
    birth=dt.date(1974, 5, 1),
    category="active",
    historical=Decimal("0.00"),
    enrolled=dt.date(2023, 1, 1),
):
    """A Hangzhou person enrolled and paid from `enrolled`, with an account holding `historical` funds."""
    from accounts.services import open_account, transfer_in
    from core.identity import make_resident_id
    from enrollment.models import Enrolment, Person

    number = make_resident_id("330106", birth, next(_sequence))
    user = None
    if username:
        user = django_user_model.objects.create_user(username=username, password=PASSWORD, role="insured")
    person = Person.objects.create(
        name=name,
        id_number=number,
        birth_date=birth,
        sex="M",
        hukou_district="西湖区",
        user=user,
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
    return person


@pytest.fixture
def insured(db, django_user_model):
    def make(**kwargs):
        return make_insured(django_user_model, **kwargs)

    return make


@pytest.fixture
def person_a(insured):
    return insured(name="王小明", username="wangxm", historical=Decimal("3000.00"))


@pytest.fixture
def person_b(insured):
    return insured(
        name="李四海", username="lisihai", historical=Decimal("1234.56"), birth=dt.date(1980, 3, 3)
    )


@pytest.fixture
def client_a(client, person_a):
    client.login(username="wangxm", password=PASSWORD)
    return client


@pytest.fixture
def client_b(person_b):
    from django.test import Client

    other = Client()
    other.login(username="lisihai", password=PASSWORD)
    return other


@pytest.fixture
def hospital(db):
    from claims.models import Institution

    return Institution.objects.create(
        code="H330100009", name="浙大一院（门户测试）", level="level3", kind="hospital"
    )


def settle_inpatient(person, hospital, *, number, eligible, on=None, capture=None):
    """Settle an inpatient bill of `person` through the claims service (as the hospital would)."""
    from claims.services import BillInput, settle

    on = on or timezone.localdate()
    bill = BillInput(
        bill_number=number,
        kind="inpatient",
        discharge_date=on,
        admission_date=on - dt.timedelta(days=5),
        eligible=Decimal(eligible),
    )
    body = {"bill_number": number, "eligible": eligible, "discharge_date": on.isoformat()}
    settlement, created = settle(person=person, institution=hospital, bill=bill, body=body)
    assert created
    return settlement
