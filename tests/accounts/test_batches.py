"""Monthly credits in bulk, agreement payers, the retirement-year deductible, deceased holders at year end,
and the rollover's chunks (per-chunk records, a chunk run twice, two workers killed and restarted).

Figures worked by hand from 杭州 art. 22, 23, 26, 27, 29.
"""

import datetime as dt
import threading
from decimal import ROUND_HALF_UP, Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts import services
from accounts.batch import credits, rollover
from accounts.models import Account, BatchChunk, BatchJob, LedgerEntry
from accounts.selectors import audit_balances
from tests.accounts.conftest import record_paid

D = Decimal


def paid_credit(account, year, month):
    """Pay the month at the account's profile and credit it (credits follow contributions, reading 11)."""
    record_paid(account.person, dt.date(year, month, 1), category=account.category, base=account.credit_base)
    return services.credit_month(account=account, year=year, month=month)


def credit(account, period):
    return LedgerEntry.objects.filter(account=account, kind="credit", period=period).values_list(
        "amount", "bucket"
    )


# --- Monthly credits in bulk (杭州 art. 23, 27) -----------------------------------------------


@pytest.mark.django_db
def test_bulk_credit_month_age_in_the_month_and_art27_stop(make_account, provincial_average):
    """July 2024, July paid (no refresh). Age is the age reached in July (birthday month counts):

    active base 10,000 born 1979-07-10 → 45 in July: 200 (2%) + 50 (0.5%) = 250.00;
    active base 10,000 born 1978-07-10 → 46: 200 + 80 (0.8%) = 280.00;
    active base 10,000 born 1978-08-10 → still 45 in July: 250.00;
    retiree pension 5,000 < 省平 8,000, born 1954-07-02 → 70: 8,000 × 5.8% = 464.00;
    retiree born 1953-07-02 → 71: 8,000 × 6.8% = 544.00;
    flexible base 4,800 born 1974-01-01 → 50: 4,800 × 0.8% = 38.40 (no 2% part);
    credits stopped from July (art. 27(2)) and July unpaid (art. 27(1)): nothing.
    Each credited account's credited_total moves by its credit; balances do not (the money is preset).
    """
    made = {
        "45": make_account(birth_date=dt.date(1979, 7, 10)),
        "46": make_account(birth_date=dt.date(1978, 7, 10)),
        "45b": make_account(birth_date=dt.date(1978, 8, 10)),
        "r70": make_account(
            category="retired",
            base=D("0"),
            pension=D("5000.00"),
            birth_date=dt.date(1954, 7, 2),
            opened=dt.date(2024, 7, 1),
        ),
        "r71": make_account(
            category="retired",
            base=D("0"),
            pension=D("5000.00"),
            birth_date=dt.date(1953, 7, 2),
            opened=dt.date(2024, 7, 1),
        ),
        "flex": make_account(category="flexible", base=D("4800.00"), birth_date=dt.date(1974, 1, 1)),
        "stopped": make_account(),
        "suspended": make_account(),
    }
    services.set_profile(
        account=made["stopped"], credits_stopped=True, stop_reason="判刑", stopped_from=dt.date(2024, 7, 1)
    )
    for key in ("45", "46", "45b", "flex", "stopped"):
        made[key].refresh_from_db()
        record_paid(
            made[key].person, dt.date(2024, 7, 1), category=made[key].category, base=made[key].credit_base
        )
    before = {key: (a.current, a.historical) for key, a in made.items()}
    for account in made.values():
        account.refresh_from_db()
    job = credits.run_credit_month(2024, 7, chunk_size=3, refresh=False)
    assert job.status == BatchJob.Status.DONE and job.done == 8 and job.errors == ""
    expected = {
        "45": "250.00",
        "46": "280.00",
        "45b": "250.00",
        "r70": "464.00",
        "r71": "544.00",
        "flex": "38.40",
    }
    for key, amount in expected.items():
        assert list(credit(made[key], "2024-07")) == [(D(amount), "credited")], key
        account = Account.objects.get(pk=made[key].pk)
        assert account.credited_total == D(amount) and account.credited_year == 2024
        assert (account.current, account.historical) == before[key]
    assert not credit(made["stopped"], "2024-07") and not credit(made["suspended"], "2024-07")
    # the bulk entry carries the same explanation as a single credit
    entry = LedgerEntry.objects.get(account=made["46"], kind="credit")
    assert "46 周岁" in entry.text and entry.article.startswith("杭州 第二十三条")
    # a second run, and a single credit for the same month, write nothing (once per month)
    credits.run_credit_month(2024, 7, refresh=False)
    assert services.credit_month(account=made["45"], year=2024, month=7) is None
    assert LedgerEntry.objects.filter(kind="credit", period="2024-07").count() == 6
    assert audit_balances() == []


