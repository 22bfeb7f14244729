"""The monthly profile refresh (账户档案更新) as a batch job: chunks, progress, resume, and the same
profiles as the per-account `services.refresh_from_enrolment` (category, the art. 27 suspension flag
with its reason, the base of the latest month paid, 杭州 art. 23)."""

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse

from accounts import services
from accounts.batch import profiles
from accounts.models import Account, BatchChunk, BatchJob
from tests.accounts.conftest import record_paid

pytestmark = pytest.mark.django_db

D = Decimal
PROFILE = ("category", "benefit_suspended", "suspension_reason", "credit_base")


def _population(make_account, enrol_paid_employee):
    """Seven employees paid January–March 2024; the last base is 12,000 for the odd ones. Stale
    profiles: a base left at 10,000, a suspension flag left set, a category left as 'flexible'."""
    accounts = []
    for n in range(7):
        account = make_account(name=f"档案{n}")
        enrol_paid_employee(account.person)
        for month in (1, 2, 3):
            base = D("12000.00") if n % 2 and month == 3 else D("10000.00")
            record_paid(account.person, dt.date(2024, month, 1), base=base, paid_on=dt.date(2024, month, 10))
        accounts.append(account)
    Account.objects.filter(pk=accounts[2].pk).update(benefit_suspended=True, suspension_reason="旧原因")
    Account.objects.filter(pk=accounts[4].pk).update(category="flexible")
    return accounts


def _profiles(accounts):
    return {
        a.pk: tuple(getattr(a, f) for f in PROFILE)
        for a in Account.objects.filter(pk__in=[a.pk for a in accounts])
    }


def test_the_job_writes_the_per_account_profiles_with_progress(make_account, enrol_paid_employee):
    accounts = _population(make_account, enrol_paid_employee)
    stale = _profiles(accounts)
    job = profiles.run_profile_refresh(2024, 3, chunk_size=3)
    assert job.status == BatchJob.Status.DONE and job.errors == ""
    assert job.done == job.total == 7
    by_job = _profiles(accounts)
    # the per-account service, from the same stale profiles, gives the same
    for pk, values in stale.items():
        Account.objects.filter(pk=pk).update(**dict(zip(PROFILE, values, strict=True)))
    for account in Account.objects.filter(pk__in=stale):
        services.refresh_from_enrolment(account=account, on=dt.date(2024, 3, 1))
    assert _profiles(accounts) == by_job
    # art. 23: the base of the latest month paid; the stale flag and category corrected
    assert [by_job[a.pk][3] for a in accounts] == [
        D("12000.00") if n % 2 else D("10000.00") for n in range(7)
    ]
    assert by_job[accounts[2].pk][1:3] == (False, "")
    assert by_job[accounts[4].pk][0] == "active"
    assert job.result == {"changed": 5}  # three bases, one flag, one category
    chunks = BatchChunk.objects.filter(job=job)
    assert sum(chunks.values_list("accounts", flat=True)) == 7 and chunks.count() >= 3
    again = profiles.run_profile_refresh(2024, 3, chunk_size=3)
    assert again.pk == job.pk and again.result == {"changed": 0} and again.done == 7


def test_a_killed_job_resumes_with_the_chunks_not_recorded(make_account, enrol_paid_employee, monkeypatch):
    accounts = _population(make_account, enrol_paid_employee)
    calls = []

    def crash(job, hi):
        calls.append(hi)
        if len(calls) == 1:
            raise RuntimeError("worker killed")

    monkeypatch.setattr(profiles, "after_chunk", crash)
    with pytest.raises(RuntimeError):
        profiles.run_profile_refresh(2024, 3, chunk_size=3, workers=1)
    job = BatchJob.objects.get(kind=BatchJob.Kind.PROFILE_REFRESH, period="2024-03")
    assert job.status == BatchJob.Status.FAILED and "worker killed" in job.errors
    first = set(BatchChunk.objects.filter(job=job).values_list("lo", "hi"))
    assert len(first) == 1
    monkeypatch.setattr(profiles, "after_chunk", lambda job, hi: calls.append(hi))
    job = profiles.run_profile_refresh(2024, 3, chunk_size=3, workers=1)
    assert job.status == BatchJob.Status.DONE and job.done == job.total == 7
    resumed = len(calls) - 1
    assert (
        resumed == BatchChunk.objects.filter(job=job).count() - len(first) == 2
    )  # the recorded one not rerun
    assert _profiles(accounts)[accounts[2].pk][1] is False


def test_a_clerk_starts_the_profile_refresh_from_the_batch_jobs_page(
    make_account, enrol_paid_employee, admin_client
):
    accounts = _population(make_account, enrol_paid_employee)
    response = admin_client.post(
        reverse("admin:accounts_batchjob_add"),
        {"kind": "profile_refresh", "period": "2024-03", "chunk_size": 5},
    )
    assert response.status_code == 302
    job = BatchJob.objects.get(kind="profile_refresh", period="2024-03")
    assert job.status == BatchJob.Status.DONE and job.done == 7  # eager Celery in tests
    assert _profiles(accounts)[accounts[4].pk][0] == "active"
    page = admin_client.get(reverse("admin:accounts_batchjob_changelist")).content.decode()
    assert "账户档案更新" in page


def test_the_monthly_credit_task_runs_the_profiles_as_their_own_job(make_account, enrol_paid_employee):
    from accounts.tasks import credit_month

    _population(make_account, enrol_paid_employee)
    result = credit_month(2024, 3)
    job = BatchJob.objects.get(pk=result["profiles_job"])
    assert (job.kind, job.period, job.status) == ("profile_refresh", "2024-03", BatchJob.Status.DONE)
    assert result["profiles_changed"] == 5
