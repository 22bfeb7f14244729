"""Parity: the set-based monthly credit batch writes what the per-account code writes (readings 11, 12, 16).

A seeded random population (杭州 art. 23, 27; coverage-rules readings 11–16): active, flexible,
unemployed and retired persons with random bases (to the fen, so the half-up rounding of each
part is exercised), own contributions (some zero: reading 12), birth dates on both sides of the
age bands (45, 70, birthdays inside the year), months paid or not, paid before the account was
opened or after the batch month, art. 27 stops (some lifted), months already credited, accounts
whose year was already rolled over (a month of an earlier year goes to historical funds) or not
yet (refused, reading 16), retirees whose pension is above or below 省平工资 and some of whom
also pay, and a back payment (which the batch hands to the per-account code).

The same population is credited twice from the same state: once account by account through
`services.credit_due` (rolled back), once by `batch.credits.run_credit_month`. Balances,
credited totals, ledger rows (kind, bucket, amount, date, year, period, text, article) and the
refusals must be equal.
"""

import datetime as dt
import random
from decimal import Decimal

import pytest
from django.db import transaction

from accounts import services
from accounts.batch import credits
from accounts.models import Account, BatchChunk, CreditStop, LedgerEntry
from accounts.selectors import audit_balances
from tests.accounts.conftest import record_paid

D = Decimal
FIELDS = ("account_id", "kind", "bucket", "amount", "entry_date", "year", "period", "text", "article")


class Rollback(Exception):
    pass


def state(ids):
    balances = {
        a.pk: (a.current, a.historical, a.credited_total)
        for a in Account.objects.filter(pk__in=ids).order_by("pk")
    }
    rows = sorted(LedgerEntry.objects.filter(account_id__in=ids).values_list(*FIELDS))
    return balances, rows


def population(make_account, seed: int, size: int):
    rng = random.Random(seed)
    made = []
    for index in range(size):
        category = rng.choice(["active", "active", "flexible", "unemployed", "retired"])
        birth = dt.date(rng.randint(1945, 1995), rng.randint(1, 12), rng.randint(1, 28))
        if index % 7 == 0:  # a birthday inside the batch year at an age threshold (45, 70)
            birth = dt.date(rng.choice([1979, 1954]), rng.randint(1, 12), 15)
        opened = dt.date(2024, rng.randint(1, 4), 1)
        base = D(rng.randint(300_000, 3_500_000)) / 100
        pension = D(rng.randint(500_000, 1_100_000)) / 100 if category == "retired" else D("0")
        account = make_account(
            category="flexible" if category == "unemployed" else category,
            base=base,
            pension=pension,
            opened=opened,
            birth_date=birth,
        )
        paid_category = "active" if category == "retired" else category
        for month in range(1, 11):
            # retirees mostly pay nothing; some months are paid by a retiree too (the paid month wins)
            if rng.random() < (0.15 if category == "retired" else 0.75):
                personal = None
                if paid_category == "active" and rng.random() < 0.2:
                    personal = D("0.00") if rng.random() < 0.5 else D(rng.randint(0, 90_000)) / 100
                record_paid(
                    account.person,
                    dt.date(2024, month, 1),
                    category=paid_category,
                    base=D(rng.randint(300_000, 3_500_000)) / 100,
                    personal=personal,
                )
        if rng.random() < 0.15:  # an art. 27 stop, sometimes lifted
            services.set_profile(
                account=account,
                credits_stopped=True,
                stop_reason="停止",
                stopped_from=dt.date(2024, rng.randint(2, 6), 1),
            )
            if rng.random() < 0.5:
                services.set_profile(account=account, credits_stopped=False, stopped_from=dt.date(2024, 8, 1))
        if rng.random() < 0.2:  # some months already credited by a single credit
            services.credit_due(account=account, year=2024, month=rng.randint(1, 4))
        made.append(account.pk)
    ids = made
    # a year already rolled over (2023 months go to historical funds) / not yet run (2024 refused)
    late = rng.sample(ids, 3)
    early = rng.sample([pk for pk in ids if pk not in late], 3)
    for pk in late:
        account = Account.objects.get(pk=pk)
        record_paid(account.person, dt.date(2023, 12, 1), base=D("7777.77"))
        Account.objects.filter(pk=pk).update(opened_on=dt.date(2023, 11, 1))
    Account.objects.filter(pk__in=early).update(credited_year=2023)
    # a back payment: the batch hands the account to the per-account code (art. 17(5))
    back = Account.objects.get(pk=ids[1])
    record = record_paid(back.person, dt.date(2023, 12, 1), base=D("6000.00"), paid_on=dt.date(2024, 5, 3))
    type(record).objects.filter(pk=record.pk).update(is_back_payment=True)
    return ids


