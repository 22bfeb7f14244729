"""Family mutual aid at settlement (杭州 art. 26(6)): a close relative's historical funds pay the personal share.

The child's bill used throughout (杭州 art. 39, resident child at a level-3 hospital): eligible
20,000 + 自理 200 + 自费 300 = 20,500; deductible 800; the fund pays (20,000 − 800) × 70% =
13,440; the personal share is 20,500 − 13,440 = 7,060 (自费, 自理 and 自付 alike, art. 25).
"""

import datetime as dt
from decimal import Decimal

import pytest

from accounts.models import Account, LedgerEntry
from accounts.services import grant_mutual_aid, revoke_mutual_aid
from claims.models import Settlement
from claims.services import reverse
from claims.statements import statement_context
from tests.conftest import record_relation

from .conftest import inpatient

URL = "/api/v1/settlements/"

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _no_statements(monkeypatch):
    """The PDF is not rendered here: `statement_context` is what it prints."""
    monkeypatch.setattr("claims.services.outbox.queue_render", lambda settlement_id: None)


def child_bill(child, number="ZY0001"):
    return inpatient(child, number, eligible="20000.00", out_of_scope="300.00", self_pay_first="200.00")


def family(person_factory, *, historical="5000.00"):
    parent = person_factory(historical=Decimal(historical))
    child = person_factory(category="child", birth=dt.date(2015, 6, 1))
    record_relation(parent, child, "child")
    grant_mutual_aid(holder=parent, relative=child, relation="child", on=dt.date(2024, 1, 10))
    return parent, child


def test_parent_historical_funds_pay_childs_share_and_reversal_returns_them_art26_6(hospital, person_factory):
    """杭州 art. 26(6): of the 7,060 personal share, the parent's 5,000 historical funds pay 5,000; cash 2,060.

    The parent's ledger shows −5,000 (家庭共济支付); the response, the statement and the lines
    show it; the reversal gives the 5,000 back to the parent and the cash back to the hospital's books.
    """
    parent, child = family(person_factory)
    response = hospital.post(URL, child_bill(child), format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["basic_fund_paid"] == "13440.00"
    assert body["mutual_aid_paid"] == "5000.00"
    assert body["cash_paid"] == "2060.00"
    assert body["lines"][-2] == {
        "article": "杭州 第二十六条第(六)项",
        "text": "家庭共济：父母个人账户历年资金支付个人负担部分（自费、自理、自付）",
        "amount": "5000.00",
    }
    assert body["lines"][-1]["amount"] == "2060.00"
    account = Account.objects.get(person=parent)
    assert account.historical == Decimal("0.00")
    entry = LedgerEntry.objects.get(account=account, kind=LedgerEntry.Kind.MUTUAL_AID)
    assert entry.amount == Decimal("-5000.00")
    assert entry.source_id == str(body["settlement_id"])
    assert child.name in entry.text and child.id_number not in entry.text  # masked
    settlement = Settlement.objects.get(pk=body["settlement_id"])
    assert settlement.mutual_aid_paid == Decimal("5000.00")
    components = dict((str(label), amount) for label, amount in statement_context(settlement)["components"])
    assert components["家庭共济支付"] == Decimal("5000.00")
    assert components["现金支付"] == Decimal("2060.00")

    reversal = reverse(settlement=settlement, today=dt.date(2024, 3, 5))
    assert reversal.mutual_aid_paid == Decimal("-5000.00")
    assert reversal.response["mutual_aid_paid"] == "-5000.00"
    assert Account.objects.get(person=parent).historical == Decimal("5000.00")
    back = LedgerEntry.objects.get(account=account, kind=LedgerEntry.Kind.REVERSAL)
    assert back.amount == Decimal("5000.00") and back.reverses_id == entry.pk


def test_own_historical_funds_pay_first_then_spouse_art26_6(hospital, person_factory):
    """杭州 art. 25, 26(6): the patient's own account first, then the spouse's historical funds, then cash.

    The employee's first admission (art. 28, level 3): eligible 50,000, fund 40,944, personal
    share 800 + 39,200 × 18% + 10,000 × 12% = 800 + 7,056 + 1,200 = 9,056; own historical
    funds 1,000, the spouse's 3,000, cash 5,056.
    """
    spouse = person_factory(historical=Decimal("3000.00"))
    patient = person_factory(historical=Decimal("1000.00"))
    record_relation(spouse, patient, "spouse")
    grant_mutual_aid(holder=spouse, relative=patient, relation="spouse", on=dt.date(2024, 1, 2))
    response = hospital.post(URL, inpatient(patient), format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["basic_fund_paid"] == "40944.00"
    assert body["historical_funds_paid"] == "1000.00"
    assert body["mutual_aid_paid"] == "3000.00"
    assert body["cash_paid"] == "5056.00"
    assert Account.objects.get(person=patient).historical == Decimal("0.00")
    assert Account.objects.get(person=spouse).historical == Decimal("0.00")


def test_revoked_grant_pays_nothing_art26_6(hospital, person_factory):
    """A grant revoked before the bill is settled pays nothing: the 7,060 personal share is all cash."""
    parent, child = family(person_factory)
    grant = parent.mutual_aid_given.get()
    revoke_mutual_aid(grant=grant, on=dt.date(2024, 2, 1))
    response = hospital.post(URL, child_bill(child), format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["mutual_aid_paid"] == "0.00"
    assert body["cash_paid"] == "7060.00"
    assert Account.objects.get(person=parent).historical == Decimal("5000.00")
    assert not LedgerEntry.objects.filter(kind=LedgerEntry.Kind.MUTUAL_AID).exists()


def test_grant_made_after_the_bill_date_pays_nothing_art26_6(hospital, person_factory):
    """The grant covers bills from its date: a bill of 1 March under a grant of 2 March is paid in cash."""
    parent = person_factory(historical=Decimal("5000.00"))
    child = person_factory(category="child", birth=dt.date(2015, 6, 1))
    record_relation(parent, child, "child")
    grant_mutual_aid(holder=parent, relative=child, relation="child", on=dt.date(2024, 3, 2))
    body = hospital.post(URL, child_bill(child), format="json").json()
    assert body["mutual_aid_paid"] == "0.00" and body["cash_paid"] == "7060.00"


def test_trial_shows_mutual_aid_and_writes_nothing_art26_6(person_factory, institutions):
    """The institution's trial for an enrolled person (and the portal's estimate) show what the grant would pay."""
    from claims.services import BillInput, trial

    parent, child = family(person_factory)
    bill = BillInput(
        bill_number="T1",
        kind="inpatient",
        admission_date=dt.date(2024, 2, 20),
        discharge_date=dt.date(2024, 3, 1),
        out_of_scope=Decimal("300.00"),
        self_pay_first=Decimal("200.00"),
        eligible=Decimal("20000.00"),
    )
    body = trial(
        person=child, institution=next(iter(institutions.values())), bill=bill, today=dt.date(2024, 3, 2)
    )
    assert body["mutual_aid_paid"] == "5000.00"
    assert body["cash_paid"] == "2060.00"
    assert Account.objects.get(person=parent).historical == Decimal("5000.00")
