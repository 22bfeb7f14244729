"""Statement PDFs (结算单): rendered on first request and kept in storage (`statement_file`), or,
with `STATEMENTS_RENDER_EAGERLY`, after the settlement's transaction committed.

Eagerly, each settlement writes a pending statement row (the outbox); `queue_pending_statements`
(beat) sends the render tasks, so a settlement never waits on the broker.

A failed render marks the statement `failed` with the error and is retried
(`autoretry_for`); the settlement itself is never touched by the task.
"""

import datetime as dt
import logging

from celery import shared_task
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from .models import Statement
from .statements import render_pdf

logger = logging.getLogger(__name__)


MAX_RETRIES = 3


@shared_task(
    bind=True,
    name="claims.tasks.render_statement",
    autoretry_for=(Exception,),
    max_retries=MAX_RETRIES,
    retry_backoff=5,
    retry_backoff_max=300,
    retry_jitter=True,
)
def render_statement(self, settlement_id: int) -> str:
    return render(settlement_id)


REQUEUE_AFTER = dt.timedelta(minutes=10)


@shared_task(name="claims.tasks.queue_pending_statements")
def queue_pending_statements(limit: int = 2000) -> int:
    """Send a render task for each pending statement (the outbox written with each settlement).

    A statement sent more than `REQUEUE_AFTER` ago and still pending (its message was lost
    with a worker) is sent again. Rows are claimed with SKIP LOCKED: two beats never send one twice.
    """
    now = timezone.now()
    with transaction.atomic():
        claimed = list(
            Statement.objects.select_for_update(skip_locked=True)
            .filter(status=Statement.Status.PENDING)
            .filter(Q(queued__isnull=True) | Q(queued__lt=now - REQUEUE_AFTER))
            .order_by("pk")
            .values_list("pk", "settlement_id")[:limit]
        )
        Statement.objects.filter(pk__in=[pk for pk, _settlement in claimed]).update(queued=now)
    for _pk, settlement_id in claimed:  # a send that fails leaves the rest to be sent again later
        render_statement.delay(settlement_id)
    return len(claimed)


def render_eagerly(settlement_id: int) -> str:
    """The embedded deployment (no broker): the same render with the same retries, in process.

    Celery's eager mode propagates the first `Retry` instead of retrying, so the loop is here.
    """
    for attempt in range(MAX_RETRIES + 1):
        try:
            return render(settlement_id)
        except Exception:
            if attempt == MAX_RETRIES:
                raise
    raise AssertionError("unreachable")


def statement_file(settlement_id: int) -> Statement:
    """The stored statement, rendered now on its first request (kept in storage and served from there after)."""
    statement = Statement.objects.filter(settlement_id=settlement_id).first()
    if statement is None or statement.status != Statement.Status.READY or not statement.file:
        render(settlement_id)
        statement = Statement.objects.get(settlement_id=settlement_id)
    return statement


def render(settlement_id: int) -> str:
    """Render and store the statement; on failure mark it `failed` with the error and re-raise (to be retried)."""
    statement, _created = Statement.objects.select_related("settlement").get_or_create(
        settlement_id=settlement_id
    )
    if statement.status == Statement.Status.READY and statement.file:
        return statement.status
    Statement.objects.filter(pk=statement.pk).update(attempts=F("attempts") + 1)
    try:
        pdf = render_pdf(statement.settlement)
    except Exception as error:
        Statement.objects.filter(pk=statement.pk).update(
            status=Statement.Status.FAILED, error=f"{type(error).__name__}: {error}"[:2000]
        )
        logger.warning("statement of settlement %s failed: %s", settlement_id, error)
        raise
    with transaction.atomic():
        statement = Statement.objects.select_for_update().get(pk=statement.pk)
        if statement.status == Statement.Status.READY and statement.file:
            return statement.status  # a concurrent first request stored it meanwhile: that file stays
        old_name = statement.file.name if statement.file else ""
        statement.file.save(f"settlement-{settlement_id}.pdf", ContentFile(pdf), save=False)
        statement.status = Statement.Status.READY
        statement.error = ""
        statement.rendered = timezone.now()
        statement.save(update_fields=["file", "status", "error", "rendered"])
    if old_name and old_name != statement.file.name:
        statement.file.storage.delete(old_name)
    return statement.status