@pytest.mark.django_db
def test_bulk_credit_queries_do_not_grow_with_the_chunk(make_account, enrol_paid_employee):
    """Set-based per chunk: crediting 12 accounts (refreshed from enrolments) takes as many queries as 3."""

    def population(count, month):
        made = []
        for _ in range(count):
            account = make_account(opened=dt.date(2024, month, 1))
            enrol_paid_employee(account.person)
            record_paid(account.person, dt.date(2024, month, 1))
            made.append(account.pk)
        return made

    small = population(3, 5)
    with CaptureQueriesContext(connection) as few:
        errors = credits.credit_chunk(small, 2024, 5)
    large = population(12, 6)
    with CaptureQueriesContext(connection) as many:
        errors += credits.credit_chunk(large, 2024, 6)
    assert errors == []
    assert LedgerEntry.objects.filter(kind="credit", period="2024-05").count() == 3
    assert LedgerEntry.objects.filter(kind="credit", period="2024-06").count() == 12
    assert len(many.captured_queries) == len(few.captured_queries), [
        q["sql"][:90] for q in many.captured_queries
    ]


# --- Agreement payers (杭州 art. 23(3)) ----------------------------------------------------


def _agreement_payer(make_account, *, end_date):
    from contributions.services import record_agreement_payment
    from enrollment.services import enrol

    account = make_account(category="none", base=D("0"))
    enrolment = enrol(
        person=account.person,
        category="agreement",
        district="上城区",
        start_date=dt.date(2024, 1, 1),
        end_date=end_date,
    )
    record_agreement_payment(
        enrolment=enrolment, amount=D("10000.01"), paid_on=dt.date(2023, 12, 20), standard="市政府协缴文件"
    )
    return account


@pytest.mark.django_db
def test_agreement_payer_credited_monthly_into_historical_funds_art23_3(make_account):
    """Lump sum 10,000.01 for the agreement period 2024-01 … 2025-12 (24 months).

    Share 10,000.01 × 50% = 5,000.005 → 5,000.01; each month 5,000.01 / 24 = 208.33375 → 208.33;
    the last month takes the rest: 5,000.01 − 23 × 208.33 = 5,000.01 − 4,791.59 = 208.42.
    Into historical funds (not current funds, no preset, no credited_total); none after the period.
    The March batch credits every month of the period up to March (reading 13): 3 × 208.33 = 624.99.
    """
    account = _agreement_payer(make_account, end_date=dt.date(2025, 12, 31))
    job = credits.run_credit_month(2024, 3)
    assert job.errors == ""
    account.refresh_from_db()
    assert account.category == "agreement"
    assert list(credit(account, "2024-03")) == [(D("208.33"), "historical")]
    assert (account.historical, account.current, account.credited_total) == (D("624.99"), D("0"), D("0"))
    entry = LedgerEntry.objects.get(account=account, kind="credit", period="2024-03")
    assert entry.article == "杭州 第二十三条第(三)项" and "第 3 个月" in entry.text
    # the year-end rollover neither presets nor reconciles an agreement payer (art. 22(2), 23(3))
    rollover.run_rollover(2024)
    account.refresh_from_db()
    assert account.preset_amount == 0 and account.last_reconciliation == 0 and account.last_premium == 0
    assert services.credit_month(account=account, year=2025, month=12).amount == D("208.42")
    assert services.credit_month(account=account, year=2026, month=1) is None
    assert audit_balances() == []


@pytest.mark.django_db
def test_agreement_payer_without_an_agreement_end_is_reported_not_guessed_art23_3(make_account):
    """No end date: the months to spread over are unknown, so the batch reports the account and credits nothing."""
    account = _agreement_payer(make_account, end_date=None)
    job = credits.run_credit_month(2024, 3)
    assert job.status == BatchJob.Status.DONE
    assert f"账户 {account.pk}" in job.errors and "第二十三条第(三)项" in job.errors
    assert not credit(account, "2024-03")


