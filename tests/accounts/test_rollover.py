"""Year-end rollover (杭州 art. 22, 23, 41; 规程 §9), figures worked by hand."""

import datetime as dt
from decimal import Decimal

import pytest

from accounts import services
from accounts.batch import rollover
from accounts.models import Account, BatchJob, LedgerEntry
from accounts.selectors import audit_balances
from tests.accounts.conftest import record_paid

D = Decimal


def credit_year(account, year, months=range(1, 13)):
    """Pay the months at the account's profile, then credit them (credits follow contributions, reading 11)."""
    account.refresh_from_db()
    for month in months:
        if account.category in ("active", "flexible"):
            record_paid(
                account.person, dt.date(year, month, 1), category=account.category, base=account.credit_base
            )
        services.credit_month(account=account, year=year, month=month)


def amounts(account, kind, bucket=None):
    qs = LedgerEntry.objects.filter(account=account, kind=kind)
    if bucket:
        qs = qs.filter(bucket=bucket)
    return sorted(e.amount for e in qs)


def snapshot():
    accounts = list(
        Account.objects.order_by("id").values_list("id", "current", "historical", "preset_amount")
    )
    ledger = list(
        LedgerEntry.objects.order_by(
            "account_id", "kind", "bucket", "amount", "year", "entry_date"
        ).values_list("account_id", "kind", "bucket", "amount", "entry_date", "year")
    )
    return accounts, ledger


@pytest.mark.django_db
def test_active_employee_full_year_art22_23_41(make_account, make_person):
    """Active, aged 33–34 in 2024, base 10,000: monthly 200 (2%) + 50 (0.5%) = 250; preset 3,000.

    The opening year's premium 48 is taken at opening (art. 41; reading 14): current 2,952.
    Paid 1,000.40 from current funds, 5,000 transferred in. At year end:
    interest (1,951.60 + 5,000.00) × 0.35% = 24.3306 → 24.33 (art. 22(1));
    carry-over 1,951.60 (art. 22(4)); credits 3,000 = preset, no difference (art. 22(5));
    2025 preset 12 × 250 = 3,000 (art. 22(2)); premium 48 (art. 41) → current 2,952.00;
    historical 5,000 + 24.33 + 1,951.60 = 6,975.93.
    """
    account = make_account(birth_date=dt.date(1990, 6, 15))
    assert account.current == D("2952.00")
    services.transfer_in(
        person=account.person, amount=D("5000.00"), on=dt.date(2024, 3, 1), other_place="上海"
    )
    services.pay_for_settlement(
        person=account.person,
        on=dt.date(2024, 5, 6),
        current_funds=D("1000.40"),
        historical_funds=D("0"),
        source_type="settlement",
        source_id="S1",
        text="门诊",
        article="杭州 第二十四条",
    )
    credit_year(account, 2024)
    job = rollover.run_rollover(2024)
    assert job.status == BatchJob.Status.DONE and job.done == 1 and job.total == 1
    account.refresh_from_db()
    assert amounts(account, "interest") == [D("24.33")]
    assert amounts(account, "carry_over") == [D("1951.60")]  # one row: current → historical
    assert amounts(account, "reconciliation") == []
    assert amounts(account, "preset") == [D("3000.00"), D("3000.00")]
    assert amounts(account, "catastrophic_premium") == [D("-48.00"), D("-48.00")]
    assert account.historical == D("6975.93")
    assert account.current == D("2952.00")
    assert account.rolled_over_year == 2024 and account.preset_year == 2025
    assert audit_balances() == []


@pytest.mark.django_db
def test_reconciliation_shortfall_art22_5(make_account):
    """Preset 3,000 (12 × 250), but only 9 months credited (750 short, e.g. arrears, art. 27(1)).

    Current 3,000 − 48 (opening premium) = 2,952: interest 2,952 × 0.35% = 10.332 → 10.33;
    carry 2,952 → historical 2,962.33. Shortfall 2,250 − 3,000 = −750 off 2025's current funds:
    3,000 − 750 − 48 = 2,202.00 (enough: no offset from historical funds, reading 15).
    """
    account = make_account(birth_date=dt.date(1990, 6, 15))
    credit_year(account, 2024, months=range(1, 10))
    rollover.run_rollover(2024)
    account.refresh_from_db()
    assert amounts(account, "reconciliation", "current") == [D("-750.00")]
    assert account.historical == D("2962.33")
    assert account.current == D("2202.00")
    assert audit_balances() == []


