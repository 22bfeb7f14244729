"""The account's life in the admin for a Zhoushan holder (舟山 art. 19), on the illustrative set.

Figures (ILLUSTRATIVE values, zhoushan-illustrative.yaml): an active employee at base 10,000 is
credited 10,000 × 2 % = 200 a month (舟山 art. 17); the account opened 2025-01-01 is preset
12 × 200 = 2,400 (舟山 art. 18(2)); Zhoushan takes no catastrophic premium from the account.
Every entry and the receipt cite 舟山 art. 19 (never 杭州), and the receipt carries the 示例参数 notice.
"""

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse

from accounts import services
from accounts.models import Inheritance
from accounts.selectors import audit_balances
from core.identity import make_resident_id

from .conftest import record_paid
from .test_life_admin import confirm, preview, receipt_of

D = Decimal
OPENED = dt.date(2025, 1, 1)
pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _illustrative():
    from policy.parameters import set_illustrative_default

    set_illustrative_default(True)


@pytest.fixture
def logged_in(client, clerk):
    client.force_login(clerk)
    return client


@pytest.fixture
def zhoushan_account(make_person):
    person = make_person(name="舟山王", region="zhoushan")
    return services.open_account(person=person, on=OPENED, category="active", base=D("10000.00"))


def assert_zhoushan_receipt(text):
    assert "舟山 第十九条第(二)项" in text and "杭州" not in text.replace("杭州市", "")
    assert "示例参数" in text and "zhoushan-illustrative.yaml" in text


def test_zhoushan_transfer_out_pays_5400_art19_2(logged_in, zhoushan_account):
    """舟山 art. 19(2): preset 2,400, January and February credited (400), 5,000 transferred in; leaving
    2025-03-01, the unbacked preset 2,400 − 400 = 2,000 is taken back and 400 + 5,000 = 5,400 goes out."""
    account = zhoushan_account
    assert (account.current, account.historical) == (D("2400.00"), D("0.00"))
    services.transfer_in(
        person=account.person, amount=D("5000.00"), on=dt.date(2025, 1, 5), other_place="宁波"
    )
    for month in (1, 2):
        record_paid(account.person, dt.date(2025, month, 1))
        services.credit_month(account=account, year=2025, month=month)
    data = {"on": "2025-03-01", "other_place": "上海", "bills_settled": "True"}
    shown = preview(logged_in, account, "transfer_out", data)
    assert shown.status_code == 200, shown.content.decode()
    outcome = shown.context["outcome"]
    assert sorted((e.kind, e.bucket, e.amount) for e in outcome.entries) == [
        ("reconciliation", "current", D("-2000.00")),
        ("transfer_out", "current", D("-400.00")),
        ("transfer_out", "historical", D("-5000.00")),
    ]
    assert {e.article for e in outcome.entries} == {"舟山 第十九条第(二)项"}
    assert outcome.paid_out == D("5400.00") and outcome.status_after == "transferred"
    html = shown.content.decode()
    assert "5400.00" in html and "舟山 第十九条第(二)项" in html
    account.refresh_from_db()
    assert account.status == "open" and (account.current, account.historical) == (D("2400.00"), D("5000.00"))

    done = confirm(logged_in, account, "transfer_out", data, shown)
    assert done.status_code == 302
    account.refresh_from_db()
    assert account.status == "transferred" and (account.current, account.historical) == (D("0"), D("0"))
    text = receipt_of(logged_in, done)
    assert "转出" in text and "-5000.00" in text and "-400.00" in text and "-2000.00" in text
    assert_zhoushan_receipt(text)
    assert audit_balances() == []


def test_zhoushan_death_then_inheritance_pays_the_heir_700_art19_2(logged_in, zhoushan_account):
    """舟山 art. 19(2): preset 2,400, January credited (200), 500 transferred in, dies 2025-02-01:
    2,400 − 200 = 2,200 of preset is taken back, and the heir inherits 200 + 500 = 700."""
    account = zhoushan_account
    services.transfer_in(
        person=account.person, amount=D("500.00"), on=dt.date(2025, 1, 5), other_place="宁波"
    )
    record_paid(account.person, dt.date(2025, 1, 1))
    services.credit_month(account=account, year=2025, month=1)

    death = {"on": "2025-02-01", "bills_settled": "True"}
    shown = preview(logged_in, account, "death", death)
    assert [(e.kind, e.amount, e.article) for e in shown.context["outcome"].entries] == [
        ("reconciliation", D("-2200.00"), "舟山 第十九条第(二)项")
    ]
    done = confirm(logged_in, account, "death", death, shown)
    assert done.status_code == 302
    account.refresh_from_db()
    assert account.status == "deceased" and (account.current, account.historical) == (
        D("200.00"),
        D("500.00"),
    )
    assert_zhoushan_receipt(receipt_of(logged_in, done))

    heir_id = make_resident_id("330902", dt.date(1990, 1, 1), 7)
    heir = {"on": "2025-03-01", "heir_name": "王小", "heir_id_number": heir_id}
    shown = preview(logged_in, account, "inheritance", heir)
    assert shown.context["outcome"].paid_out == D("700.00")
    assert sorted((e.bucket, e.amount) for e in shown.context["outcome"].entries) == [
        ("current", D("-200.00")),
        ("historical", D("-500.00")),
    ]
    done = confirm(logged_in, account, "inheritance", heir, shown)
    assert done.status_code == 302
    inheritance = Inheritance.objects.get()
    assert inheritance.amount == D("700.00")
    text = receipt_of(logged_in, done)
    assert "继承" in text and "700.00" in text and "王小" in text and heir_id not in text
    assert account.person.id_number not in text
    assert_zhoushan_receipt(text)
    page = logged_in.get(reverse("admin:accounts_account_change", args=[account.pk])).content.decode()
    assert 'class="life-action"' not in page
    assert audit_balances() == []


def test_hangzhou_receipt_has_no_illustrative_notice(logged_in, make_account):
    """Hangzhou's figures are official: its receipt carries no 示例参数 notice."""
    account = make_account(opened=OPENED)
    data = {"on": "2025-01-05", "amount": "800.00", "other_place": "苏州"}
    done = confirm(logged_in, account, "transfer_in", data, preview(logged_in, account, "transfer_in", data))
    text = receipt_of(logged_in, done)
    assert "第二十六条第(二)项" in text
    assert "示例参数" not in text