def per_account(ids, year, month):
    refusals = {}
    for pk in ids:
        account = Account.objects.get(pk=pk)
        try:
            services.credit_due(account=account, year=year, month=month)
        except services.AccountError as error:
            refusals[pk] = "；".join(str(m) for m in error.messages)
    return refusals


@pytest.mark.django_db(transaction=False)
@pytest.mark.parametrize("seed", [11, 12, 13])
def test_set_based_credit_batch_equals_the_per_account_code_art23_27_readings_11_16(
    make_account, provincial_average, seed
):
    ids = population(make_account, seed, 30)
    before = state(ids)
    try:
        with transaction.atomic():
            refused_one_by_one = per_account(ids, 2024, 9)
            expected = state(ids)
            raise Rollback
    except Rollback:
        pass
    assert state(ids) == before
    assert expected != before  # the population has something to credit
    job = credits.run_credit_month(2024, 9, chunk_size=7, refresh=False)
    got = state(ids)
    assert got[0] == expected[0]
    assert got[1] == expected[1]
    # the same refusals (a year not rolled over yet), one line per account
    refused_batch = {
        int(line.split("：", 1)[0].removeprefix("账户 ")): line.split("：", 1)[1]
        for line in job.errors.splitlines()
        if line
    }
    assert refused_batch == refused_one_by_one
    assert job.done == len(ids) and BatchChunk.objects.filter(job=job).exists()
    # idempotent: a rerun writes nothing more
    again = credits.run_credit_month(2024, 9, chunk_size=7, refresh=False)
    assert state(ids) == got and again.status == "done"
    assert audit_balances() == []


def batch_equals_per_account(ids, year, month):
    """Credit (year, month) account by account (rolled back), then by the batch: the same state and
    refusals. Returns the batch's job."""
    try:
        with transaction.atomic():
            refused_one_by_one = per_account(ids, year, month)
            expected = state(ids)
            raise Rollback
    except Rollback:
        pass
    job = credits.run_credit_month(year, month, chunk_size=7, refresh=False)
    got = state(ids)
    assert got[0] == expected[0]
    assert got[1] == expected[1]
    refused_batch = {
        int(line.split("：", 1)[0].removeprefix("账户 ")): line.split("：", 1)[1]
        for line in job.errors.splitlines()
        if line
    }
    assert refused_batch == refused_one_by_one
    return job


def unpaid_month(account, last: int) -> dt.date | None:
    """A month of 2024 up to `last`, after the opening, not paid for and not stopped."""
    from contributions.models import ContributionRecord

    paid = set(ContributionRecord.objects.filter(person_id=account.person_id).values_list("month", flat=True))
    stops = list(CreditStop.objects.filter(account=account))
    for month in range(account.opened_on.month, last + 1):
        first = dt.date(2024, month, 1)
        if first not in paid and not any(
            s.first_month <= first and (s.last_month is None or first <= s.last_month) for s in stops
        ):
            return first
    return None


