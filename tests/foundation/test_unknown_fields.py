"""Unknown fields refused (issue 11, finding 5) on every write endpoint, by the same mechanism
(core.serializers.RefuseUnknownFields, core.intake.refuse_unknown): /settlements/ had it; now
/certificates/ (body and records), /contributions/ (body) and the maternity applications do too.
A 400 names each unknown key; nothing is written."""

import pytest

from contributions.models import ContributionRecord
from enrollment.models import Certificate
from maternity.models import Application

pytestmark = pytest.mark.django_db

CERTIFICATES = "/api/v1/certificates/"


@pytest.fixture
def civil(api_client_factory):
    http, _ = api_client_factory(kind="civil_affairs", scopes=("certificates",))
    return http


def certificate(person, **extra):
    return {
        "id": "C-1",
        "id_number": person.id_number,
        "kind": "minimum_living",
        "valid_from": "2024-01-01",
        **extra,
    }


def test_certificate_record_with_unknown_field_is_refused(civil, make_person):
    response = civil.post(
        CERTIFICATES, {"records": [certificate(make_person(), is_superuser=True)]}, format="json"
    )
    assert response.status_code == 400
    assert response.json()["errors"] == {"records[0].is_superuser": "未知字段"}
    assert not Certificate.objects.exists()


def test_certificate_body_with_unknown_field_is_refused(civil, make_person):
    response = civil.post(
        CERTIFICATES, {"records": [certificate(make_person())], "status": "approved"}, format="json"
    )
    assert response.status_code == 400 and response.json()["errors"] == {"status": "未知字段"}
    assert not Certificate.objects.exists()


def test_certificate_number_longer_than_its_column_is_400(civil, make_person):
    """Certificate.number is varchar(64): longer was a DataError (500) on PostgreSQL."""
    response = civil.post(
        CERTIFICATES, {"records": [certificate(make_person(), number="N" * 65)]}, format="json"
    )
    assert response.status_code == 400 and "records[0].number" in response.json()["errors"]
    assert not Certificate.objects.exists()
    response = civil.post(
        CERTIFICATES, {"records": [certificate(make_person(), number="N" * 64)]}, format="json"
    )
    assert response.status_code == 201 and Certificate.objects.get().number == "N" * 64


def test_contribution_body_with_unknown_field_is_refused(api_client_factory):
    tax, _ = api_client_factory(kind="tax_bureau", scopes=("contributions",))
    response = tax.post("/api/v1/contributions/", {"records": [{"id": "T-1"}], "batch": 7}, format="json")
    assert response.status_code == 400 and response.json()["errors"] == {"batch": "未知字段"}
    assert not ContributionRecord.objects.exists()


def test_maternity_application_with_unknown_field_is_refused(api_client_factory):
    employer, _ = api_client_factory(kind="employer", scopes=("maternity",), organisation_code="91330000X")
    body = {
        "id_number": "330106199001011234",
        "event_kind": "birth",
        "event_date": "2024-01-01",
        "employer_reference": "HR-1",
        "status": "approved",
        "amount": "99999.00",
    }
    response = employer.post("/api/v1/maternity/applications/", body, format="json")
    assert response.status_code == 400
    assert set(response.json()) == {"status", "amount"}
    assert not Application.objects.exists()
