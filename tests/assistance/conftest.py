"""Fixtures of the assistance tests: the claims fixtures (persons, institutions, the hospital's API
client) and helpers to settle bills and register certificates."""

import datetime as dt
from decimal import Decimal

import pytest

from tests.claims.conftest import (  # noqa: F401 (fixtures)
    LEVEL3,
    _media,
    hospital,
    inpatient,
    institutions,
    make_person,
    person_factory,
)

URL = "/api/v1/settlements/"


def outpatient(person, number, date, *, eligible="0.00", self_pay_first="0.00", **extra):
    body = {
        "id_number": person.id_number,
        "bill_number": number,
        "kind": "outpatient",
        "date": date,
        "out_of_scope": "0.00",
        "self_pay_first": self_pay_first,
        "eligible": eligible,
        "special_drug": "0.00",
    }
    body.update(extra)
    return body


def settle(http, body) -> dict:
    response = http.post(URL, body, format="json")
    assert response.status_code == 201, response.content
    return response.json()


def certify(person, kind, *, valid_from, registered_on=None, valid_to=None):
    from enrollment.models import Certificate

    return Certificate.objects.create(
        person=person,
        kind=kind,
        valid_from=valid_from,
        registered_on=registered_on or valid_from,
        valid_to=valid_to,
    )


def to_zhoushan(person):
    from enrollment.models import Person
    from policy import parameters

    parameters.set_illustrative_default(True)
    Person.objects.filter(pk=person.pk).update(region="zhoushan")
    person.enrolments.update(region="zhoushan")
    person.refresh_from_db()
    return person


def money(text) -> Decimal:
    return Decimal(text)


@pytest.fixture
def clerks(db):
    """One user per clerk group (柜员, 审核, 管理), with the groups' permissions set up."""
    from users.models import User
    from users.services import ADMINISTRATION, COUNTER, REVIEW, setup_roles

    setup_roles()
    from django.contrib.auth.models import Group

    made = {}
    for name, group in (("counter", COUNTER), ("review", REVIEW), ("admin", ADMINISTRATION)):
        user = User.objects.create_user(
            username=f"a-{name}", password="pass-12345-x", role="clerk", is_staff=True
        )
        user.groups.add(Group.objects.get(name=group))
        made[name] = User.objects.get(pk=user.pk)  # fresh permission cache
    return made


D = dt.date
