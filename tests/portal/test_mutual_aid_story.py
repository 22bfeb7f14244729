"""Issue 15's story through the same pages without a browser (Django's test client): the browser test's twin.

The counter enrols a new employee (account opened and preset, 杭州 art. 22(3)) and records the
child from the household register; the employee grants mutual aid in the portal (art. 26(6));
the hospital settles the child's bill; the parent's historical funds pay; both see it.
"""

import datetime as dt
from decimal import Decimal

import pytest
from django.test import Client
from django.utils import timezone

from .conftest import PASSWORD
from .test_mutual_aid_browser import cast

pytestmark = pytest.mark.django_db


def test_story_enrol_grant_settle_and_both_portals(django_user_model, api_client_factory):
    from accounts.models import Account, LedgerEntry
    from accounts.services import transfer_in
    from claims.models import Institution

    today = timezone.localdate()
    parent, child, employer = cast(django_user_model, today)
    counter = Client()
    assert counter.login(username="guiyuan", password=PASSWORD)
    response = counter.post(
        "/admin/enrollment/enrolment/add/",
        {
            "person": parent.pk,
            "scheme": "employee",
            "category": "active",
            "district": "西湖区",
            "employer": employer.pk,
            "start_date": today.isoformat(),
            "credit_base": "10000.00",
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    account = Account.objects.get(person=parent)
    months = 13 - today.month  # 250 a month (10,000 × 2.5%) from this month; less the 48 premium
    assert account.current == Decimal(250 * months - 48)
    transfer_in(person=parent, amount=Decimal("5000.00"), on=today, other_place="宁波")
    response = counter.post(
        "/admin/enrollment/familyrelation/add/",
        {
            "person": parent.pk,
            "relative": child.pk,
            "kind": "child",
            "source": "household",
            "verified_on": today.isoformat(),
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]

    holder = Client()
    assert holder.login(username="chenjg", password=PASSWORD)
    response = holder.post(
        "/mutual-aid/", {"name": "陈小雨", "id_number": child.id_number, "relation": "child"}
    )
    assert response.status_code == 302, response.content.decode()[:3000]

    Institution.objects.create(code="H330100001", name="浙大儿院（测试）", level="level3", kind="hospital")
    http, _client = api_client_factory(organisation_code="H330100001")
    body = http.post(
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
        },
        format="json",
    ).json()
    assert body["mutual_aid_paid"] == "5000.00", body
    paid = sum(Decimal(body[k]) for k in ("basic_fund_paid", "catastrophic_paid", "assistance_paid"))
    assert Decimal(body["cash_paid"]) == Decimal("50500.00") - paid - Decimal("5000.00")
    assert Account.objects.get(person=parent).historical == Decimal("0.00")
    assert LedgerEntry.objects.get(account=account, kind="mutual_aid").amount == Decimal("-5000.00")

    relative = Client()
    assert relative.login(username="chenxy", password=PASSWORD)
    assert "5,000.00" in relative.get("/settlements/").content.decode()
    page = relative.get("/mutual-aid/").content.decode()
    assert 'id="aid-received"' in page and "5,000.00" in page
    page = holder.get("/mutual-aid/").content.decode()
    assert 'id="aid-paid-out"' in page and "陈小雨" in page and "-5,000.00" in page
    assert child.id_number not in page
    page = holder.get("/account/").content.decode()
    assert "家庭共济支付" in page and "-5,000.00" in page
