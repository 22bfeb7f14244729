"""Reads of medical assistance: who is a recipient, a person's year against the caps, the book, the report."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Sum
from django.db.models.functions import TruncMonth

from claims import selectors as claims_selectors
from enrollment import selectors as enrollment_selectors
from policy import assistance as rules
from policy.money import ZERO
from policy.parameters import ParameterError
from policy.regions import region_of

from .models import AssistancePosting, Channel, SpecialCase


def recipient_on(person, on: dt.date):
    """Is `person` a recipient on `on` (kind, group, since, article): the engine's answer too."""
    return enrollment_selectors.recipient_on(person, on)


def district_on(person, on: dt.date) -> str:
    """The district of the person's enrolment on `on` (the fund's 辖区, 杭州 art. 46)."""
    enrolment = enrollment_selectors.enrolment_on(person, on)
    if enrolment is not None:
        return enrolment.district
    return person.hukou_district or person.residence_district or "-"


def insured_on(person, on: dt.date):
    """(insured?, reason, article) from enrollment's benefit status."""
    status = enrollment_selectors.benefit_status(person=person, on=on)
    return status.eligible, status.reason, status.article


def year_key_of(person, on: dt.date) -> str:
    """The settlement year of `on` for the person (the year rows' key)."""
    from policy.settlement.types import PersonProfile
    from policy.settlement.year import settlement_year

    status = enrollment_selectors.benefit_status(person=person, on=on)
    profile = PersonProfile(
        region=person.region,
        scheme=status.scheme or "resident",
        category=status.category or "adult_tier1",
        age=0,
    )
    return settlement_year(profile, on).key


@dataclass
class YearSummary:
    """A person's assistance in one settlement year, against the caps (portal, review, API)."""

    year_key: str
    recipient: rules.Recipient | None
    immediate: Decimal = ZERO
    posthoc: Decimal = ZERO
    special: Decimal = ZERO
    used_total: Decimal = ZERO  # counted against the caps (immediate + post-hoc)
    used_outpatient: Decimal = ZERO
    outpatient_cap: Decimal | None = None
    annual_cap: Decimal | None = None
    outpatient_left: Decimal | None = None
    annual_left: Decimal | None = None
    cash_paid: Decimal = ZERO
    cap_articles: list[str] = field(default_factory=list)
    missing: str = ""  # a figure the caps need is not set (named, with its article)

    @property
    def total(self) -> Decimal:
        return self.immediate + self.posthoc + self.special


def year_summary(*, person, on: dt.date) -> YearSummary:
    """The settlement year containing `on`: paid by channel, the caps and what is left under them."""
    key = year_key_of(person, on)
    recipient = recipient_on(person, on)
    summary = YearSummary(year_key=key, recipient=recipient)
    row = claims_selectors.year_row(person=person, year_key=key)
    state = row.state if row is not None else {}
    summary.used_total = Decimal(state.get("assistance_paid", "0")).quantize(Decimal("0.01"))
    summary.used_outpatient = Decimal(state.get("assistance_outpatient_paid", "0")).quantize(Decimal("0.01"))
    by_channel = dict(
        AssistancePosting.objects.filter(person=person, year_key=key)
        .values_list("channel")
        .annotate(total=Sum("amount"))
    )
    summary.posthoc = -(by_channel.get(Channel.POSTHOC) or ZERO)
    summary.special = -(by_channel.get(Channel.SPECIAL) or ZERO)
    # immediate: from the settlements themselves (the book follows them through the posting job)
    cents = Decimal("0.01")  # SQLite's sums lose the scale: shown as money either way
    summary.immediate = (claims_selectors.assistance_total(year_key=key, person=person) or ZERO).quantize(
        cents
    )
    summary.cash_paid = (
        claims_selectors.settlements_of(person=person).filter(year_key=key).aggregate(t=Sum("cash_paid"))["t"]
        or ZERO
    ).quantize(cents)
    if recipient is not None:
        try:
            caps = rules.caps_for(
                person.region,
                recipient,
                region_of(person.region).parameters(on),
                used_total=summary.used_total,
                used_outpatient=summary.used_outpatient,
            )
        except ParameterError as error:
            summary.missing = str(error)
        else:
            summary.outpatient_cap, summary.annual_cap = caps.outpatient_cap, caps.annual_cap
            if caps.outpatient_cap is not None:
                summary.outpatient_left = caps.room(True)
                summary.cap_articles.append(caps.outpatient_cap_article)
            if caps.annual_cap is not None:
                summary.annual_left = caps.room(False)
                summary.cap_articles.append(caps.annual_cap_article)
    return summary


def paid_in_year(*, person, year: int) -> dict:
    """Assistance paid to a person in a calendar year, by channel, from the fund book (civil affairs API)."""
    rows = (
        AssistancePosting.objects.filter(person=person, posted_on__year=year)
        .values_list("channel")
        .annotate(total=Sum("amount"))
    )
    paid = {channel: ZERO for channel in Channel.values}
    for channel, total in rows:
        paid[channel] = -total
    paid["total"] = sum(paid.values(), ZERO)
    return paid


def cases_of(*, person):
    return (
        SpecialCase.objects.filter(person=person)
        .prefetch_related("attachments")
        .order_by("-applied_at", "-id")
    )


