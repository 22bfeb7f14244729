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


# --- for medical assistance (assistance/ is above claims and reads settlements only through these) ---


def settled_bills(*, person, start, end):
    """The person's settled bills (not reversed) dated `start`..`end`, in date order."""
    return Settlement.objects.filter(
        person=person,
        kind=Settlement.Kind.SETTLEMENT,
        status=Settlement.Status.SETTLED,
        bill_date__gte=start,
        bill_date__lte=end,
    ).order_by("bill_date", "id")


def settlements_with_assistance(*, from_id: int = 0, limit: int = 1000):
    """Settlement and reversal rows with an assistance component, by id from `from_id` (the posting job)."""
    return (
        Settlement.objects.filter(pk__gte=from_id)
        .exclude(assistance_paid=0)
        .select_related("person")
        .order_by("pk")[:limit]
    )


def assistance_total(*, year_key=None, person=None):
    """The sum of the assistance component over settlements and reversals (the book's check)."""
    from django.db.models import Sum

    rows = Settlement.objects.all()
    if year_key is not None:
        rows = rows.filter(year_key=year_key)
    if person is not None:
        rows = rows.filter(person=person)
    return rows.aggregate(total=Sum("assistance_paid"))["total"]


def year_row(*, person, year_key: str, for_update: bool = False):
    """The person's year-to-date row of a settlement year (locked with `for_update`), or None.

    Every settlement of the person locks this row: whoever adds to its assistance figures under
    the lock is serialised with the settlement's immediate assistance.
    """
    rows = Accumulator.objects.filter(person=person, year_key=year_key)
    if for_update:
        rows = rows.select_for_update()
    return rows.first()


def year_rows(*, person):
    return Accumulator.objects.filter(person=person).order_by("year_start")
