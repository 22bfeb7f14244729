"""Contributions (杭州 art. 13, 17, 31, 32, 41), figures worked by hand with 省平工资 = 7,000 yuan."""

from decimal import Decimal as D

import pytest

from policy.amount import RuleInputError
from policy.contributions import (
    back_payment,
    catastrophic_premium,
    employee_contribution,
    flexible_contribution,
    resident_contribution,
)
from tests.policy.rules_support import hangzhou


@pytest.fixture
def params():
    return hangzhou()


def test_art13_1_2_base_below_60_percent_is_raised_to_the_floor(params):
    result = employee_contribution(params=params, monthly_wage=D("3000"))
    # 7,000 × 60% = 4,200; employer 4,200 × 9.9% = 415.80 (of which 0.4% = 16.80); personal 2% = 84.00
    assert result.base == D("4200.00")
    assert result.employer == D("415.80")
    assert result.employer_maternity == D("16.80")
    assert result.personal == D("84.00")
    assert result.personal_payable == D("84.00")
    assert result.total == D("499.80")
    assert any("60%" in line.text and "第十三条" in line.article for line in result.lines)


def test_art13_1_2_base_above_300_percent_is_capped(params):
    result = employee_contribution(params=params, monthly_wage=D("30000"))
    # 7,000 × 300% = 21,000; 9.9% = 2,079.00; 0.4% = 84.00; 2% = 420.00
    assert (result.base, result.employer, result.employer_maternity, result.personal) == (
        D("21000.00"),
        D("2079.00"),
        D("84.00"),
        D("420.00"),
    )
    assert result.total == D("2499.00")


def test_art13_1_2_base_inside_the_band_is_the_wage_and_each_share_rounds_half_up(params):
    result = employee_contribution(params=params, monthly_wage=D("8123.45"))
    # 8,123.45 × 9.9% = 804.22155 -> 804.22; × 0.4% = 32.4938 -> 32.49; × 2% = 162.469 -> 162.47
    assert result.base == D("8123.45")
    assert result.employer == D("804.22")
    assert result.employer_maternity == D("32.49")
    assert result.personal == D("162.47")
    assert result.total == D("966.69")


def test_art13_1_the_floor_and_cap_themselves_are_inside(params):
    assert employee_contribution(params=params, monthly_wage=D("4200")).base == D("4200.00")
    assert employee_contribution(params=params, monthly_wage=D("21000")).base == D("21000.00")


def test_art13_3_disabled_veteran_pays_nothing_and_the_employer_share_is_subsidised(params):
    result = employee_contribution(params=params, monthly_wage=D("10000"), disabled_veteran=True)
    assert result.personal == D("0.00") and result.personal_payable == D("0.00")
    assert result.employer == D("990.00")
    assert result.employer_subsidy == D("990.00")
    assert result.subsidy_payer == "government"
    assert result.total == D("990.00")


def test_art13_4_injured_worker_contributes_on_the_disability_allowance_unclamped(params):
    result = employee_contribution(params=params, monthly_wage=D("0"), disability_allowance=D("3000"))
    # 3,000 (below the 4,200 floor, not raised): employer 9.9% = 297.00, maternity 12.00, personal 2% = 60.00
    assert (result.base, result.employer, result.employer_maternity, result.personal) == (
        D("3000.00"),
        D("297.00"),
        D("12.00"),
        D("60.00"),
    )
    assert result.lines[0].article == "杭州 第十三条第(四)项"


def test_art13_5_certificate_does_not_subsidise_an_employee(params):
    result = employee_contribution(params=params, monthly_wage=D("10000"), certificate="minimum_living")
    assert result.personal_subsidy == D("0") and result.personal_payable == D("200.00")


def test_art13_5_flexible_worker_base_60_percent_rate_9_5(params):
    result = flexible_contribution(params=params)
    # 7,000 × 60% = 4,200 × 9.5% = 399.00, all personal
    assert result.base == D("4200.00")
    assert result.employer == D("0") and result.employer_maternity == D("0")
    assert result.personal == result.total == result.personal_payable == D("399.00")


@pytest.mark.parametrize(
    "certificate", ["extreme_poverty", "minimum_living", "disability_living", "disability_grade2"]
)
def test_art13_5_certificate_holders_are_subsidised_in_full(params, certificate):
    result = flexible_contribution(params=params, certificate=certificate)
    assert result.personal_subsidy == D("399.00")
    assert result.personal_payable == D("0.00")


def test_art13_5_low_income_edge_certificate_is_subsidised_half(params):
    result = flexible_contribution(params=params, certificate="low_income_edge")
    assert result.personal_subsidy == D("199.50")
    assert result.personal_payable == D("199.50")


def test_art13_5_half_subsidy_rounds_once_and_the_parts_add_up():
    params = hangzhou(average_wage=D("6543.21"))
    result = flexible_contribution(params=params, certificate="low_income_edge")
    # base 6,543.21 × 60% = 3,925.926 -> 3,925.93; × 9.5% = 372.96335 -> 372.96; half = 186.48
    assert result.base == D("3925.93")
    assert result.personal == D("372.96")
    assert result.personal_subsidy == D("186.48")
    assert result.personal_payable == D("186.48")