# --- The retirement year's outpatient deductible (杭州 art. 29(2)) ----------------------------


def _retire(person, on, *, paid):
    from claims.models import Accumulator
    from contributions.models import RetirementConfirmation

    RetirementConfirmation.objects.create(
        person=person,
        retirement_date=on,
        confirmed_on=on,
        local_actual_months=180,
        total_months=300,
        method="qualified",
    )
    Accumulator.objects.create(
        person=person,
        region="hangzhou",
        year_key=f"{on.year}",
        year_start=dt.date(on.year, 1, 1),
        year_end=dt.date(on.year, 12, 31),
        state={"outpatient_deductible_paid": paid},
    )


@pytest.mark.django_db
def test_retirement_year_deductible_refund_into_historical_funds_art29_2(make_account):
    """Retired 2024-07-15: January–June active (6 months), July–December retired (6 months).

    Deductible due 1,000 × 6/12 + 300 × 6/12 = 650.00; the person paid 1,000.00 as an active employee;
    (1,000.00 − 650.00) × 80% = 280.00 into historical funds, once.
    """
    account = make_account(birth_date=dt.date(1964, 7, 15))
    _retire(account.person, dt.date(2024, 7, 15), paid="1000.00")
    entry = services.refund_retirement_year_deductible(person=account.person, year=2024)
    assert (entry.kind, entry.bucket, entry.amount) == ("retirement_refund", "historical", D("280.00"))
    assert entry.article == "杭州 第二十九条第(二)项" and "650.00" in entry.text
    account.refresh_from_db()
    assert account.historical == D("280.00")
    assert services.refund_retirement_year_deductible(person=account.person, year=2024) is None
    assert services.run_retirement_year_refunds(2024) == {"refunds": 0, "errors": []}
    assert audit_balances() == []


@pytest.mark.django_db
def test_retirement_year_refund_follows_later_changes_never_below_zero_art29_2(make_account):
    """Retired 2024-07-15 (due 650.00), paid 1,000.00: 280.00 refunded. A later reversal leaves 700.00 paid:
    (700 − 650) × 80% = 40.00 due, so 240.00 should go back; the person has spent all but 100.00 of the
    historical funds, so 100.00 is taken back and the balance stays at zero."""
    from claims.models import Accumulator

    account = make_account(birth_date=dt.date(1964, 7, 15))
    _retire(account.person, dt.date(2024, 7, 15), paid="1000.00")
    assert services.refund_retirement_year_deductible(person=account.person, year=2024).amount == D("280.00")
    services.pay_for_settlement(
        person=account.person,
        on=dt.date(2025, 2, 1),
        current_funds=D("0.00"),
        historical_funds=D("180.00"),
        source_type="test",
        source_id="spent",
        text="支出",
        article="杭州 第二十五条",
    )
    Accumulator.objects.filter(person=account.person).update(state={"outpatient_deductible_paid": "700.00"})
    back = services.refund_retirement_year_deductible(
        person=account.person, year=2024, on=dt.date(2025, 3, 1)
    )
    assert (back.amount, back.year, back.entry_date) == (D("-100.00"), 2024, dt.date(2025, 3, 1))
    assert "冲回 100.00" in back.text
    account.refresh_from_db()
    assert account.historical == D("0.00")
    assert audit_balances() == []


@pytest.mark.django_db
def test_retirement_year_refund_nothing_when_paid_no_more_than_due_art29_2(make_account):
    """Retired 2024-03-01: due 1,000 × 2/12 + 300 × 10/12 = 166.666… + 250 = 416.67; paid 400.00 → no refund."""
    account = make_account(birth_date=dt.date(1964, 3, 1))
    _retire(account.person, dt.date(2024, 3, 1), paid="400.00")
    assert services.refund_retirement_year_deductible(person=account.person, year=2024) is None
    # the year-end task runs it for everybody retiring that year
    other = make_account(birth_date=dt.date(1964, 10, 1))
    _retire(other.person, dt.date(2024, 10, 1), paid="1000.00")  # due 1,000 × 9/12 + 300 × 3/12 = 825
    assert services.run_retirement_year_refunds(2024) == {"refunds": 1, "errors": []}
    assert LedgerEntry.objects.get(account=other, kind="retirement_refund").amount == D("140.00")  # 175 × 80%


