"""POST /api/v1/trial-settlements/: scope, clerk access, 400 naming the field."""

import pytest

from policy.parameters import set_illustrative_default

from .settlement_helpers import bill, person

URL = "/api/v1/trial-settlements/"
REQUEST = {
    "region": "hangzhou",
    "person": person(current_funds="1500.00", historical_funds="3000.00"),
    "bills": [bill("50000.00", id="b1", out_of_scope="100.00", self_pay_first="50.00")],
}

pytestmark = pytest.mark.django_db


def test_200_with_the_trial_settlement_scope(api_client_factory):
    http, _ = api_client_factory(scopes=("trial_settlement",))
    response = http.post(URL, REQUEST, format="json")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["bills"][0]["basic_fund_paid"] == "40944.00"
    assert body["bills"][0]["cash_paid"] == "6206.00"
    assert body["totals"]["total"] == "50150.00"


def test_403_without_the_scope(api_client_factory):
    http, _ = api_client_factory(scopes=("contributions",))
    assert http.post(URL, REQUEST, format="json").status_code == 403


def test_unauthenticated_refused(client):
    assert client.post(URL, REQUEST, content_type="application/json").status_code in (401, 403)


def test_clerk_allowed(client, clerk):
    client.force_login(clerk)
    response = client.post(URL, REQUEST, content_type="application/json")
    assert response.status_code == 200


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"region": "nowhere"}, "region"),
        ({"person": {**person(), "scheme": "x"}}, "person.scheme"),
        ({"person": {**person(), "category": "student"}}, "person.category"),
        ({"bills": []}, "bills"),
        ({"bills": [{**bill("1.00"), "kind": "x"}]}, "bills[0].kind"),
        ({"bills": [{**bill("1.00"), "eligible": "-3"}]}, "bills[0].eligible"),
        ({"bills": [{**bill("1.00"), "eligible": "1.234"}]}, "bills[0].eligible"),
        ({"bills": [{**bill("1.00"), "eligible": "ten"}]}, "bills[0].eligible"),
        ({"bills": [{**bill("1.00"), "date": "yesterday"}]}, "bills[0].date"),
        ({"bills": [{**bill("1.00"), "at_contracted_centre": True}]}, "bills[0].at_contracted_centre"),
        (
            {"bills": [{**bill("1.00"), "referred_by_contracted_centre": True}]},
            "bills[0].referred_by_contracted_centre",
        ),
        ({"bills": [{**bill("1.00"), "settlement": "unfiled_self_referral"}]}, "bills[0].settlement"),
        ({"region": "zhoushan"}, "bills[0]"),
    ],
)
def test_400_names_the_field(api_client_factory, changes, field):
    http, _ = api_client_factory(scopes=("trial_settlement",))
    response = http.post(URL, {**REQUEST, **changes}, format="json")
    assert response.status_code == 400
    errors = response.json()["errors"]
    assert field in errors and errors[field]


def test_400_for_a_body_that_is_not_an_object(api_client_factory):
    http, _ = api_client_factory(scopes=("trial_settlement",))
    response = http.post(URL, [1, 2], format="json")
    assert response.status_code == 400
    assert "non_field_errors" in response.json()["errors"]


def test_400_for_malformed_json_in_the_same_shape(api_client_factory):
    http, _ = api_client_factory(scopes=("trial_settlement",))
    response = http.post(URL, data="{not json", content_type="application/json")
    assert response.status_code == 400
    assert "non_field_errors" in response.json()["errors"]


def test_zhoushan_with_the_illustrative_deployment_setting_is_marked(api_client_factory):
    http, _ = api_client_factory(scopes=("trial_settlement",))
    set_illustrative_default(True)
    try:
        response = http.post(URL, {**REQUEST, "region": "zhoushan"}, format="json")
    finally:
        set_illustrative_default(False)
    assert response.status_code == 200
    body = response.json()
    assert body["illustrative"] is True
    assert body["bills"][0]["lines"][0]["text"].startswith("【示例参数】")


def test_schema_documents_the_endpoint(client, clerk):
    client.force_login(clerk)
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/json").content.decode()
    assert "/api/v1/trial-settlements/" in schema
    assert "TrialSettlementRequest" in schema
