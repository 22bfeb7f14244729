"""Account services: credits once a month, payments, reversals, append-only ledger, closing and inheritance."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import transaction

from accounts import services
from accounts.batch import credits, rollover
from accounts.models import Account, BatchJob, Inheritance, LedgerEntry
from accounts.selectors import audit_balances, balances
from tests.accounts.conftest import record_paid

D = Decimal


def pay(person, current="0", historical="0", source="S1", on=dt.date(2024, 6, 1)):
    return services.pay_for_settlement(
        person=person,
        on=on,
        current_funds=D(current),
        historical_funds=D(historical),
        source_type="settlement",
        source_id=source,
        text="门诊结算",
        article="杭州 第二十四条、第二十五条",
    )


@pytest.mark.django_db
def test_credit_once_per_month_whatever_the_retries_art23(make_account):
    """March paid; crediting March three times writes one entry of 250 (base 10,000 × 2.5%)."""
    account = make_account()
    record_paid(account.person, dt.date(2024, 3, 1))
    first = services.credit_month(account=account, year=2024, month=3)
    assert first.amount == D("250.00") and first.bucket == "credited"
    assert services.credit_month(account=account, year=2024, month=3) is None
    assert services.credit_month(account=account, year=2024, month=3) is None
    assert LedgerEntry.objects.filter(account=account, kind="credit").count() == 1
    account.refresh_from_db()
    assert account.credited_total == D("250.00")
    # The database refuses a second credit row for the month even past the service.
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError):
        with transaction.atomic():
            LedgerEntry.objects.create(
                account=account,
                kind="credit",
                bucket="credited",
                amount=D("250.00"),
                entry_date=dt.date(2024, 3, 1),
                year=2024,
                period="2024-03",
                text="x",
                article="杭州 第二十三条",
            )


@pytest.mark.django_db
def test_credit_batch_refreshes_from_enrolment_and_stops_on_suspension_art27(
    make_account, enrol_paid_employee, provincial_average
):
    """Credits follow payments, not the benefit status (art. 23, 27(1); readings 11, 16): January–March
    paid → three credits; January paid, February and March unpaid (suspended from March) → January only.
    The profile still shows the suspension for clerks."""
    from enrollment.models import Suspension

    paid = make_account(name="缴费")
    unpaid = make_account(name="欠费")
    for account in (paid, unpaid):
        enrol_paid_employee(account.person)
    for month in (1, 2, 3):
        record_paid(paid.person, dt.date(2024, month, 1))
    record_paid(unpaid.person, dt.date(2024, 1, 1))
    enrolment = unpaid.person.enrolments.get()
    Suspension.objects.create(
        enrolment=enrolment,
        unpaid_month=dt.date(2024, 2, 1),
        suspended_from=dt.date(2024, 3, 1),
        article="杭州 第十五条第二款",
    )
    job = credits.run_credit_month(2024, 3)
    assert job.status == BatchJob.Status.DONE and job.done == 2
    assert LedgerEntry.objects.filter(account=paid, kind="credit").count() == 3
    assert list(
        LedgerEntry.objects.filter(account=unpaid, kind="credit").values_list("period", flat=True)
    ) == ["2024-01"]
    unpaid.refresh_from_db()
    assert unpaid.benefit_suspended and "未缴费" in unpaid.suspension_reason
    # A retry of the whole month writes nothing more.
    credits.run_credit_month(2024, 3)
    assert LedgerEntry.objects.filter(kind="credit").count() == 4


@pytest.mark.django_db
def test_credit_batch_resumes_after_a_crash(make_account, monkeypatch):
    """Killed after the first chunk (ids aligned to multiples of 2), restarted: the first chunk's
    accounts are credited by the first run and recorded; every account credited exactly once."""
    made = [make_account(opened=dt.date(2024, 4, 1)) for _ in range(5)]
    for account in made:
        record_paid(account.person, dt.date(2024, 4, 1))

    def crash(job, last_id):
        raise RuntimeError("worker killed")

    monkeypatch.setattr(credits, "after_chunk", crash)
    with pytest.raises(RuntimeError):
        credits.run_credit_month(2024, 4, chunk_size=2, refresh=False)
    first = made[0].pk // 2 * 2  # the first chunk is [first, first + 2)
    in_first = [a for a in made if a.pk < first + 2]
    assert LedgerEntry.objects.filter(kind="credit").count() == len(in_first)
    job = BatchJob.objects.get(kind="credit_month", period="2024-04")
    assert job.status == BatchJob.Status.FAILED and job.done == len(in_first)
    assert list(job.chunks.values_list("lo", "hi")) == [(first, first + 2)]
    monkeypatch.setattr(credits, "after_chunk", lambda job, last_id: None)
    job = credits.run_credit_month(2024, 4, chunk_size=2, refresh=False)
    assert job.status == BatchJob.Status.DONE and job.done == 5
    for account in made:
        assert LedgerEntry.objects.filter(account=account, kind="credit", period="2024-04").count() == 1


@pytest.mark.django_db
def test_late_credit_after_rollover_goes_to_historical_art22_5(make_account):
    """December credited after the 2024 rollover: the year's difference is settled, so 250 goes to historical funds."""
    account = make_account()
    for month in range(1, 12):
        record_paid(account.person, dt.date(2024, month, 1))
        services.credit_month(account=account, year=2024, month=month)
    rollover.run_rollover(2024)
    account.refresh_from_db()
    historical = account.historical
    record_paid(account.person, dt.date(2024, 12, 1), paid_on=dt.date(2025, 1, 20))  # paid late
    entry = services.credit_month(account=account, year=2024, month=12)
    assert entry.bucket == "historical" and entry.amount == D("250.00")
    account.refresh_from_db()
    assert account.historical == historical + D("250.00")
    assert audit_balances() == []