@pytest.mark.django_db
def test_reconciliation_surplus_after_base_rise_art22_5(make_account):
    """Preset at base 10,000 (3,000); from July the base is 12,000: July–Dec credits 240 + 60 = 300.

    Actual 6 × 250 + 6 × 300 = 3,300: surplus 300 into historical funds.
    Historical 2,952 + interest 10.33 + surplus 300 = 3,262.33; 2025 preset at 12,000: 12 × 300 = 3,600;
    current 3,600 − 48 = 3,552.00.
    """
    account = make_account(birth_date=dt.date(1990, 6, 15))
    credit_year(account, 2024, months=range(1, 7))
    services.set_profile(account=account, base=D("12000.00"))
    credit_year(account, 2024, months=range(7, 13))
    rollover.run_rollover(2024)
    account.refresh_from_db()
    assert amounts(account, "reconciliation", "historical") == [D("300.00")]
    assert account.historical == D("3262.33")
    assert account.current == D("3552.00")


@pytest.mark.django_db
def test_crossing_45_mid_year_art23_1(make_account):
    """Born 1979-07-10: reaches 45 in July 2024, 46 in July 2025 (the birthday month counts at the new age).

    2024 all months ≤ 45: 12 × (200 + 50) = 3,000 preset and credited.
    2025 preset: Jan–Jun at 45 → 250; Jul–Dec at 46 → 200 + 80 = 280: 6 × 250 + 6 × 280 = 3,180.
    """
    account = make_account(birth_date=dt.date(1979, 7, 10))
    assert account.current == D("3000.00") - D("48.00")  # the opening year's premium (art. 41)
    credit_year(account, 2024)
    rollover.run_rollover(2024)
    account.refresh_from_db()
    assert account.preset_amount == D("3180.00")
    assert account.current == D("3180.00") - D("48.00")
    credit_year(account, 2025, months=(6, 7))
    assert amounts(account, "credit") == sorted([D("250.00")] * 13 + [D("280.00")])


@pytest.mark.django_db
def test_retiree_pension_below_average_crossing_70_art23_4(make_account, provincial_average):
    """Retiree, pension 5,000 < 省平工资 8,000 → basis 8,000. Born 1955-04-02: 70 in April 2025, 71 in April 2026.

    2025 preset (opened 2025-01-01): all months ≤ 70 → 12 × 8,000 × 5.8% = 12 × 464 = 5,568.
    2026 preset: Jan–Mar at 70 → 464; Apr–Dec at 71 → 8,000 × 6.8% = 544: 3 × 464 + 9 × 544 = 6,288.
    """
    account = make_account(
        category="retired",
        base=D("0"),
        pension=D("5000.00"),
        opened=dt.date(2025, 1, 1),
        birth_date=dt.date(1955, 4, 2),
    )
    assert account.current == D("5568.00") - D("48.00")  # the opening year's premium (art. 41)
    credit_year(account, 2025)
    rollover.run_rollover(2025)
    account.refresh_from_db()
    assert account.preset_amount == D("6288.00")
    # interest 5,520 × 0.35% = 19.32
    assert account.historical == D("5520.00") + D("19.32")


@pytest.mark.django_db
def test_retiree_pension_above_average_art23_4(make_account, provincial_average):
    """Pension 10,000.50 > 8,000 → basis is the pension: 10,000.50 × 5.8% = 580.029 → 580.03 a month."""
    account = make_account(
        category="retired",
        base=D("0"),
        pension=D("10000.50"),
        opened=dt.date(2025, 1, 1),
        birth_date=dt.date(1960, 1, 1),
    )
    assert account.current == D("580.03") * 12 - D("48.00")
    rollover.run_rollover(2025)
    account.refresh_from_db()
    assert account.preset_amount == D("580.03") * 12


@pytest.mark.django_db
def test_flexible_worker_only_pooled_part_art23_2(make_account):
    """Flexible worker, base 4,800 (60% of 8,000), age 50: 4,800 × 0.8% = 38.40 a month, no 2% part."""
    account = make_account(category="flexible", base=D("4800.00"), birth_date=dt.date(1974, 1, 1))
    assert account.current == D("460.80") - D("48.00")


@pytest.mark.django_db
def test_opened_mid_year_presets_remaining_months_art22_3(make_account):
    """Opened 2024-10-01: preset for October–December only, 3 × 250 = 750, less the year's premium 48."""
    account = make_account(opened=dt.date(2024, 10, 1))
    assert account.current == D("702.00")
    assert account.preset_amount == D("750.00")


