"""Celery tasks of the personal-account batch (names fixed in settings.CELERY_BEAT_SCHEDULE)."""

from __future__ import annotations

import datetime as dt

from celery import shared_task
from django.utils import timezone


@shared_task(name="accounts.tasks.credit_month", acks_late=True)
def credit_month(year: int | None = None, month: int | None = None) -> dict:
    """Monthly credits for the month it runs in (beat: the 1st, 02:00), or the month given."""
    from .batch.credits import run_credit_month
    from .batch.profiles import run_profile_refresh

    today = timezone.localdate()
    year, month = year or today.year, month or today.month
    job = run_credit_month(year, month, refresh=False)  # set-based: the credits do not read the profile
    # then the profiles (category, base, the benefit-suspended flag) the next preset and the clerks read
    profiles = run_profile_refresh(year, month)
    return {
        "job": job.pk,
        "status": job.status,
        "done": job.done,
        "total": job.total,
        "profiles_job": profiles.pk,
        "profiles_changed": profiles.result.get("changed", 0),
    }


@shared_task(name="accounts.tasks.profile_refresh", acks_late=True)
def profile_refresh(year: int | None = None, month: int | None = None) -> dict:
    """The profile refresh alone, as a batch job (the monthly credit task runs it after the credits)."""
    from .batch.profiles import run_profile_refresh

    today = timezone.localdate()
    job = run_profile_refresh(year or today.year, month or today.month)
    return {"job": job.pk, "status": job.status, "done": job.done, "total": job.total, **job.result}


@shared_task(name="accounts.tasks.year_end_rollover", acks_late=True)
def year_end_rollover(year: int | None = None) -> dict:
    """Year-end rollover of the year just ended (beat: 1 January, 00:30), or the year given."""
    from .batch.rollover import run_rollover
    from .models import BatchJob
    from .services import run_retirement_year_refunds

    year = year or (timezone.localdate() - dt.timedelta(days=1)).year
    job = run_rollover(year)
    result = {"job": job.pk, "status": job.status, "done": job.done, "total": job.total}
    if job.status == BatchJob.Status.DONE:
        # art. 29(2): the retirement year's deductible, once the year's bills are in
        result["retirement_year_refunds"] = run_retirement_year_refunds(year)
    return result


@shared_task(name="accounts.tasks.arrears_check", acks_late=True)
def arrears_check(on: str | None = None) -> dict:
    """The arrears check as a batch job with progress (beat: the 1st, 03:00), for `on` (ISO) or today."""
    from .batch.arrears import run_arrears_check

    day = dt.date.fromisoformat(on) if on else timezone.localdate()
    job = run_arrears_check(day)
    return {"job": job.pk, "status": job.status, "done": job.done, "total": job.total, **job.result}
