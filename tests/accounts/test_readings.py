"""Account credits and the year end as coverage-rules readings 11–16 say (issue 12, "Account credits and
the year end"). Figures worked by hand from 杭州 art. 17(5), 22, 23, 26(3), 27, 41.

Base 10,000 at age ≤ 45: 200.00 (2 %, the own part) + 50.00 (0.5 %) = 250.00 a month (art. 23(1)).
省平工资 8,000 (the agency's override in `provincial_average`). Interest 0.35 % (art. 22(1)).
"""

import datetime as dt
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from accounts import services
from accounts.batch import credits, rollover
from accounts.models import Account, BatchJob, LedgerEntry
from accounts.selectors import audit_balances
from tests.accounts.conftest import record_paid

D = Decimal


def periods(account, **filters):
    return list(
        LedgerEntry.objects.filter(account=account, kind="credit", **filters)
        .order_by("period")
        .values_list("period", flat=True)
    )


def enrol(person, category="active", start=dt.date(2024, 1, 1), end=None):
    from enrollment.models import Enrolment

    return Enrolment.objects.create(
        person=person,
        scheme="employee",
        category=category,
        district="上城区",
        start_date=start,
        end_date=end,
        first_paid_on=None,
    )


# --- Reading 11: credits follow contributions ---------------------------------------------------------


@pytest.mark.django_db
def test_new_enrollee_from_march_gets_the_march_credit_art22_3_art23_reading11(make_account):
    """Enrolled 2024-03-01, March paid on 03-10 (benefits wait for the month after, art. 15): the March
    credit is due all the same. Preset March–December 10 × 250 = 2,500, premium 48 → current 2,452.
    Monthly batches March–December credit 10 × 250 = 2,500 = the preset: no shortfall at year end.
    Year end: interest 2,452 × 0.35 % = 8.582 → 8.58; historical 2,460.58; 2025 preset 3,000 − 48."""
    account = make_account(opened=dt.date(2024, 3, 1))
    enrol(account.person, start=dt.date(2024, 3, 1))
    for month in range(3, 13):
        record_paid(account.person, dt.date(2024, month, 1))
        job = credits.run_credit_month(2024, month)  # refreshed from the enrolment: waiting or not
        assert job.errors == ""
    assert periods(account) == [f"2024-{m:02d}" for m in range(3, 13)]
    account.refresh_from_db()
    assert (account.preset_amount, account.credited_total, account.current) == (
        D("2500.00"),
        D("2500.00"),
        D("2452.00"),
    )
    rollover.run_rollover(2024)
    account.refresh_from_db()
    assert not LedgerEntry.objects.filter(account=account, kind="reconciliation").exists()
    assert (account.historical, account.current) == (D("2460.58"), D("2952.00"))
    assert audit_balances() == []


@pytest.mark.django_db
def test_agreement_payer_ends_at_6021_not_5519_25_art23_3_reading13(make_account):
    """12,000 paid for the agreement period 2024-01 … 2024-12: 50 % = 6,000, 500.00 a month into
    historical funds, every month of the period, January included (reading 13). Year end: interest
    6,000 × 0.35 % = 21.00 → historical 6,021.00 (not 5,519.25 with January lost)."""
    from contributions.services import record_agreement_payment
    from enrollment.services import enrol as enrol_service

    account = make_account(category="none", base=D("0"))
    enrolment = enrol_service(
        person=account.person,
        category="agreement",
        district="上城区",
        start_date=dt.date(2024, 1, 1),
        end_date=dt.date(2024, 12, 31),
    )
    record_agreement_payment(
        enrolment=enrolment, amount=D("12000.00"), paid_on=dt.date(2024, 1, 15), standard="市政府协缴文件"
    )
    for month in range(1, 13):
        assert credits.run_credit_month(2024, month).errors == ""
    assert len(periods(account, bucket="historical")) == 12
    rollover.run_rollover(2024)
    account.refresh_from_db()
    assert (account.historical, account.current) == (D("6021.00"), D("0.00"))
    assert audit_balances() == []


