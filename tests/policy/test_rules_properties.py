"""Invariants of the contribution, account, retirement and maternity rules, for any input (hypothesis)."""

import datetime as dt
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from policy.accounts import annual_preset, monthly_credit, year_end_interest
from policy.contributions import (
    CERTIFICATE_KINDS,
    back_payment,
    employee_contribution,
    flexible_contribution,
    resident_contribution,
)
from policy.maternity import HANGZHOU_EVENTS, maternity_allowance
from policy.retirement import PERIOD_KINDS, Period, contribution_months
from tests.policy.rules_support import hangzhou

amounts = st.decimals(
    min_value=0, max_value=Decimal("500000"), places=2, allow_nan=False, allow_infinity=False
)
averages = st.decimals(min_value=Decimal("1000"), max_value=Decimal("30000"), places=2)


def check_result(result):
    fields = (
        result.base,
        result.employer,
        result.employer_maternity,
        result.personal,
        result.personal_subsidy,
        result.personal_payable,
        result.total,
        result.employer_subsidy,
        result.government_share,
    )
    assert all(value >= 0 for value in fields)
    assert all(value == value.quantize(Decimal("0.01")) for value in fields[1:])
    assert result.personal_payable + result.personal_subsidy == result.personal
    assert result.employer + result.personal + result.government_share == result.total
    assert result.employer_maternity <= result.employer
    assert result.employer_subsidy <= result.employer


@settings(max_examples=200, deadline=None)
@given(
    wage=amounts,
    average=averages,
    veteran=st.booleans(),
)
def test_employee_contribution_invariants(wage, average, veteran):
    params = hangzhou(average_wage=average)
    result = employee_contribution(params=params, monthly_wage=wage, disabled_veteran=veteran)
    check_result(result)
    floor, cap = (average * Decimal("0.6")).quantize(Decimal("0.01")), (average * 3).quantize(Decimal("0.01"))
    assert floor <= result.base <= cap


@settings(max_examples=100, deadline=None)
@given(
    average=averages,
    certificate=st.one_of(st.none(), st.sampled_from(CERTIFICATE_KINDS)),
    unemployed=st.booleans(),
)
def test_flexible_contribution_invariants(average, certificate, unemployed):
    result = flexible_contribution(
        params=hangzhou(average_wage=average), certificate=certificate, unemployed_on_benefit=unemployed
    )
    check_result(result)
    assert result.employer == 0


@settings(max_examples=60, deadline=None)
@given(
    category=st.sampled_from(["child", "student", "adult_tier1", "adult_tier2", "adult_tier3"]),
    reason=st.one_of(
        st.none(), st.sampled_from([*CERTIFICATE_KINDS, "orphanage", "entitled_veteran_dependant"])
    ),
)
def test_resident_contribution_invariants(category, reason):
    check_result(resident_contribution(params=hangzhou(), category=category, subsidy_reason=reason))


@settings(max_examples=100, deadline=None)
@given(
    base=st.decimals(min_value=Decimal("1"), max_value=Decimal("100000"), places=2),
    average=averages,
    months=st.integers(0, 12),
    earlier=st.integers(0, 120),
)
def test_back_payment_invariants(base, average, months, earlier):
    if months + earlier == 0:
        months = 1
    result = back_payment(
        params=hangzhou(average_wage=average),
        identity="employee",
        months=months,
        current_base=base,
        earlier_months=earlier,
    )
    check_result(result)


@settings(max_examples=200, deadline=None)
@given(
    category=st.sampled_from(["active", "flexible", "unemployed", "retired"]),
    age=st.integers(16, 110),
    base=amounts,
    pension=amounts,
    average=averages,
)
def test_monthly_credit_never_negative_and_older_never_less(category, age, base, pension, average):
    params = hangzhou(average_wage=average)
    credit = monthly_credit(params=params, category=category, age=age, base=base, pension=pension)
    older = monthly_credit(params=params, category=category, age=age + 1, base=base, pension=pension)
    assert credit.amount >= 0
    assert older.amount >= credit.amount  # the rate only rises with age
    assert credit.amount == sum(line.amount for line in credit.lines)


@settings(max_examples=50, deadline=None)
@given(
    birth=st.dates(min_value=dt.date(1930, 1, 1), max_value=dt.date(2005, 12, 31)),
    year=st.integers(2022, 2030),
    base=amounts,
)
def test_preset_is_the_sum_of_twelve_monthly_credits(birth, year, base):
    params = hangzhou()
    preset = annual_preset(params=params, category="active", birth_date=birth, year=year, base=base)
    assert preset.amount == sum(line.amount for line in preset.lines)
    assert preset.amount >= 0


@settings(max_examples=100, deadline=None)
@given(balance=st.decimals(min_value=Decimal("-10000"), max_value=Decimal("10000000"), places=2))
def test_interest_never_negative_and_within_a_fen_of_the_exact(balance):
    interest = year_end_interest(params=hangzhou(), balance=balance).amount
    assert interest >= 0
    if balance > 0:
        assert abs(interest - balance * Decimal("0.0035")) <= Decimal("0.005")


@settings(max_examples=100, deadline=None)
@given(
    periods=st.lists(
        st.tuples(
            st.dates(min_value=dt.date(1980, 1, 1), max_value=dt.date(2030, 12, 31)),
            st.integers(0, 4000),
            st.sampled_from(list(PERIOD_KINDS)),
        ),
        max_size=6,
    )
)
def test_merged_months_never_exceed_the_sum_nor_the_span(periods):
    spans = [Period(start, start + dt.timedelta(days=length), kind) for start, length, kind in periods]
    years = contribution_months(params=hangzhou(), periods=spans)
    assert 0 <= years.local_actual_months <= years.total_months
    assert years.total_months <= sum(
        (p.end.year - p.start.year) * 12 + p.end.month - p.start.month + 1 for p in spans
    )
    assert (
        contribution_months(params=hangzhou(), periods=list(reversed(spans))).total_months
        == years.total_months
    )


@settings(max_examples=100, deadline=None)
@given(
    wage=amounts,
    event=st.sampled_from(list(HANGZHOU_EVENTS)),
    difficult=st.booleans(),
    extra=st.integers(0, 4),
)
def test_maternity_allowance_never_negative_and_more_days_never_less(wage, event, difficult, extra):
    if event != "birth":
        difficult, extra = False, 0
    params = hangzhou()
    amount = maternity_allowance(
        params=params,
        employer_average_monthly_wage=wage,
        event=event,
        difficult_birth=difficult,
        extra_babies=extra,
    ).amount
    assert amount >= 0
    if event == "birth":
        more = maternity_allowance(
            params=params,
            employer_average_monthly_wage=wage,
            event=event,
            difficult_birth=difficult,
            extra_babies=extra + 1,
        ).amount
        assert more >= amount