# --- Deceased holders at year end (杭州 art. 22(1)(4), 26) -----------------------------------------


@pytest.mark.django_db
def test_deceased_balance_earns_interest_until_the_heir_takes_it_art22_1_art26(make_account):
    """Active, preset 3,000 (12 × 250), January–May credited, 5,000 transferred in; dies 2024-06-10.

    The opening year's premium 48 was taken at opening (art. 41): current 2,952.
    On closing, the actual balance (art. 26(3)(5), 22(2)): credited 5 × 250 = 1,250 against the
    preset 3,000, so 1,750 of preset is taken back: current 1,202.
    Year end 2024, balance waiting for the heir (art. 26(5): principal and interest are the person's):
    interest (1,202 + 5,000) × 0.35% = 21.707 → 21.71 into historical; current 1,202 → historical;
    no year-end reconciliation, no 2025 preset and no premium (art. 27(3): credits end at death).
    Historical 5,000 + 21.71 + 1,202 = 6,223.71, current 0. The heir takes 6,223.71 on 2025-03-01;
    the 2025 year end finds nothing left to pay interest on.
    """
    account = make_account(birth_date=dt.date(1990, 6, 15))
    services.transfer_in(
        person=account.person, amount=D("5000.00"), on=dt.date(2024, 2, 1), other_place="上海"
    )
    for month in range(1, 6):
        paid_credit(account, 2024, month)
    services.close_account(person=account.person, reason="death", on=dt.date(2024, 6, 10))
    job = rollover.run_rollover(2024)
    assert job.status == BatchJob.Status.DONE and job.done == 1
    account.refresh_from_db()
    assert LedgerEntry.objects.get(account=account, kind="interest").amount == D("21.71")
    assert LedgerEntry.objects.get(account=account, kind="carry_over").amount == D("1202.00")
    (closing,) = LedgerEntry.objects.filter(account=account, kind="reconciliation")
    assert (closing.amount, closing.entry_date) == (D("-1750.00"), dt.date(2024, 6, 10))
    assert not LedgerEntry.objects.filter(account=account, kind="catastrophic_premium", year=2025).exists()
    assert not LedgerEntry.objects.filter(account=account, kind="preset", year=2025).exists()
    assert (account.historical, account.current, account.status) == (D("6223.71"), D("0.00"), "deceased")
    inheritance = services.settle_inheritance(
        account=account, heir_name="李四", heir_id_number="TEST-HEIR", on=dt.date(2025, 3, 1)
    )
    assert inheritance.amount == D("6223.71")
    rollover.run_rollover(2025)
    assert not LedgerEntry.objects.filter(account=account, kind="interest", year=2025).exists()
    assert audit_balances() == []


# --- The rollover's chunks ------------------------------------------------------------------


def _population(make_account, count):
    made = []
    for index in range(count):
        account = make_account(
            birth_date=dt.date(1955 + index % 40, 1 + index % 12, 10), base=D("4000") + index * 37
        )
        for month in range(1, 1 + (index % 12) + 1):
            paid_credit(account, 2024, month)
        if index % 3 == 0:
            services.transfer_in(
                person=account.person,
                amount=D("99.99") * (index + 1),
                on=dt.date(2024, 3, 3),
                other_place="温州",
            )
        made.append(account)
    return made


def _expected_after_rollover(accounts):
    """Each account's balances after the 2024 rollover, from its balances before (art. 22(1)–(5), 41)."""
    from policy import accounts as rules
    from policy.parameters import parameters_for

    params = parameters_for("hangzhou", dt.date(2025, 1, 1))
    expected = {}
    for account in Account.objects.filter(pk__in=[a.pk for a in accounts]):
        balance = account.current + account.historical
        interest = (balance * D("0.0035")).quantize(D("0.01"), ROUND_HALF_UP) if balance > 0 else D("0")
        carry = max(account.current, D("0"))
        difference = account.credited_total - account.preset_amount
        preset = rules.annual_preset(
            params=params,
            category="active",
            birth_date=account.birth_date,
            year=2025,
            base=account.credit_base,
        ).amount
        current = account.current - carry + min(difference, D("0")) + preset - D("48.00")
        historical = account.historical + interest + carry + max(difference, D("0"))
        # reading 15: historical funds cover what next year's current funds cannot
        offset = min(-current, historical) if current < 0 < historical else D("0")
        expected[account.pk] = (current + offset, historical - offset)
    return expected