@pytest.mark.django_db
def test_reenrolment_after_a_five_month_gap_gets_ten_credits_and_its_preset_art22_3_art41_reading11_14(
    make_account,
):
    """Paid January–September 2024, then no scheme October 2024 – February 2025 (5 months); re-enrols
    2025-03-01 on the account that already exists (art. 26(4)) and pays March–December.

    2024 year end with the profile `none` (not enrolled): shortfall 9 × 250 − 3,000 = −750, no 2025
    preset: historical funds (2,952 + interest 10.33) cover it (reading 15) → current 0, historical 2,212.33.
    Re-enrolment: preset March–December 2,500 and the 2025 premium 48 (reading 14) → current 2,452,
    never −72. The ten paid months are credited although benefits wait six months (art. 16): 10 credits.
    """
    account = make_account()
    for month in range(1, 10):
        record_paid(account.person, dt.date(2024, month, 1))
    credits.run_credit_month(2024, 9, refresh=False)
    services.set_profile(account=account, category="none")
    rollover.run_rollover(2024)
    account.refresh_from_db()
    assert (account.current, account.historical) == (D("0.00"), D("2212.33"))
    services.open_account(
        person=account.person, on=dt.date(2025, 3, 1), category="active", base=D("10000.00")
    )
    account.refresh_from_db()
    assert account.current == D("2452.00")
    assert LedgerEntry.objects.get(account=account, kind="preset", year=2025).amount == D("2500.00")
    assert LedgerEntry.objects.get(account=account, kind="catastrophic_premium", year=2025).amount == D(
        "-48.00"
    )
    # a retry of the re-enrolment presets nothing twice
    services.open_account(
        person=account.person, on=dt.date(2025, 3, 1), category="active", base=D("10000.00")
    )
    for month in range(3, 13):
        record_paid(account.person, dt.date(2025, month, 1))
    credits.run_credit_month(2025, 12, refresh=False)
    assert periods(account, period__startswith="2025") == [f"2025-{m:02d}" for m in range(3, 13)]
    account.refresh_from_db()
    assert (account.current, account.credited_total, account.preset_amount) == (
        D("2452.00"),
        D("2500.00"),
        D("2500.00"),
    )
    assert audit_balances() == []


@pytest.mark.django_db
def test_opening_year_premium_is_taken_from_current_funds_art41_reading14(make_account):
    """The opening year's 48-yuan catastrophic premium is taken from that year's current funds."""
    account = make_account(opened=dt.date(2024, 5, 1))  # preset May–December 8 × 250 = 2,000
    premium = LedgerEntry.objects.get(account=account, kind="catastrophic_premium")
    assert (premium.amount, premium.year, premium.bucket) == (D("-48.00"), 2024, "current")
    assert premium.article == "杭州 第四十一条"
    assert account.current == D("1952.00")


@pytest.mark.django_db
def test_unpaid_month_gets_nothing_later_paid_months_are_credited_art27_1_reading11(make_account):
    """January–March paid, April unpaid, May–June paid: five credits, none for April; April back-paid
    on 2024-07-10 is credited by the next batch (art. 17(5))."""
    account = make_account()
    for month in (1, 2, 3, 5, 6):
        record_paid(account.person, dt.date(2024, month, 1))
    credits.run_credit_month(2024, 6, refresh=False)
    assert periods(account) == ["2024-01", "2024-02", "2024-03", "2024-05", "2024-06"]
    _back_payment(account.person, dt.date(2024, 4, 1), dt.date(2024, 4, 1), paid_on=dt.date(2024, 7, 10))
    credits.run_credit_month(2024, 7, refresh=False)
    assert "2024-04" in periods(account)
    entry = LedgerEntry.objects.get(account=account, kind="credit", period="2024-04")
    assert entry.amount == D("250.00") and entry.article.startswith("杭州 第十七条第(五)项")


def _back_payment(person, first, last, *, paid_on, base=None, months=None, earlier=0):
    from contributions.models import BackPayment

    base = D("10000.00") if base is None else base
    count = (last.year - first.year) * 12 + last.month - first.month + 1
    return BackPayment.objects.create(
        person=person,
        identity="employee",
        first_month=first,
        last_month=last,
        months=count - earlier if months is None else months,
        earlier_months=earlier,
        base=base,
        employer_amount=D("0"),
        personal=(base * D("0.02")).quantize(D("0.01")) * count,
        total=D("0"),
        paid_on=paid_on,
    )


@pytest.mark.django_db
def test_back_paid_earlier_year_credited_into_historical_with_its_premium_art17_5_reading11(
    make_account, provincial_average
):
    """Opened 2024-01-01; October–December 2023 back-paid on 2024-04-20 as an employee: earlier years at
    last year's 省平工资 8,000 (art. 17(1)), own part 8,000 × 2 % = 160.00 + 8,000 × 0.5 % = 40.00 = 200.00
    a month. 2023 is before the account's year: 3 × 200 = 600 into historical funds, less the 2023
    premium 48 the person owes (art. 17(5)): historical 552.00."""
    account = make_account()
    _back_payment(
        account.person,
        dt.date(2023, 10, 1),
        dt.date(2023, 12, 1),
        paid_on=dt.date(2024, 4, 20),
        base=D("8000.00"),
        months=0,
        earlier=3,
    )
    credits.run_credit_month(2024, 4, refresh=False)
    assert periods(account, bucket="historical") == ["2023-10", "2023-11", "2023-12"]
    premium = LedgerEntry.objects.get(account=account, kind="catastrophic_premium", year=2023)
    assert (premium.amount, premium.bucket) == (D("-48.00"), "historical")
    account.refresh_from_db()
    assert account.historical == D("552.00")
    # rerun: nothing twice
    credits.run_credit_month(2024, 4, refresh=False)
    account.refresh_from_db()
    assert account.historical == D("552.00")
    assert audit_balances() == []


