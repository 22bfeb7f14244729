"""杭州 art. 64(6) (a year-long stay settled at its 365th day, then from the next day) and the
filings that direct settlement away from Hangzhou needs (art. 66–69), through the API."""

import datetime as dt

import pytest

from claims.models import Accumulator, Institution, Settlement
from enrollment.models import Filing

from .conftest import inpatient

URL = "/api/v1/settlements/"

pytestmark = pytest.mark.django_db


def test_year_long_stay_interim_then_continuation_art64_6(hospital, person_factory):
    """杭州 art. 64(6), art. 28: admitted 2024-01-10; the 365th day is 2025-01-09 (2024 has 366 days).

    Interim (year 2025, by its end date): deductible 800, (20,000 − 800) × 82% = 15,744.00.
    Continuation from 2025-01-10 to discharge 2025-03-10: the year's deductible is paid (0),
    cumulative 20,000 → 30,000 all in the 82% band: 10,000 × 82% = 8,200.00.
    """
    person = person_factory()
    interim = hospital.post(
        URL,
        inpatient(
            person, "ZY-L1", admission="2024-01-10", discharge="2025-01-09", eligible="20000.00", interim=True
        ),
        format="json",
    )
    assert interim.status_code == 201, interim.content
    body = interim.json()
    assert (body["year"], body["deductible"], body["basic_fund_paid"]) == ("2025", "800.00", "15744.00")
    long_stay_lines = [line for line in body["lines"] if "第六十四条第(六)项" in line["article"]]
    assert long_stay_lines and "2024-01-10 至 2025-01-09" in long_stay_lines[0]["text"]
    assert Settlement.objects.get(pk=body["settlement_id"]).interim is True

    rest = hospital.post(
        URL,
        inpatient(
            person,
            "ZY-L2",
            admission="2024-01-10",
            period_start="2025-01-10",
            discharge="2025-03-10",
            eligible="10000.00",
        ),
        format="json",
    )
    assert rest.status_code == 201, rest.content
    assert (rest.json()["deductible"], rest.json()["basic_fund_paid"]) == ("0.00", "8200.00")
    state = Accumulator.objects.get(person=person, year_key="2025").state
    assert state["inpatient_eligible"] == "30000.00"
    assert not Accumulator.objects.filter(person=person, year_key="2024").exists()


def test_interim_only_at_365_days_and_never_longer_art64_6(hospital, person_factory):
    person = person_factory()
    early = hospital.post(
        URL,
        inpatient(
            person, "E1", admission="2024-01-10", discharge="2024-12-01", eligible="100.00", interim=True
        ),
        format="json",
    )
    assert early.status_code == 422
    assert early.json()["reason"] == "long_stay" and "interim" in early.json()["errors"]
    too_long = hospital.post(
        URL,
        inpatient(person, "E2", admission="2024-01-10", discharge="2025-01-11", eligible="100.00"),
        format="json",
    )
    assert too_long.status_code == 422 and "discharge_date" in too_long.json()["errors"]
    assert not Settlement.objects.exists()


def test_continuation_needs_the_previous_interim_settlement_art64_6(hospital, person_factory):
    """No interim up to the day before `period_start` (or it was reversed): refused, nothing written."""
    person = person_factory()
    body = inpatient(
        person,
        "C1",
        admission="2024-01-10",
        period_start="2025-01-10",
        discharge="2025-02-01",
        eligible="100.00",
    )
    orphan = hospital.post(URL, body, format="json")
    assert orphan.status_code == 422 and "period_start" in orphan.json()["errors"]
    assert not Settlement.objects.exists()

    interim = hospital.post(
        URL,
        inpatient(
            person, "I1", admission="2024-01-10", discharge="2025-01-09", eligible="100.00", interim=True
        ),
        format="json",
    )
    assert interim.status_code == 201, interim.content
    reversed_ = hospital.post(f"{URL}{interim.json()['settlement_id']}/reversal/", format="json")
    assert reversed_.status_code == 201, reversed_.content
    body["bill_number"] = "C2"
    again = hospital.post(URL, body, format="json")
    assert again.status_code == 422 and "period_start" in again.json()["errors"]

    bad = hospital.post(
        URL,
        inpatient(person, "C3", admission="2024-01-10", period_start="2024-01-01", discharge="2024-02-01"),
        format="json",
    )
    assert bad.status_code == 422 and "period_start" in bad.json()["errors"]


@pytest.fixture
def out_of_province(api_client_factory):
    Institution.objects.create(
        code="H310000009",
        name="上海某三级医院（测试）",
        level="level3",
        kind="hospital",
        location="out_of_province",
    )
    http, _client = api_client_factory(organisation_code="H310000009")
    return http


def test_out_of_province_direct_settlement_needs_long_stay_or_referral_filing_art67_69(
    out_of_province, person_factory
):
    """杭州 art. 69(2): a temporary trip out of the province is reimbursed at the counter, not settled directly."""
    person = person_factory()
    refused = out_of_province.post(URL, inpatient(person, "S1", eligible="1000.00"), format="json")
    assert refused.status_code == 422, refused.content
    assert "第六十九条第(二)项" in refused.json()["article"] and refused.json()["reason"] == "filing"
    assert not Settlement.objects.exists()

    Filing.objects.create(person=person, kind="long_stay", valid_from=dt.date(2024, 1, 1), destination="上海")
    settled = out_of_province.post(URL, inpatient(person, "S2", eligible="1000.00"), format="json")
    assert settled.status_code == 201, settled.content
    assert settled.json()["settlement"] == "direct_offsite"


def test_in_province_direct_settlement_needs_no_filing_art69_1(api_client_factory, person_factory):
    Institution.objects.create(
        code="H330200001", name="宁波某医院（测试）", level="level3", kind="hospital", location="in_province"
    )
    http, _client = api_client_factory(organisation_code="H330200001")
    response = http.post(URL, inpatient(person_factory(), "N1", eligible="1000.00"), format="json")
    assert response.status_code == 201, response.content


def test_no_settlement_while_abroad_filing_runs_art66(hospital, person_factory):
    person = person_factory()
    Filing.objects.create(
        person=person, kind="abroad", valid_from=dt.date(2024, 2, 1), valid_to=dt.date(2024, 2, 28)
    )
    refused = hospital.post(
        URL, inpatient(person, "A1", admission="2024-02-10", discharge="2024-02-20"), format="json"
    )
    assert refused.status_code == 422
    assert refused.json()["article"] == "杭州 第六十六条"
    after = hospital.post(
        URL, inpatient(person, "A2", admission="2024-03-01", discharge="2024-03-05"), format="json"
    )
    assert after.status_code == 201, after.content