def review_queue():
    """The cases waiting for a clerk: applied (审核) and under review (联席会议), oldest first."""
    return SpecialCase.objects.filter(
        status__in=[SpecialCase.Status.APPLIED, SpecialCase.Status.UNDER_REVIEW, SpecialCase.Status.APPROVED]
    ).order_by("applied_at", "id")


# --- the report --------------------------------------------------------------------------

DIMENSIONS = ("month", "district", "certificate_kind", "channel")


def report(*, start: dt.date | None = None, end: dt.date | None = None, by: str = "month") -> list[dict]:
    """Assistance paid, grouped by `by` (month, district, recipient kind, channel) and channel.

    Rows: {"key", "label", "immediate", "posthoc", "special", "total", "count"}; paid amounts positive.
    """
    if by not in DIMENSIONS:
        raise ValueError(by)
    rows = AssistancePosting.objects.all()
    if start:
        rows = rows.filter(posted_on__gte=start)
    if end:
        rows = rows.filter(posted_on__lte=end)
    if by == "month":
        rows = rows.annotate(group=TruncMonth("posted_on"))
    else:
        from django.db.models import F

        rows = rows.annotate(group=F(by))
    grouped: dict = defaultdict(lambda: {ch: ZERO for ch in Channel.values} | {"count": 0})
    for group, channel, total, count in (
        rows.values_list("group", "channel").annotate(total=Sum("amount"), count=_count()).order_by("group")
    ):
        key = group.strftime("%Y-%m") if by == "month" and group else (group or "-")
        grouped[key][channel] += -total
        grouped[key]["count"] += count
    out = []
    for key in sorted(grouped):
        row = grouped[key]
        out.append(
            {
                "key": key,
                "label": _label(by, key),
                **{ch: row[ch] for ch in Channel.values},
                "total": sum((row[ch] for ch in Channel.values), ZERO),
                "count": row["count"],
            }
        )
    return out


def _count():
    from django.db.models import Count

    return Count("id")


def _label(by: str, key: str) -> str:
    if by == "certificate_kind":
        return rules.KIND_NAMES.get(key, key)
    if by == "channel":
        return str(Channel(key).label) if key in Channel.values else key
    return key


def book_balance() -> dict:
    """The book against its sources: immediate vs settlements, post-hoc vs items, special vs cases."""
    from .models import PostHocItem

    def total(qs, name="amount"):
        return qs.aggregate(t=Sum(name))["t"] or ZERO

    book = {ch: -total(AssistancePosting.objects.filter(channel=ch)) for ch in Channel.values}
    sources = {
        Channel.IMMEDIATE: claims_selectors.assistance_total() or ZERO,
        Channel.POSTHOC: total(PostHocItem.objects.filter(application__status="paid")),
        Channel.SPECIAL: total(SpecialCase.objects.filter(status=SpecialCase.Status.PAID), "amount_approved"),
    }
    return {
        "book": book,
        "sources": sources,
        "balanced": all(book[ch] == sources[ch] for ch in Channel.values),
    }


@dataclass(frozen=True)
class CaseMove:
    """One move of a special case (its history): when, from which state to which, by whom, with what."""

    at: dt.datetime
    from_label: str
    to_label: str
    user: str
    note: str


def case_moves(case: SpecialCase) -> list[CaseMove]:
    """The case's moves, oldest first, read from its history (every save by a service is a history row)."""
    labels = dict(SpecialCase.Status.choices)
    moves: list[CaseMove] = []
    previous = None
    by_whom = {
        SpecialCase.Status.APPLIED: "applied_by",
        SpecialCase.Status.UNDER_REVIEW: "reviewed_by",
        SpecialCase.Status.REJECTED: "reviewed_by",
        SpecialCase.Status.APPROVED: "decided_by",
        SpecialCase.Status.REFUSED: "decided_by",
        SpecialCase.Status.PAID: "paid_by",
    }
    for row in case.history.order_by("history_date", "history_id").select_related("history_user"):
        if row.status == previous:
            continue
        who = getattr(row, by_whom.get(row.status, "history_user"), None) or row.history_user
        note = {
            SpecialCase.Status.UNDER_REVIEW: row.review_note,
            SpecialCase.Status.REJECTED: row.review_note,
            SpecialCase.Status.APPROVED: f"{row.minutes_number} {row.amount_approved or ''}".strip(),
            SpecialCase.Status.REFUSED: f"{row.minutes_number} {row.refusal_reason}".strip(),
            SpecialCase.Status.PAID: f"{row.paid_on or ''}",
            SpecialCase.Status.APPLIED: f"{row.amount_requested}",
        }.get(row.status, "")
        moves.append(
            CaseMove(
                at=row.history_date,
                from_label=str(labels.get(previous, "")) if previous else "",
                to_label=str(labels.get(row.status, row.status)),
                user=who.get_username() if who else "",
                note=note,
            )
        )
        previous = row.status
    return moves


def case_year_day(case: SpecialCase, today: dt.date) -> dt.date:
    """A day of the case's year for its person's year summary: today in the current year, else 31 December."""
    return today if today.year == case.year else dt.date(case.year, 12, 31)
