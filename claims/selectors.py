"""Reads of claims for the portal and the admin: a person's settlements and their statements."""

from django.urls import reverse

from .models import Settlement, Statement


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