@pytest.mark.django_db
def test_payment_limits_and_duplicate_source_art24_25(make_account):
    account = make_account()  # current 3,000 − 48 (art. 41) = 2,952
    services.transfer_in(
        person=account.person, amount=D("100.00"), on=dt.date(2024, 2, 1), other_place="苏州"
    )
    with pytest.raises(ValidationError) as error:
        pay(account.person, current="2952.01")
    assert "current_funds" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        pay(account.person, historical="100.01")
    assert "historical_funds" in error.value.message_dict
    pay(account.person, current="2951.99", historical="100.00")
    assert balances(person=account.person) == type(balances(person=account.person))(D("0.01"), D("0.00"))
    with pytest.raises(ValidationError) as error, transaction.atomic():
        pay(account.person, current="0.01")  # same source S1: the database refuses it
    assert "source_id" in error.value.message_dict
    with pytest.raises(ValidationError):
        pay(account.person, current="-1", source="S2")
    assert audit_balances() == []


@pytest.mark.django_db
def test_balances_zero_without_account(make_person):
    result = balances(person=make_person())
    assert (result.current_funds, result.historical_funds) == (D("0.00"), D("0.00"))


@pytest.mark.django_db
def test_reverse_source_restores_and_refuses_twice(make_account):
    account = make_account()
    services.transfer_in(
        person=account.person, amount=D("500.00"), on=dt.date(2024, 2, 1), other_place="苏州"
    )
    pay(account.person, current="120.50", historical="30.25", source="B-9")
    written = services.reverse_source(source_type="settlement", source_id="B-9", on=dt.date(2024, 6, 2))
    assert sorted(e.amount for e in written) == [D("30.25"), D("120.50")]
    account.refresh_from_db()
    assert (account.current, account.historical) == (D("2952.00"), D("500.00"))
    with pytest.raises(ValidationError):
        services.reverse_source(source_type="settlement", source_id="B-9", on=dt.date(2024, 6, 3))
    # A source that paid nothing from the account has nothing to reverse.
    assert (
        services.reverse_source(source_type="settlement", source_id="nothing", on=dt.date(2024, 6, 3)) == []
    )
    assert audit_balances() == []


@pytest.mark.django_db
def test_reversal_after_rollover_returns_current_funds_to_historical_art22_4(make_account):
    """A 2024 current-fund payment reversed in 2025: 2024's leftover current funds already moved to historical."""
    account = make_account()
    for month in range(1, 13):
        services.credit_month(account=account, year=2024, month=month)
    pay(account.person, current="100.00", source="B-1")
    rollover.run_rollover(2024)
    account.refresh_from_db()
    before = (account.current, account.historical)
    (entry,) = services.reverse_source(source_type="settlement", source_id="B-1", on=dt.date(2025, 2, 1))
    assert entry.bucket == "historical" and entry.amount == D("100.00")
    account.refresh_from_db()
    assert (account.current, account.historical) == (before[0], before[1] + D("100.00"))