@pytest.mark.django_db
def test_interest_rounds_half_up_to_the_fen_art22_1(make_account):
    """Balances whose interest falls on half a fen: 10.00 → 0.035 → 0.04; 30.00 → 0.105 → 0.11; 50.00 → 0.175 → 0.18.

    Stopped accounts (no preset, no premium) holding only the transferred-in amount.
    """
    expected = {}
    for balance, interest in (
        (D("10.00"), D("0.04")),
        (D("30.00"), D("0.11")),
        (D("50.00"), D("0.18")),
        (D("1.00"), D("0.00")),
        (D("142.86"), D("0.50")),
    ):
        account = make_account(category="none", base=D("0"))
        services.transfer_in(
            person=account.person, amount=balance, on=dt.date(2024, 2, 1), other_place="宁波"
        )
        expected[account.pk] = balance + interest
    rollover.run_rollover(2024)
    for pk, total in expected.items():
        account = Account.objects.get(pk=pk)
        assert (account.historical, account.current) == (total, D("0.00"))


@pytest.mark.django_db
def test_sql_round_is_half_away_from_zero():
    """Both databases' ROUND round a positive half up (规程 §1); the rollover's fen arithmetic does too."""
    from django.db import connection

    with connection.cursor() as cursor:
        for text, expected in (("2.675", "2.68"), ("1.005", "1.01"), ("0.125", "0.13"), ("0.105", "0.11")):
            cast = "CAST(%s AS NUMERIC)" if connection.vendor == "postgresql" else "%s"
            cursor.execute(f"SELECT ROUND({cast}, 2)", [text])
            assert D(str(cursor.fetchone()[0])).quantize(D("0.01")) == D(expected)
        fraction = rollover.Fraction.of(D("0.0035"))
        for fen, expected in ((1000, 4), (3000, 11), (5000, 18), (100, 0), (14286, 50)):
            cursor.execute(f"SELECT {fraction.times(str(fen))}")
            assert int(cursor.fetchone()[0]) == expected


@pytest.mark.django_db
def test_rollover_twice_changes_nothing(make_account):
    """A second run for the same year writes no entry and moves no money (规程 §9)."""
    for birth in (dt.date(1970, 1, 1), dt.date(1990, 5, 5)):
        account = make_account(birth_date=birth)
        credit_year(account, 2024, months=range(1, 8))
    rollover.run_rollover(2024)
    before = snapshot()
    job = rollover.run_rollover(2024)
    assert snapshot() == before
    assert job.status == BatchJob.Status.DONE


@pytest.mark.django_db
def test_stopped_account_gets_no_preset_and_no_premium_art27(make_account):
    """Credits stopped (pension stopped, art. 27(2)): no 2025 preset, no premium from current funds."""
    account = make_account(birth_date=dt.date(1990, 6, 15))
    services.set_profile(
        account=account, credits_stopped=True, stop_reason="停发基本养老金", stopped_from=dt.date(2024, 1, 1)
    )
    assert services.credit_month(account=account, year=2024, month=1) is None
    rollover.run_rollover(2024)
    account.refresh_from_db()
    # current 3,000 − 48 = 2,952: interest 10.33; carry 2,952 → historical 2,962.33; shortfall −3,000
    # (nothing credited), no 2025 preset: historical funds cover 2,962.33 of it (reading 15), −37.67 stays.
    assert account.historical == D("0.00")
    assert account.current == D("-37.67")
    assert amounts(account, "preset") == [D("3000.00")]
    assert amounts(account, "catastrophic_premium") == [D("-48.00")]  # 2024's, at opening; none for 2025


def _population(make_account, count=7):
    made = []
    for index in range(count):
        account = make_account(
            birth_date=dt.date(1960 + index * 5, index + 1, 10), base=D("5000.00") + index * 1111
        )
        credit_year(account, 2024, months=range(1, 6 + index))
        if index % 2:
            services.transfer_in(
                person=account.person, amount=D("123.45") * index, on=dt.date(2024, 3, 3), other_place="温州"
            )
        made.append(account)
    return made


@pytest.mark.django_db
def test_resumes_after_crash_with_the_clean_result(make_account, monkeypatch):
    """A crash after chunk 2 (of 4), then a restart: balances and ledger equal a clean run's."""
    accounts = _population(make_account)
    ids = [a.pk for a in accounts]

    # Clean run inside a savepoint we roll back, to get the expected result.
    from django.db import transaction

    class Rollback(Exception):
        pass

    try:
        with transaction.atomic():
            rollover.run_rollover(2024, chunk_size=2)
            expected = snapshot()
            raise Rollback
    except Rollback:
        pass
    assert Account.objects.filter(rolled_over_year=2024).count() == 0

    chunks = []

    def crash(job, hi):
        chunks.append(hi)
        if len(chunks) == 2:
            raise RuntimeError("worker killed")

    monkeypatch.setattr(rollover, "after_chunk", crash)
    with pytest.raises(RuntimeError):
        rollover.run_rollover(2024, chunk_size=2)
    job = BatchJob.objects.get(kind="year_end_rollover", period="2024")
    assert job.status == BatchJob.Status.FAILED
    assert 0 < Account.objects.filter(rolled_over_year=2024).count() < len(ids)
    monkeypatch.setattr(rollover, "after_chunk", lambda job, hi: None)
    job = rollover.run_rollover(2024, chunk_size=2)
    assert job.status == BatchJob.Status.DONE and job.done == job.total == len(ids)
    assert snapshot() == expected
    assert audit_balances() == []