@pytest.mark.django_db
def test_chunk_run_twice_writes_nothing_twice_and_is_recorded(make_account):
    """Each chunk commits with its BatchChunk record; running a done chunk again changes nothing."""
    made = _population(make_account, 7)
    expected = _expected_after_rollover(made)
    job = rollover.run_rollover(2024, chunk_size=3)
    assert job.status == BatchJob.Status.DONE and job.done == job.total == 7
    chunks = list(BatchChunk.objects.filter(job=job))
    assert sum(c.accounts for c in chunks) == 7
    written = LedgerEntry.objects.filter(
        kind__in=["interest", "carry_over", "reconciliation", "overdraft_offset"]
    ).count()
    written += LedgerEntry.objects.filter(kind__in=["preset", "catastrophic_premium"], year=2025).count()
    assert sum(c.entries for c in chunks) == written
    count = LedgerEntry.objects.count()
    rollover._run_chunk(job, [rollover.plan_for("hangzhou", 2024)], chunks[0].lo, chunks[0].hi)
    assert LedgerEntry.objects.count() == count
    for account in Account.objects.all():
        assert (account.current, account.historical) == expected[account.pk]
    assert audit_balances() == []


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_workers_killed_midway_and_restarted_finish_exactly_right_postgres(make_account, monkeypatch):
    """Two connections take chunks of 4; one is killed after the third committed chunk; a restart with two
    workers finishes: every account rolled over once, balances as worked from art. 22, ledger == balances."""
    made = _population(make_account, 30)
    expected = _expected_after_rollover(made)
    committed = []
    lock = threading.Lock()
    workers_seen = set()

    def crash(job, hi):
        with lock:
            committed.append(hi)
            workers_seen.add(threading.current_thread().name)
            if len(committed) == 3:
                raise RuntimeError("worker killed")

    monkeypatch.setattr(rollover, "after_chunk", crash)
    with pytest.raises(RuntimeError):
        rollover.run_rollover(2024, chunk_size=4, workers=2)
    job = BatchJob.objects.get(kind="year_end_rollover", period="2024")
    assert job.status == BatchJob.Status.FAILED
    done_before = BatchChunk.objects.filter(job=job).count()
    assert 3 <= done_before < 8
    assert 0 < Account.objects.filter(rolled_over_year=2024).count() < 30
    monkeypatch.setattr(rollover, "after_chunk", lambda job, hi: None)
    job = rollover.run_rollover(2024, chunk_size=4, workers=2)
    assert job.status == BatchJob.Status.DONE and job.done == job.total == 30
    assert (
        BatchChunk.objects.filter(job=job).values("lo", "hi").distinct().count()
        == BatchChunk.objects.filter(job=job).count()
    )
    assert {c.worker for c in BatchChunk.objects.filter(job=job)} == {1, 2}
    for account in Account.objects.all():
        assert (account.current, account.historical) == expected[account.pk], account.pk
        assert LedgerEntry.objects.filter(account=account, kind="interest").count() <= 1
        assert LedgerEntry.objects.filter(account=account, kind="preset", year=2025).count() == 1
    assert audit_balances() == []
    assert job.finished_at <= timezone.now()


@pytest.mark.django_db
def test_account_added_after_a_done_rollover_is_rolled_over_on_the_next_run(make_account):
    """A done job whose chunk is recorded still rolls over an account opened (back-dated) into that chunk later."""
    first = make_account()
    rollover.run_rollover(2024, chunk_size=1000)
    late = make_account(opened=dt.date(2024, 11, 1))  # preset November–December: 2 × 250 = 500, premium 48
    job = rollover.run_rollover(2024, chunk_size=1000)
    assert job.status == BatchJob.Status.DONE and job.done == 2
    late.refresh_from_db()
    # interest 452 × 0.35% = 1.582 → 1.58; carry 452; nothing credited: shortfall −500 off 2025;
    # 2025 preset 3,000 − 500 − 48
    assert (late.historical, late.current) == (D("453.58"), D("2452.00"))
    assert LedgerEntry.objects.filter(account=first, kind="interest").count() == 1
    assert audit_balances() == []
