"""PostgreSQL: two relatives drawing on one holder at once (杭州 art. 26(6)) never take the holder below zero."""

import datetime as dt
from decimal import Decimal

import pytest

from accounts.models import Account, LedgerEntry
from accounts.services import grant_mutual_aid
from claims.models import Settlement
from tests.conftest import record_relation

from .conftest import inpatient
from .test_concurrency import http_factory, run_threads  # noqa: F401 (fixture)

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _no_statements(monkeypatch):
    monkeypatch.setattr("claims.services.outbox.queue_render", lambda settlement_id: None)


def test_two_children_at_once_share_the_parents_5000_art26_6(http_factory, person_factory):  # noqa: F811
    """Each child's bill has a 7,060 personal share (see test_mutual_aid_settlement); the parent holds 5,000.

    Whichever bill takes the parent's row first gets all 5,000 (cash 2,060); the other waits for
    the lock, finds 0 and pays 7,060 in cash. Together: 5,000 from the parent, 9,120 in cash, the
    parent's balance 0 and its ledger −5,000 in one entry.
    """
    parent = person_factory(historical=Decimal("5000.00"))
    children = [person_factory(category="child", birth=dt.date(2015 + i, 6, 1)) for i in range(2)]
    for child in children:
        record_relation(parent, child, "child")
        grant_mutual_aid(holder=parent, relative=child, relation="child", on=dt.date(2024, 1, 10))
    bodies = [
        inpatient(child, f"ZY{i}", eligible="20000.00", out_of_scope="300.00", self_pay_first="200.00")
        for i, child in enumerate(children)
    ]
    results = run_threads(http_factory, bodies)
    assert [status for status, _body in results] == [201, 201], results
    settlements = list(Settlement.objects.filter(person__in=children))
    assert sorted(s.mutual_aid_paid for s in settlements) == [Decimal("0.00"), Decimal("5000.00")]
    assert sorted(s.cash_paid for s in settlements) == [Decimal("2060.00"), Decimal("7060.00")]
    account = Account.objects.get(person=parent)
    assert account.historical == Decimal("0.00")
    entries = LedgerEntry.objects.filter(account=account, kind=LedgerEntry.Kind.MUTUAL_AID)
    assert [e.amount for e in entries] == [Decimal("-5000.00")]


def test_ten_bills_of_two_children_never_overdraw_the_parent_art26_6(http_factory, person_factory):  # noqa: F811
    """Ten bills at once (five per child) on a parent holding 3,500.

    Each bill: eligible 1,800 at level 3, so the first admission's personal share is 800
    deductible + 1,000 × 30% = 1,100, and the later ones' no less than 300: together well over
    3,500. Whatever order the row lock lets them in, mutual aid pays exactly 3,500 in all,
    the ledger shows −3,500, the account ends at 0 and no bill is out of balance.
    """
    parent = person_factory(historical=Decimal("3500.00"))
    children = [person_factory(category="child", birth=dt.date(2015 + i, 6, 1)) for i in range(2)]
    for child in children:
        record_relation(parent, child, "child")
        grant_mutual_aid(holder=parent, relative=child, relation="child", on=dt.date(2024, 1, 10))
    bodies = [
        inpatient(
            children[i % 2],
            f"ZY{i:02d}",
            eligible="1800.00",
            admission=f"2024-0{1 + i // 2}-01",
            discharge=f"2024-0{1 + i // 2}-0{2 + i % 2}",
        )
        for i in range(10)
    ]
    results = run_threads(http_factory, bodies)
    assert all(status == 201 for status, _body in results), results
    settlements = list(Settlement.objects.filter(person__in=children))
    assert len(settlements) == 10
    paid = sum(s.mutual_aid_paid for s in settlements)
    account = Account.objects.get(person=parent)
    assert account.historical == Decimal("0.00")
    assert paid == Decimal("3500.00")
    ledger = sum(
        e.amount for e in LedgerEntry.objects.filter(account=account, kind=LedgerEntry.Kind.MUTUAL_AID)
    )
    assert ledger == Decimal("-3500.00")
    for s in settlements:
        assert s.total == s.basic_fund_paid + s.mutual_aid_paid + s.cash_paid


def test_spouses_granting_each_other_settle_at_once_art26_6(
    http_factory,  # noqa: F811
    person_factory,
    monkeypatch,
    caplog,
):
    """Two spouses who granted each other mutual aid settle a bill each at the same moment.

    Each bill (art. 28's first admission) leaves a personal share of 9,056; each spouse holds 1,000
    of historical funds. Each settlement locks its own account and then the other's: PostgreSQL may
    refuse one of them (a deadlock), which is settled again. Whatever the order, both bills are
    settled, both accounts end at 0 and the 2,000 between them is paid once: own historical
    funds plus mutual aid over the two bills come to 2,000 exactly.
    """
    husband = person_factory(historical=Decimal("1000.00"))
    wife = person_factory(historical=Decimal("1000.00"))
    record_relation(husband, wife, "spouse")
    grant_mutual_aid(holder=husband, relative=wife, relation="spouse", on=dt.date(2024, 1, 2))
    grant_mutual_aid(holder=wife, relative=husband, relation="spouse", on=dt.date(2024, 1, 2))
    # make the deadlock certain: both settlements hold their own account before either reaches for the other's
    import importlib
    import threading

    settle_module = importlib.import_module(
        "claims.services.settle"
    )  # the module (the package exports the function)

    meet, reached, draw = threading.Barrier(2, timeout=20), [], settle_module.draw_for_relative

    def meeting(**kwargs):
        if len(reached) < 2:
            reached.append(True)
            meet.wait()
        return draw(**kwargs)

    monkeypatch.setattr(settle_module, "draw_for_relative", meeting)
    with caplog.at_level("WARNING", logger="claims.services.settle"):
        results = run_threads(http_factory, [inpatient(husband, "ZY-H"), inpatient(wife, "ZY-W")])
    assert any("deadlock" in record.getMessage() for record in caplog.records)
    assert [status for status, _body in results] == [201, 201], results
    settlements = list(Settlement.objects.filter(person__in=(husband, wife)))
    assert sum(s.historical_funds_paid + s.mutual_aid_paid for s in settlements) == Decimal("2000.00")
    assert all(
        s.total == s.basic_fund_paid + s.historical_funds_paid + s.mutual_aid_paid + s.cash_paid
        for s in settlements
    )
    assert [a.historical for a in Account.objects.filter(person__in=(husband, wife))] == [Decimal("0.00")] * 2