def test_art13_6_unemployed_on_benefit_paid_by_the_unemployment_fund(params):
    result = flexible_contribution(params=params, unemployed_on_benefit=True)
    assert result.personal == D("399.00")
    assert result.personal_subsidy == D("399.00") and result.personal_payable == D("0.00")
    assert result.subsidy_payer == "unemployment_fund"
    assert any("第十三条第(六)项" in line.article for line in result.lines)


def test_art13_5_unknown_certificate_is_refused_naming_the_field(params):
    with pytest.raises(RuleInputError) as caught:
        flexible_contribution(params=params, certificate="gold_card")
    assert caught.value.field == "certificate"


@pytest.mark.parametrize(
    "category,total,personal",
    [
        ("child", "900", "300"),
        ("student", "270", "90"),
        ("adult_tier1", "2100", "700"),
        ("adult_tier2", "1800", "600"),
        ("adult_tier3", "1650", "550"),
    ],
)
def test_art31_resident_tiers(params, category, total, personal):
    result = resident_contribution(params=params, category=category)
    assert result.total == D(total)
    assert result.personal == result.personal_payable == D(personal)
    assert result.government_share == D(total) - D(personal)
    assert result.employer == D("0")


@pytest.mark.parametrize(
    "reason",
    [
        "extreme_poverty",
        "minimum_living",
        "disability_living",
        "disability_grade2",
        "orphanage",
        "entitled_veteran_dependant",
    ],
)
def test_art32_full_subsidy_reasons(params, reason):
    result = resident_contribution(params=params, category="adult_tier1", subsidy_reason=reason)
    assert result.personal_subsidy == D("700.00")
    assert result.personal_payable == D("0.00")


def test_art32_low_income_edge_resident_pays_half(params):
    result = resident_contribution(params=params, category="adult_tier2", subsidy_reason="low_income_edge")
    assert result.personal_subsidy == D("300.00")
    assert result.personal_payable == D("300.00")
    assert any("第三十二条" in line.article for line in result.lines)


def test_art31_unknown_category_refused(params):
    with pytest.raises(RuleInputError) as caught:
        resident_contribution(params=params, category="adult_tier9")
    assert caught.value.field == "category"


def test_art41_employee_catastrophic_premium_100_of_which_48_personal(params):
    result = catastrophic_premium(params=params, scheme="employee", category="active")
    assert (result.total, result.personal, result.other) == (D("100.00"), D("48.00"), D("52.00"))


def test_art41_resident_catastrophic_premium_90_of_which_40_personal(params):
    result = catastrophic_premium(params=params, scheme="resident", category="adult_tier1")
    assert (result.total, result.personal, result.other) == (D("90.00"), D("40.00"), D("50.00"))


def test_art41_student_catastrophic_premium_20_from_the_contribution(params):
    for result in (
        catastrophic_premium(params=params, scheme="resident", category="student"),
        catastrophic_premium(params=params, scheme="student", category=None),
    ):
        assert (result.total, result.personal, result.other) == (D("20.00"), D("20.00"), D("0.00"))


def test_art17_1_back_payment_as_employee_this_year_at_current_base_earlier_at_average(params):
    result = back_payment(
        params=params, identity="employee", months=2, current_base=D("5000"), earlier_months=3
    )
    # this year: 5,000 × 9.9% × 2 = 990.00, × 2% × 2 = 200.00
    # earlier: 7,000 × 9.9% × 3 = 2,079.00, × 2% × 3 = 420.00
    assert result.employer == D("3069.00")
    assert result.personal == D("620.00")
    assert result.employer_maternity == D("40.00") + D("84.00")
    assert result.total == D("3689.00")


def test_art17_2_back_payment_as_flexible_worker_at_current_standard(params):
    result = back_payment(params=params, identity="flexible", months=4)
    assert result.total == result.personal == D("1596.00")  # 399 × 4


def test_art17_2_flexible_back_payment_cannot_reach_earlier_years(params):
    with pytest.raises(RuleInputError) as caught:
        back_payment(params=params, identity="flexible", months=1, earlier_months=2)
    assert caught.value.field == "earlier_months"
    assert "第十七条第(二)项" in caught.value.message


def test_art17_1_employee_back_payment_this_year_needs_the_current_base(params):
    with pytest.raises(RuleInputError) as caught:
        back_payment(params=params, identity="employee", months=2)
    assert caught.value.field == "current_base"


def test_a_float_wage_is_refused(params):
    with pytest.raises(RuleInputError) as caught:
        employee_contribution(params=params, monthly_wage=5000.0)
    assert caught.value.field == "monthly_wage"


