"""Bad input of the trial-settlement contract: each case names the field and the reason (shared by all entries)."""

import pytest

from policy.settlement import TrialSettlementError, trial_settle

from .settlement_helpers import bill, person

GOOD = {"region": "hangzhou", "person": person(), "bills": [bill("1000.00")]}


def request_with(region="hangzhou", person_changes=None, bill_changes=None, bills=None):
    data = {"region": region, "person": {**person(), **(person_changes or {})}}
    data["bills"] = bills if bills is not None else [{**bill("1000.00"), **(bill_changes or {})}]
    return data


BAD_CASES = [
    ("unknown region", request_with(region="shanghai"), "region"),
    ("unknown scheme", request_with(person_changes={"scheme": "civil_servant"}), "person.scheme"),
    ("unknown category", request_with(person_changes={"category": "veteran"}), "person.category"),
    ("category of the other scheme", request_with(person_changes={"category": "child"}), "person.category"),
    ("unknown kind", request_with(bill_changes={"kind": "dental"}), "bills[0].kind"),
    (
        "unknown level",
        request_with(bill_changes={"institution_level": "level9"}),
        "bills[0].institution_level",
    ),
    ("unknown settlement", request_with(bill_changes={"settlement": "abroad"}), "bills[0].settlement"),
    ("unknown certificate", request_with(person_changes={"certificate": "vip"}), "person.certificate"),
    (
        "contracted centre without a GP contract",
        request_with(
            bill_changes={
                "kind": "outpatient",
                "institution_level": "community",
                "at_contracted_centre": True,
            }
        ),
        "bills[0].at_contracted_centre",
    ),
    (
        "referral without a GP contract",
        request_with(bill_changes={"referred_by_contracted_centre": True}),
        "bills[0].referred_by_contracted_centre",
    ),
    (
        "contracted centre not at community level",
        request_with(person_changes={"contracted_gp": True}, bill_changes={"at_contracted_centre": True}),
        "bills[0].at_contracted_centre",
    ),
    ("negative amount", request_with(bill_changes={"eligible": "-1.00"}), "bills[0].eligible"),
    ("three decimals", request_with(bill_changes={"self_pay_first": "1.005"}), "bills[0].self_pay_first"),
    ("not a number", request_with(bill_changes={"out_of_scope": "abc"}), "bills[0].out_of_scope"),
    ("float amount", request_with(bill_changes={"eligible": 12.5}), "bills[0].eligible"),
    ("missing eligible", request_with(bill_changes={"eligible": None}), "bills[0].eligible"),
    ("negative balance", request_with(person_changes={"current_funds": "-5"}), "person.current_funds"),
    ("not a date", request_with(bill_changes={"date": "2024-02-30"}), "bills[0].date"),
    ("no bills", request_with(bills=[]), "bills"),
    ("flag not a boolean", request_with(person_changes={"contracted_gp": "yes"}), "person.contracted_gp"),
    ("age missing", request_with(person_changes={"age": None}), "person.age"),
    ("duplicate ids", request_with(bills=[bill("1.00", id="x"), bill("2.00", id="x")]), "bills[1].id"),
    ("zhoushan parameter not set", request_with(region="zhoushan"), "bills[0]"),
]


@pytest.mark.parametrize(("case", "data", "field"), BAD_CASES, ids=[case for case, _, _ in BAD_CASES])
def test_bad_input_names_the_field(case, data, field):
    with pytest.raises(TrialSettlementError) as caught:
        trial_settle(data, illustrative=False)
    assert field in caught.value.errors, caught.value.errors
    assert caught.value.errors[field]


def test_student_may_be_at_campus_clinic_without_gp_contract_at_any_level():
    data = request_with(
        person_changes={"scheme": "resident", "category": "student"},
        bill_changes={"kind": "outpatient", "institution_level": "level3", "at_contracted_centre": True},
    )
    assert (
        trial_settle(data)["bills"][0]["basic_fund_paid"] == "430.00"
    )  # deductible 300 − 300 = 0; 1,000 × (40% + 3%)


def test_every_error_at_once_and_nothing_settled():
    data = request_with(person_changes={"scheme": "x"}, bill_changes={"eligible": "-1", "date": "nope"})
    with pytest.raises(TrialSettlementError) as caught:
        trial_settle(data)
    assert {"person.scheme", "bills[0].eligible", "bills[0].date"} <= set(caught.value.errors)


def test_defaults_of_the_contract():
    data = {
        "region": "hangzhou",
        "person": {"scheme": "employee", "category": "active", "age": 40},
        "bills": [{"id": "p", "date": "2024-01-02", "kind": "pharmacy", "eligible": "100"}],
    }
    b = trial_settle(data)["bills"][0]
    assert b["total"] == "100.00" and b["cash_paid"] == "100.00"


@pytest.mark.parametrize("amount", ["1e3", "1_000.00", "１００.00", "0x10", " 1.0e2"])
def test_amount_must_be_plain_decimal_text_contract_amounts(amount):
    """Contract: amounts are strings of decimal yuan; exponents, separators and full-width digits are refused."""
    request = {
        "region": "hangzhou",
        "person": {"scheme": "employee", "category": "active", "age": 40},
        "bills": [
            {
                "id": "b1",
                "date": "2024-03-01",
                "kind": "outpatient",
                "institution_level": "level3",
                "eligible": amount,
            }
        ],
    }
    with pytest.raises(TrialSettlementError) as caught:
        trial_settle(request)
    assert "bills[0].eligible" in caught.value.errors


@pytest.mark.parametrize("value", ["20240301", "2024-3-1", "2024/03/01", "2024-02-30"])
def test_date_must_be_yyyy_mm_dd_contract_dates(value):
    """Contract: a date that is not a (YYYY-MM-DD) date is refused naming the field."""
    request = {
        "region": "hangzhou",
        "person": {"scheme": "employee", "category": "active", "age": 40},
        "bills": [
            {
                "id": "b1",
                "date": value,
                "kind": "outpatient",
                "institution_level": "level3",
                "eligible": "10.00",
            }
        ],
    }
    with pytest.raises(TrialSettlementError) as caught:
        trial_settle(request)
    assert "bills[0].date" in caught.value.errors
