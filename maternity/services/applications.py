"""Submitting an application: checks, assessment, idempotency on the employer's number (one transaction)."""

from __future__ import annotations

import datetime as dt
import logging

from django.db import IntegrityError, transaction
from django.utils import timezone

from enrollment.models import Employer, Person
from policy.regions import region_of

from ..assessment import Assessment, Event, MaternityError, assess, check_input
from ..models import (
    Application,
    Payment,
    allowance_kind,
    event_group,
)

logger = logging.getLogger(__name__)

# what must match for a replay of the same employer application number
REPLAY_FIELDS = ("person_id", "event_kind", "event_date", "babies", "difficult_birth", "child_order")


def _username(user) -> str:
    return getattr(user, "username", "") or ""


def _apply_assessment(application: Application, result: Assessment) -> None:
    application.eligible = result.eligible
    application.continuous_months = result.continuous_months
    application.missing_months = result.missing_months
    application.average_wage = result.average_wage
    application.days = result.days
    application.amount = result.amount
    application.reason = result.reason
    application.reason_article = result.reason_article
    application.lines = result.lines


def _event_of(application: Application) -> Event:
    return Event(
        person=application.person,
        employer=application.employer,
        event_kind=application.event_kind,
        event_date=application.event_date,
        babies=application.babies,
        difficult_birth=application.difficult_birth,
        child_order=application.child_order,
        pregnancy_months=application.pregnancy_months,
    )


def _replay(existing: Application, candidate: Application) -> Application:
    for name in REPLAY_FIELDS:
        if getattr(existing, name) != getattr(candidate, name):
            raise MaternityError(
                "employer_reference",
                f"单位申请编号 {existing.employer_reference} 已用于另一份申请（{name} 不同）",
                status=409,
            )
    return existing


@transaction.atomic
def submit(
    *,
    person: Person,
    employer: Employer | None,
    event_kind: str,
    event_date: dt.date,
    source: str,
    babies: int = 1,
    difficult_birth: bool = False,
    child_order: int = 1,
    pregnancy_months: int | None = None,
    employer_reference: str = "",
    user=None,
    acting_employer: str | None = None,
    today: dt.date | None = None,
) -> tuple[Application, bool]:
    """Record an application with its assessment; returns (application, created).

    `acting_employer` is the credit code of an employer's API client: it may only apply for
    its own registered employees. Raises MaternityError for bad input (nothing written).
    """
    today = today or timezone.localdate()
    employer_reference = (employer_reference or "").strip()
    # one submission per person at a time: the duplicate check below sees every committed one
    Person.objects.select_for_update().filter(pk=person.pk).first()
    candidate = Application(
        person=person,
        employer=employer,
        employer_reference=employer_reference,
        event_kind=event_kind,
        event_group=event_group(event_kind),
        event_date=event_date,
        babies=babies,
        difficult_birth=difficult_birth,
        child_order=child_order,
        pregnancy_months=pregnancy_months,
        source=source,
        submitted_by=_username(user),
    )
    if employer is not None and employer_reference:
        existing = Application.objects.filter(
            employer=employer, employer_reference=employer_reference
        ).first()
        if existing is not None:
            return _replay(existing, candidate), False
    event = _event_of(candidate)
    check_input(event, today=today, acting_employer=acting_employer)
    duplicate = (
        Application.objects.filter(person=person, event_group=candidate.event_group, event_date=event_date)
        .exclude(status=Application.Status.REFUSED)
        .first()
    )
    if (
        duplicate is not None
        or Payment.objects.filter(
            person=person, event_group=candidate.event_group, event_date=event_date
        ).exists()
    ):
        raise MaternityError(
            "event_date",
            f"同一事件（{event_date}）已有申请（编号 {duplicate.pk if duplicate else '-'}），不能重复申请",
            region_of(person.region).article("maternity.allowance_days"),
            status=409,
        )
    candidate.allowance_kind = allowance_kind(event_kind)
    candidate.region = person.region
    candidate.district = employer.district if employer is not None else _person_district(person, event_date)
    _apply_assessment(candidate, assess(event))
    try:
        with transaction.atomic():
            candidate.save()
    except IntegrityError:
        # a concurrent submission of the same number or event won: return it, or refuse
        if employer is not None and employer_reference:
            existing = Application.objects.filter(
                employer=employer, employer_reference=employer_reference
            ).first()
            if existing is not None:
                return _replay(existing, candidate), False
        raise MaternityError(
            "event_date", f"同一事件（{event_date}）已有申请，不能重复申请", status=409
        ) from None
    logger.info("maternity application %s submitted (%s)", candidate.pk, source)
    return candidate, True


def _person_district(person: Person, on: dt.date) -> str:
    from enrollment.selectors import enrolment_on

    enrolment = enrolment_on(person, on)
    return enrolment.district if enrolment else (person.residence_district or person.hukou_district)
