"""The arrears check: suspension rows that mirror the derived benefit status (reading 1).

Benefit status is derived from the payment records (`enrollment.selectors.benefit_status`,
`policy.coverage`); it never reads these rows. The rows are there for clerks: each month of
a monthly-paying enrolment not paid on time, from when benefits are suspended, when it was
paid and when benefits return, with the article. Writing them is idempotent: a run at any
time, any number of times, writes the same rows and never changes a status.
"""

from __future__ import annotations

import datetime as dt
import logging

from django.db import IntegrityError, transaction

from enrollment.models import Enrolment, Person, Scheme, Suspension
from enrollment.selectors import coverage_facts
from policy import coverage as coverage_rules
from policy.parameters import ParameterError
from policy.regions import region_of

from ..selectors import MONTHLY_CATEGORIES

log = logging.getLogger(__name__)


def _params_on(region):
    views = {}

    def view(day: dt.date):
        if day not in views:
            views[day] = region.parameters(day)
        return views[day]

    return view


def mirror_person(person: Person, *, until: dt.date, create: bool = True) -> int:
    """Write (or correct) the suspension rows of one person's enrolments up to `until`.

    Returns the number of rows created. With `create=False` only rows that exist are corrected
    (a payment recorded after the check).
    """
    region = region_of(person.region)
    enrolments = list(person.enrolments.all())
    transfers = list(person.transfers.all())
    facts = coverage_facts(person, enrolments, transfers)
    params_on = _params_on(region)
    created = 0
    for enrolment in enrolments:
        if enrolment.scheme != Scheme.EMPLOYEE or enrolment.category not in MONTHLY_CATEGORIES:
            continue
        span = next(s for s in facts.spans if s.id == enrolment.pk)
        try:
            derived = coverage_rules.suspensions(facts, span, until, params_on)
        except ParameterError as error:
            log.warning("arrears check skipped enrolment %s: %s", enrolment.pk, error)
            continue
        existing = {s.unpaid_month: s for s in enrolment.suspensions.all()}
        for row in derived:
            values = {
                "suspended_from": row.suspended_from,
                "lifted_on": row.paid_on,
                "restored_from": row.restored_from,
                "article": region.article(row.key),
            }
            current = existing.get(row.unpaid_month)
            if current is None:
                if create:
                    try:
                        with transaction.atomic():  # a concurrent run may have written it a moment ago
                            Suspension.objects.create(enrolment=enrolment, unpaid_month=row.unpaid_month, **values)
                    except IntegrityError:
                        continue
                    created += 1
            elif any(getattr(current, k) != v for k, v in values.items()):
                _update(current, values)
        derived_months = {row.unpaid_month for row in derived}
        for month, current in existing.items():
            payment = facts.paid.get(month)
            if month not in derived_months and payment is not None:
                # paid inside a window that covers the period: no suspension after all
                values = {"lifted_on": payment.paid_on, "restored_from": current.suspended_from}
                if any(getattr(current, k) != v for k, v in values.items()):
                    _update(current, values)
    return created


def _update(row: Suspension, values: dict) -> None:
    for k, v in values.items():
        setattr(row, k, v)
    row.save(update_fields=list(values))


@transaction.atomic
def check_arrears(*, on: dt.date) -> int:
    """Mirror, for every monthly-paying employee enrolment, the suspensions begun by `on`.

    One row per enrolment and month (unique); running twice writes nothing new. Returns the
    number of rows created.
    """
    persons = (
        Person.objects.filter(
            enrolments__scheme=Scheme.EMPLOYEE,
            enrolments__category__in=list(MONTHLY_CATEGORIES),
            enrolments__start_date__lt=on,
        )
        .distinct()
        .prefetch_related("enrolments__suspensions", "transfers")
    )
    created = sum(mirror_person(person, until=on) for person in persons)
    log.info("arrears check on %s: %d suspensions written", on, created)
    return created


def lift_suspensions(*, enrolment: Enrolment, months: list[dt.date], paid_on: dt.date) -> int:
    """After a payment, correct the rows already written (paid on, restored from), as the derivation says."""
    if not enrolment.suspensions.exists():
        return 0
    person = Person.objects.get(pk=enrolment.person_id)
    mirror_person(person, until=max(paid_on, *months) if months else paid_on, create=False)
    return len(months)
