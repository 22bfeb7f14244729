"""Admin for clerks: pages render in Chinese, 核对余额 reports mismatches, the ledger cannot be edited."""

from decimal import Decimal

import pytest
from django.urls import reverse

from accounts.batch import rollover
from accounts.models import Account, BatchJob, LedgerEntry, MutualAidGrant

D = Decimal


@pytest.fixture
def logged_in(client, clerk):
    client.force_login(clerk)
    return client


@pytest.mark.django_db
def test_pages_render_and_ids_are_masked(logged_in, make_account):
    account = make_account()
    rollover.run_rollover(2024)
    for name in ("account", "ledgerentry", "batchjob", "mutualaidgrant", "inheritance"):
        response = logged_in.get(reverse(f"admin:accounts_{name}_changelist"))
        assert response.status_code == 200, name
    page = logged_in.get(reverse("admin:accounts_account_changelist")).content.decode()
    assert account.person.id_number not in page and account.person.masked_id_number in page
    detail = logged_in.get(reverse("admin:accounts_account_change", args=[account.pk])).content.decode()
    assert "年度结转" in detail or "当年资金预设" in detail
    jobs = logged_in.get(reverse("admin:accounts_batchjob_changelist")).content.decode()
    assert "<progress" in jobs and "100%" in jobs
    # the job's page lists its committed chunks (per-chunk progress of the parallel rollover)
    job = BatchJob.objects.get(kind="year_end_rollover", period="2024")
    page = logged_in.get(reverse("admin:accounts_batchjob_change", args=[job.pk])).content.decode()
    assert "批处理分块" in page and "写入明细数" in page


@pytest.mark.django_db
def test_balance_audit_action_reports_the_mismatch(logged_in, make_account):
    good, bad = make_account(), make_account()
    Account.objects.filter(pk=bad.pk).update(current=D("1.00"))
    response = logged_in.post(
        reverse("admin:accounts_account_changelist"),
        {"action": "audit_selected", "_selected_action": [good.pk, bad.pk]},
        follow=True,
    )
    text = response.content.decode()
    assert f"账户 {bad.pk} 不一致" in text and f"账户 {good.pk} 不一致" not in text


@pytest.mark.django_db
def test_ledger_entries_cannot_be_changed_or_deleted_in_admin(logged_in, make_account):
    entry = LedgerEntry.objects.get(account=make_account(), kind="preset")
    url = reverse("admin:accounts_ledgerentry_change", args=[entry.pk])
    logged_in.post(url, {"amount": "1.00"})
    entry.refresh_from_db()
    assert entry.amount == D("3000.00")
    assert logged_in.get(reverse("admin:accounts_ledgerentry_delete", args=[entry.pk])).status_code == 403
    assert logged_in.get(reverse("admin:accounts_ledgerentry_add")).status_code == 403


@pytest.mark.django_db
def test_clerk_starts_a_rollover_job_and_opens_an_account(logged_in, make_person, make_account):
    make_account()
    response = logged_in.post(
        reverse("admin:accounts_batchjob_add"),
        {"kind": "year_end_rollover", "period": "2024", "chunk_size": 1000},
    )
    assert response.status_code == 302
    job = BatchJob.objects.get(kind="year_end_rollover", period="2024")
    assert job.status == BatchJob.Status.DONE and job.done == 1  # eager Celery in tests
    person = make_person()
    response = logged_in.post(
        reverse("admin:accounts_account_add"),
        {
            "person": person.pk,
            "opened_on": "2024-10-01",
            "category": "active",
            "credit_base": "10000.00",
            "pension": "0",
        },
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    assert Account.objects.get(person=person).current == D("702.00")  # 3 × 250 − premium 48 (art. 22(3), 41)


@pytest.mark.django_db
def test_clerk_grant_refused_for_uninsured_relative(logged_in, make_account, make_person, relate):
    holder = make_account()
    relative = make_person(name="未参保")
    relate(holder.person, relative, "spouse")
    response = logged_in.post(
        reverse("admin:accounts_mutualaidgrant_add"),
        {"holder": holder.person.pk, "relative": relative.pk, "relation": "spouse"},
    )
    assert response.status_code == 200 and "本省基本医疗保险" in response.content.decode()
    assert not MutualAidGrant.objects.exists()


@pytest.mark.django_db
def test_clerk_starts_the_arrears_check_as_a_batch_job_with_progress(logged_in, make_person):
    """批处理任务 → 欠费检查 2024-06 (run as of 2024-06-01): a flexible worker enrolled in January who paid
    January only has February–May unpaid, each suspending the next month (杭州 art. 15; reading 2): four
    rows; the job is listed with its progress and its chunks."""
    import datetime as dt

    from enrollment.models import Enrolment, Suspension
    from tests.accounts.conftest import record_paid

    person = make_person()
    Enrolment.objects.create(
        person=person,
        scheme="employee",
        category="flexible",
        district="上城区",
        start_date=dt.date(2024, 1, 1),
        first_paid_on=dt.date(2024, 1, 10),
    )
    record_paid(person, dt.date(2024, 1, 1), category="flexible", base=D("4000.00"))
    response = logged_in.post(
        reverse("admin:accounts_batchjob_add"),
        {"kind": "arrears_check", "period": "2024-06", "chunk_size": 1000},
    )
    assert response.status_code == 302
    job = BatchJob.objects.get(kind="arrears_check", period="2024-06")
    assert job.status == BatchJob.Status.DONE and job.done == job.total == 1  # eager Celery in tests
    assert job.result == {"on": "2024-06-01", "created": 4}
    assert sorted(
        Suspension.objects.filter(enrolment__person=person).values_list("unpaid_month", flat=True)
    ) == [dt.date(2024, m, 1) for m in (2, 3, 4, 5)]
    jobs = logged_in.get(reverse("admin:accounts_batchjob_changelist")).content.decode()
    assert "欠费检查" in jobs and "<progress" in jobs and "100%" in jobs
    page = logged_in.get(reverse("admin:accounts_batchjob_change", args=[job.pk])).content.decode()
    assert "批处理分块" in page