# --- Reading 12: the own part is what was paid ---------------------------------------------------------


@pytest.mark.django_db
def test_disabled_veteran_gets_only_the_age_part_art13_3_art23_1_reading12(make_account):
    """A disabled veteran pays nothing (art. 13(3)): March credits only 10,000 × 0.5 % = 50.00."""
    account = make_account()
    record_paid(account.person, dt.date(2024, 3, 1), personal=D("0.00"))
    entry = services.credit_month(account=account, year=2024, month=3)
    assert entry.amount == D("50.00")
    assert "实际缴纳的职工医保费 0.00" in entry.text


# --- Reading 15: a shortfall next year's current funds cannot cover ------------------------------------


@pytest.mark.django_db
def test_retiree_whose_pension_stopped_in_july_ends_2024_at_current_zero_art22_5_art26_3_reading15(
    make_account, provincial_average
):
    """Retiree born 1950 (74: 6.8 %), pension 5,000 < 省平工资 8,000 → 8,000 × 6.8 % = 544.00 a month.

    Opened 2024-01-01: preset 12 × 544 = 6,528, premium 48 → current 6,480. Pension stopped from July
    (art. 27(2)): January–June credited, 6 × 544 = 3,264. Year end: interest 6,480 × 0.35 % = 22.68;
    carry 6,480; shortfall 3,264 − 6,528 = −3,264 and no 2025 preset or premium (stopped). Next year's
    current funds cannot cover it, so historical funds do (reading 15): current 0.00 (not −3,264.00),
    historical 22.68 + 6,480 − 3,264 = 3,238.68.

    The issue's 3,286.85 is this account without the opening year's premium (reading 14):
    6,528 + 22.85 − 3,264 = 3,286.85; the premium and its interest account for the 48.17 between them.
    """
    account = make_account(
        category="retired", base=D("0"), pension=D("5000.00"), birth_date=dt.date(1950, 1, 1)
    )
    assert account.current == D("6480.00")
    services.set_profile(
        account=account, credits_stopped=True, stop_reason="停发基本养老金", stopped_from=dt.date(2024, 7, 1)
    )
    for month in range(1, 13):
        credits.run_credit_month(2024, month, refresh=False)
    assert len(periods(account)) == 6
    rollover.run_rollover(2024)
    account.refresh_from_db()
    assert (account.current, account.historical) == (D("0.00"), D("3238.68"))
    assert D("3286.85") - account.historical == D("48.00") + D("0.17")
    offset = LedgerEntry.objects.get(account=account, kind="overdraft_offset")
    assert (offset.bucket, offset.amount, offset.year) == ("cur_to_hist", D("-3264.00"), 2025)
    assert "第二十六条第(三)项" in offset.article
    assert audit_balances() == []


# --- Reading 16: order-independent and rerunnable batches -----------------------------------------------


@pytest.mark.django_db
def test_rerun_credits_what_an_earlier_run_refused_reading16(make_account):
    """The January 2025 credit is refused while the 2024 year end has not run; the rerun after it credits
    January (the job no longer moves past the account)."""
    account = make_account()
    record_paid(account.person, dt.date(2025, 1, 1))
    job = credits.run_credit_month(2025, 1, refresh=False)
    assert f"账户 {account.pk}" in job.errors and "尚未结转" in job.errors
    assert periods(account) == []
    rollover.run_rollover(2024)
    job = credits.run_credit_month(2025, 1, refresh=False)
    assert job.status == BatchJob.Status.DONE and job.errors == ""
    assert periods(account) == ["2025-01"]


@pytest.mark.django_db
def test_credits_do_not_depend_on_the_order_of_the_batches_reading16(make_account):
    """April unpaid, May paid. One account is credited before the arrears check writes its suspension
    (benefits suspended from 05-01), the other after: both get January–March and May, never April."""
    from enrollment.models import Suspension

    before, after = make_account(name="先划账"), make_account(name="后核查")
    for account in (before, after):
        enrol(account.person)
        for month in (1, 2, 3, 5):
            record_paid(account.person, dt.date(2024, month, 1))
    credits.credit_chunk([before.pk], 2024, 5)
    for account in (before, after):
        Suspension.objects.create(
            enrolment=account.person.enrolments.get(),
            unpaid_month=dt.date(2024, 4, 1),
            suspended_from=dt.date(2024, 5, 1),
            article="杭州 第十五条第二款",
        )
    credits.credit_chunk([after.pk], 2024, 5)
    credits.credit_chunk([before.pk], 2024, 5)
    assert periods(before) == periods(after) == ["2024-01", "2024-02", "2024-03", "2024-05"]


