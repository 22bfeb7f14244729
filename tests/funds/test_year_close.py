"""Closing a year (杭州 art. 95), publishing it (art. 85), and the clerk's report page."""

import datetime as dt
import io
from decimal import Decimal as D

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from funds import services
from funds.models import DeficitShare, FundYear, YearClose
from policy.models import ParameterOverride

from .conftest import contribution, person, settlement

pytestmark = pytest.mark.django_db


@pytest.fixture
def risk_fund_share():
    ParameterOverride.objects.create(
        region="hangzhou",
        name="funds.deficit.risk_fund_share",
        effective_from=dt.date(2021, 1, 1),
        value="0.40",
        note="测试：杭州 第九十七条另行规定的比例",
    )


def two_districts():
    """上城区: 2023 income 5,000; 2024 income 10,000, basic fund paid 25,000. 萧山区: 2024 income 1,000, paid 11,000."""
    a, b = person(district="上城区"), person(district="萧山区")
    contribution(a, month=dt.date(2023, 6, 1), employer=D("5000.00"))
    contribution(a, month=dt.date(2024, 6, 1), employer=D("10000.00"))
    contribution(b, month=dt.date(2024, 6, 1), employer=D("1000.00"))
    for who, amount in ((a, D("25000.00")), (b, D("11000.00"))):
        s = settlement(who, on=dt.date(2024, 7, 1), basic=amount)
        type(s).objects.filter(pk=s.pk).update(created=dt.datetime(2024, 7, 1, 10, tzinfo=dt.UTC))


def test_closing_2024_covers_each_districts_deficit_in_the_order_of_art_95(risk_fund_share):
    """上城区: deficit 15,000: earlier surplus 5,000; of 10,000 the risk fund 40 % = 4,000; city 3,000 and
    上城区 3,000. 萧山区: deficit 10,000, no surplus: risk fund 4,000, 萧山区 alone 6,000."""
    two_districts()
    close = services.close_year(region="hangzhou", year=2024)
    shanghai = FundYear.objects.get(close=close, fund="employee_pooled", district="上城区")
    assert (shanghai.opening, shanghai.income, shanghai.expenditure, shanghai.closing, shanghai.covered) == (
        D("5000.00"),
        D("10000.00"),
        D("25000.00"),
        D("-10000.00"),
        D("10000.00"),
    )
    shares = {(s.district, s.text): s.amount for s in DeficitShare.objects.filter(close=close)}
    assert shares == {
        ("上城区", "本基金历年结余支付"): D("5000.00"),
        ("上城区", "市级职工医保风险调剂金承担 40%"): D("4000.00"),
        ("上城区", "职工医保统筹基金赤字：市财政承担 50%"): D("3000.00"),
        ("上城区", "职工医保统筹基金赤字：上城区财政承担其余部分"): D("3000.00"),
        ("萧山区", "市级职工医保风险调剂金承担 40%"): D("4000.00"),
        ("萧山区", "职工医保统筹基金赤字：萧山区财政按现行财政体制自行承担"): D("6000.00"),
    }


def test_a_year_is_closed_once_and_only_after_it_ends(risk_fund_share):
    two_districts()
    services.close_year(region="hangzhou", year=2024)
    with pytest.raises(ValidationError, match="已决算"):
        services.close_year(region="hangzhou", year=2024)
    with pytest.raises(ValidationError, match="尚未结束"):
        services.close_year(region="hangzhou", year=dt.date.today().year)
    with pytest.raises(ValidationError, match="没有任何基金收支"):
        services.close_year(region="hangzhou", year=2019)


def test_a_deficit_without_the_art_97_share_is_refused_and_nothing_is_written():
    two_districts()
    with pytest.raises(ValidationError, match="funds.deficit.risk_fund_share"):
        services.close_year(region="hangzhou", year=2024)
    assert not YearClose.objects.exists() and not FundYear.objects.exists()


def test_publishing_renders_the_chinese_pdf_of_a_closed_year(risk_fund_share):
    """杭州 art. 85: the publication lists each fund and who covered the deficits."""
    from pypdf import PdfReader

    two_districts()
    close = services.publish(close=services.close_year(region="hangzhou", year=2024))
    assert close.status == YearClose.Status.PUBLISHED
    text = "".join(page.extract_text() for page in PdfReader(close.publication.path).pages)
    assert "杭州 2024" in text and "市级职工医保风险调剂金" in text and "第八十五条" in text


def test_an_unclosed_year_cannot_be_published():
    with pytest.raises(ValidationError, match="尚未决算"):
        services.publish(close=YearClose(region="hangzhou", year=2024))


def test_the_report_page_chart_csv_and_xlsx(admin_client, risk_fund_share):
    from openpyxl import load_workbook

    two_districts()
    from funds import posting

    posting.post_all()
    url = reverse("admin:funds_report")
    page = admin_client.get(url, {"region": "hangzhou", "year": 2024})
    assert page.status_code == 200
    body = page.content.decode()
    assert "<svg" in body and "职工医保统筹基金" in body and "36000.00" in body
    csv = admin_client.get(url, {"region": "hangzhou", "year": 2024, "export": "csv"})
    assert "职工医保统筹基金,2024-07,0.00,36000.00,-36000.00" in csv.content.decode("utf-8-sig")
    xlsx = admin_client.get(url, {"region": "hangzhou", "year": 2024, "export": "xlsx"})
    sheet = load_workbook(io.BytesIO(xlsx.content)).active
    assert [c.value for c in sheet[1]] == ["基金", "月份", "收入", "支出", "结余"]
    assert any(
        row[1] == "2024-06" and row[2] == 11000 for row in sheet.iter_rows(min_row=2, values_only=True)
    )


def test_the_clerk_closes_a_year_in_the_admin(admin_client, risk_fund_share):
    two_districts()
    answer = admin_client.post(reverse("admin:funds_yearclose_add"), {"region": "hangzhou", "year": 2024})
    assert answer.status_code == 302, answer.context["adminform"].form.errors
    close = YearClose.objects.get()
    page = admin_client.get(reverse("admin:funds_yearclose_change", args=[close.pk]))
    assert "萧山区财政按现行财政体制自行承担" in page.content.decode()
    again = admin_client.post(reverse("admin:funds_yearclose_add"), {"region": "hangzhou", "year": 2024})
    assert again.status_code == 200 and "已决算" in again.content.decode()
