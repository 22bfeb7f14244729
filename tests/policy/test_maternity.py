"""Maternity and family-planning allowances (杭州 art. 56, 58, 59; 舟山 art. 48–51), worked by hand."""

import datetime as dt
from decimal import Decimal as D

import pytest

from policy.amount import RuleInputError
from policy.maternity import maternity_allowance, maternity_eligibility, maternity_lump_sum
from policy.parameters import MissingParameter
from tests.policy.rules_support import hangzhou, zhoushan

WAGE = D("9000")  # employer's average monthly wage of last year: 300 a day


def allowance(**kwargs):
    return maternity_allowance(
        params=hangzhou(), employer_average_monthly_wage=kwargs.pop("wage", WAGE), **kwargs
    )


def test_art59_1_birth_128_days():
    result = allowance(event="birth")
    assert result.amount == D("38400.00")  # 9,000 ÷ 30 × 128
    assert "第五十九条" in result.lines[0].article and "第五十八条" in result.lines[-1].article


def test_art59_1_difficult_birth_adds_15_days():
    assert allowance(event="birth", difficult_birth=True).amount == D("42900.00")  # × 143


def test_art59_1_each_extra_baby_adds_15_days():
    assert allowance(event="birth", extra_babies=2).amount == D("47400.00")  # triplets: 128 + 30 = 158
    assert allowance(event="birth", difficult_birth=True, extra_babies=1).amount == D(
        "47400.00"
    )  # 128 + 15 + 15


def test_art58_rounds_once_half_up():
    # 8,765.43 × 128 ÷ 30 = 37,399.168 -> 37,399.17
    assert allowance(event="birth", wage=D("8765.43")).amount == D("37399.17")


@pytest.mark.parametrize(
    "event,days",
    [
        ("miscarriage_before_4_months", 15),
        ("miscarriage_from_4_months", 42),
        ("iud_insertion", 2),
        ("iud_removal", 1),
        ("vasectomy", 7),
        ("tubal_ligation", 21),
        ("postpartum_tubal_ligation", 14),
    ],
)
def test_art59_miscarriage_and_family_planning_days(event, days):
    assert allowance(event=event).amount == D(300 * days).quantize(D("0.01"))


def test_difficult_birth_only_for_a_birth():
    with pytest.raises(RuleInputError) as caught:
        allowance(event="vasectomy", difficult_birth=True)
    assert caught.value.field == "difficult_birth"


def test_unknown_event_refused():
    with pytest.raises(RuleInputError) as caught:
        allowance(event="adoption")
    assert caught.value.field == "event"


def months(start_year, start_month, count, kind="normal"):
    result = {}
    year, month = start_year, start_month
    for _ in range(count):
        result[(year, month)] = kind
        month += 1
        if month == 13:
            year, month = year + 1, 1
    return result


def test_art56_2_twelve_continuous_months_make_eligible():
    check = maternity_eligibility(
        params=hangzhou(), event_date=dt.date(2025, 3, 10), paid_months=months(2024, 4, 12)
    )
    assert check.eligible and check.continuous_months == 12


def test_art56_2_event_month_not_yet_paid_counts_from_the_month_before():
    check = maternity_eligibility(
        params=hangzhou(), event_date=dt.date(2025, 4, 2), paid_months=months(2024, 4, 12)
    )
    assert check.eligible and check.continuous_months == 12


def test_art56_2_back_payments_are_not_counted():
    paid = {**months(2024, 3, 1, "back_payment"), **months(2024, 4, 11)}
    check = maternity_eligibility(params=hangzhou(), event_date=dt.date(2025, 2, 10), paid_months=paid)
    assert not check.eligible and check.continuous_months == 11
    assert "不含补缴" in check.lines[0].text


def test_art56_2_a_gap_ends_the_run():
    paid = {**months(2023, 1, 12), **months(2024, 2, 11)}  # January 2024 unpaid
    check = maternity_eligibility(params=hangzhou(), event_date=dt.date(2024, 12, 20), paid_months=paid)
    assert not check.eligible and check.continuous_months == 11


def test_art56_2_not_registered_locally_is_not_eligible():
    check = maternity_eligibility(
        params=hangzhou(),
        event_date=dt.date(2025, 3, 10),
        paid_months=months(2023, 1, 30),
        registered_locally=False,
    )
    assert not check.eligible


# --- 舟山 with illustrative values: 一孩 158, 二孩三孩 188, 难产 +15, 每多一婴 +15, 流产 4 个月分界 15/42, ÷ 30 ---


def test_zhoushan_art49_first_and_second_child_days():
    params = zhoushan()
    first = maternity_allowance(
        params=params, employer_average_monthly_wage=D("6000"), event="birth", child_order=1
    )
    second = maternity_allowance(
        params=params,
        employer_average_monthly_wage=D("6000"),
        event="birth",
        child_order=2,
        difficult_birth=True,
    )
    assert first.amount == D("31600.00")  # 6,000 ÷ 30 × 158
    assert second.amount == D("40600.00")  # 6,000 ÷ 30 × (188 + 15)
    assert all(line.article.startswith("舟山") for line in first.lines)


def test_zhoushan_art49_miscarriage_by_months_of_pregnancy():
    params = zhoushan()
    early = maternity_allowance(
        params=params, employer_average_monthly_wage=D("6000"), event="miscarriage", pregnancy_months=3
    )
    late = maternity_allowance(
        params=params, employer_average_monthly_wage=D("6000"), event="miscarriage", pregnancy_months=4
    )
    assert (early.amount, late.amount) == (D("3000.00"), D("8400.00"))


def test_zhoushan_fourth_child_and_family_planning_allowance_refused():
    with pytest.raises(RuleInputError) as caught:
        maternity_allowance(
            params=zhoushan(), employer_average_monthly_wage=D("6000"), event="birth", child_order=4
        )
    assert caught.value.field == "child_order"
    with pytest.raises(RuleInputError) as caught:
        maternity_allowance(params=zhoushan(), employer_average_monthly_wage=D("6000"), event="vasectomy")
    assert caught.value.field == "event"


def test_zhoushan_art51_lump_sums():
    assert maternity_lump_sum(params=zhoushan(), kind="resident").amount == D("1500.00")
    unemployed = maternity_lump_sum(params=zhoushan(), kind="unemployed_spouse")
    assert unemployed.amount == D("1500.00") and "第五十一条" in unemployed.lines[0].article
    with pytest.raises(RuleInputError):
        maternity_lump_sum(params=hangzhou(), kind="resident")


def test_zhoushan_official_file_refuses_naming_the_parameter():
    with pytest.raises(MissingParameter) as caught:
        maternity_allowance(
            params=zhoushan(illustrative=False), employer_average_monthly_wage=D("6000"), event="birth"
        )
    assert caught.value.name == "maternity.allowance_days" and "舟山 第四十九条" in str(caught.value)
    with pytest.raises(MissingParameter) as caught:
        maternity_lump_sum(params=zhoushan(illustrative=False), kind="unemployed_spouse")
    assert "第五十一条" in str(caught.value)
