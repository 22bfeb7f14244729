"""The posting run: the journal and the monthly aggregates, from the records of the other apps.

Set-based and out of the settlement's path: a settlement writes nothing here (the
settlement benchmark is unchanged); the run reads each source's new records in id chunks.
Each chunk is one transaction that inserts its entries, adds their sums to `FundMonth` and
moves the source's mark, so a run stopped at any point resumes after the last committed
chunk and never posts a record twice (the unique key on source and component refuses it too).
"""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal

from django.db import transaction
from django.db.models import Count, F, Sum

from policy.regions import region_of

from .models import FUNDS, FundMonth, JournalEntry, PostingMark
from .sources import Movement, Source, all_sources

CHUNK = 5_000


def _entry(kind: str, movement: Movement, articles: dict) -> JournalEntry:
    region = movement.region
    if region not in articles:
        articles[region] = region_of(region).article("funds.books") if region else ""
    return JournalEntry(
        posted_on=movement.posted_on,
        year=movement.posted_on.year,
        month=movement.posted_on.month,
        region=region,
        district=movement.district,
        from_book=movement.from_book,
        to_book=movement.to_book,
        amount=movement.amount,
        source_kind=kind,
        source_id=movement.source_id,
        component=movement.component,
        article=articles[region],
    )


def _add_to_months(entries: list[JournalEntry]) -> None:
    sums: dict[tuple, list] = defaultdict(lambda: [Decimal("0"), Decimal("0"), 0])
    for e in entries:
        if e.to_book in FUNDS:
            row = sums[(e.region, e.to_book, e.district, e.year, e.month)]
            row[0] += e.amount
            row[2] += 1
        if e.from_book in FUNDS:
            row = sums[(e.region, e.from_book, e.district, e.year, e.month)]
            row[1] += e.amount
            row[2] += 1
    for (region, fund, district, year, month), (income, expenditure, count) in sums.items():
        row, _created = FundMonth.objects.select_for_update().get_or_create(
            region=region, fund=fund, district=district, year=year, month=month
        )
        FundMonth.objects.filter(pk=row.pk).update(
            income=F("income") + income, expenditure=F("expenditure") + expenditure, entries=F("entries") + count
        )


def post_source(source: Source, *, chunk: int = CHUNK, up_to: int | None = None) -> int:
    """Post `source`'s records after its mark, chunk by chunk; returns the entries written."""
    PostingMark.objects.get_or_create(source_kind=source.kind)
    last = source.max_id() if up_to is None else up_to
    written, articles = 0, {}
    while True:
        with transaction.atomic():
            mark = PostingMark.objects.select_for_update().get(source_kind=source.kind)
            if mark.last_id >= last:
                return written
            hi = min(mark.last_id + chunk, last)
            entries = [_entry(source.kind, m, articles) for m in source.read(mark.last_id, hi)]
            JournalEntry.objects.bulk_create(entries, batch_size=2_000)
            _add_to_months(entries)
            mark.last_id, mark.posted = hi, mark.posted + len(entries)
            mark.save(update_fields=["last_id", "posted", "updated"])
            written += len(entries)


def post_all(*, chunk: int = CHUNK) -> dict[str, int]:
    """Post every source (the nightly job, and before a year is closed or reported)."""
    return {source.kind: post_source(source, chunk=chunk) for source in all_sources()}


def audit() -> list[str]:
    """Differences between `FundMonth` and the journal's own sums (empty when the books agree)."""
    expected: dict[tuple, list] = defaultdict(lambda: [Decimal("0"), Decimal("0")])
    for side, index in (("to_book", 0), ("from_book", 1)):
        for row in (
            JournalEntry.objects.filter(**{f"{side}__in": FUNDS})
            .values("region", side, "district", "year", "month")
            .annotate(total=Sum("amount"), n=Count("id"))
        ):
            expected[(row["region"], row[side], row["district"], row["year"], row["month"])][index] += row["total"]
    problems = []
    seen = set()
    for m in FundMonth.objects.all():
        key = (m.region, m.fund, m.district, m.year, m.month)
        seen.add(key)
        want = expected.get(key, [Decimal("0"), Decimal("0")])
        if (m.income, m.expenditure) != (want[0], want[1]):
            problems.append(f"{key}: 汇总 {m.income}/{m.expenditure}，凭证 {want[0]}/{want[1]}")
    for key in set(expected) - seen:
        problems.append(f"{key}: 有凭证无汇总")
    return problems