# --- Reading 11/16 as a property -------------------------------------------------------------------------

batch_runs = st.lists(st.integers(1, 12), min_size=1, max_size=16)


@pytest.mark.django_db
@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    paid=st.sets(st.integers(1, 12)),
    back_paid=st.sets(st.integers(1, 12)),
    runs=batch_runs,
    opened=st.integers(1, 12),
    birth_year=st.integers(1960, 2000),
)
def test_credits_equal_reading_11_whatever_order_and_number_of_runs(
    make_account, paid, back_paid, runs, opened, birth_year
):
    """For a random payment history (months paid on time, others back-paid in December), whatever months
    the batch runs for, in whatever order and however often: after a run for December the credits are
    exactly the paid months from the opening month on and every back-paid month (reading 11), each once,
    at the rule's amount; and the ledger equals the balances."""
    from policy import accounts as rules
    from policy.parameters import parameters_for

    account = make_account(opened=dt.date(2024, opened, 1), birth_date=dt.date(birth_year, 7, 1))
    back_paid = back_paid - paid
    for month in paid:
        record_paid(account.person, dt.date(2024, month, 1))
    if back_paid:
        for month in sorted(back_paid):
            first = dt.date(2024, month, 1)
            _back_payment(account.person, first, first, paid_on=dt.date(2024, 12, 5))
    for month in [*runs, 12]:
        credits.run_credit_month(2024, month, refresh=False)
    expected = sorted({m for m in paid if m >= opened} | back_paid)
    assert periods(account) == [f"2024-{m:02d}" for m in expected]
    for entry in LedgerEntry.objects.filter(account=account, kind="credit"):
        month = int(entry.period[-2:])
        credit = rules.monthly_credit(
            params=parameters_for("hangzhou", dt.date(2024, month, 1)),
            category="active",
            age=rules.age_in_month(dt.date(birth_year, 7, 1), 2024, month),
            base=D("10000.00"),
            own_contribution=D("200.00"),
        )
        assert entry.amount == credit.amount
    assert audit_balances(account_ids=[account.pk]) == []


# --- One declaration of the credited categories (issue 13) ------------------------------------------------


@pytest.mark.django_db
def test_monthly_credit_and_rollover_agree_on_who_is_preset_and_credited_art23_27(
    make_account, provincial_average
):
    """The opening preset (Python) and the year-end preset (the rollover's SQL) read one declaration
    (`policy.accounts.CURRENT_FUND_CATEGORIES`): for every stored category, stopped or not, an account
    is preset and pays the premium at opening exactly when the rollover presets it and takes the premium."""
    from policy.accounts import CURRENT_FUND_CATEGORIES, HISTORICAL_FUND_CATEGORIES

    assert set(rollover.credited_categories()) == set(CURRENT_FUND_CATEGORIES) & set(Account.Category.values)
    assert not set(CURRENT_FUND_CATEGORIES) & set(HISTORICAL_FUND_CATEGORIES)
    cases = []
    for category in Account.Category.values:
        for stop in (False, True):
            account = make_account(category=category, pension=D("5000.00"), opened=dt.date(2024, 1, 1))
            if stop:
                services.set_profile(
                    account=account,
                    credits_stopped=True,
                    stop_reason="判刑",
                    stopped_from=dt.date(2024, 1, 1),
                )
            account.refresh_from_db()
            cases.append((account, services.crediting._credits_apply(account)))
    rollover.run_rollover(2024)
    for account, applies in cases:
        opened_preset = LedgerEntry.objects.filter(account=account, kind="preset", year=2024).exists()
        year_end_preset = LedgerEntry.objects.filter(account=account, kind="preset", year=2025).exists()
        year_end_premium = LedgerEntry.objects.filter(
            account=account, kind="catastrophic_premium", year=2025
        ).exists()
        if account.credits_stopped:  # stopped after opening: the opening preset was already made
            assert not year_end_preset and not year_end_premium and not applies
        else:
            assert opened_preset == year_end_preset == year_end_premium == applies, account.category


def test_no_region_name_or_article_literal_in_accounts_code():
    """accounts/ asks `policy.regions` for citations and rule variants (issue 14): no region names and
    no article strings in its code, migrations and demo data aside."""
    import pathlib
    import re

    root = pathlib.Path(__file__).resolve().parents[2] / "accounts"
    found = []
    for path in root.rglob("*.py"):
        if "migrations" in path.parts or path.name == "demo.py":
            continue
        text = path.read_text(encoding="utf-8")
        for pattern in ("hangzhou", "zhoushan", "杭州", "舟山", r"第[一二三四五六七八九十百]+条"):
            if re.search(pattern, text, flags=re.IGNORECASE):
                found.append(f"{path.relative_to(root)}: {pattern}")
    assert found == []
