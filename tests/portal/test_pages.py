"""Every portal page shows the person's own figures and never another person's."""

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from .conftest import settle_inpatient

pytestmark = pytest.mark.django_db

PAGES = [
    "portal:home",
    "portal:contributions",
    "portal:account",
    "portal:settlements",
    "portal:estimate",
    "portal:mutual_aid",
]


def contribution(person, month, personal, employer, total):
    from contributions.models import ContributionRecord

    return ContributionRecord.objects.create(
        person=person,
        month=month,
        kind="employee",
        base=Decimal("10000.00"),
        employer_amount=Decimal(employer),
        employer_maternity=Decimal("0.00"),
        personal=Decimal(personal),
        personal_subsidy=Decimal("0.00"),
        personal_payable=Decimal(personal),
        total=Decimal(total),
        paid_on=month + dt.timedelta(days=14),
    )


@pytest.mark.parametrize("name", PAGES)
def test_anonymous_visitor_is_sent_to_login(client, db, name):
    response = client.get(reverse(name))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("portal:login"))


@pytest.mark.parametrize("name", PAGES)
def test_clerk_is_sent_to_the_admin(client, clerk, name):
    client.force_login(clerk)
    response = client.get(reverse(name))
    assert response.status_code == 302
    assert response["Location"] == reverse("admin:index")


@pytest.mark.parametrize("name", PAGES)
def test_api_client_gets_403(client, api_client_factory, name):
    _http, record = api_client_factory(kind="institution", organisation_code="H1")
    client.force_login(record.user)
    assert client.get(reverse(name)).status_code == 403


def test_insured_login_without_person_is_told_to_visit_the_agency(client, django_user_model):
    user = django_user_model.objects.create_user(username="nobody", password="x-pass-12345", role="insured")
    client.force_login(user)
    response = client.get(reverse("portal:home"))
    assert response.status_code == 200
    assert "账号尚未关联参保人信息" in response.content.decode()


def test_home_shows_own_status_masked_id_and_balances(client_a, person_a, person_b):
    page = client_a.get(reverse("portal:home")).content.decode()
    assert "王小明" in page
    assert person_a.masked_id_number in page
    assert person_a.id_number not in page
    assert "可享受医保待遇" in page
    assert "职工医保" in page and "在职职工" in page
    assert "3,000.00" in page  # historical funds transferred in (杭州 art. 26(2))
    # nav bar
    for label in ("我的医保", "缴费记录", "个人账户", "结算记录", "待遇测算", "家庭共济"):
        assert label in page
    # nothing of B
    assert "李四海" not in page
    assert "1,234.56" not in page
    assert person_b.masked_id_number not in page


def test_home_says_why_benefits_are_refused_with_the_article(client, insured):
    """Enrolled but not yet paid: refused with 杭州 第十五条 (benefits from the month after payment)."""
    from enrollment.models import Enrolment

    person = insured(name="赵未缴", username="zhaowj")
    Enrolment.objects.filter(person=person).update(first_paid_on=None)
    client.login(username="zhaowj", password="portal-pass-2024")
    page = client.get(reverse("portal:home")).content.decode()
    assert "暂不能享受医保待遇" in page
    assert "尚未缴费" in page
    assert "杭州 第十五条" in page


def test_contributions_page_lists_own_records_only(client_a, person_a, person_b):
    contribution(person_a, dt.date(2024, 1, 1), "200.00", "950.00", "1150.00")
    contribution(person_a, dt.date(2024, 2, 1), "200.00", "950.00", "1150.00")
    contribution(person_b, dt.date(2024, 1, 1), "345.67", "1641.93", "1987.60")
    page = client_a.get(reverse("portal:contributions")).content.decode()
    assert "2024-01" in page and "2024-02" in page
    assert "2,300.00" in page  # 1150.00 × 2
    assert "400.00" in page  # personal 200.00 × 2
    assert "345.67" not in page
    assert "1,987.60" not in page


def test_account_page_shows_own_ledger_and_filters_by_year(client_a, person_a, person_b, hospital):
    page = client_a.get(reverse("portal:account")).content.decode()
    assert "3,000.00" in page
    assert "自测试地转入" in page
    assert "1,234.56" not in page
    # the inpatient bill's personal share is paid from historical funds (杭州 art. 25): −3,000.00 this year
    settle_inpatient(person_a, hospital, number="ZY-A-9", eligible="50000.00")
    this_year = timezone.localdate().year
    page = client_a.get(reverse("portal:account") + f"?year={this_year}").content.decode()
    assert "-3,000.00" in page
    assert "自测试地转入" not in page
    page = client_a.get(reverse("portal:account") + "?year=2023").content.decode()
    assert "自测试地转入" in page
    assert "-3,000.00" not in page


def test_settlements_list_and_detail_show_own_bill_with_articles(client_a, person_a, person_b, hospital):
    """杭州 art. 28: level-3 inpatient 50,000 → deductible 800, fund 39,200×82% + 10,000×88% = 40,944.00."""
    own = settle_inpatient(person_a, hospital, number="ZY-A-1", eligible="50000.00")
    settle_inpatient(person_b, hospital, number="ZY-B-1", eligible="7777.00")
    page = client_a.get(reverse("portal:settlements")).content.decode()
    assert "50,000.00" in page
    assert "40,944.00" in page
    assert "7,777.00" not in page
    assert reverse("claims-statement-pdf", args=[own.pk]) in page
    detail = client_a.get(reverse("portal:settlement", args=[own.pk])).content.decode()
    assert "40,944.00" in detail
    assert "800.00" in detail
    assert "6,056.00" in detail  # 50,000 − 800 − 40,944 = 9,056; historical funds pay 3,000
    assert "杭州 第二十八条" in detail
    assert person_a.masked_id_number in detail and person_a.id_number not in detail


def test_own_statement_pdf_downloads(client_a, person_a, hospital):
    own = settle_inpatient(person_a, hospital, number="ZY-A-2", eligible="50000.00")
    response = client_a.get(reverse("claims-statement-pdf", args=[own.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert b"".join(response.streaming_content).startswith(b"%PDF")


def test_login_and_logout(client, person_a):
    response = client.post(reverse("portal:login"), {"username": "wangxm", "password": "portal-pass-2024"})
    assert response.status_code == 302
    assert response["Location"] == reverse("portal:home")
    assert "王小明" in client.get(reverse("portal:home")).content.decode()
    response = client.post(reverse("portal:logout"))
    assert response.status_code == 302
    assert client.get(reverse("portal:home")).status_code == 302


def test_wrong_password_is_refused_on_the_login_page(client, person_a):
    response = client.post(reverse("portal:login"), {"username": "wangxm", "password": "wrong"})
    assert response.status_code == 200
    assert "用户名或密码不正确" in response.content.decode()


def test_pages_are_available_in_english(client_a):
    """zh-hans by default; English chosen through Django's set_language (i18n)."""
    assert client_a.get(reverse("portal:home"))["Content-Language"] == "zh-hans"
    response = client_a.post(reverse("set_language"), {"language": "en", "next": reverse("portal:home")})
    assert response.status_code == 302
    response = client_a.get(reverse("portal:home"))
    assert response["Content-Language"] == "en"
    assert 'lang="en"' in response.content.decode()