@pytest.mark.django_db(transaction=False)
@pytest.mark.parametrize("seed", [21, 22])
def test_a_run_after_a_finished_one_reads_what_changed_and_still_equals_the_per_account_code(
    make_account, make_person, provincial_average, monkeypatch, seed
):
    """After a finished run, the next reads only the months after its watermark, plus accounts whose
    facts changed (`credits.Basis`); it must still credit what the per-account code credits.

    September: the whole population (no basis). October: the year end of the accounts still on 2023
    has run (their 2024 months, refused in September, are credited now: reading 16). November,
    after facts that make months up to October due without a new month being paid: a late record
    for an old month (reading 11), a back payment (art. 17(5)), a stop lifted back to March and one
    deleted (art. 27), a retired enrolment reaching back to March (art. 23(4)), an account opened
    with an earlier opening date, a new account opened back-dated with months paid."""
    from enrollment.models import Enrolment

    monkeypatch.setattr(credits, "MARGIN", dt.timedelta(0))  # the test's facts are seconds apart
    rng = random.Random(seed)
    ids = population(make_account, seed, 30)
    batch_equals_per_account(ids, 2024, 9)
    # the year end of the accounts refused in September (a raw update, as the rollover writes it)
    Account.objects.filter(pk__in=ids, credited_year=2023).update(credited_year=2024)
    for pk in rng.sample(ids, 20):
        account = Account.objects.get(pk=pk)
        if not type(account.person).objects.filter(pk=account.person_id).exists():
            continue
        from contributions.models import ContributionRecord

        if not ContributionRecord.objects.filter(
            person_id=account.person_id, month=dt.date(2024, 10, 1)
        ).exists():
            record_paid(account.person, dt.date(2024, 10, 1), base=D(rng.randint(300_000, 900_000)) / 100)
    october = batch_equals_per_account(ids, 2024, 10)
    assert october.result["basis"] is not None  # September's watermark
    assert october.result["basis"]["months"] == {"hangzhou": "2023-12-01"}  # some accounts were on 2023

    # facts that make months up to October due, written after October's run
    changed = set()
    open_accounts = [Account.objects.get(pk=pk) for pk in ids]
    candidates = [
        a
        for a in open_accounts
        if a.category != "retired" and not CreditStop.objects.filter(account=a).exists()
    ]
    late = next(a for a in candidates if unpaid_month(a, 10) is not None)
    record_paid(late.person, unpaid_month(late, 10), base=D("5432.10"))  # a late ordinary record
    changed.add(late.pk)
    back = next(a for a in candidates if a.pk != late.pk and unpaid_month(a, 10) is not None)
    record = record_paid(back.person, unpaid_month(back, 10), base=D("6100.00"), paid_on=dt.date(2024, 11, 5))
    type(record).objects.filter(pk=record.pk).update(is_back_payment=True)  # a back payment (art. 17(5))
    changed.add(back.pk)
    stopped = [
        a for a in open_accounts if CreditStop.objects.filter(account=a, last_month__isnull=True).exists()
    ]
    for account in stopped[:2]:  # lifted back to March: an update of the stop, and a deletion
        first = CreditStop.objects.get(account=account, last_month__isnull=True).first_month
        services.set_profile(
            account=account, credits_stopped=False, stopped_from=max(first, dt.date(2024, 3, 1))
        )
        changed.add(account.pk)
    plain = [a for a in candidates if a.pk not in changed]
    retiree = plain[0]  # a retired enrolment reaching back to March (art. 23(4))
    Enrolment.objects.create(
        person=retiree.person,
        scheme="employee",
        category="retired",
        district="上城区",
        start_date=dt.date(2024, 3, 1),
        first_paid_on=dt.date(2024, 3, 1),
    )
    Account.objects.filter(pk=retiree.pk).update(pension=D("9100.00"))
    reopened = next(a for a in plain[1:] if a.opened_on > dt.date(2024, 1, 1))  # opening date moved earlier
    from contributions.models import ContributionRecord

    if not ContributionRecord.objects.filter(
        person_id=reopened.person_id, month=dt.date(2024, 1, 1)
    ).exists():
        record_paid(reopened.person, dt.date(2024, 1, 1), base=D("4800.00"))  # paid before the opening
    reopened.opened_on = dt.date(2024, 1, 1)
    reopened.save()
    person = make_person(birth_date=dt.date(1980, 2, 2))  # a new account, opened back-dated
    new = services.open_account(person=person, on=dt.date(2024, 5, 1), category="active", base=D("7000.00"))
    for month in (5, 6, 7, 11):
        record_paid(person, dt.date(2024, month, 1), base=D("7000.00"))
    ids = [*ids, new.pk]
    for pk in ids:  # November paid by some
        account = Account.objects.get(pk=pk)
        if account.category != "retired" and rng.random() < 0.7:
            from contributions.models import ContributionRecord

            if not ContributionRecord.objects.filter(
                person_id=account.person_id, month=dt.date(2024, 11, 1)
            ).exists():
                record_paid(account.person, dt.date(2024, 11, 1), base=D(rng.randint(300_000, 900_000)) / 100)

    basis = credits.load_basis(credits._basis())
    assert basis is not None and basis.months == {"hangzhou": dt.date(2024, 10, 1)}
    assert len(basis.whole & set(ids)) < len(ids) // 2  # the others are read from November only
    november = batch_equals_per_account(ids, 2024, 11)
    for pk in (late.pk, retiree.pk, reopened.pk, new.pk, *[a.pk for a in stopped[:2]]):
        assert LedgerEntry.objects.filter(account_id=pk, kind="credit").exists(), pk
    # idempotent: a rerun writes nothing more, and the ledger matches the balances
    before = state(ids)
    credits.run_credit_month(2024, 11, chunk_size=7, refresh=False)
    assert state(ids) == before
    assert november.status == "done" and audit_balances() == []
