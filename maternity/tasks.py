"""Decision letters (核定通知书), rendered after the decision's transaction committed.

A failed render marks the letter `failed` with the error and is retried; the decision itself
is never touched. The download view renders a letter that is not ready yet.

The decision row is the outbox (as a settlement's pending statement is, `claims.tasks`): a
letter still `pending` whose render was never sent (the broker was down at commit) or was sent
more than `REQUEUE_AFTER` ago (its message was lost with a worker) is sent again by
`queue_pending_letters` (beat).
"""

import datetime as dt
import logging

from celery import shared_task
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from .letters import render_pdf
from .models import Decision

logger = logging.getLogger(__name__)


@shared_task(
    bind=True,
    name="maternity.tasks.render_letter",
    autoretry_for=(Exception,),
    max_retries=3,
    retry_backoff=5,
    retry_backoff_max=300,
    retry_jitter=True,
)
def render_letter(self, decision_id: int) -> str:
    return render(decision_id)


REQUEUE_AFTER = dt.timedelta(minutes=10)


@shared_task(name="maternity.tasks.queue_pending_letters")
def queue_pending_letters(limit: int = 500) -> int:
    """Send a render task for each letter still pending and not sent in the last `REQUEUE_AFTER`.

    Rows are claimed with SKIP LOCKED and marked in the same transaction: two beats never send
    one twice. A send that fails leaves its row marked; it is sent again after `REQUEUE_AFTER`.
    """
    now = timezone.now()
    with transaction.atomic():
        claimed = list(
            Decision.objects.select_for_update(skip_locked=True)
            .filter(letter_status=Decision.LetterStatus.PENDING)
            .filter(Q(letter_queued__isnull=True) | Q(letter_queued__lt=now - REQUEUE_AFTER))
            .order_by("pk")
            .values_list("pk", flat=True)[:limit]
        )
        Decision.objects.filter(pk__in=claimed).update(letter_queued=now)
    for decision_id in claimed:
        if render_letter.app.conf.task_always_eager:
            try:
                render(decision_id)
            except Exception:  # marked failed with its error; the download renders it again
                logger.exception("maternity letter of decision %s not rendered", decision_id)
        else:
            render_letter.delay(decision_id)
    return len(claimed)


def render(decision_id: int) -> str:
    """Render and store the letter; on failure mark it `failed` and re-raise (to be retried)."""
    decision = Decision.objects.select_related("application__person", "application__employer").get(
        pk=decision_id
    )
    if decision.letter_status == Decision.LetterStatus.READY and decision.letter:
        return decision.letter_status
    try:
        pdf = render_pdf(decision)
    except Exception as error:
        Decision.objects.filter(pk=decision_id).update(
            letter_status=Decision.LetterStatus.FAILED, letter_error=f"{type(error).__name__}: {error}"[:2000]
        )
        logger.warning("maternity letter of decision %s failed: %s", decision_id, error)
        raise
    with transaction.atomic():
        decision = Decision.objects.select_for_update().get(pk=decision_id)
        decision.letter.save(f"maternity-decision-{decision_id}.pdf", ContentFile(pdf), save=False)
        # a queryset update: the decision's history records the decision, not its letter
        Decision.objects.filter(pk=decision_id).update(
            letter=decision.letter.name, letter_status=Decision.LetterStatus.READY, letter_error=""
        )
    return Decision.LetterStatus.READY
