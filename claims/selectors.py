"""Reads of claims for the portal and the admin: a person's settlements and their statements."""

from django.urls import reverse

from policy.money import ZERO
from policy.settlement import YearState

from .models import Accumulator, Settlement, Statement


def settlements_of(*, person):
    """The person's settlements and reversals, newest first, with institution and statement."""
    return (
        Settlement.objects.filter(person=person)
        .select_related("institution", "statement")
        .order_by("-bill_date", "-id")
    )


def statement_url(settlement: Settlement) -> str:
    """Where the person (or a clerk) downloads the statement PDF; rendered on demand if not ready."""
    return reverse("claims-statement-pdf", args=[settlement.pk])


def statement_ready(settlement: Settlement) -> bool:
    statement = getattr(settlement, "statement", None)
    return bool(statement and statement.status == Statement.Status.READY and statement.file)


def outpatient_deductible_paid(person_id: int, year: int):
    """The outpatient deductible the person paid in `year` (the year's accumulator; zero without one)."""
    state = (
        Accumulator.objects.filter(person_id=person_id, year_key=f"{year:04d}")
        .values_list("state", flat=True)
        .first()
    )
    return YearState.from_dict(state).outpatient_deductible_paid if state else ZERO
