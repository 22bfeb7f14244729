"""Monthly clearing (月度清算): the higher part, above claims (reads settlements through claims.selectors).

For each institution and month the agency owes the settled bills, net of reversals, per
fund: the basic fund's pooled payment, the catastrophic insurance, medical assistance and
the personal accounts. Amounts withheld and recovered on the institution's agreement are
deducted, a withheld amount once released is paid back.

Assignment, not dates, decides what a clearing pays. Drawing up month M gives the
institution's clearing of M every direct settlement or reversal dated up to the end of M
that no clearing holds yet (`ClearingEntry`, one row per settlement, keyed by it). So a
late reversal or a bill that arrives after M was approved falls into the next clearing
drawn up, never into the approved one, whose entries never change. A draft may be drawn
up again: it keeps its entries and takes what has arrived since.

Everything is set-based (one INSERT … SELECT assigns the month's rows of every
institution, one GROUP BY totals them), so a month of a city clears in seconds
(bench/clearing.py).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import Exists, F, OuterRef, Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from claims import selectors as claims_selectors
from policy.money import CENT, ZERO
from policy.regions import region_of

from .models import Agreement, Breach, Clearing, ClearingDeduction, ClearingEntry

FUNDS = (
    # clearing field, settlement fields it sums, words
    ("pooled", ("basic_fund_paid",), "基本医保统筹基金支付"),
    ("catastrophic", ("catastrophic_paid",), "大病保险支付"),
    ("assistance", ("assistance_paid",), "医疗救助支付"),
    (
        "personal_accounts",
        # a relative's historical funds under family mutual aid are personal-account money too
        ("current_funds_paid", "historical_funds_paid", "mutual_aid_paid"),
        "个人账户支付（当年资金、历年资金，含家庭共济）",
    ),
)
SUMMED = tuple(name for _field, names, _words in FUNDS for name in names)


def month_start(day: dt.date) -> dt.date:
    return day.replace(day=1)


def month_end(month: dt.date) -> dt.date:
    following = (month.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    return following - dt.timedelta(days=1)


def next_month(month: dt.date) -> dt.date:
    return month_end(month) + dt.timedelta(days=1)


# --- drawing up -------------------------------------------------------------------------------


def draw_up(*, month: dt.date, institution_ids=None, today: dt.date | None = None) -> list[Clearing]:
    """Draw up (or again, while a draft) the clearings of `month`; returns the drafts of the month.

    A clearing is drawn up for every institution with unassigned direct settlements dated
    up to the month's end, with a deduction waiting, or with an agreement in force in the
    month (a zero clearing, so that the month counts as cleared for it). An institution
    whose clearing of this month is approved, or which has a clearing of a later month,
    is left alone: what it has unassigned goes to its next clearing.
    """
    today = today or timezone.localdate()
    first, last = month_start(month), month_end(month)
    if last >= today:
        raise ValidationError({"month": _("%(month)s 尚未结束，不能清算") % {"month": f"{first:%Y-%m}"}})
    only = set(institution_ids) if institution_ids is not None else None
    with transaction.atomic():
        _lock()
        unassigned = _unassigned(last)
        if only is not None:
            unassigned = unassigned.filter(institution_id__in=only)
        with _candidates(unassigned) as candidates:
            wanted = candidates.institutions()
            agreements = Agreement.objects.exclude(state=Agreement.State.DRAFT).filter(
                start_date__lte=last, end_date__gte=first
            )
            wanted |= set(agreements.values_list("institution_id", flat=True))
            wanted |= set(_pending_breaches(last).values_list("agreement__institution_id", flat=True))
            if only is not None:
                wanted &= only
            later = set(
                Clearing.objects.filter(month__gt=first, institution_id__in=wanted).values_list(
                    "institution_id", flat=True
                )
            )
            existing = set(
                Clearing.objects.filter(month=first, institution_id__in=wanted).values_list(
                    "institution_id", flat=True
                )
            )
            info = claims_selectors.institutions_by_id(wanted - later - existing)
            Clearing.objects.bulk_create(
                [Clearing(institution_id=pk, month=first, region=row["region"]) for pk, row in info.items()]
            )
            drafts = list(
                Clearing.objects.select_for_update()
                .filter(month=first, state=Clearing.State.DRAFT)
                .order_by("pk")
            )
            if only is not None:
                drafts = [draft for draft in drafts if draft.institution_id in only]
            if not drafts:
                return []
            candidates.assign(drafts)
            _add_totals(drafts, candidates.sums(drafts))
        _deduct(drafts, last)
        _save(drafts)
    return drafts


def _lock() -> None:
    """One draw-up at a time (PostgreSQL: a transaction advisory lock; SQLite writes one at a time anyway)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [LOCK_KEY])


