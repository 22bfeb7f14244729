"""Personal account rules (杭州 art. 22, 23, 29(2); 规程 §9), figures worked by hand with 省平工资 = 7,000."""

import datetime as dt
from decimal import Decimal as D

import pytest

from policy.accounts import (
    age_in_month,
    annual_preset,
    credit_fund,
    monthly_credit,
    retirement_year_outpatient_deductible,
    retirement_year_refund,
    year_end_interest,
)
from policy.amount import RuleInputError
from policy.parameters import MissingParameter
from tests.policy.rules_support import hangzhou


@pytest.fixture
def params():
    return hangzhou()


def test_art23_1_active_employee_at_45_gets_2_percent_plus_0_5_percent(params):
    credit = monthly_credit(params=params, category="active", age=45, base=D("7000"))
    assert credit.amount == D("175.00")  # 140.00 + 35.00
    assert [line.amount for line in credit.lines] == [D("140.00"), D("35.00")]
    assert "第二十三条第(一)项第1目" in credit.lines[0].article


def test_art23_1_active_employee_above_45_gets_0_8_percent(params):
    assert monthly_credit(params=params, category="active", age=46, base=D("7000")).amount == D("196.00")


def test_art23_1_each_component_rounds_half_up(params):
    credit = monthly_credit(params=params, category="active", age=30, base=D("4321.10"))
    # 4,321.10 × 2% = 86.422 -> 86.42; × 0.5% = 21.6055 -> 21.61
    assert credit.amount == D("108.03")


def test_art23_2_flexible_worker_only_the_age_part(params):
    assert monthly_credit(params=params, category="flexible", age=45, base=D("4200")).amount == D("21.00")
    assert monthly_credit(params=params, category="flexible", age=46, base=D("4200")).amount == D("33.60")
    assert monthly_credit(params=params, category="unemployed", age=50, base=D("4200")).amount == D("33.60")


def test_art23_4_retiree_below_the_average_credited_on_the_average(params):
    credit = monthly_credit(params=params, category="retired", age=70, pension=D("5000"))
    assert credit.amount == D("406.00")  # 7,000 × 5.8%
    assert "低于上年度省平工资" in credit.lines[0].text


def test_art23_4_retiree_above_70_at_6_8_percent(params):
    assert monthly_credit(params=params, category="retired", age=71, pension=D("5000")).amount == D("476.00")


def test_art23_4_retiree_above_the_average_credited_on_the_pension(params):
    assert monthly_credit(params=params, category="retired", age=65, pension=D("9000")).amount == D("522.00")


def test_art23_4_explicit_average_wins_over_the_parameter(params):
    credit = monthly_credit(
        params=params,
        category="retired",
        age=65,
        pension=D("5000"),
        provincial_average_monthly_wage=D("6000"),
    )
    assert credit.amount == D("348.00")  # 6,000 × 5.8%


def test_art23_3_agreement_payer_half_the_lump_sum_spread_and_the_last_month_takes_the_remainder(params):
    months = [
        monthly_credit(
            params=params,
            category="agreement",
            age=50,
            agreement_payment=D("10000"),
            agreement_months=3,
            agreement_month_index=index,
        ).amount
        for index in (1, 2, 3)
    ]
    assert months == [D("1666.67"), D("1666.67"), D("1666.66")]
    assert sum(months) == D("5000.00")
    assert credit_fund("agreement") == "historical"
    assert credit_fund("active") == "current"


def test_age_is_taken_in_the_month_credited():
    birth = dt.date(1979, 6, 15)
    assert age_in_month(birth, 2024, 5) == 44
    assert age_in_month(birth, 2024, 6) == 45
    assert age_in_month(birth, 2025, 6) == 46


def test_art22_2_preset_for_an_employee_crossing_45_midyear(params):
    # born 1979-06: January–May 2025 at 45 (0.5%), June–December at 46 (0.8%)
    preset = annual_preset(
        params=params, category="active", birth_date=dt.date(1979, 6, 15), year=2025, base=D("7000")
    )
    assert preset.amount == D("175.00") * 5 + D("196.00") * 7  # 2,247.00
    assert preset.amount == D("2247.00")
    assert [line.amount for line in preset.lines] == [D("875.00"), D("1372.00")]


