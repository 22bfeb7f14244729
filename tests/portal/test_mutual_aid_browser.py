"""Issue 15, in a real browser: enrolment opens the account; a grant to a child pays the child's hospital bill.

A counter clerk enrols a new employee (the account opens with its preset, 杭州 art. 22(3)) and
records the employee's child from the household register; the employee logs in to the portal
and grants family mutual aid to the child (art. 26(6)); the hospital settles the child's bill
and the parent's historical funds pay the personal share; the portal shows it to both.
"""

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from .conftest import PASSWORD
from .test_browser import page  # noqa: F401 (the Playwright page fixture)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def cast(django_user_model, today):
    """The clerk, the employer, the employee (not yet enrolled) and the child (insured as a resident child)."""
    from core.identity import make_credit_code, make_resident_id
    from enrollment.models import Employer, Enrolment, Person

    django_user_model.objects.create_user(
        username="guiyuan", password=PASSWORD, role="clerk", is_staff=True, is_superuser=True
    )
    employer = Employer.objects.create(
        name="杭州示例科技有限公司", credit_code=make_credit_code("91330106MA2AB1234"), district="西湖区"
    )
    parent_user = django_user_model.objects.create_user(username="chenjg", password=PASSWORD, role="insured")
    parent = Person.objects.create(
        name="陈建国",
        id_number=make_resident_id("330106", dt.date(1985, 5, 1), 11),
        birth_date=dt.date(1985, 5, 1),
        sex="M",
        hukou_district="西湖区",
        user=parent_user,
    )
    child_user = django_user_model.objects.create_user(username="chenxy", password=PASSWORD, role="insured")
    child = Person.objects.create(
        name="陈小雨",
        id_number=make_resident_id("330106", dt.date(2014, 9, 1), 22),
        birth_date=dt.date(2014, 9, 1),
        sex="F",
        hukou_district="西湖区",
        user=child_user,
    )
    Enrolment.objects.create(
        person=child,
        scheme="resident",
        category="child",
        district="西湖区",
        start_date=dt.date(today.year, 1, 1),
        end_date=dt.date(today.year, 12, 31),
        first_paid_on=dt.date(today.year - 1, 12, 1),
    )

    return parent, child, employer


def login_portal(page, base, username):  # noqa: F811 (the page passed in)
    page.context.clear_cookies()
    page.goto(f"{base}/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("#login-form button[type=submit]")
    page.wait_for_url(f"{base}/")


def test_clerk_enrols_parent_who_grants_child_whose_bill_parent_pays(
    page,  # noqa: F811
    live_server,
    django_user_model,
    api_client_factory,
):
    from accounts.models import Account, LedgerEntry, MutualAidGrant
    from accounts.services import transfer_in
    from claims.models import Institution
    from enrollment.models import FamilyRelation

    today = timezone.localdate()
    base = live_server.url
    parent, child, employer = cast(django_user_model, today)

    # 1. the counter: enrol the new employee with a monthly base of 10,000
    page.goto(f"{base}/admin/login/")
    page.fill("#id_username", "guiyuan")
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_url(f"{base}/admin/")
    page.goto(f"{base}/admin/enrollment/enrolment/add/")
    page.fill("#id_person", str(parent.pk))
    page.select_option("#id_scheme", "employee")
    page.select_option("#id_category", "active")
    page.fill("#id_district", "西湖区")
    page.fill("#id_employer", str(employer.pk))
    page.fill("#id_start_date", today.isoformat())
    page.fill("#id_credit_base", "10000.00")
    page.click("input[name=_save]")
    page.wait_for_url(f"{base}/admin/enrollment/enrolment/")
    account = Account.objects.get(person=parent)
    # art. 22(3): this month to December at 10,000 × (2% + 0.5%) = 250 a month; the 48 premium (art. 41)
    months = 13 - today.month
    assert LedgerEntry.objects.get(account=account, kind=LedgerEntry.Kind.PRESET).amount == Decimal(
        250 * months
    )
    assert account.current == Decimal(250 * months - 48)
    page.goto(f"{base}/admin/accounts/account/{account.pk}/change/")
    assert "参（续）保当月预设当年资金" in page.content()

    # the balance the employee brings from another city goes into historical funds (art. 26(2))
    transfer_in(person=parent, amount=Decimal("5000.00"), on=today, other_place="宁波")

    # 2. the counter records the child from the household register
    page.goto(f"{base}/admin/enrollment/familyrelation/add/")
    page.fill("#id_person", str(parent.pk))
    page.fill("#id_relative", str(child.pk))
    page.select_option("#id_kind", "child")
    page.select_option("#id_source", "household")
    page.click("input[name=_save]")
    page.wait_for_url(f"{base}/admin/enrollment/familyrelation/")
    assert FamilyRelation.objects.get().relative == child

    # 3. the employee grants mutual aid to the child in the portal
    login_portal(page, base, "chenjg")
    page.goto(f"{base}/mutual-aid/")
    page.fill("#id_name", "陈小雨")
    page.fill("#id_id_number", child.id_number)
    page.select_option("#id_relation", "child")
    page.click("#grant-form button[type=submit]")
    page.wait_for_url(f"{base}/mutual-aid/")
    assert "陈小雨" in page.inner_text("#grants-given")
    assert MutualAidGrant.objects.get().relative == child

    # 4. the hospital settles the child's inpatient bill
    Institution.objects.create(code="H330100001", name="浙大儿院（测试）", level="level3", kind="hospital")
    http, _client = api_client_factory(organisation_code="H330100001")
    response = http.post(
        "/api/v1/settlements/",
        {
            "id_number": child.id_number,
            "bill_number": "ZY-CXY-1",
            "kind": "inpatient",
            "admission_date": (today - dt.timedelta(days=6)).isoformat(),
            "discharge_date": today.isoformat(),
            "out_of_scope": "300.00",
            "self_pay_first": "200.00",
            "eligible": "50000.00",
            "special_drug": "0.00",
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    # the personal share is more than 5,000 (at least 10% of 50,000 plus 500): the parent's 5,000 all goes
    assert body["mutual_aid_paid"] == "5000.00"
    paid = sum(Decimal(body[k]) for k in ("basic_fund_paid", "catastrophic_paid", "assistance_paid"))
    assert Decimal(body["cash_paid"]) == Decimal("50500.00") - paid - Decimal("5000.00")
    assert Account.objects.get(person=parent).historical == Decimal("0.00")

    # 5. the portal, both sides: the child's settlements and the parent's ledger
    login_portal(page, base, "chenxy")
    page.goto(f"{base}/settlements/")
    assert "5,000.00" in page.inner_text("#settlements")
    page.goto(f"{base}/mutual-aid/")
    assert "5,000.00" in page.inner_text("#aid-received")
    login_portal(page, base, "chenjg")
    page.goto(f"{base}/account/")
    assert "家庭共济" in page.content() and "-5,000.00" in page.content()
    page.goto(f"{base}/mutual-aid/")
    paid_out = page.inner_text("#aid-paid-out")
    assert "陈小雨" in paid_out and "-5,000.00" in paid_out
    assert child.id_number not in page.content()
