"""Trial settlements (nothing stored) answer in the caller's language (issue 15): with Accept-Language
English every line's words and article are English; without, the contract's Chinese, unchanged.
A settlement's answer is its record and stays as stored."""

import pytest

from tests.i18n.test_english import CJK

from .conftest import inpatient

pytestmark = pytest.mark.django_db

ENGLISH = {"HTTP_ACCEPT_LANGUAGE": "en"}


def _lines_with_chinese(lines):
    return [line for line in lines if CJK.search(line["text"]) or CJK.search(line["article"])]


def test_an_enrolled_persons_trial_in_english_has_english_lines(hospital, person_factory):
    person = person_factory()
    english = hospital.post("/api/v1/settlements/trial/", inpatient(person), format="json", **ENGLISH)
    assert english.status_code == 200, english.content.decode()
    lines = english.json()["lines"]
    assert lines and _lines_with_chinese(lines) == []
    assert any(line["article"].startswith("Hangzhou art. ") for line in lines)
    chinese = hospital.post("/api/v1/settlements/trial/", inpatient(person), format="json").json()
    assert [line["amount"] for line in chinese["lines"]] == [line["amount"] for line in lines]
    assert all(CJK.search(line["article"]) for line in chinese["lines"])
    settled = hospital.post("/api/v1/settlements/", inpatient(person), format="json", **ENGLISH)
    assert settled.status_code == 201
    assert all(CJK.search(line["article"]) for line in settled.json()["lines"])  # the record, as stored


def test_the_trial_settlement_of_the_contract_in_english(api_client_factory):
    from policy.views import EXAMPLE_REQUEST

    http, _client = api_client_factory(scopes=("trial_settlement",))
    english = http.post("/api/v1/trial-settlements/", EXAMPLE_REQUEST, format="json", **ENGLISH).json()
    chinese = http.post("/api/v1/trial-settlements/", EXAMPLE_REQUEST, format="json").json()
    lines = english["bills"][0]["lines"]
    assert lines and _lines_with_chinese(lines) == []
    assert "Hangzhou art. 28(1)" in {line["article"] for line in lines}
    assert "杭州 第二十八条第(一)项" in {line["article"] for line in chinese["bills"][0]["lines"]}
    assert english["bills"][0]["cash_paid"] == chinese["bills"][0]["cash_paid"]
