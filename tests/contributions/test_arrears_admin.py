"""The contributions admin's arrears action starts the batch job 欠费检查 (issue 15), the same job as
the beat and the batch-jobs page (`accounts.tasks.arrears_check`): one BatchJob row with its chunks
and progress, eagerly here (no broker), on a worker in production."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import BatchChunk, BatchJob
from contributions.models import ContributionRecord
from contributions.services import record_monthly_contribution
from enrollment.models import Suspension
from enrollment.services import enrol

pytestmark = pytest.mark.django_db


def test_admin_arrears_action_runs_the_batch_job_with_progress_art_15(
    client, clerk, make_person, provincial_wage
):
    """A flexible worker enrolled in January 2024 who paid January and February only: on any day
    from 2024-06 on, March and every later month are unpaid, each suspending the next month
    (杭州 art. 15 ¶2, reading 2): the action writes those rows through the batch job of today."""
    person = make_person()
    enrol(person=person, category="flexible", district="上城区", start_date=dt.date(2024, 1, 1))
    for month in (1, 2):
        record_monthly_contribution(
            person=person, month=dt.date(2024, month, 1), paid_on=dt.date(2024, month, 10)
        )
    today = timezone.localdate()
    # months March 2024 .. the month before today's month
    expected = (today.year - 2024) * 12 + today.month - 3
    client.force_login(clerk)
    response = client.post(
        reverse("admin:contributions_contributionrecord_changelist"),
        {
            "action": "run_arrears_check",
            "_selected_action": list(ContributionRecord.objects.values_list("pk", flat=True)),
        },
        follow=True,
    )
    assert response.status_code == 200
    job = BatchJob.objects.get(kind=BatchJob.Kind.ARREARS_CHECK, period=f"{today:%Y-%m}")
    assert job.status == BatchJob.Status.DONE and job.done == job.total == 1 and job.percent == 100
    assert job.result == {"on": today.isoformat(), "created": expected}
    assert BatchChunk.objects.filter(job=job).exists()
    assert Suspension.objects.filter(enrolment__person=person).count() == expected
    page = response.content.decode()
    assert f"新增暂停 {expected} 条" in page
    assert reverse("admin:accounts_batchjob_changelist") in page
    # the batch-jobs page lists it with its progress
    jobs = client.get(reverse("admin:accounts_batchjob_changelist")).content.decode()
    assert "欠费检查" in jobs and "100%" in jobs
    # again: the same job, rerun, nothing written twice
    client.post(
        reverse("admin:contributions_contributionrecord_changelist"),
        {"action": "run_arrears_check", "_selected_action": [ContributionRecord.objects.first().pk]},
    )
    assert BatchJob.objects.filter(kind=BatchJob.Kind.ARREARS_CHECK).count() == 1
    assert BatchJob.objects.get(pk=job.pk).result["created"] == 0
    assert Suspension.objects.filter(enrolment__person=person).count() == expected
