"""Properties of the allowance (杭州 art. 56, 58, 59): whatever the wage, event and months paid."""

import datetime as dt
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from policy.maternity import (
    HANGZHOU_EVENTS,
    allowance_days,
    average_base,
    maternity_allowance,
    maternity_eligibility,
)
from policy.money import round_yuan
from tests.policy.rules_support import hangzhou

wages = st.decimals(min_value=Decimal("0"), max_value=Decimal("100000"), places=2)


@settings(max_examples=200, deadline=None)
@given(
    wage=wages,
    event=st.sampled_from(sorted(HANGZHOU_EVENTS)),
    extra=st.integers(0, 3),
    difficult=st.booleans(),
)
def test_art58_amount_is_the_wage_a_day_times_the_days_rounded_once(wage, event, extra, difficult):
    params = hangzhou()
    if event != "birth":
        extra, difficult = 0, False
    days, _lines = allowance_days(params=params, event=event, difficult_birth=difficult, extra_babies=extra)
    result = maternity_allowance(
        params=params,
        employer_average_monthly_wage=wage,
        event=event,
        difficult_birth=difficult,
        extra_babies=extra,
    )
    assert result.amount == round_yuan(wage * days / 30) >= 0
    assert result.lines[-1].amount == result.amount


@settings(max_examples=200, deadline=None)
@given(bases=st.lists(wages, min_size=1, max_size=30))
def test_art58_2_average_lies_between_the_smallest_and_largest_base(bases):
    result = average_base(
        article="杭州 第五十八条第二款", bases=bases, month=dt.date(2025, 12, 1), new_employer=False
    )
    assert min(bases) - Decimal("0.01") <= result.amount <= max(bases) + Decimal("0.01")


@settings(max_examples=200, deadline=None)
@given(
    kinds=st.lists(
        st.sampled_from(["normal", "normal", "normal", "back_payment", None]), min_size=0, max_size=30
    )
)
def test_art56_2_continuous_plus_missing_is_the_requirement_when_refused(kinds):
    """Months counted back from February 2026: a back payment or a gap ends the run; refused means 12 − run missing."""
    paid = {}
    year, month = 2026, 2
    for kind in kinds:
        if kind:
            paid[(year, month)] = kind
        month -= 1
        if month == 0:
            year, month = year - 1, 12
    check = maternity_eligibility(params=hangzhou(), event_date=dt.date(2026, 3, 10), paid_months=paid)
    assert check.eligible == (check.continuous_months >= 12)
    if not check.eligible:
        assert check.continuous_months + check.missing_months == 12
        assert check.stopped_by in ("back_payment", "unpaid")
        assert f"缺少 {check.missing_months} 个月" in check.lines[0].text
