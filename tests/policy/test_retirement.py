"""Contribution years and the retirement check (杭州 art. 18–21; 舟山 art. 11), 省平工资 = 7,000 in the tests."""

import datetime as dt
from decimal import Decimal as D

import pytest

from policy.amount import RuleInputError
from policy.parameters import MissingParameter
from policy.retirement import Period, contribution_months, retirement_check
from tests.policy.rules_support import hangzhou, zhoushan


def d(text):
    return dt.date.fromisoformat(text)


def test_art18_19_overlapping_periods_count_once():
    periods = [
        Period(d("1995-01-01"), d("2004-12-31"), "deemed"),  # 120 months
        Period(d("2003-01-01"), d("2006-12-31"), "transferred"),  # 48, overlapping both neighbours
        Period(d("2005-01-01"), d("2014-12-31"), "local_actual"),  # 120
    ]
    years = contribution_months(params=hangzhou(), periods=periods)
    assert years.total_months == 240  # 1995-01 … 2014-12
    assert years.local_actual_months == 120
    assert "不与其他年限重复的 24 个月" in years.lines[1].text


def test_art19_local_actual_parts_merge_without_double_counting():
    periods = [
        Period(d("2000-01-01"), d("2003-12-31"), "local_serious_illness"),  # 48
        Period(d("2003-07-01"), d("2006-06-30"), "local_actual"),  # 36, 6 overlapping
        Period(d("1996-01-01"), d("1999-12-31"), "military"),  # 48
    ]
    years = contribution_months(params=hangzhou(), periods=periods)
    assert years.local_actual_months == 48 + 30 + 48
    assert years.total_months == 126


def test_art18_3_continuous_service_counts_only_until_2002_12_31():
    years = contribution_months(
        params=hangzhou(), periods=[Period(d("1990-01-01"), d("2005-06-30"), "continuous_service")]
    )
    assert years.total_months == 13 * 12  # 1990-01 … 2002-12
    assert years.local_actual_months == 0
    assert "2002-12-31" in years.lines[0].text


def test_art18_4_university_years_count_in_the_total_only():
    years = contribution_months(
        params=hangzhou(),
        periods=[
            Period(d("2010-09-01"), d("2014-06-30"), "university"),
            Period(d("2014-07-01"), d("2015-06-30"), "local_actual"),
        ],
    )
    assert (years.local_actual_months, years.total_months) == (12, 46 + 12)


def test_a_period_of_unknown_kind_or_reversed_is_refused():
    with pytest.raises(RuleInputError) as caught:
        contribution_months(
            params=hangzhou(), periods=[Period(d("2010-01-01"), d("2011-01-01"), "moonlight")]
        )
    assert caught.value.field == "periods[0].kind"
    with pytest.raises(RuleInputError) as caught:
        contribution_months(params=hangzhou(), periods=[Period(d("2011-01-01"), d("2010-01-01"), "deemed")])
    assert caught.value.field == "periods[0].end"


def test_art20_ten_local_and_twenty_total_years_are_enough():
    check = retirement_check(params=hangzhou(), local_actual_months=120, total_months=240, hukou_local=True)
    assert check.eligible and check.lump_sum == D("0")
    assert (check.missing_local_months, check.missing_total_months) == (0, 0)


def test_art20_lump_sum_covers_the_larger_shortfall_at_9_5_percent_of_the_average():
    check = retirement_check(params=hangzhou(), local_actual_months=100, total_months=200, hukou_local=True)
    # missing 20 local, 40 in total: topping up 40 local months fills both; 7,000 × 9.5% × 40 = 26,600.00
    assert not check.eligible and check.may_top_up
    assert (check.missing_local_months, check.missing_total_months) == (20, 40)
    assert check.lump_sum == D("26600.00")
    assert check.top_up_months == 40
    assert "不划入个人账户" in check.lines[-1].text


def test_art20_local_shortfall_decides_when_larger():
    check = retirement_check(params=hangzhou(), local_actual_months=60, total_months=230, hukou_local=True)
    assert check.lump_sum == D("39900.00")  # 7,000 × 9.5% × 60


def test_art20_2_non_local_employed_locally_with_local_pension_may_top_up():
    check = retirement_check(
        params=hangzhou(), local_actual_months=110, total_months=240, hukou_local=False, employed_locally=True
    )
    assert check.may_top_up and check.lump_sum == D("6650.00")  # 7,000 × 9.5% × 10


def test_art20_certificate_holders_pay_monthly_not_at_once():
    check = retirement_check(
        params=hangzhou(),
        local_actual_months=100,
        total_months=220,
        hukou_local=True,
        certificate_holder=True,
    )
    assert check.may_top_up and check.lump_sum == D("0")
    assert "按月缴纳 20 个月" in check.lines[-1].text


def test_art20_not_continuous_to_retirement_may_not_top_up():
    check = retirement_check(
        params=hangzhou(),
        local_actual_months=100,
        total_months=220,
        hukou_local=True,
        continuous_to_retirement=False,
    )
    assert not check.eligible and not check.may_top_up and not check.refused


def test_art21_non_local_not_employed_not_flexible_is_refused():
    check = retirement_check(params=hangzhou(), local_actual_months=100, total_months=220, hukou_local=False)
    assert check.refused and not check.eligible and not check.may_top_up
    assert check.lines[-1].article == "杭州 第二十一条"


def test_more_local_than_total_months_is_refused_as_input():
    with pytest.raises(RuleInputError) as caught:
        retirement_check(params=hangzhou(), local_actual_months=130, total_months=120, hukou_local=True)
    assert caught.value.field == "local_actual_months"


def test_zhoushan_art11_only_actual_years_count_and_lump_sum_with_illustrative_values():
    years = contribution_months(
        params=zhoushan(),
        periods=[
            Period(d("1990-01-01"), d("1999-12-31"), "deemed"),
            Period(d("2000-01-01"), d("2009-12-31"), "military"),
            Period(d("2010-01-01"), d("2016-08-31"), "local_actual"),
        ],
    )
    assert years.total_months == 120 + 80
    check = retirement_check(
        params=zhoushan(), local_actual_months=0, total_months=years.total_months, hukou_local=True
    )
    # 20 years = 240 months; 40 missing × 6,500 × 10.5% (illustrative) = 27,300.00
    assert check.missing_total_months == 40 and check.missing_local_months == 0
    assert check.lump_sum == D("27300.00")


def test_zhoushan_official_file_refuses_naming_the_parameter():
    with pytest.raises(MissingParameter) as caught:
        retirement_check(
            params=zhoushan(illustrative=False), local_actual_months=0, total_months=200, hukou_local=True
        )
    assert caught.value.name == "retirement.actual_years" and "舟山 第十一条" in str(caught.value)
