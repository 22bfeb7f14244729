"""The employer API (scope `maternity`): create, read, list its own applications; bad input is a 4xx
naming the field or article, and nothing is written."""

import datetime as dt
from decimal import Decimal as D

import pytest
from django.utils import timezone

from maternity.models import Application

from .conftest import enrol, insured_woman, make_employer, make_person, pay

URL = "/api/v1/maternity/applications/"
pytestmark = pytest.mark.django_db


def event_date():
    """A date well inside the deadline and in the past: 3 months ago, on the 10th."""
    from core import dates

    return dates.add_months(timezone.localdate().replace(day=10), -3)


@pytest.fixture
def setup(api_client_factory):
    event = event_date()
    person, employer = insured_woman(event_date=event, base=D("8000"), colleagues=(D("10000"),))
    http, client = api_client_factory(
        kind="employer", scopes=("maternity",), organisation_code=employer.credit_code
    )
    return {"http": http, "person": person, "employer": employer, "event": event}


def body(setup, **extra):
    return {
        "id_number": setup["person"].id_number,
        "event_kind": "birth",
        "event_date": setup["event"].isoformat(),
        "employer_reference": "HR-2026-001",
        **extra,
    }


def test_employer_creates_reads_and_lists_its_own(setup, api_client_factory):
    response = setup["http"].post(URL, body(setup), format="json")
    assert response.status_code == 201, response.json()
    data = response.json()
    assert data["amount"] == "38400.00" and data["status"] == "submitted" and data["source"] == "api"
    assert data["masked_id_number"] != setup["person"].id_number and "*" in data["masked_id_number"]
    assert any("第五十八条第二款" in line["article"] for line in data["lines"])
    # idempotent on the employer's own application number
    again = setup["http"].post(URL, body(setup), format="json")
    assert again.status_code == 200 and again.json()["id"] == data["id"]
    assert Application.objects.count() == 1
    detail = setup["http"].get(f"{URL}{data['id']}/")
    assert detail.status_code == 200 and detail.json()["employer_reference"] == "HR-2026-001"
    listed = setup["http"].get(URL, {"status": "submitted", "event_kind": "birth"})
    assert listed.status_code == 200 and [row["id"] for row in listed.json()["results"]] == [data["id"]]
    assert setup["http"].get(URL, {"status": "approved"}).json()["results"] == []
    # another employer sees none of it
    other = make_employer(name="别家单位")
    http, _client = api_client_factory(
        kind="employer", scopes=("maternity",), organisation_code=other.credit_code
    )
    assert http.get(URL).json()["results"] == []
    assert http.get(f"{URL}{data['id']}/").status_code == 404


def test_same_number_other_content_is_409(setup):
    assert setup["http"].post(URL, body(setup), format="json").status_code == 201
    response = setup["http"].post(URL, body(setup, difficult_birth=True), format="json")
    assert response.status_code == 409 and response.json()["field"] == "employer_reference"


def test_scope_is_required(setup, api_client_factory):
    http, _client = api_client_factory(
        kind="employer", scopes=("trial_settlement",), organisation_code=setup["employer"].credit_code
    )
    assert http.post(URL, body(setup), format="json").status_code == 403
    hospital, _client = api_client_factory(kind="institution", scopes=("settlement",), organisation_code="H1")
    assert hospital.get(URL).status_code == 403


# --- bad input: a 4xx naming the field or article, nothing written ----------------------------------


def refused(setup, payload, status, field, article=None):
    before = Application.objects.count()
    response = setup["http"].post(URL, payload, format="json")
    assert response.status_code == status, response.json()
    data = response.json()
    assert field in data, data
    if article:
        assert data["article"] == article, data
    assert Application.objects.count() == before
    return data


def test_birth_date_in_the_future(setup):
    future = (timezone.localdate() + dt.timedelta(days=3)).isoformat()
    refused(setup, body(setup, event_date=future), 400, "field")


def test_unknown_surgery_kind(setup):
    data = refused(setup, body(setup, event_kind="appendectomy"), 400, "event_kind")
    assert data["event_kind"]


def test_employer_acting_for_another_employers_employee(setup):
    other = make_employer(name="别家单位")
    stranger = make_person(name="外单位职工")
    enrol(stranger, employer=other, start=dt.date(2024, 1, 1))
    pay(stranger, employer=other, first=dt.date(2024, 1, 1), count=24)
    data = refused(setup, body(setup, id_number=stranger.id_number), 403, "field")
    assert data["field"] == "id_number" and data["article"] == "杭州 第五十六条第(二)项"
    data = refused(setup, body(setup, employer_credit_code=other.credit_code), 403, "field")
    assert data["field"] == "employer_credit_code"


def test_birth_or_miscarriage_for_a_man(setup):
    man, _employer = insured_woman(
        event_date=setup["event"], sex="M", employer=setup["employer"], colleagues=()
    )
    for kind in ("birth", "miscarriage_before_4_months"):
        data = refused(setup, body(setup, id_number=man.id_number, event_kind=kind), 400, "field")
        assert data["field"] == "event_kind" and data["article"] == "杭州 第五十九条"
    ok = setup["http"].post(URL, body(setup, id_number=man.id_number, event_kind="vasectomy"), format="json")
    assert ok.status_code == 201 and ok.json()["allowance_kind"] == "family_planning"


def test_second_application_for_the_same_event(setup):
    assert setup["http"].post(URL, body(setup), format="json").status_code == 201
    data = refused(setup, body(setup, employer_reference="HR-2026-002"), 409, "field")
    assert data["field"] == "event_date"


def test_past_the_deadline(setup):
    person, _employer = insured_woman(
        event_date=dt.date(2023, 5, 1), employer=setup["employer"], colleagues=()
    )
    data = refused(
        setup,
        body(setup, id_number=person.id_number, event_date="2023-05-01", employer_reference="OLD-1"),
        422,
        "field",
    )
    assert data["field"] == "event_date" and data["article"] == "杭州 第六十条"


def test_the_schema_describes_the_maternity_api(clerk, client):
    client.force_login(clerk)
    response = client.get("/api/schema/", {"format": "json"})
    assert response.status_code == 200
    paths = response.json()["paths"]
    assert "/api/v1/maternity/applications/" in paths
    assert "/api/v1/maternity/applications/{id}/" in paths
    assert "/api/v1/maternity/reports/allowances/" in paths
    operation = paths["/api/v1/maternity/applications/"]
    assert {"get", "post"} <= set(operation)
    names = {parameter["name"] for parameter in operation["get"]["parameters"]}
    assert {"status", "event_kind", "event_date_from", "employer_reference"} <= names
