"""The fund books (杭州 art. 95 last paragraph, 舟山 art. 75): posted from the records, equal to their sums."""

import datetime as dt
import random
from collections import defaultdict
from decimal import Decimal as D

import pytest
from django.db import IntegrityError, transaction

from funds import posting
from funds.models import ENTRY_FIELDS, FundMonth, JournalEntry, PostingMark
from funds.sources import all_sources

from .conftest import contribution, person, settlement

pytestmark = pytest.mark.django_db


def month_figures():
    return {
        (m.region, m.fund, m.district, m.year, m.month): (m.income, m.expenditure)
        for m in FundMonth.objects.all()
        if m.income or m.expenditure
    }


def test_a_settlement_and_its_reversal_post_out_and_back():
    """Basic fund 700, catastrophic 50, account 30 paid to the hospital; the reversal brings each back."""
    who = person(district="西湖区")
    first = settlement(
        who, on=dt.date(2024, 3, 5), basic=D("700.00"), catastrophic=D("50.00"), current=D("30.00")
    )
    posting.post_all()
    settlement(
        who,
        on=dt.date(2024, 3, 5),
        basic=D("700.00"),
        catastrophic=D("50.00"),
        current=D("30.00"),
        reverses=first,
    )
    posting.post_all()
    entries = {(e.source_id, e.component): e for e in JournalEntry.objects.filter(source_kind="settlement")}
    assert entries[(str(first.pk), "basic_fund")].from_book == "employee_pooled"
    assert entries[(str(first.pk), "basic_fund")].to_book == "institutions"
    reversal_basic = [e for (sid, c), e in entries.items() if sid != str(first.pk) and c == "basic_fund"][0]
    assert (reversal_basic.from_book, reversal_basic.to_book, reversal_basic.amount) == (
        "institutions",
        "employee_pooled",
        D("700.00"),
    )
    figures = month_figures()
    created = first.created.date()
    key = ("hangzhou", "employee_pooled", "西湖区", created.year, created.month)
    assert figures[key] == (D("700.00"), D("700.00"))
    assert posting.audit() == []


def test_contributions_split_maternity_and_account_credits_move_money_into_accounts():
    """杭州 art. 13(1): the employer's 990 of which maternity 40; the employee's 200 (art. 13(2))."""
    who = person(district="拱墅区")
    contribution(
        who,
        month=dt.date(2024, 1, 1),
        employer=D("990.00"),
        maternity=D("40.00"),
        personal=D("200.00"),
        paid_on=dt.date(2024, 1, 20),
    )
    posting.post_all()
    figures = month_figures()
    assert figures[("hangzhou", "employee_pooled", "拱墅区", 2024, 1)] == (D("1150.00"), D("0"))
    assert figures[("hangzhou", "maternity", "拱墅区", 2024, 1)] == (D("40.00"), D("0"))


def test_posting_twice_writes_nothing_more():
    who = person()
    settlement(who, on=dt.date(2024, 2, 1), basic=D("100.00"))
    first = posting.post_all()
    assert sum(first.values()) == 1
    assert sum(posting.post_all().values()) == 0
    assert JournalEntry.objects.count() == 1


