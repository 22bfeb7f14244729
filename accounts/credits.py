"""The monthly credit batch (按月划账, 杭州 art. 23, 27): once per account and month, resumable.

Not set-based: each account's category and art. 27 stop are refreshed from the enrolment
records (`enrollment.selectors.benefit_status`) before its credit, and that refresh is
what keeps the profile columns the year-end rollover computes from up to date. The
unique constraint on (account, kind, period) makes any retry write nothing twice.
"""

from __future__ import annotations

import datetime as dt
import logging

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from policy.amount import NotInRegion, RuleInputError
from policy.parameters import ParameterError

from . import services
from .models import Account, BatchJob

log = logging.getLogger(__name__)
MAX_ERROR_TEXT = 20000


def after_chunk(job: BatchJob, last_id: int) -> None:
    """Hook called after each committed chunk (tests simulate a crash here)."""


def run_credit_month(year: int, month: int, *, chunk_size: int = 1000, refresh: bool = True) -> BatchJob:
    """Credit every open account for the month (or resume the month's job). Safe to call again."""
    period = f"{year:04d}-{month:02d}"
    on = dt.date(year, month, 1)
    job, _created = BatchJob.objects.get_or_create(
        kind=BatchJob.Kind.CREDIT_MONTH, period=period, defaults={"chunk_size": chunk_size}
    )
    accounts = Account.objects.filter(
        status=Account.Status.OPEN,
        opened_on__lte=(on.replace(day=28) + dt.timedelta(days=4)).replace(day=1) - dt.timedelta(days=1),
    )
    BatchJob.objects.filter(pk=job.pk).update(
        status=BatchJob.Status.RUNNING,
        started_at=job.started_at or timezone.now(),
        total=job.done + accounts.filter(id__gt=job.last_id).count(),
        finished_at=None,
    )
    job.refresh_from_db()
    try:
        while True:
            ids = list(
                accounts.filter(id__gt=job.last_id).order_by("id").values_list("id", flat=True)[:chunk_size]
            )
            if not ids:
                break
            errors = []
            with transaction.atomic():
                locked = BatchJob.objects.select_for_update().get(pk=job.pk)
                if locked.last_id >= ids[-1]:
                    job = locked
                    continue
                for account in Account.objects.filter(id__in=ids).select_related("person").order_by("id"):
                    try:
                        with transaction.atomic():
                            if refresh:
                                services.refresh_from_enrolment(account=account, on=on)
                            services.credit_month(account=account, year=year, month=month)
                    except (ValidationError, ParameterError, RuleInputError, NotInRegion) as error:
                        errors.append(f"账户 {account.pk}：{_message(error)}")
                locked.last_id = ids[-1]
                locked.done += len(ids)
                if errors:
                    locked.errors = (locked.errors + "\n".join(errors) + "\n")[-MAX_ERROR_TEXT:]
                locked.save(update_fields=["last_id", "done", "errors"])
                job = locked
            after_chunk(job, job.last_id)
    except Exception as error:
        BatchJob.objects.filter(pk=job.pk).update(
            status=BatchJob.Status.FAILED,
            errors=(job.errors + f"{type(error).__name__}: {error}")[-MAX_ERROR_TEXT:],
        )
        raise
    BatchJob.objects.filter(pk=job.pk).update(status=BatchJob.Status.DONE, finished_at=timezone.now())
    job.refresh_from_db()
    return job


def _message(error) -> str:
    if isinstance(error, ValidationError):
        return "；".join(str(m) for m in error.messages)
    return str(error)