def test_art22_2_preset_for_a_retiree_crossing_70_midyear(params):
    # born 1955-03: January–February 2026 at 70 (5.8%), March–December at 71 (6.8%); pension below the average
    preset = annual_preset(
        params=params, category="retired", birth_date=dt.date(1955, 3, 10), year=2026, pension=D("5000")
    )
    assert preset.amount == D("406.00") * 2 + D("476.00") * 10  # 5,572.00
    assert preset.amount == D("5572.00")


def test_art22_2_preset_from_ages_by_month(params):
    preset = annual_preset(params=params, category="flexible", ages_by_month=[45] * 12, base=D("4200"))
    assert preset.amount == D("252.00")
    with pytest.raises(RuleInputError):
        annual_preset(params=params, category="flexible", ages_by_month=[45] * 11, base=D("4200"))


@pytest.mark.parametrize(
    "balance,interest",
    [
        ("1234.56", "4.32"),
        ("1000.00", "3.50"),
        ("1.43", "0.01"),
        ("1.42", "0.00"),
        ("0.00", "0.00"),
        ("-50.00", "0.00"),
    ],
)
def test_art22_1_year_end_interest_at_0_35_percent_to_the_fen(params, balance, interest):
    # 1,234.56 × 0.35% = 4.32096 -> 4.32; 1.43 × 0.35% = 0.005005 -> 0.01; 1.42 -> 0.00497 -> 0.00
    assert year_end_interest(params=params, balance=D(balance)).amount == D(interest)


def test_art22_1_interest_follows_the_rate_in_force_that_day():
    params = hangzhou(on=dt.date(2030, 12, 31), demand_deposit_rate=D("0.0025"))
    assert year_end_interest(params=params, balance=D("1000")).amount == D("2.50")


@pytest.mark.parametrize(
    "active,retired,deductible",
    [(5, 7, "591.67"), (6, 6, "650.00"), (12, 0, "1000.00"), (0, 12, "300.00")],
)
def test_art29_2_retirement_year_deductible_by_actual_months(params, active, retired, deductible):
    # 1,000 × 5/12 + 300 × 7/12 = 416.666… + 175 = 591.666… -> 591.67
    result = retirement_year_outpatient_deductible(
        params=params, months_active=active, months_retired=retired
    )
    assert result.amount == D(deductible)


def test_art29_2_months_must_cover_the_year(params):
    with pytest.raises(RuleInputError) as caught:
        retirement_year_outpatient_deductible(params=params, months_active=5, months_retired=5)
    assert caught.value.field == "months_retired"


def test_art29_2_eighty_percent_of_the_excess_deductible_refunded(params):
    refund = retirement_year_refund(params=params, deductible_paid=D("1000"), deductible_due=D("650"))
    assert refund.amount == D("280.00")  # (1,000 − 650) × 80%
    assert retirement_year_refund(
        params=params, deductible_paid=D("600"), deductible_due=D("650")
    ).amount == D("0")


def test_unknown_category_refused(params):
    with pytest.raises(RuleInputError) as caught:
        monthly_credit(params=params, category="astronaut", age=40, base=D("5000"))
    assert caught.value.field == "category"


def test_zhoushan_art17_illustrative_credits():
    from tests.policy.rules_support import zhoushan

    params = zhoushan()
    assert monthly_credit(params=params, category="active", age=50, base=D("5850")).amount == D("117.00")
    assert monthly_credit(params=params, category="retired", age=75).amount == D("150.00")
    with pytest.raises(MissingParameter) as caught:
        monthly_credit(params=zhoushan(illustrative=False), category="active", age=50, base=D("5850"))
    assert caught.value.name == "account.credit_rate_active" and "第十七条" in str(caught.value)