@pytest.mark.django_db
def test_ledger_is_append_only(make_account):
    account = make_account()
    entry = account.entries.get(kind="preset")
    entry.amount = D("1.00")
    with pytest.raises(ValidationError):
        entry.save()
    with pytest.raises(ValidationError):
        entry.delete()
    with pytest.raises(ValidationError):
        account.delete()
    assert account.entries.get(kind="preset").amount == D("3000.00")


@pytest.mark.django_db
def test_audit_finds_a_tampered_balance(make_account):
    """A balance changed behind the ledger's back is reported by 核对余额."""
    account = make_account()
    other = make_account()
    Account.objects.filter(pk=account.pk).update(historical=D("0.01"))
    (mismatch,) = audit_balances()
    assert mismatch.account_id == account.pk
    assert (mismatch.stored_historical, mismatch.ledger_historical) == (D("0.01"), D("0"))
    assert audit_balances(account_ids=[other.pk]) == []


@pytest.mark.django_db
def test_transfer_out_offsets_overdraft_with_historical_art26_3(make_account):
    """Opened 2025-01-01: preset 3,000, premium 48 → current 2,952; 5,000 transferred in; nothing paid
    or credited by 2025-03-01. The actual balance takes the whole preset back: current −48, an
    overdraft historical funds offset (art. 26(3)); 4,952 is transferred out."""
    account = make_account(opened=dt.date(2025, 1, 1))
    services.transfer_in(
        person=account.person, amount=D("5000.00"), on=dt.date(2025, 1, 5), other_place="苏州"
    )
    with pytest.raises(ValidationError):
        services.close_account(
            person=account.person, reason="transfer_out", on=dt.date(2025, 3, 1), has_open_bills=True
        )
    entries = services.close_account(
        person=account.person, reason="transfer_out", on=dt.date(2025, 3, 1), other_place="上海"
    )
    kinds = sorted((e.kind, e.bucket, e.amount) for e in entries)
    assert kinds == [
        ("overdraft_offset", "current", D("48.00")),
        ("overdraft_offset", "historical", D("-48.00")),
        ("reconciliation", "current", D("-3000.00")),
        ("transfer_out", "historical", D("-4952.00")),
    ]
    account.refresh_from_db()
    assert account.status == "transferred" and (account.current, account.historical) == (D("0"), D("0"))
    assert audit_balances() == []


@pytest.mark.django_db
def test_clearing_with_overdraft_beyond_historical_needs_the_person_to_pay_art26_3(make_account):
    account = make_account()
    pay(account.person, current="2952.00", source="B-2")
    Account.objects.filter(pk=account.pk)  # current 0
    services.set_profile(account=account, credits_stopped=True, stop_reason="停止缴费")
    rollover.run_rollover(2024)  # interest 0, shortfall −3,000, no historical funds → current −3,000
    with pytest.raises(ValidationError) as error:
        services.close_account(person=account.person, reason="clearing", on=dt.date(2025, 3, 1))
    assert "overdraft_collected" in error.value.message_dict
    entries = services.close_account(
        person=account.person, reason="clearing", on=dt.date(2025, 3, 1), overdraft_collected=True
    )
    assert [(e.kind, e.amount) for e in entries] == [("overdraft_repaid", D("3000.00"))]
    assert audit_balances() == []


