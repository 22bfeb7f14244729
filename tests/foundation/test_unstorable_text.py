"""Schemathesis found 500s on /certificates/ and /contributions/ (issue 11): a JSON string with a NUL
character (`\\u0000`) or half a surrogate pair (`\\udbc3`) parses, then PostgreSQL refuses it in the
first query (DataError / UnicodeEncodeError). Now the parser answers 400 naming where it is; nothing
is written."""

import pytest

from claims.models import Settlement
from contributions.models import ContributionRecord
from core.parsers import unstorable_text
from enrollment.models import Certificate

pytestmark = pytest.mark.django_db


def _post_raw(http, url, text):
    return http.post(url, data=text.encode(), content_type="application/json")


@pytest.mark.parametrize("escape", ["\\u0000", "\\udbc3"])
def test_certificate_record_id_with_nul_or_lone_surrogate_is_400(api_client_factory, make_person, escape):
    civil, _ = api_client_factory(kind="civil_affairs", scopes=("certificates",))
    person = make_person()
    body = (
        '{"records": [{"id": "C-1' + escape + '", "id_number": "' + person.id_number + '",'
        ' "kind": "minimum_living", "valid_from": "2024-01-01"}]}'
    )
    response = _post_raw(civil, "/api/v1/certificates/", body)
    assert response.status_code == 400, response.content
    assert "records[0].id" in response.json()
    assert not Certificate.objects.exists()


def test_contribution_id_number_with_nul_is_400(api_client_factory):
    tax, _ = api_client_factory(kind="tax_bureau", scopes=("contributions",))
    body = '{"records": [{"id": "T-1", "kind": "employee", "id_number": "3301\\u0000"}]}'
    response = _post_raw(tax, "/api/v1/contributions/", body)
    assert response.status_code == 400 and "records[0].id_number" in response.json()
    assert not ContributionRecord.objects.exists()


def test_settlement_bill_number_with_lone_surrogate_is_400(api_client_factory):
    hospital, _ = api_client_factory(organisation_code="H1")
    body = '{"id_number": "x", "bill_number": "\\ud800B", "kind": "outpatient", "eligible": "1.00"}'
    response = _post_raw(hospital, "/api/v1/settlements/", body)
    assert response.status_code == 400 and "bill_number" in response.json()
    assert not Settlement.objects.exists()


def test_a_key_with_nul_is_named_by_its_parent_and_pairs_pass():
    assert unstorable_text({"records": [{"a\x00": 1}]}) == "records[0]"
    assert unstorable_text({"name": "😀 张三", "n": [1, None, True]}) is None  # a valid pair is one character
    assert unstorable_text("\x00") == ""
