"""Batch work: the monthly arrears check (beat: `monthly-arrears-check`, 1st of the month)."""

import datetime as dt
import logging

from celery import shared_task
from django.utils import timezone

from .services import check_arrears as check_arrears_service

logger = logging.getLogger(__name__)


@shared_task(name="contributions.tasks.check_arrears", acks_late=True)
def check_arrears(on: str | None = None) -> int:
    """Suspend from the next month every person with an unpaid month (杭州 art. 15; 舟山 art. 14).

    `on` (ISO date) defaults to today; months that ended before it are checked. Safe to run
    twice or to retry: a suspension is written once per enrolment and month.
    """
    day = dt.date.fromisoformat(on) if on else timezone.localdate()
    created = check_arrears_service(on=day)
    logger.info("check_arrears(%s): %d new suspensions", day, created)
    return created
