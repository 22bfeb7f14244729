"""Issue 11 on the trial-settlement contract (/trial-settlements/, trial_settle): the same rules as
/settlements/. Unknown fields (admission_date among them: the contract has none) are refused; bill
dates lie within the agency's open years; amounts within numeric(14,2) and the kind's plausibility
limit; 9999-12-31 and 10^30 are 400s, not 500s."""

import datetime as dt

import pytest

from policy.settlement import TrialSettlementError, trial_settle


def request(**bill):
    return {
        "region": "hangzhou",
        "person": {"scheme": "employee", "category": "active", "age": 50},
        "bills": [
            {
                "date": "2024-03-01",
                "kind": "outpatient",
                "institution_level": "level3",
                "eligible": "100.00",
                **bill,
            }
        ],
    }


def errors_of(data):
    with pytest.raises(TrialSettlementError) as caught:
        trial_settle(data)
    return caught.value.errors


def test_a_plain_request_still_settles():
    assert trial_settle(request())["bills"][0]["total"] == "100.00"


def test_admission_after_the_bill_date_is_refused():
    """Was accepted (silently ignored) while /settlements/ refused it."""
    assert "bills[0].admission_date" in errors_of(request(admission_date="2024-03-05"))


def test_unknown_fields_are_refused_at_every_level():
    data = request(total="0.01")
    data["is_superuser"] = True
    data["person"]["status"] = "x"
    assert set(errors_of(data)) == {"is_superuser", "person.status", "bills[0].total"}


@pytest.mark.parametrize(
    "date", ["9999-12-31", "2100-01-01", (dt.date.today() + dt.timedelta(days=2)).isoformat()]
)
def test_dates_after_tomorrow_are_refused(date):
    assert "bills[0].date" in errors_of(request(date=date))


def test_dates_before_the_measures_are_refused():
    assert "第一百一十四条" in errors_of(request(date="2020-06-01"))["bills[0].date"]


def test_amount_ten_to_the_thirty_is_refused():
    assert "bills[0].eligible" in errors_of(request(eligible="1" + "0" * 30))


def test_outpatient_past_the_plausibility_limit_is_refused():
    assert "合理性上限" in errors_of(request(eligible="1000000.01"))["bills[0].eligible"]


def test_minus_zero_is_zero():
    answer = trial_settle(request(out_of_scope="-0.00"))
    assert "-0.00" not in str(answer)


def test_over_http_too(clerk_http):
    response = clerk_http.post("/api/v1/trial-settlements/", request(date="9999-12-31"), format="json")
    assert response.status_code == 400
    assert "bills[0].date" in response.json()["errors"]


@pytest.fixture
def clerk_http(db, clerk):
    from rest_framework.test import APIClient

    http = APIClient()
    http.force_authenticate(clerk)
    return http
