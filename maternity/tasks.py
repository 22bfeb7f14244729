"""Decision letters (核定通知书), rendered after the decision's transaction committed.

A failed render marks the letter `failed` with the error and is retried; the decision itself
is never touched. The download view renders a letter that is not ready yet.
"""

import logging

from celery import shared_task
from django.core.files.base import ContentFile
from django.db import transaction

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