def test_the_database_refuses_an_entry_that_would_not_balance():
    """Both sides of an entry are named and the amount is positive: CHECK constraints, not only Python."""
    base = dict(
        posted_on=dt.date(2024, 1, 1),
        year=2024,
        month=1,
        region="hangzhou",
        district="上城区",
        source_kind="test",
        component="x",
        article="杭州 第九十五条",
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        JournalEntry.objects.create(
            from_book="employee_pooled", to_book="employee_pooled", amount=D("1.00"), source_id="1", **base
        )
    with pytest.raises(IntegrityError), transaction.atomic():
        JournalEntry.objects.create(
            from_book="contributors", to_book="employee_pooled", amount=D("-1.00"), source_id="2", **base
        )
    with pytest.raises(IntegrityError), transaction.atomic():
        JournalEntry.objects.create(
            from_book="contributors", to_book="employee_pooled", amount=D("0.00"), source_id="3", **base
        )


def _random_history(rng: random.Random):
    districts = ["上城区", "西湖区", "萧山区"]
    people = [
        person(district=rng.choice(districts), category=rng.choice(["active", "retired"])) for _ in range(6)
    ]
    people.append(person(district="西湖区", scheme="resident", category="student"))
    people.append(person(district="萧山区", scheme="resident", category="adult_tier1"))
    months = [dt.date(2024, m, 1) for m in range(1, 13)]
    for who in people[:6]:
        for month in rng.sample(months, rng.randint(1, 6)):
            contribution(
                who,
                month=month,
                employer=D(rng.randint(0, 99999)) / 100,
                personal=D(rng.randint(0, 9999)) / 100,
                paid_on=month + dt.timedelta(days=rng.randint(0, 27)),
            )
    settled = []
    for _ in range(40):
        who = rng.choice(people)
        amounts = {
            k: D(rng.randint(0, 500000)) / 100 for k in ("basic", "catastrophic", "current", "historical")
        }
        settled.append(
            (
                who,
                settlement(
                    who,
                    on=rng.choice(months) + dt.timedelta(days=rng.randint(0, 27)),
                    source=rng.choice(["api", "counter"]),
                    **amounts,
                ),
                amounts,
            )
        )
        if rng.random() < 0.3:
            who, original, amounts = rng.choice(settled)
            if original.kind == "settlement" and not hasattr(original, "_reversed"):
                original._reversed = True
                settlement(who, on=original.bill_date, reverses=original, **amounts)
        if rng.random() < 0.2:
            posting.post_all(chunk=rng.randint(1, 7))  # posting runs at random moments, in random chunk sizes
    return people


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_books_equal_the_sums_of_their_sources_for_every_fund_district_and_month(seed):
    """A randomised mix of contributions, settlements and reversals, posted at random moments: each fund's
    monthly income and expenditure equal the sums of the records, worked out here independently."""
    from claims.models import Settlement
    from contributions.models import ContributionRecord

    _random_history(random.Random(seed))
    posting.post_all(chunk=3)
    expected = defaultdict(lambda: [D("0"), D("0")])
    for s in Settlement.objects.select_related("person"):
        enrolment = s.person.enrolments.get()
        pooled = {"employee": "employee_pooled"}.get(enrolment.scheme) or (
            "student" if enrolment.category == "student" else "resident"
        )
        on = s.created.date()
        for fund, amount in (
            (pooled, s.basic_fund_paid),
            ("catastrophic", s.catastrophic_paid),
            ("personal_accounts", s.current_funds_paid + s.historical_funds_paid),
        ):
            key = ("hangzhou", fund, enrolment.district, on.year, on.month)
            if amount > 0:
                expected[key][1] += amount
            elif amount < 0:
                expected[key][0] -= amount
    for c in ContributionRecord.objects.select_related("person"):
        district = c.person.enrolments.get().district
        key = ("hangzhou", "employee_pooled", district, c.paid_on.year, c.paid_on.month)
        expected[key][0] += c.employer_amount + c.personal_payable
    want = {k: tuple(v) for k, v in expected.items() if v != [D("0"), D("0")]}
    assert month_figures() == want
    assert posting.audit() == []


def test_a_run_stopped_midway_resumes_without_posting_anything_twice(monkeypatch):
    """Each chunk commits with its mark: a crash in the third chunk leaves two chunks posted; the rerun finishes."""
    who = person()
    made = [settlement(who, on=dt.date(2024, 5, day), basic=D("10.00")) for day in range(1, 11)]
    PostingMark.objects.create(source_kind="settlement", last_id=made[0].pk - 1)  # ids need not start at 1
    source = next(s for s in all_sources() if s.kind == "settlement")
    calls = {"n": 0}
    original = source.read

    def failing(lo, hi):
        calls["n"] += 1
        if calls["n"] == 3:
            raise RuntimeError("worker killed")
        return original(lo, hi)

    broken = type(source)(source.kind, source.model, failing)
    with pytest.raises(RuntimeError):
        posting.post_source(broken, chunk=2)
    assert JournalEntry.objects.count() == 4
    assert PostingMark.objects.get(source_kind="settlement").last_id == source.max_id() - 6
    posting.post_source(source, chunk=2)
    assert JournalEntry.objects.count() == 10
    assert posting.audit() == []


def _journal():
    return sorted(JournalEntry.objects.values_list(*ENTRY_FIELDS))


def test_the_set_based_posting_writes_the_same_rows_as_the_python_one():
    """PostgreSQL posts settlements with one INSERT … SELECT per chunk: the same journal rows and monthly sums
    as the movements made in Python (employee, resident, student funds; institutions and persons; a reversal)."""
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("the set-based statement is PostgreSQL's")
    employee = person(district="西湖区")
    student = person(district="上城区", scheme="resident", category="student")
    resident = person(district="萧山区", scheme="resident", category="adult_tier1")
    first = settlement(
        employee, on=dt.date(2024, 3, 5), basic=D("700.00"), catastrophic=D("50.00"), current=D("30.00")
    )
    settlement(
        employee,
        on=dt.date(2024, 3, 5),
        reverses=first,
        basic=D("700.00"),
        catastrophic=D("50.00"),
        current=D("30.00"),
    )
    settlement(student, on=dt.date(2024, 4, 1), basic=D("120.00"), source="counter")
    settlement(resident, on=dt.date(2024, 5, 9), basic=D("88.80"), historical=D("11.20"))
    source = next(s for s in all_sources() if s.kind == "settlement")
    python_only = type(source)(source.kind, source.model, source.read)
    posting.post_source(python_only, chunk=2)
    by_python, months_by_python = _journal(), month_figures()
    JournalEntry.objects.all().delete()
    FundMonth.objects.all().delete()
    PostingMark.objects.all().delete()
    assert posting.post_source(source) == len(by_python) == 9  # 3 + 3 back + 1 + 2
    assert _journal() == by_python
    assert month_figures() == months_by_python
    assert posting.audit() == []
