"""Catastrophic insurance and medical assistance applied at settlement (杭州 art. 41–44, 47–50; 规程 §6–§7)."""

import datetime as dt

import pytest

from .conftest import inpatient

URL = "/api/v1/settlements/"

pytestmark = pytest.mark.django_db


def certify(person, kind):
    from enrollment.models import Certificate

    Certificate.objects.create(
        person=person, kind=kind, valid_from=dt.date(2023, 1, 1), registered_on=dt.date(2023, 1, 1)
    )


def test_extreme_poverty_employee_inpatient(hospital, person_factory):
    """Active employee with 特困 certificate, level 3, eligible 50,000, 自理 50, 自费 100:
    basic 40,944 (art. 28); co-pay 800 + 39,200 × 18% + 10,000 × 12% = 9,056;
    catastrophic (9,056 − 7,500) × 80% = 1,244.80 (art. 43, certificate holders);
    assistance 100% of the in-scope rest: 50 + 50,000 − 40,944 − 1,244.80 = 7,861.20 (art. 48);
    the person pays the 自费 100 in cash."""
    person = person_factory()
    certify(person, "extreme_poverty")
    response = hospital.post(
        URL, inpatient(person, out_of_scope="100.00", self_pay_first="50.00"), format="json"
    )
    assert response.status_code == 201, response.content
    data = response.json()
    assert data["basic_fund_paid"] == "40944.00"
    assert data["catastrophic_paid"] == "1244.80"
    assert data["assistance_paid"] == "7861.20"
    assert data["cash_paid"] == "100.00"


def test_minimum_living_employee_inpatient(hospital, person_factory):
    """低保 certificate: assistance 70% of the in-scope rest: (50 + 50,000 − 40,944 − 1,244.80) × 70% = 5,502.84;
    cash 100 + 7,861.20 − 5,502.84 = 2,458.36."""
    person = person_factory()
    certify(person, "minimum_living")
    response = hospital.post(
        URL, inpatient(person, out_of_scope="100.00", self_pay_first="50.00"), format="json"
    )
    assert response.status_code == 201, response.content
    data = response.json()
    assert data["catastrophic_paid"] == "1244.80"
    assert data["assistance_paid"] == "5502.84"
    assert data["cash_paid"] == "2458.36"
