"""The fast paths of the engine's serialisation give the same answer as the plain ones.

Amounts are written with str() when they already have two places and with `:.2f` otherwise;
request amounts in the common `12.34` form skip the general parser. These tests feed the
other forms and check the response is the one the `:.2f` / parse_amount route gives.
"""

import datetime as dt
import re
from decimal import Decimal

import pytest

from policy.explain import Line, money_text
from policy.parameters import parameters_for
from policy.settlement import Balances, Bill, PersonProfile, YearState, settle_bill

from .settlement_helpers import bill, person, settle

TWO_PLACES = re.compile(r"-?[0-9]+\.[0-9]{2}")


@pytest.mark.parametrize(
    "amount, text",
    [
        (Decimal("12.30"), "12.30"),
        (Decimal("12.3"), "12.30"),
        (Decimal("12"), "12.00"),
        (Decimal("1E+3"), "1000.00"),
        (Decimal("0.001"), "0.00"),
        (Decimal("-0.00"), "-0.00"),
        (Decimal("-5.5"), "-5.50"),
    ],
)
def test_money_text_matches_two_place_format(amount, text):
    assert money_text(amount) == text == f"{amount:.2f}"


def test_line_keeps_its_interface():
    line = Line("杭州 第二十八条第(一)项", "住院起付标准", Decimal("800"))
    assert (line.article, line.text, line.amount) == (
        "杭州 第二十八条第(一)项",
        "住院起付标准",
        Decimal("800"),
    )
    assert Line(article="a", text="b", amount=Decimal("1.5")) == Line("a", "b", Decimal("1.5"))
    assert line.as_dict() == {
        "article": "杭州 第二十八条第(一)项",
        "text": "住院起付标准",
        "amount": "800.00",
    }
    with pytest.raises(AttributeError):
        line.text = "changed"


def test_amounts_without_two_places_are_written_with_two():
    """settle_bill called with whole-yuan Decimals (as a caller may pass them): every amount still `x.xx`.

    杭州 art. 28(1): level-3 deductible 800; the rest at the band ratio.
    """
    params = parameters_for("hangzhou", dt.date(2024, 3, 1))
    person_profile = PersonProfile(region="hangzhou", scheme="employee", category="active", age=50)
    engine_bill = Bill(
        id="b1",
        date=dt.date(2024, 3, 1),
        kind="inpatient",
        institution_level="level3",
        eligible=Decimal("10000"),
        self_pay_first=Decimal("1E+2"),
    )
    result = settle_bill(
        person=person_profile,
        bill=engine_bill,
        state=YearState.empty(),
        balances=Balances(historical_funds=Decimal("50")),
        params=params,
    )
    body = result.as_dict()
    for name in ("total", "deductible", "basic_fund_paid", "historical_funds_paid", "cash_paid"):
        assert TWO_PLACES.fullmatch(body[name]), (name, body[name])
        assert body[name] == f"{getattr(result, name):.2f}"
    assert body["total"] == "10100.00"
    assert body["deductible"] == "800.00"
    for line, shown in zip(result.lines, body["lines"], strict=True):
        assert shown["amount"] == f"{line.amount:.2f}"


def test_request_amount_forms_give_the_same_settlement():
    """`3000` and ` 100.5` (general parser) settle exactly as `3000.00` and `100.50` (fast path)."""
    plain = settle(
        person(), bill("3000.00", id="b", kind="outpatient", level="level3", self_pay_first="100.50")
    )
    other = settle(person(), bill("3000", id="b", kind="outpatient", level="level3", self_pay_first=" 100.5"))
    assert other == plain
    assert all(TWO_PLACES.fullmatch(value) for value in plain["totals"].values())


@pytest.mark.parametrize("value", ["1.234", "-1.00", "-0.01", "NaN", "Infinity", "abc", "", 12.5, True])
def test_bad_amounts_are_still_refused(value):
    from policy.settlement import TrialSettlementError

    with pytest.raises(TrialSettlementError) as caught:
        settle(person(), bill("100.00", kind="outpatient", special_drug=value))
    assert "bills[0].special_drug" in caught.value.errors


def test_settle_bill_builds_the_same_result_as_the_dataclass():
    """settle_in_year spells the components out (no loop over their names): every field of BillResult,
    in its order, and equal to BillResult(...) made field by field. 杭州 art. 28(1): level-3 deductible 800."""
    from dataclasses import fields

    from policy.settlement.types import COMPONENTS, BillResult

    result = settle_bill(
        person=PersonProfile(region="hangzhou", scheme="employee", category="active", age=50),
        bill=Bill(
            id="b1",
            date=dt.date(2024, 3, 1),
            kind="inpatient",
            institution_level="level3",
            eligible=Decimal("5000.00"),
        ),
        state=YearState(),
        balances=Balances(),
        params=parameters_for("hangzhou", dt.date(2024, 3, 1)),
    )
    assert list(vars(result)) == [item.name for item in fields(BillResult)]
    assert result == BillResult(**{item.name: getattr(result, item.name) for item in fields(BillResult)})
    assert result.deductible == Decimal("800.00") and set(COMPONENTS) <= set(vars(result))
