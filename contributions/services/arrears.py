"""The arrears check and lifting suspensions (杭州 art. 15, 16; 舟山 art. 14, 15)."""

from __future__ import annotations

import datetime as dt
import logging

from django.db import transaction

from core import dates
from enrollment.models import (
    Category,
    Enrolment,
    Scheme,
    Suspension,
)

from ..selectors import MONTHLY_CATEGORIES, paid_months, unpaid_months
from .common import _params

log = logging.getLogger(__name__)

# --- arrears and suspensions -------------------------------------------------------------


def _suspended_from(region: str, month: dt.date) -> dt.date:
    """杭州 art. 15: the month after; 舟山 art. 14: the Nth natural month counting the unpaid month as the first."""
    if region == "zhoushan":
        natural = int(_params(region, month)["enrolment.arrears_suspension_natural_month"])
        return dates.add_months(month, natural - 1)
    return dates.next_month(month)


def _suspension_article(region: str) -> str:
    return "舟山 第十四条" if region == "zhoushan" else "杭州 第十五条第二款"


@transaction.atomic
def check_arrears(*, on: dt.date) -> int:
    """Suspend, from the next month, every enrolment with an unpaid month ended before `on`.

    One row per enrolment and month (unique), so running twice suspends nobody twice.
    Returns the number of suspensions written.
    """
    created = 0
    enrolments = (
        Enrolment.objects.filter(
            scheme=Scheme.EMPLOYEE, category__in=list(MONTHLY_CATEGORIES), start_date__lt=on
        )
        .exclude(end_date__lt=dates.add_months(dates.month_start(on), -1))
        .select_related("person")
    )
    for enrolment in enrolments:
        if enrolment.first_paid_on is None:
            continue  # benefits never started (art. 15): nothing to suspend
        existing = set(enrolment.suspensions.values_list("unpaid_month", flat=True))
        paid = paid_months(person=enrolment.person)
        first_paid = min((m for m in paid if m >= dates.month_start(enrolment.start_date)), default=None)
        for month in unpaid_months(enrolment=enrolment, until=on):
            if month in existing or first_paid is None or month < first_paid:
                continue
            _suspension, was_created = Suspension.objects.get_or_create(
                enrolment=enrolment,
                unpaid_month=month,
                defaults={
                    "suspended_from": _suspended_from(enrolment.region, month),
                    "article": _suspension_article(enrolment.region),
                },
            )
            created += int(was_created)
    log.info("arrears check on %s: %d suspensions written", on, created)
    return created


def lift_suspensions(*, enrolment: Enrolment, months: list[dt.date], paid_on: dt.date) -> int:
    """A payment for suspended months restores benefits as the articles say.

    杭州: from the month after payment (art. 16 ¶2); if the unpaid run was 3 months or more and
    the person pays for themselves, it is an interruption and benefits return after the
    waiting period (art. 16(1)). 舟山: a payment within 3 months covers the period (art. 14, 15),
    otherwise from the month after payment.
    """
    suspensions = list(enrolment.suspensions.filter(unpaid_month__in=months, lifted_on__isnull=True))
    if not suspensions:
        return 0
    all_unpaid = sorted(enrolment.suspensions.values_list("unpaid_month", flat=True))
    for suspension in suspensions:
        if enrolment.region == "zhoushan":
            window = int(_params(enrolment.region, paid_on)["enrolment.back_payment_window_months"])
            if paid_on < dates.add_months(suspension.unpaid_month, window + 1):
                restored, art = suspension.suspended_from, "舟山 第十四条、第十五条"
            else:
                restored, art = dates.next_month(paid_on), "舟山 第十四条"
        else:
            params = _params(enrolment.region, paid_on)
            run = _run_length(all_unpaid, suspension.unpaid_month)
            restored, art = dates.next_month(paid_on), "杭州 第十六条第二款"
            if run >= int(params["enrolment.interruption_months"]) and enrolment.category != Category.ACTIVE:
                waiting = int(params["enrolment.employee_waiting_months"])
                restored = dates.add_months(dates.month_start(paid_on), waiting)
                art = "杭州 第十六条第(一)项"
        suspension.lifted_on = paid_on
        suspension.restored_from = restored
        suspension.article = art
        suspension.save(update_fields=["lifted_on", "restored_from", "article"])
    return len(suspensions)


def _run_length(months: list[dt.date], month: dt.date) -> int:
    """Length of the run of consecutive unpaid months containing `month`."""
    present = set(months)
    length = 1
    probe = dates.add_months(month, -1)
    while probe in present:
        length += 1
        probe = dates.add_months(probe, -1)
    probe = dates.add_months(month, 1)
    while probe in present:
        length += 1
        probe = dates.add_months(probe, 1)
    return length