LOCK_KEY = 7_190_001  # institutions' clearing draw-up


class _candidates:
    """The unassigned settlements of a draw-up, copied once into a temporary table.

    Selecting them in the INSERT that assigns them would make the planner look for each
    row in the entries table the statement is filling; copied first, the anti-join runs
    once, and the totals are summed from the copy with no join.
    """

    TABLE = "institutions_clearing_candidates"

    def __init__(self, queryset):
        # explicit names: the temporary table's columns (t.sid, t.inst, t.kind_, t.a_<amount>)
        self.queryset = queryset.order_by().values(
            sid=F("pk"),
            inst=F("institution_id"),
            kind_=F("kind"),
            **{f"a_{name}": F(name) for name in SUMMED},
        )

    def __enter__(self):
        sql, params = self.queryset.query.sql_with_params()
        with connection.cursor() as cursor:
            cursor.execute(f"DROP TABLE IF EXISTS {self.TABLE}")
            cursor.execute(f"CREATE TEMPORARY TABLE {self.TABLE} AS {sql}", params)
        return self

    def __exit__(self, *exc):
        with connection.cursor() as cursor:
            cursor.execute(f"DROP TABLE IF EXISTS {self.TABLE}")
        return False

    def institutions(self) -> set[int]:
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT DISTINCT inst FROM {self.TABLE}")
            return {row[0] for row in cursor.fetchall()}

    def _drafts_join(self, drafts) -> tuple[str, list]:
        """The candidates joined to their institution's draft of the month (by the clearing's unique key)."""
        clearing = connection.ops.quote_name(Clearing._meta.db_table)
        return (
            f"FROM {self.TABLE} t JOIN {clearing} c ON c.institution_id = t.inst AND c.month = %s AND c.state = %s",
            [drafts[0].month, Clearing.State.DRAFT],
        )

    def assign(self, drafts) -> None:
        entry = connection.ops.quote_name(ClearingEntry._meta.db_table)
        join, params = self._drafts_join(drafts)
        with connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {entry} (settlement_id, clearing_id) SELECT t.sid, c.id {join}", params
            )

    def sums(self, drafts) -> dict:
        join, params = self._drafts_join(drafts)
        amounts = ", ".join(f"SUM(t.a_{name})" for name in SUMMED)
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT c.id, SUM(CASE WHEN t.kind_ = 'settlement' THEN 1 ELSE 0 END), "
                f"SUM(CASE WHEN t.kind_ = 'reversal' THEN 1 ELSE 0 END), {amounts} {join} GROUP BY c.id",
                params,
            )
            return {
                row[0]: {
                    "n_settlements": row[1],
                    "n_reversals": row[2],
                    **{name: _money(row[3 + index]) for index, name in enumerate(SUMMED)},
                }
                for row in cursor.fetchall()
            }


def _money(value) -> Decimal:
    """A sum as the database gives it (Decimal on PostgreSQL, maybe a float on SQLite), to the fen."""
    return Decimal(str(value or 0)).quantize(CENT)


def _add_totals(drafts: list[Clearing], sums: dict) -> None:
    """Add what was assigned now to each draft's totals (a draft's entries only ever grow)."""
    for clearing in drafts:
        row = sums.get(clearing.pk, {})
        clearing.settlements += row.get("n_settlements", 0)
        clearing.reversals += row.get("n_reversals", 0)
        for field, names, _words in FUNDS:
            setattr(
                clearing, field, getattr(clearing, field) + sum((row.get(name, ZERO) for name in names), ZERO)
            )
        clearing.gross = sum((getattr(clearing, field) for field, _n, _w in FUNDS), ZERO)


SAVED = (
    "settlements",
    "reversals",
    *[field for field, _names, _words in FUNDS],
    "gross",
    "withheld",
    "released",
    "recovered",
    "net",
    "lines",
)