@pytest.mark.django_db
def test_death_writes_off_overdraft_then_heir_inherits_art26_3_5(make_account):
    """Deceased: overdraft −3,000 offset by historical 1,000 (transferred in), 2,000 written off; heir gets nothing left.

    Second holder: opened 2025-01-01 (preset 12 × 250 = 3,000, premium 48), January credited (250),
    500 transferred in, dies 2025-02-01: the actual balance takes back 3,000 − 250 = 2,750 of preset
    (art. 26(3)(5)), so the heir inherits 2,952 − 2,750 + 500 = 702.
    """
    account = make_account()
    pay(account.person, current="2952.00", source="B-3")
    services.set_profile(account=account, credits_stopped=True, stop_reason="停止缴费")
    rollover.run_rollover(2024)
    services.transfer_in(
        person=account.person, amount=D("1000.00"), on=dt.date(2025, 1, 5), other_place="苏州"
    )
    entries = services.close_account(person=account.person, reason="death", on=dt.date(2025, 2, 1))
    assert sorted((e.kind, e.amount) for e in entries) == [
        ("overdraft_offset", D("-1000.00")),
        ("overdraft_offset", D("1000.00")),
        ("write_off", D("2000.00")),
    ]
    account.refresh_from_db()
    assert account.status == "deceased" and (account.current, account.historical) == (D("0"), D("0"))

    other = make_account(opened=dt.date(2025, 1, 1))
    services.transfer_in(person=other.person, amount=D("500.00"), on=dt.date(2025, 1, 5), other_place="苏州")
    record_paid(other.person, dt.date(2025, 1, 1))
    services.credit_month(account=other, year=2025, month=1)
    closing = services.close_account(person=other.person, reason="death", on=dt.date(2025, 2, 1))
    assert [(e.kind, e.bucket, e.amount) for e in closing] == [("reconciliation", "current", D("-2750.00"))]
    inheritance = services.settle_inheritance(
        account=other, heir_name="李四", heir_id_number="330102199001011234", on=dt.date(2025, 3, 1)
    )
    assert inheritance.amount == D("702.00")
    other.refresh_from_db()
    assert other.status == "inherited" and (other.current, other.historical) == (D("0"), D("0"))
    with pytest.raises(ValidationError):
        services.settle_inheritance(
            account=other, heir_name="李四", heir_id_number="x", on=dt.date(2025, 3, 2)
        )
    assert Inheritance.objects.count() == 1
    assert audit_balances() == []


@pytest.mark.django_db
def test_historical_funds_opt_out_art25(make_account, make_person):
    from accounts.selectors import uses_historical_funds

    account = make_account()
    assert uses_historical_funds(person=account.person) is True
    services.set_profile(account=account, historical_pays_personal_share=False)
    assert uses_historical_funds(person=account.person) is False
    assert account.history.first().historical_pays_personal_share is False
    assert uses_historical_funds(person=make_person()) is True


@pytest.mark.postgres
@pytest.mark.django_db
def test_database_refuses_ledger_update_and_delete_postgres(make_account):
    """Past the model too: PostgreSQL's trigger refuses UPDATE and DELETE of ledger rows."""
    from django.db import DatabaseError, transaction

    account = make_account()
    with pytest.raises(DatabaseError), transaction.atomic():
        LedgerEntry.objects.filter(account=account).update(amount=D("1.00"))
    with pytest.raises(DatabaseError), transaction.atomic():
        LedgerEntry.objects.filter(account=account).delete()
    assert account.entries.get(kind="preset").amount == D("3000.00")


@pytest.mark.django_db
def test_transfer_out_mid_year_pays_the_actual_balance_art26_3(make_account):
    """Opened 2025-01-01: preset 3,000 (12 × 250), premium 48; January credited 250; 2,000 paid from
    current funds; 1,000 transferred in (historical). Transfer out on 2025-02-10: the preset not backed
    by credits, 3,000 − 250 = 2,750, is taken back, current 952 − 2,750 = −1,798 (an overdraft,
    art. 26(3)): historical 1,000 offsets it, the person pays the other 798; nothing is left."""
    account = make_account(opened=dt.date(2025, 1, 1))
    record_paid(account.person, dt.date(2025, 1, 1))
    services.credit_month(account=account, year=2025, month=1)
    services.transfer_in(
        person=account.person, amount=D("1000.00"), on=dt.date(2025, 1, 5), other_place="苏州"
    )
    pay(account.person, current="2000.00", source="B-M1", on=dt.date(2025, 1, 20))
    with pytest.raises(ValidationError) as error:
        services.close_account(person=account.person, reason="transfer_out", on=dt.date(2025, 2, 10))
    assert "overdraft_collected" in error.value.message_dict  # and nothing was written (one transaction)
    account.refresh_from_db()
    assert (account.current, account.status) == (D("952.00"), "open")
    entries = services.close_account(
        person=account.person, reason="transfer_out", on=dt.date(2025, 2, 10), overdraft_collected=True
    )
    assert [(e.kind, e.bucket, e.amount) for e in entries] == [
        ("reconciliation", "current", D("-2750.00")),
        ("overdraft_offset", "historical", D("-1000.00")),
        ("overdraft_offset", "current", D("1000.00")),
        ("overdraft_repaid", "current", D("798.00")),
    ]
    account.refresh_from_db()
    assert (account.current, account.historical, account.status) == (D("0.00"), D("0.00"), "transferred")
    assert audit_balances() == []
