"""Reversal (冲正): the negative of every amount, account and accumulators restored to the fen, once only."""

from decimal import Decimal

import pytest

from accounts.models import Account
from accounts.selectors import audit_balances
from claims.models import Accumulator, Settlement
from policy.settlement import YearState

from .conftest import inpatient

URL = "/api/v1/settlements/"

pytestmark = pytest.mark.django_db


def settle(http, body):
    response = http.post(URL, body, format="json")
    assert response.status_code == 201, response.content
    return response.json()


def reverse(http, settlement_id, status=201):
    response = http.post(f"{URL}{settlement_id}/reversal/", format="json")
    assert response.status_code == status, response.content
    return response.json()


def test_reversal_restores_account_and_accumulators(hospital, person_factory):
    person = person_factory(historical=Decimal("3000.37"))
    empty = YearState.empty().to_dict()
    first = settle(hospital, inpatient(person, out_of_scope="100.00", self_pay_first="50.00"))
    assert Account.objects.get(person=person).historical == Decimal("0.00")
    reversal = reverse(hospital, first["settlement_id"])
    for name in ("total", "basic_fund_paid", "historical_funds_paid", "cash_paid", "deductible"):
        assert Decimal(reversal[name]) == -Decimal(first[name])
    assert [Decimal(line["amount"]) for line in reversal["lines"]] == [
        -Decimal(line["amount"]) for line in first["lines"]
    ]
    account = Account.objects.get(person=person)
    assert (account.current, account.historical) == (Decimal("0.00"), Decimal("3000.37"))
    assert audit_balances(account_ids=[account.pk]) == []
    assert Accumulator.objects.get(person=person).state == empty
    original = Settlement.objects.get(pk=first["settlement_id"])
    assert original.status == Settlement.Status.REVERSED
    record = Settlement.objects.get(pk=reversal["settlement_id"])
    assert record.kind == Settlement.Kind.REVERSAL and record.reverses_id == original.pk
    assert record.basic_fund_paid == Decimal("-40944.00")


def test_reversed_twice_is_conflict(hospital, person_factory):
    person = person_factory()
    first = settle(hospital, inpatient(person))
    reversal = reverse(hospital, first["settlement_id"])
    reverse(hospital, first["settlement_id"], status=409)
    reverse(hospital, reversal["settlement_id"], status=409)
    assert Settlement.objects.count() == 2


def test_reversal_subtracts_its_own_effect_from_current_state(hospital, person_factory):
    """Reversing the first of two admissions leaves the second's accumulators; later bills owe the deductible again.

    A: level 3, 10,000, deductible 800. B: level 3, 20,000, no deductible left. Reverse A: deductible paid 0,
    cumulative 20,000 (B's). C: level 3, 10,000: owes 800; 20,000 → 30,000 in band 1: (10,000 − 800) × 82% = 7,544.
    """
    person = person_factory()
    a = settle(
        hospital, inpatient(person, "A", eligible="10000.00", admission="2024-01-02", discharge="2024-01-10")
    )
    settle(
        hospital, inpatient(person, "B", eligible="20000.00", admission="2024-02-02", discharge="2024-02-10")
    )
    reverse(hospital, a["settlement_id"])
    state = Accumulator.objects.get(person=person).state
    assert state["inpatient_deductible_paid"] == "0.00"
    assert state["inpatient_eligible"] == "20000.00"
    assert state["bills"] == 1
    c = settle(
        hospital, inpatient(person, "C", eligible="10000.00", admission="2024-03-02", discharge="2024-03-10")
    )
    assert c["deductible"] == "800.00"
    assert c["basic_fund_paid"] == "7544.00"


def test_other_institution_cannot_reverse(hospital, api_client_factory, person_factory):
    from .conftest import OTHER

    person = person_factory()
    first = settle(hospital, inpatient(person))
    other, _ = api_client_factory(organisation_code=OTHER)
    assert other.post(f"{URL}{first['settlement_id']}/reversal/").status_code == 404
    assert Settlement.objects.get().status == Settlement.Status.SETTLED


def test_clerk_reverses_through_admin_action(client, clerk, hospital, person_factory):
    person = person_factory(historical=Decimal("10.00"))
    first = settle(hospital, inpatient(person))
    client.force_login(clerk)
    response = client.post(
        "/admin/claims/settlement/",
        {"action": "reverse_selected", "_selected_action": [first["settlement_id"]]},
        follow=True,
    )
    assert response.status_code == 200
    assert Settlement.objects.get(pk=first["settlement_id"]).status == Settlement.Status.REVERSED
    assert Account.objects.get(person=person).historical == Decimal("10.00")
