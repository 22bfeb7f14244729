"""Deficit cover, worked by hand from 杭州 art. 95 (and 舟山 art. 75 on the illustrative set)."""

import datetime as dt
from decimal import Decimal as D

import pytest

from policy.funds import NoDeficitRule, deficit_cover, split
from policy.parameters import MissingParameter, Override, parameters_for, set_override_provider

END_2024 = dt.date(2024, 12, 31)


@pytest.fixture
def hangzhou():
    """Hangzhou on 2024-12-31 with a risk-fund share of 40 % entered (art. 97 leaves it to the agency)."""
    set_override_provider(
        lambda region: (
            [Override("funds.deficit.risk_fund_share", dt.date(2021, 1, 1), D("0.40"))]
            if region == "hangzhou"
            else []
        )
    )
    return parameters_for("hangzhou", END_2024)


def amounts(lines):
    return [(line.text, line.amount) for line in lines]


def test_art_95_1_employee_fund_in_an_urban_district_surplus_then_risk_fund_then_city_and_district(hangzhou):
    """上城区, deficit 1,000,000, earlier surplus 300,000: surplus 300,000; of 700,000 the risk fund 40 %
    = 280,000; finance 420,000, city and district 50 % each = 210,000 + 210,000 (杭州 art. 95(1), 97)."""
    lines = deficit_cover(
        fund="employee_pooled",
        district="上城区",
        deficit=D("1000000.00"),
        earlier_surplus=D("300000.00"),
        params=hangzhou,
    )
    assert [line.amount for line in lines] == [D("300000.00"), D("280000.00"), D("210000.00"), D("210000.00")]
    assert "市级职工医保风险调剂金" in lines[1].text and "第九十七条" in lines[1].article
    assert "市财政" in lines[2].text and "上城区财政" in lines[3].text
    assert all("杭州 第九十五条" in line.article for line in (lines[0], lines[2], lines[3]))
    assert sum(line.amount for line in lines) == D("1000000.00")


def test_art_95_1_employee_fund_in_xiaoshan_finance_by_the_district_alone(hangzhou):
    """萧山区 bears its finance share itself: deficit 10,000, no surplus: risk fund 4,000, 萧山区 6,000."""
    lines = deficit_cover(
        fund="employee_pooled",
        district="萧山区",
        deficit=D("10000.00"),
        earlier_surplus=D("0"),
        params=hangzhou,
    )
    assert amounts(lines)[1:] == [("职工医保统筹基金赤字：萧山区财政按现行财政体制自行承担", D("6000.00"))]
    assert lines[0].amount == D("4000.00")


def test_art_95_surplus_covers_all():
    params = parameters_for("hangzhou", END_2024)
    lines = deficit_cover(
        fund="employee_pooled",
        district="上城区",
        deficit=D("500.00"),
        earlier_surplus=D("800.00"),
        params=params,
    )
    assert amounts(lines) == [("本基金历年结余支付", D("500.00"))]


def test_art_97_risk_fund_share_not_set_is_refused_naming_the_article():
    params = parameters_for("hangzhou", END_2024)
    with pytest.raises(MissingParameter) as refused:
        deficit_cover(
            fund="employee_pooled",
            district="上城区",
            deficit=D("1.00"),
            earlier_surplus=D("0"),
            params=params,
        )
    assert "funds.deficit.risk_fund_share" in str(refused.value) and "第九十七条" in str(refused.value)


def test_art_95_2_resident_fund_in_an_urban_district_city_and_district_half_each(hangzhou):
    """西湖区 resident fund, deficit 100,000.01, surplus 0: city 50,000.01 (half up), 西湖区 50,000.00."""
    lines = deficit_cover(
        fund="resident",
        district="西湖区",
        deficit=D("100000.01"),
        earlier_surplus=D("-5.00"),
        params=hangzhou,
    )
    assert [line.amount for line in lines] == [D("50000.01"), D("50000.00")]


def test_art_95_2_student_fund_by_university_headcount(hangzhou):
    """Student fund deficit 100,000, surplus 10,000: 90,000 by headcount 2:1 → 60,000 and 30,000."""
    lines = deficit_cover(
        fund="student",
        district="全市",
        deficit=D("100000.00"),
        earlier_surplus=D("10000.00"),
        params=hangzhou,
        headcounts={"浙江大学": 2000, "杭州师范大学": 1000},
    )
    assert [line.amount for line in lines] == [D("10000.00"), D("30000.00"), D("60000.00")]
    assert "杭州师范大学" in lines[1].text and "浙江大学" in lines[2].text


def test_split_puts_the_rounding_remainder_on_the_last_share():
    """100.00 over three equal headcounts: 33.33 + 33.33 + 33.34, to the fen."""
    assert split(D("100.00"), {"a": 1, "b": 1, "c": 1}) == {"a": D("33.33"), "b": D("33.33"), "c": D("33.34")}


def test_art_95_3_catastrophic_fund_by_district_finance(hangzhou):
    lines = deficit_cover(
        fund="catastrophic",
        district="余杭区",
        deficit=D("800.00"),
        earlier_surplus=D("300.00"),
        params=hangzhou,
    )
    assert [line.amount for line in lines] == [D("300.00"), D("500.00")]
    assert "余杭区财政" in lines[1].text


def test_personal_accounts_have_no_deficit_cover(hangzhou):
    with pytest.raises(NoDeficitRule):
        deficit_cover(
            fund="personal_accounts",
            district="上城区",
            deficit=D("1.00"),
            earlier_surplus=D("0"),
            params=hangzhou,
        )


def test_zhoushan_art_75_no_risk_fund_city_and_county_share_everywhere():
    """舟山 art. 75 (illustrative 50 %): employee deficit 1,000 after surplus 200 → city 400, 定海区 400."""
    params = parameters_for("zhoushan", END_2024, illustrative=True)
    lines = deficit_cover(
        fund="employee_pooled",
        district="定海区",
        deficit=D("1000.00"),
        earlier_surplus=D("200.00"),
        params=params,
    )
    assert [line.amount for line in lines] == [D("200.00"), D("400.00"), D("400.00")]
    assert all(line.article.startswith("舟山 第七十五条") for line in lines)
