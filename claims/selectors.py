"""Reads of claims for the portal and the admin: a person's settlements and their statements."""

from django.urls import reverse

from policy.money import ZERO
from policy.settlement import YearState

from .models import Accumulator, Institution, Settlement, Statement


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


# --- for institutions/ (clearing, DRG year-end, supervision read settlements through these) ---


def direct_settlements():
    """Settlements and reversals institutions settled directly (API): what the agency owes them."""
    return Settlement.objects.filter(source=Settlement.Source.API, institution__isnull=False)


def settlement_table() -> str:
    """The settlements' table, for set-based statements that assign rows to a clearing."""
    return Settlement._meta.db_table


def institutions_by_id(ids) -> dict:
    """Institution id -> its code, name, region, level and kind (plain values)."""
    return {
        row["pk"]: row
        for row in Institution.objects.filter(pk__in=list(ids)).values(
            "pk", "code", "name", "region", "level", "kind"
        )
    }


def institution_by_code(code: str):
    return Institution.objects.filter(code=code).first()
