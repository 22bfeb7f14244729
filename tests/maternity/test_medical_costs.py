"""Maternity medical costs through claims (杭州 art. 57; 舟山 art. 51): a birth's bill settles by the
employee rules, marked so reports separate it; a Zhoushan resident's birth is paid by the fixed grant."""

from decimal import Decimal as D

import pytest

from claims.models import Settlement
from tests.claims.conftest import LEVEL3, hospital, inpatient, institutions, make_person  # noqa: F401

URL = "/api/v1/settlements/"
pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _no_statements(monkeypatch):
    monkeypatch.setattr("claims.services.outbox.queue_render", lambda settlement_id: None)


def test_art57_birth_settles_by_the_employee_rules_and_is_marked(hospital):  # noqa: F811
    """杭州 art. 57: the same amounts as any employee inpatient bill; the settlement says 生育医疗费 and cites art. 57."""
    mother = make_person()
    other = make_person()
    birth = hospital.post(
        URL, inpatient(mother, "SY0001", eligible="12000.00", maternity="birth"), format="json"
    )
    plain = hospital.post(URL, inpatient(other, "ZY0002", eligible="12000.00"), format="json")
    assert birth.status_code == 201, birth.json()
    assert plain.status_code == 201
    for name in ("basic_fund_paid", "cash_paid", "total"):
        assert birth.json()[name] == plain.json()[name]
    lines = birth.json()["lines"]
    assert (
        lines[0]["article"] == "杭州 第五十七条"
        and "生育医疗费" in lines[0]["text"]
        and "住院待遇" in lines[0]["text"]
    )
    settlement = Settlement.objects.get(bill_number="SY0001")
    assert settlement.maternity == "birth"
    assert Settlement.objects.filter(maternity="").count() == 1  # the report separates them
    reversal = hospital.post(f"{URL}{settlement.pk}/reversal/", format="json")
    assert reversal.status_code == 201
    assert Settlement.objects.get(kind="reversal").maternity == "birth"


def test_family_planning_costs_marked_and_unknown_kind_refused(hospital):  # noqa: F811
    person = make_person()
    ok = hospital.post(
        URL,
        {
            "id_number": person.id_number,
            "bill_number": "JS0001",
            "kind": "outpatient",
            "date": "2024-03-01",
            "eligible": "800.00",
            "maternity": "family_planning",
        },
        format="json",
    )
    assert ok.status_code == 201, ok.json()
    assert "普通门诊待遇" in ok.json()["lines"][0]["text"]
    bad = hospital.post(URL, inpatient(person, "SY0009", maternity="adoption"), format="json")
    assert bad.status_code == 400 and "maternity" in bad.json()


def test_zhoushan_art51_resident_birth_goes_to_the_lump_sum(hospital):  # noqa: F811
    """舟山 art. 51(2): a resident's birth costs are a fixed grant, not settled by bill (refused naming the article)."""
    import policy.parameters as parameters

    parameters.set_illustrative_default(True)
    resident = make_person(category="adult_tier1")
    resident.region = "zhoushan"
    resident.save()
    resident.enrolments.update(region="zhoushan", district="定海区")
    response = hospital.post(URL, inpatient(resident, "ZS0001", maternity="birth"), format="json")
    assert response.status_code == 422, response.json()
    assert response.json()["article"] == "舟山 第五十一条第二款"
    assert not Settlement.objects.exists()
    assert D("0") == 0
