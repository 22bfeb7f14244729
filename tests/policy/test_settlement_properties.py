"""Invariants over random requests (hypothesis): components add up exactly, nothing negative, funds
within their limits, and carried state equals one request."""

import datetime as dt
from decimal import Decimal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from policy.parameters import parameters_for
from policy.settlement import (
    CATEGORIES,
    Balances,
    Bill,
    PersonProfile,
    YearState,
    settle_bill,
    settlement_year,
    trial_settle,
)
from policy.settlement.trial import parse_request

COMPONENTS = (
    "current_funds_paid",
    "basic_fund_paid",
    "catastrophic_paid",
    "assistance_paid",
    "historical_funds_paid",
    "cash_paid",
)
SETTLEMENTS = ("local", "direct_offsite", "reimbursed_in_province", "reimbursed_out_of_province")

# Up to 240,000 per component: a bill's four components stay within the smallest plausibility
# limit (1,000,000 for outpatient and pharmacy bills, settlement.plausibility_limit, 杭州 art. 90),
# which refuses the bill rather than settling it; the yearly caps are still reached over several bills.
amounts = st.one_of(
    st.just(Decimal("0.00")),
    st.decimals(min_value=0, max_value=5000, places=2),
    st.decimals(min_value=0, max_value=240000, places=2),
).map(lambda d: f"{d:.2f}")


@st.composite
def requests(draw, region="hangzhou"):
    scheme = draw(st.sampled_from(("employee", "resident")))
    category = draw(st.sampled_from(CATEGORIES[scheme]))
    contracted = draw(st.booleans())
    person = {
        "scheme": scheme,
        "category": category,
        "age": draw(st.integers(0, 100)),
        "certificate": draw(
            st.sampled_from(
                (None, "extreme_poverty", "minimum_living", "low_income_edge", "disability_grade2")
            )
        ),
        "contracted_gp": contracted,
        "current_funds": draw(amounts),
        "historical_funds": draw(amounts),
        "use_historical_funds": draw(st.booleans()),
    }
    bills = []
    for index in range(draw(st.integers(1, 6))):
        kind = draw(st.sampled_from(("outpatient", "pharmacy", "inpatient", "specified_disease")))
        level = draw(st.sampled_from(("level3", "other", "community")))
        at_centre = (contracted or category == "student") and kind != "pharmacy" and draw(st.booleans())
        if at_centre and category != "student":
            level = "community"
        day = dt.date(2024, 1, 1) + dt.timedelta(days=draw(st.integers(0, 500)))
        bills.append(
            {
                "id": f"b{index}",
                "date": day.isoformat(),
                "kind": kind,
                "institution_level": level,
                "at_contracted_centre": at_centre,
                "referred_by_contracted_centre": contracted and draw(st.booleans()),
                "settlement": draw(st.sampled_from(SETTLEMENTS)),
                "out_of_scope": draw(amounts),
                "self_pay_first": draw(amounts),
                "eligible": draw(amounts),
                "special_drug": draw(st.sampled_from(("0.00", "0.00", "15000.00", "250000.00"))),
            }
        )
    return {"region": region, "person": person, "bills": bills}


def _check(request, response):
    """Hangzhou limits: 40万/30万 inpatient (art. 28(2), 39(2)), 60万 catastrophic (art. 44(2))."""
    hangzhou = request["region"] == "hangzhou"
    limit = Decimal(400000 if request["person"]["scheme"] == "employee" else 300000)
    per_year_cat: dict[str, Decimal] = {}
    for sent, got in zip(request["bills"], response["bills"], strict=True):
        total = sum(Decimal(sent[k]) for k in ("out_of_scope", "self_pay_first", "eligible", "special_drug"))
        assert Decimal(got["total"]) == total
        assert sum(Decimal(got[name]) for name in COMPONENTS) == total
        for name in (*COMPONENTS, "deductible"):
            assert Decimal(got[name]) >= 0, name
        assert Decimal(got["basic_fund_paid"]) <= Decimal(sent["eligible"])
        assert Decimal(got["deductible"]) <= Decimal(sent["eligible"])
        per_year_cat[got["settlement_year"]] = per_year_cat.get(got["settlement_year"], Decimal(0)) + Decimal(
            got["catastrophic_paid"]
        )
        if hangzhou and sent["kind"] in ("inpatient", "specified_disease"):
            assert Decimal(got["basic_fund_paid"]) <= limit
    if hangzhou:
        assert all(value <= Decimal(600000) for value in per_year_cat.values())
    person = request["person"]
    assert Decimal(response["totals"]["current_funds_paid"]) <= Decimal(person["current_funds"])
    assert Decimal(response["totals"]["historical_funds_paid"]) <= Decimal(person["historical_funds"])


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(requests())
def test_components_add_up_nothing_negative_funds_within_limits(request):
    _check(request, trial_settle(request))


@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(requests(region="zhoushan"))
def test_zhoushan_illustrative_components_add_up(request):
    response = trial_settle(request, illustrative=True)
    _check(request, response)
    assert response["illustrative"] is True
    if request["person"]["scheme"] == "resident":  # 舟山 art. 35, illustrative 6 × 66,000
        per_year: dict[str, Decimal] = {}
        for got in response["bills"]:
            year = got["settlement_year"]
            per_year[year] = per_year.get(year, Decimal(0)) + Decimal(got["basic_fund_paid"])
        assert all(value <= Decimal(396000) for value in per_year.values())


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(requests())
def test_basic_fund_inpatient_never_above_annual_limit(request):
    parsed = parse_request(request)
    limit = Decimal(400000 if parsed.person.scheme == "employee" else 300000)
    big = [
        {**b, "kind": "inpatient", "settlement": "local", "eligible": "390000.00"} for b in request["bills"]
    ]
    response = trial_settle({**request, "bills": big})
    per_year: dict[str, Decimal] = {}
    for got in response["bills"]:
        per_year[got["settlement_year"]] = per_year.get(got["settlement_year"], Decimal(0)) + Decimal(
            got["basic_fund_paid"]
        )
    assert all(value <= limit for value in per_year.values())


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(requests())
def test_one_bill_at_a_time_with_carried_state_equals_one_request(request):
    """The claims path (stored YearState, JSON round trip) gives what the trial gives for the whole request."""
    whole = trial_settle(request)
    parsed = parse_request(request)
    person: PersonProfile = parsed.person
    balances: Balances = parsed.balances
    stored: dict[str, dict] = {}
    by_id = {}
    order = sorted(parsed.bills, key=lambda b: b.date)
    for bill in order:
        assert isinstance(bill, Bill)
        params = parameters_for("hangzhou", bill.date)
        year = settlement_year(person, bill.date, params).key
        state = YearState.from_dict(stored.get(year)) if year in stored else YearState.empty(year)
        result = settle_bill(person=person, bill=bill, state=state, balances=balances, params=params)
        stored[year] = result.state.to_dict()
        balances = result.balances
        by_id[bill.id] = result.as_dict()
    assert [by_id[b["id"]] for b in whole["bills"]] == whole["bills"]


def test_year_state_round_trips_through_json():
    import json

    state = YearState(
        year="2024", inpatient_highest_level="level3", inpatient_deductible_paid=Decimal("800.00")
    )
    assert YearState.from_dict(json.loads(json.dumps(state.to_dict()))) == state
