"""Bulk intake from the tax bureau and civil affairs: all or nothing, idempotent, scoped; reads masked."""

import datetime as dt

import pytest

from contributions.models import ContributionRecord, ResidentPayment
from enrollment.models import Certificate
from enrollment.services import enrol

pytestmark = pytest.mark.django_db
D = dt.date


@pytest.fixture
def tax_bureau(api_client_factory):
    http, _client = api_client_factory(kind="tax_bureau", scopes=("contributions",))
    return http


@pytest.fixture
def insured(make_person, employer, provincial_wage):
    flexible = make_person(name="灵活")
    enrol(person=flexible, category="flexible", district="上城区", start_date=D(2024, 1, 1))
    worker = make_person(name="职工")
    enrol(person=worker, category="active", district="上城区", start_date=D(2024, 1, 1), employer=employer)
    resident = make_person(name="居民")
    enrol(person=resident, category="adult_tier1", district="上城区", start_date=D(2024, 1, 1))
    return flexible, worker, resident


def body(flexible, worker, resident, employer):
    return {
        "records": [
            {
                "id": "T-1",
                "kind": "flexible",
                "id_number": flexible.id_number,
                "month": "2024-01",
                "paid_on": "2024-01-10",
            },
            {
                "id": "T-2",
                "kind": "employee",
                "id_number": worker.id_number,
                "month": "2024-01",
                "paid_on": "2024-01-15",
                "employer_credit_code": employer.credit_code,
                "monthly_wage": "8000",
                "total": "952.00",
            },
            {
                "id": "T-3",
                "kind": "resident",
                "id_number": resident.id_number,
                "year": 2024,
                "paid_on": "2023-12-01",
            },
        ]
    }


def test_bulk_intake_creates_then_is_idempotent(tax_bureau, insured, employer):
    payload = body(*insured, employer)
    response = tax_bureau.post("/api/v1/contributions/", payload, format="json")
    assert response.status_code == 201, response.json()
    assert response.json()["created"] == 3
    assert ContributionRecord.objects.count() == 2 and ResidentPayment.objects.count() == 1
    assert ContributionRecord.objects.get(external_id="T-2").total == 952
    again = tax_bureau.post("/api/v1/contributions/", payload, format="json")
    assert again.status_code == 201 and again.json() == {**again.json(), "created": 0, "unchanged": 3}
    assert ContributionRecord.objects.count() == 2 and ResidentPayment.objects.count() == 1


def test_one_bad_record_writes_nothing_and_names_the_field(tax_bureau, insured, employer, make_person):
    payload = body(*insured, employer)
    stranger = "330102199001011234"
    payload["records"].append(
        {"id": "T-4", "kind": "flexible", "id_number": stranger, "month": "2024-01", "paid_on": "2024-01-10"}
    )
    payload["records"].append(dict(payload["records"][0]))  # duplicate record id in the same call
    payload["records"][1]["total"] = "999.00"  # does not match the computed 952.00
    response = tax_bureau.post("/api/v1/contributions/", payload, format="json")
    assert response.status_code == 400
    errors = response.json()["errors"]
    assert "未登记参保人" in errors["records[3].id_number"] and stranger not in errors["records[3].id_number"]
    assert "重复" in errors["records[4].id"]
    assert "952.00" in errors["records[1].total"]
    assert ContributionRecord.objects.count() == 0 and ResidentPayment.objects.count() == 0


def test_same_person_month_under_another_record_id_refused(tax_bureau, insured, employer):
    flexible = insured[0]
    first = {
        "id": "A",
        "kind": "flexible",
        "id_number": flexible.id_number,
        "month": "2024-01",
        "paid_on": "2024-01-10",
    }
    assert tax_bureau.post("/api/v1/contributions/", {"records": [first]}, format="json").status_code == 201
    second = {**first, "id": "B"}
    response = tax_bureau.post("/api/v1/contributions/", {"records": [second]}, format="json")
    assert response.status_code == 400 and "records[0].month" in response.json()["errors"]


def test_wrong_scope_and_insured_refused(api_client_factory, insured, employer):
    institution, _ = api_client_factory(kind="institution", scopes=("settlement",))
    payload = body(*insured, employer)
    assert institution.post("/api/v1/contributions/", payload, format="json").status_code == 403
    assert institution.get("/api/v1/contributions/").status_code == 403
    assert ContributionRecord.objects.count() == 0


def test_certificate_intake_all_or_nothing_and_idempotent(api_client_factory, make_person):
    http, _ = api_client_factory(kind="civil_affairs", scopes=("certificates",))
    person = make_person()
    good = {"id": "C-1", "id_number": person.id_number, "kind": "minimum_living", "valid_from": "2024-01-01"}
    bad = {"id": "C-2", "id_number": person.id_number, "kind": "rich", "valid_from": "2024-01-01"}
    response = http.post("/api/v1/certificates/", {"records": [good, bad]}, format="json")
    assert response.status_code == 400 and "records[1].kind" in response.json()["errors"]
    assert Certificate.objects.count() == 0
    assert http.post("/api/v1/certificates/", {"records": [good]}, format="json").json()["created"] == 1
    assert http.post("/api/v1/certificates/", {"records": [good]}, format="json").json()["unchanged"] == 1
    assert Certificate.objects.get().source == "civil_affairs"


def test_clerk_lists_mask_id_numbers(client, clerk, insured, tax_bureau, employer):
    tax_bureau.post("/api/v1/contributions/", body(*insured, employer), format="json")
    client.force_login(clerk)
    flexible = insured[0]
    persons = client.get("/api/v1/persons/", {"name": "灵活"}).json()
    assert persons["count"] == 1
    assert persons["results"][0]["id_number"] == flexible.id_number[:6] + "********" + flexible.id_number[-4:]
    contributions = client.get("/api/v1/contributions/", {"kind": "flexible"}).json()
    assert contributions["count"] == 1 and flexible.id_number not in str(contributions)
    enrolments = client.get("/api/v1/enrolments/", {"scheme": "resident"}).json()
    assert enrolments["count"] == 1
    status = client.get(f"/api/v1/persons/{flexible.pk}/benefit-status/", {"on": "2024-02-01"}).json()
    assert status["eligible"] is True and status["category"] == "flexible"


def test_insured_person_cannot_use_clerk_api(client, django_user_model, insured):
    user = django_user_model.objects.create_user(username="insured1", password="x-pass-12345", role="insured")
    client.force_login(user)
    assert client.get("/api/v1/persons/").status_code == 403
    assert client.get("/api/v1/contributions/").status_code == 403
    assert client.get(f"/api/v1/persons/{insured[0].pk}/benefit-status/").status_code == 403
