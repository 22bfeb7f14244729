"""Celery tasks of chapter 9: the clearing statement PDF, supervision after each settlement and nightly."""

import logging

from celery import shared_task
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

from .models import Clearing

logger = logging.getLogger(__name__)


@shared_task(
    name="institutions.tasks.render_clearing", autoretry_for=(Exception,), max_retries=3, retry_backoff=5
)
def render_clearing(clearing_id: int) -> str:
    return render(clearing_id)


def render(clearing_id: int) -> str:
    """Render and store the clearing statement; a failure marks it `failed` (the clearing itself is untouched)."""
    from .statements import render_pdf

    clearing = Clearing.objects.select_related("approved_by").get(pk=clearing_id)
    try:
        pdf = render_pdf(clearing)
    except Exception as error:
        Clearing.objects.filter(pk=clearing_id).update(
            pdf_status=Clearing.PdfStatus.FAILED, pdf_error=f"{type(error).__name__}: {error}"[:2000]
        )
        logger.warning("clearing statement %s failed: %s", clearing_id, error)
        raise
    with transaction.atomic():
        clearing = Clearing.objects.select_for_update().get(pk=clearing_id)
        old = clearing.pdf.name if clearing.pdf else ""
        clearing.pdf.save(
            f"clearing-{clearing.institution_id}-{clearing.month:%Y%m}-{clearing_id}.pdf",
            ContentFile(pdf),
            save=False,
        )
        clearing.pdf_status, clearing.pdf_error = Clearing.PdfStatus.READY, ""
        clearing.save(update_fields=["pdf", "pdf_status", "pdf_error"])
    if old and old != clearing.pdf.name:
        clearing.pdf.storage.delete(old)
    logger.info("clearing statement %s rendered at %s", clearing_id, timezone.now())
    return clearing.pdf_status


@shared_task(name="institutions.tasks.supervise_settlement", ignore_result=True)
def supervise_settlement(settlement_id: int) -> int:
    """The rules on one settlement, after its commit (flags only; the payment is never held)."""
    from .supervision import run

    return run(settlement_ids=[settlement_id])


@shared_task(name="institutions.tasks.supervise_day", ignore_result=True)
def supervise_day(day: str | None = None) -> int:
    """The nightly batch: every enabled rule over the bills of a day (default: yesterday)."""
    import datetime as dt

    from .supervision import run

    on = dt.date.fromisoformat(day) if day else timezone.localdate() - dt.timedelta(days=1)
    return run(day=on)


@shared_task(name="institutions.tasks.supervise_recent", ignore_result=True)
def supervise_recent() -> int:
    """The queued batch through the day: the rules over today's bills so far (flags are written once)."""
    from .supervision import run

    return run(day=timezone.localdate())