def test_without_a_registered_average_wage_the_contribution_is_refused_naming_it():
    import datetime as dt

    from policy.parameters import MissingParameter, ParameterView, declarations

    files_only = ParameterView("hangzhou", dt.date(2021, 6, 1), declarations("hangzhou"), {})
    with pytest.raises(MissingParameter) as caught:
        flexible_contribution(params=files_only)
    assert "provincial_average_monthly_wage" in str(caught.value)
    assert "第十三条" in str(caught.value)


# --- 舟山: illustrative values (省社平工资 6,500, floor 90%, employer 8.5%, personal 2%, flexible 60% × 10.5%) ---


def test_zhoushan_art9_employee_with_illustrative_values_no_separate_maternity_part():
    from tests.policy.rules_support import zhoushan

    result = employee_contribution(params=zhoushan(), monthly_wage=D("5000"))
    # 6,500 × 90% = 5,850 (floor); × 8.5% = 497.25; × 2% = 117.00
    assert result.base == D("5850.00")
    assert result.employer == D("497.25")
    assert result.employer_maternity == D("0")
    assert result.personal == D("117.00")
    assert all(line.article.startswith("舟山") for line in result.lines)


def test_zhoushan_art9_4_flexible_and_no_certificate_subsidy_in_art9():
    from tests.policy.rules_support import zhoushan

    result = flexible_contribution(params=zhoushan(), certificate="minimum_living")
    # 6,500 × 60% = 3,900 × 10.5% = 409.50; art. 9 subsidises no certificate holder
    assert result.personal == result.personal_payable == D("409.50")
    assert result.personal_subsidy == D("0")


def test_zhoushan_art27_resident_low_income_edge_subsidised_in_full():
    from tests.policy.rules_support import zhoushan

    result = resident_contribution(params=zhoushan(), category="adult", subsidy_reason="low_income_edge")
    assert (result.total, result.personal, result.personal_subsidy, result.personal_payable) == (
        D("1700.00"),
        D("600.00"),
        D("600.00"),
        D("0.00"),
    )


def test_zhoushan_art36_catastrophic_premium_personal_share_ratio():
    from tests.policy.rules_support import zhoushan

    result = catastrophic_premium(params=zhoushan(), scheme="employee")
    assert (result.total, result.personal, result.other) == (D("150.00"), D("75.00"), D("75.00"))


def test_zhoushan_official_file_refuses_naming_the_parameter_and_article():
    from policy.parameters import MissingParameter
    from tests.policy.rules_support import zhoushan

    with pytest.raises(MissingParameter) as caught:
        employee_contribution(params=zhoushan(illustrative=False), monthly_wage=D("5000"))
    assert caught.value.name == "provincial_average_monthly_wage"
    assert "舟山 第九条第(二)项" in str(caught.value)
    with pytest.raises(MissingParameter) as caught:
        resident_contribution(params=zhoushan(illustrative=False), category="adult")
    assert caught.value.name == "resident.contribution" and "第二十七条" in str(caught.value)


def test_zhoushan_has_no_disabled_veteran_or_back_payment_rule_of_hangzhou_art13_17():
    from policy.amount import NotInRegion
    from tests.policy.rules_support import zhoushan

    with pytest.raises(RuleInputError):
        employee_contribution(params=zhoushan(), monthly_wage=D("5000"), disabled_veteran=True)
    with pytest.raises(NotInRegion):
        back_payment(params=zhoushan(), identity="flexible", months=1)


def test_art13_7_government_subsidy_for_unemployed_agreement_payers(params):
    """杭州 第十三条第(七)项: the government subsidises the pooled fund at 省平工资 × 2% per head.

    省平工资 7,000 (monthly): per head 7,000 × 2% = 140.00 a month; 25 persons for 3 months:
    140.00 × 25 × 3 = 10,500.00.
    """
    from policy.contributions import agreement_payer_fund_subsidy

    result = agreement_payer_fund_subsidy(params=params, persons=25, months=3)
    assert result.amount == D("10500.00")
    assert [line.amount for line in result.lines] == [D("7000.00"), D("140.00"), D("10500.00")]
    assert all("第十三条" in line.article for line in result.lines)
    assert "第十三条第(七)项" in result.lines[-1].article
    # one person for one month is the per-head standard itself; nobody, nothing
    assert agreement_payer_fund_subsidy(params=params, persons=1).amount == D("140.00")
    assert agreement_payer_fund_subsidy(params=params, persons=0).amount == D("0.00")


def test_art13_7_subsidy_refuses_bad_counts_and_is_not_a_zhoushan_rule(params):
    from policy.amount import NotInRegion
    from policy.contributions import agreement_payer_fund_subsidy
    from tests.policy.rules_support import zhoushan

    with pytest.raises(RuleInputError) as error:
        agreement_payer_fund_subsidy(params=params, persons=-1)
    assert error.value.field == "persons"
    with pytest.raises(RuleInputError):
        agreement_payer_fund_subsidy(params=params, persons=3, months=0)
    with pytest.raises(NotInRegion):
        agreement_payer_fund_subsidy(params=zhoushan(), persons=3)
