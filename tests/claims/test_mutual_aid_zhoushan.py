"""Family mutual aid at settlement for a Zhoushan holder (舟山 art. 21), on the illustrative set.

The child is the holder's adult son, himself an active employee with 1,000 of historical funds
(舟山 art. 21: his own account pays first). His inpatient bill at a level-3 hospital
(ILLUSTRATIVE values, zhoushan-illustrative.yaml, art. 24): eligible 20,000 + 自理 200 + 自费 300
= 20,500; deductible 800, 83 %: the fund pays (20,000 − 800) × 83 % = 15,936.00; the personal
share is 20,500 − 15,936 = 4,564.00. His own historical funds pay 1,000.00, his father's
historical funds (5,000.00) pay the remaining 3,564.00 (舟山 art. 21), cash 0.00; the father keeps
1,436.00. The reversal gives the 3,564.00 back to the father.
"""

import datetime as dt
from decimal import Decimal

import pytest

from accounts.models import Account, LedgerEntry
from accounts.services import grant_mutual_aid, transfer_in
from claims.models import Settlement
from claims.services import reverse
from claims.statements import statement_context
from tests.conftest import record_relation

from .conftest import inpatient
from .test_zhoushan_paths import zhoushan_person

URL = "/api/v1/settlements/"

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _illustrative_no_statements(monkeypatch):
    from policy.parameters import set_illustrative_default

    set_illustrative_default(True)
    monkeypatch.setattr("claims.services.outbox.queue_render", lambda settlement_id: None)


def zhoushan_family():
    father = zhoushan_person("active")
    son = zhoushan_person("active", birth=dt.date(1998, 5, 1))
    transfer_in(person=father, amount=Decimal("5000.00"), on=dt.date(2023, 1, 1), other_place="测试地")
    transfer_in(person=son, amount=Decimal("1000.00"), on=dt.date(2023, 1, 1), other_place="测试地")
    record_relation(father, son, "child")
    grant_mutual_aid(holder=father, relative=son, relation="child", on=dt.date(2024, 1, 10))
    return father, son


def test_zhoushan_parent_pays_childs_share_after_childs_own_account_and_reversal_returns_it_art21(hospital):
    """舟山 art. 21: own historical 1,000.00 first, then the father's 3,564.00, cash 0.00; reversal returns 3,564.00."""
    father, son = zhoushan_family()
    body = hospital.post(
        URL,
        inpatient(son, "ZY0001", eligible="20000.00", out_of_scope="300.00", self_pay_first="200.00"),
        format="json",
    )
    assert body.status_code == 201, body.content.decode()
    body = body.json()
    assert body["basic_fund_paid"] == "15936.00"
    assert body["historical_funds_paid"] == "1000.00"
    assert body["mutual_aid_paid"] == "3564.00"
    assert body["cash_paid"] == "0.00"
    aid = [line for line in body["lines"] if line["text"].startswith("家庭共济")]
    assert aid == [
        {
            "article": "舟山 第二十一条",
            "text": "家庭共济：父母个人账户历年资金支付个人负担部分（自费、自理、自付）",
            "amount": "3564.00",
        }
    ]
    assert not any(line["article"].startswith("杭州") for line in body["lines"]), body["lines"]
    assert Account.objects.get(person=son).historical == Decimal("0.00")
    father_account = Account.objects.get(person=father)
    assert father_account.historical == Decimal("1436.00")
    entry = LedgerEntry.objects.get(account=father_account, kind=LedgerEntry.Kind.MUTUAL_AID)
    assert entry.amount == Decimal("-3564.00")
    assert entry.article == "舟山 第二十一条"
    settlement = Settlement.objects.get(pk=body["settlement_id"])
    components = {str(label): amount for label, amount in statement_context(settlement)["components"]}
    assert components["家庭共济支付"] == Decimal("3564.00")

    reversal = reverse(settlement=settlement, today=dt.date(2024, 3, 5))
    assert reversal.mutual_aid_paid == Decimal("-3564.00")
    assert Account.objects.get(person=father).historical == Decimal("5000.00")
    assert Account.objects.get(person=son).historical == Decimal("1000.00")
    back = LedgerEntry.objects.get(account=father_account, kind=LedgerEntry.Kind.REVERSAL)
    assert back.amount == Decimal("3564.00") and back.reverses_id == entry.pk
    assert back.article.startswith("舟山"), back.article