def _save(drafts: list[Clearing]) -> None:
    """One UPDATE per draft, sent together (executemany; pipelined on PostgreSQL)."""
    table = connection.ops.quote_name(Clearing._meta.db_table)
    columns = ", ".join(f"{connection.ops.quote_name(name)} = %s" for name in SAVED)
    lines = Clearing._meta.get_field("lines")
    with connection.cursor() as cursor:
        cursor.executemany(
            f"UPDATE {table} SET {columns} WHERE id = %s",
            [
                [
                    *[getattr(clearing, name) for name in SAVED[:-1]],
                    lines.get_db_prep_value(clearing.lines, connection),
                    clearing.pk,
                ]
                for clearing in drafts
            ],
        )


def _unassigned(last: dt.date):
    return (
        claims_selectors.direct_settlements()
        .filter(bill_date__lte=last)
        .filter(~Exists(ClearingEntry.objects.filter(settlement_id=OuterRef("pk"))))
    )


def _pending_breaches(last: dt.date):
    """Breaches whose amount the next clearing drawn up deducts (withhold, recover) or pays back (a lifted withholding).

    Whatever the month: an amount recorded today is deducted from the next clearing drawn up.
    (`last`, the month's end, is kept for the signature; the deduction does not wait for a later month.)
    """
    withheld = ClearingDeduction.objects.filter(breach=OuterRef("pk"), kind=ClearingDeduction.Kind.WITHHOLD)
    released = ClearingDeduction.objects.filter(breach=OuterRef("pk"), kind=ClearingDeduction.Kind.RELEASE)
    recovered = ClearingDeduction.objects.filter(breach=OuterRef("pk"), kind=ClearingDeduction.Kind.RECOVER)
    return Breach.objects.filter(
        Q(sanction=Breach.Sanction.WITHHOLD) & ~Exists(withheld)
        | Q(sanction=Breach.Sanction.WITHHOLD, lifted_on__isnull=False) & Exists(withheld) & ~Exists(released)
        | Q(sanction=Breach.Sanction.RECOVER) & ~Exists(recovered)
    )


def _deduct(drafts: list[Clearing], last: dt.date) -> None:
    """Deductions of the drafts, again from scratch (a draft's earlier ones are put back first); the lines."""
    ClearingDeduction.objects.filter(clearing__in=drafts).delete()
    by_institution = {clearing.institution_id: clearing for clearing in drafts}
    deductions = []
    for clearing in drafts:
        clearing.withheld = clearing.released = clearing.recovered = ZERO
    breaches = (
        _pending_breaches(last)
        .filter(agreement__institution_id__in=by_institution)
        .select_related("agreement")
    )
    for breach in breaches.order_by("pk"):
        clearing = by_institution[breach.agreement.institution_id]
        if breach.sanction == Breach.Sanction.RECOVER:
            kind, amount = ClearingDeduction.Kind.RECOVER, breach.amount
            clearing.recovered += amount
        elif breach.deductions.filter(kind=ClearingDeduction.Kind.WITHHOLD).exists():
            kind, amount = ClearingDeduction.Kind.RELEASE, -breach.amount
            clearing.released += breach.amount
        else:
            kind, amount = ClearingDeduction.Kind.WITHHOLD, breach.amount
            clearing.withheld += amount
        deductions.append(ClearingDeduction(clearing=clearing, breach=breach, kind=kind, amount=amount))
    ClearingDeduction.objects.bulk_create(deductions)
    mine = {}
    for deduction in deductions:
        mine.setdefault(deduction.clearing_id, []).append(deduction)
    for clearing in drafts:
        clearing.net = clearing.gross - clearing.withheld - clearing.recovered + clearing.released
        clearing.lines = explanation(clearing, mine.get(clearing.pk, []))


def explanation(clearing: Clearing, deductions) -> list[dict]:
    article = region_of(clearing.region).article("institutions.clearing")
    lines = [
        {
            "article": article,
            "text": _("%(words)s（结算 %(n)s 笔，冲正 %(r)s 笔，已抵减）")
            % {"words": words, "n": clearing.settlements, "r": clearing.reversals},
            "amount": f"{getattr(clearing, field):.2f}",
        }
        for field, _names, words in FUNDS
    ]
    for deduction in deductions:
        breach = deduction.breach
        lines.append(
            {
                "article": breach.article,
                "text": _("%(kind)s：协议 %(number)s，%(found)s 认定，%(description)s")
                % {
                    "kind": deduction.get_kind_display(),
                    "number": breach.agreement.number,
                    "found": breach.found_on.isoformat(),
                    "description": breach.description[:80],
                },
                "amount": f"{-deduction.amount:.2f}",
            }
        )
    lines.append({"article": article, "text": _("本月实际拨付"), "amount": f"{clearing.net:.2f}"})
    return lines