@pytest.mark.django_db
def test_sql_preset_equals_policy_annual_preset(make_account, provincial_average):
    """The rollover's SQL preset equals policy.accounts.annual_preset for assorted profiles (to the fen)."""
    from policy import accounts as rules
    from policy.parameters import parameters_for

    profiles = [
        ("active", D("3333.33"), D("0"), dt.date(1979, 12, 31)),
        ("active", D("12345.67"), D("0"), dt.date(1980, 1, 1)),
        ("active", D("4999.00"), D("0"), dt.date(1979, 2, 28)),
        ("flexible", D("4801.99"), D("0"), dt.date(1980, 8, 1)),
        ("retired", D("0"), D("7999.99"), dt.date(1955, 12, 1)),
        ("retired", D("0"), D("9876.54"), dt.date(1954, 2, 1)),
        ("retired", D("0"), D("12000.01"), dt.date(1956, 6, 30)),
    ]
    made = []
    for category, base, pension, birth in profiles:
        made.append(make_account(category=category, base=base, pension=pension, birth_date=birth))
    rollover.run_rollover(2024)
    params = parameters_for("hangzhou", dt.date(2025, 1, 1))
    for account, (category, base, pension, birth) in zip(made, profiles, strict=True):
        account.refresh_from_db()
        expected = rules.annual_preset(
            params=params, category=category, birth_date=birth, year=2025, base=base, pension=pension
        )
        assert account.preset_amount == expected.amount, (category, base, pension, birth)


@pytest.mark.django_db
def test_missing_provincial_average_fails_the_job_naming_the_parameter(make_account, provincial_average):
    """A retiree's preset needs 省平工资; without it the job fails naming the parameter, and nothing moves."""
    from policy.parameters import set_override_provider

    account = make_account(category="retired", base=D("0"), pension=D("5000.00"))
    set_override_provider(None)
    job = rollover.run_rollover(2024)
    assert job.status == BatchJob.Status.FAILED
    assert "provincial_average_monthly_wage" in job.errors
    account.refresh_from_db()
    assert account.rolled_over_year is None and account.current == D("5520.00")


@pytest.fixture
def zhoushan_illustrative():
    from policy.parameters import set_illustrative_default

    set_illustrative_default(True)
    yield
    set_illustrative_default(False)


@pytest.mark.django_db
def test_zhoushan_account_with_illustrative_figures_art17_18(make_person, zhoushan_illustrative):
    """舟山 (illustrative 2% of base): base 5,000 → 100 a month, preset 1,200 (art. 17(1), 18(2)).

    Year end: interest 1,200 × 0.35% = 4.20 (art. 18(1)); carry 1,200; 2025 preset 1,200;
    no premium deducted from the account (art. 36 sets none): current 1,200.00, historical 1,204.20.
    """
    person = make_person(region="zhoushan")
    account = services.open_account(
        person=person, on=dt.date(2024, 1, 1), category="active", base=D("5000.00")
    )
    assert account.current == D("1200.00")
    credit_year(account, 2024)
    rollover.run_rollover(2024)
    account.refresh_from_db()
    assert (account.current, account.historical) == (D("1200.00"), D("1204.20"))
    assert amounts(account, "catastrophic_premium") == []
    assert LedgerEntry.objects.get(account=account, kind="interest").article.startswith("舟山")


@pytest.mark.django_db
def test_zhoushan_rollover_refused_without_official_rate(make_person, zhoushan_illustrative):
    """Without the illustrative set, Zhoushan's deposit rate has no value: the job fails naming it (nothing guessed)."""
    from policy.parameters import set_illustrative_default

    person = make_person(region="zhoushan")
    services.open_account(person=person, on=dt.date(2024, 1, 1), category="active", base=D("5000.00"))
    set_illustrative_default(False)
    job = rollover.run_rollover(2024)
    assert job.status == BatchJob.Status.FAILED and "demand_deposit_rate" in job.errors
