"""Findings 3 and 7 (issue 11) on /contributions/: each bad record a 400 naming records[i].field, nothing
written. Were: "1e30" accepted as a wage, "2026-12-99junk" read as a month, "9999-12" and a resident
year of 10^30 and a record id over 64 characters answered 500."""

import datetime as dt

import pytest

from contributions.models import ContributionRecord, ResidentPayment
from enrollment.services import enrol

pytestmark = pytest.mark.django_db
D = dt.date
URL = "/api/v1/contributions/"


@pytest.fixture
def tax_bureau(api_client_factory):
    http, _client = api_client_factory(kind="tax_bureau", scopes=("contributions",))
    return http


@pytest.fixture
def worker(make_person, employer, provincial_wage):
    person = make_person(name="职工")
    enrol(person=person, category="active", district="上城区", start_date=D(2024, 1, 1), employer=employer)
    return person


@pytest.fixture
def resident(make_person):
    person = make_person(name="居民")
    enrol(person=person, category="adult_tier1", district="上城区", start_date=D(2024, 1, 1))
    return person


def employee_record(worker, employer, **changes):
    record = {
        "id": "T-1",
        "kind": "employee",
        "id_number": worker.id_number,
        "month": "2024-01",
        "paid_on": "2024-01-15",
        "employer_credit_code": employer.credit_code,
        "monthly_wage": "8000",
    }
    record.update(changes)
    return record


def _refused(tax_bureau, record, field):
    response = tax_bureau.post(URL, {"records": [record]}, format="json")
    assert response.status_code == 400, response.content
    assert f"records[0].{field}" in response.json()["errors"], response.json()
    assert not ContributionRecord.objects.exists() and not ResidentPayment.objects.exists()


def test_wage_1e30_is_refused(tax_bureau, worker, employer):
    _refused(tax_bureau, employee_record(worker, employer, monthly_wage="1e30"), "monthly_wage")


def test_month_with_trailing_junk_is_refused(tax_bureau, worker, employer):
    _refused(tax_bureau, employee_record(worker, employer, month="2026-12-99junk"), "month")


def test_month_9999_12_is_refused(tax_bureau, worker, employer):
    _refused(tax_bureau, employee_record(worker, employer, month="9999-12"), "month")


def test_record_id_over_64_characters_is_refused(tax_bureau, worker, employer):
    _refused(tax_bureau, employee_record(worker, employer, id="X" * 65), "id")


def test_resident_year_ten_to_the_thirty_is_refused(tax_bureau, resident):
    record = {
        "id": "R-1",
        "kind": "resident",
        "id_number": resident.id_number,
        "year": 10**30,
        "paid_on": "2023-12-01",
    }
    _refused(tax_bureau, record, "year")


def test_unknown_record_fields_are_refused(tax_bureau, worker, employer):
    _refused(tax_bureau, employee_record(worker, employer, is_superuser=True), "is_superuser")


def test_a_good_record_still_goes_in(tax_bureau, worker, employer):
    response = tax_bureau.post(URL, {"records": [employee_record(worker, employer)]}, format="json")
    assert response.status_code == 201, response.content