# --- approval and payment -----------------------------------------------------------------------


def approve(*, clearing: Clearing, user) -> Clearing:
    """A review clerk approves a draft: its entries and amounts are final; the PDF statement is queued."""
    with transaction.atomic():
        clearing = Clearing.objects.select_for_update().get(pk=clearing.pk)
        if clearing.state != Clearing.State.DRAFT:
            raise ValidationError(
                {"state": _("该清算已于 %(at)s 审核，不能重复审核") % {"at": _when(clearing.approved_at)}}
            )
        if (
            clearing.approved_by_id is None
            and user is not None
            and not getattr(user, "is_authenticated", False)
        ):
            user = None
        clearing.state = Clearing.State.APPROVED
        clearing.approved_by = user
        clearing.approved_at = timezone.now()
        clearing.pdf_status = Clearing.PdfStatus.PENDING
        clearing.save(update_fields=["state", "approved_by", "approved_at", "pdf_status"])
        clearing_id = clearing.pk
        transaction.on_commit(lambda: queue_pdf(clearing_id))
    return clearing


def record_payment(*, clearing: Clearing, paid_on: dt.date, reference: str, user) -> Clearing:
    if not reference:
        raise ValidationError({"payment_reference": _("须填写拨付凭证号")})
    with transaction.atomic():
        clearing = Clearing.objects.select_for_update().get(pk=clearing.pk)
        if clearing.state == Clearing.State.PAID:
            raise ValidationError({"state": _("该清算已登记拨付")})
        if clearing.state != Clearing.State.APPROVED:
            raise ValidationError({"state": _("清算须先审核，才能登记拨付")})
        clearing.state, clearing.paid_on, clearing.payment_reference = Clearing.State.PAID, paid_on, reference
        clearing.paid_by = user if getattr(user, "is_authenticated", False) else None
        clearing.save(update_fields=["state", "paid_on", "payment_reference", "paid_by"])
    return clearing


def _when(moment) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M") if moment else "-"


def queue_pdf(clearing_id: int) -> None:
    """Render the statement (Celery; in process without a broker); a failure marks it, never the clearing."""
    from .tasks import render_clearing

    try:
        render_clearing.delay(clearing_id)
    except Exception as error:  # the statement stays pending/failed; a clerk renders it again
        Clearing.objects.filter(pk=clearing_id).update(
            pdf_status=Clearing.PdfStatus.FAILED, pdf_error=f"{type(error).__name__}: {error}"[:2000]
        )


# --- reads ---------------------------------------------------------------------------------------


def month_cleared(region: str, month: dt.date) -> bool:
    """A month is cleared in a region when it has clearings and none of them is still a draft."""
    clearings = Clearing.objects.filter(region=region, month=month_start(month))
    return clearings.exists() and not clearings.filter(state=Clearing.State.DRAFT).exists()


def uncleared_months(region: str, year: int) -> list[dt.date]:
    return [
        dt.date(year, number, 1)
        for number in range(1, 13)
        if not month_cleared(region, dt.date(year, number, 1))
    ]


def entries_of(clearing: Clearing):
    return claims_selectors.direct_settlements().filter(
        pk__in=ClearingEntry.objects.filter(clearing=clearing).values("settlement_id")
    )


def paid_in_clearings(*, institution_ids, first: dt.date, last: dt.date, filters: Q | None = None) -> dict:
    """Institution id -> what the basic fund paid it in approved clearings for settlements dated first..last."""
    entries = ClearingEntry.objects.filter(
        clearing__state__in=[Clearing.State.APPROVED, Clearing.State.PAID],
        clearing__institution_id__in=list(institution_ids),
        settlement__bill_date__gte=first,
        settlement__bill_date__lte=last,
    )
    if filters is not None:
        entries = entries.filter(filters)
    return {
        row["clearing__institution_id"]: row["paid"] or Decimal("0.00")
        for row in entries.values("clearing__institution_id")
        .annotate(paid=Sum("settlement__basic_fund_paid"))
        .order_by()
    }
