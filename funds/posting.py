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

from django.db import connection, transaction
from django.db.models import Count, Q, Sum

from policy.regions import region_of

from .models import ENTRY_FIELDS, FUNDS, FundMonth, JournalEntry, PostingMark
from .sources import Source, all_sources

CHUNK = 5_000
BULK_CHUNK = 200_000  # settlements per transaction when the database posts them itself (PostgreSQL)


def _insert_sql() -> str:
    meta = JournalEntry._meta
    columns = ", ".join(connection.ops.quote_name(meta.get_field(name).column) for name in ENTRY_FIELDS)
    marks = ", ".join(["%s"] * len(ENTRY_FIELDS))
    return f"INSERT INTO {connection.ops.quote_name(meta.db_table)} ({columns}) VALUES ({marks})"


def _rows(kind: str, movements, articles: dict) -> list[tuple]:
    """The journal rows of a chunk as tuples (one executemany; no model instance per row)."""
    rows = []
    for m in movements:
        region = m.region
        article = articles.get(region)
        if article is None:
            article = articles[region] = region_of(region).article("funds.books") if region else ""
        day = m.posted_on
        rows.append(
            (
                day,
                day.year,
                day.month,
                region,
                m.district,
                m.from_book,
                m.to_book,
                m.amount,
                kind,
                m.source_id,
                m.component,
                article,
            )
        )
    return rows


def _add_to_months(rows: list[tuple]) -> None:
    """Add a chunk's sums to the monthly rows: one locking read, one bulk update, one bulk insert."""
    sums: dict[tuple, list] = defaultdict(lambda: [Decimal("0"), Decimal("0"), 0])
    for _day, year, month, region, district, from_book, to_book, amount, *_rest in rows:
        if to_book in FUNDS:
            row = sums[(region, to_book, district, year, month)]
            row[0] += amount
            row[2] += 1
        if from_book in FUNDS:
            row = sums[(region, from_book, district, year, month)]
            row[1] += amount
            row[2] += 1
    if not sums:
        return
    periods = {(key[3], key[4]) for key in sums}
    query = Q()
    for year, month in periods:
        query |= Q(year=year, month=month)
    existing = {
        (m.region, m.fund, m.district, m.year, m.month): m
        for m in FundMonth.objects.select_for_update().filter(query)
    }
    changed, new = [], []
    for key, (income, expenditure, count) in sums.items():
        month = existing.get(key)
        if month is None:
            region, fund, district, year, number = key
            new.append(
                FundMonth(
                    region=region,
                    fund=fund,
                    district=district,
                    year=year,
                    month=number,
                    income=income,
                    expenditure=expenditure,
                    entries=count,
                )
            )
        else:
            month.income += income
            month.expenditure += expenditure
            month.entries += count
            changed.append(month)
    FundMonth.objects.bulk_update(changed, ["income", "expenditure", "entries"], batch_size=500)
    FundMonth.objects.bulk_create(new, batch_size=500)


def post_source(source: Source, *, chunk: int = CHUNK, up_to: int | None = None) -> int:
    """Post `source`'s records after its mark, chunk by chunk; returns the entries written.

    On PostgreSQL a source with a set-based statement (the settlements) is posted by the
    database itself, one INSERT … SELECT per chunk of `BULK_CHUNK` ids that also adds to the
    monthly rows; elsewhere each chunk's movements are made in Python. Same rows either way
    (tests/funds/test_books.py runs on both).
    """
    PostingMark.objects.get_or_create(source_kind=source.kind)
    last = source.max_id() if up_to is None else up_to
    written, articles, sql = 0, {}, _insert_sql()
    bulk = source.statement if connection.vendor == "postgresql" else None
    if bulk is not None:
        chunk = max(chunk, BULK_CHUNK)
    while True:
        with transaction.atomic():
            mark = PostingMark.objects.select_for_update().get(source_kind=source.kind)
            if mark.last_id >= last:
                return written
            hi = min(mark.last_id + chunk, last)
            if bulk is not None:
                count = _post_set_based(source, bulk, mark.last_id, hi)
            else:
                rows = _rows(source.kind, source.read(mark.last_id, hi), articles)
                if rows:
                    with connection.cursor() as cursor:
                        cursor.executemany(sql, rows)
                    _add_to_months(rows)
                count = len(rows)
            mark.last_id, mark.posted = hi, mark.posted + count
            mark.save(update_fields=["last_id", "posted", "updated"])
            written += count


def _post_set_based(source: Source, statement, lo: int, hi: int) -> int:
    """The chunk (lo, hi] posted by one statement; returns the journal rows written."""
    articles = {
        region: region_of(region).article("funds.books") if region else ""
        for region in source.regions(lo, hi)
    }
    sql, params = statement(lo, hi, articles)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchone()[0]


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
            expected[(row["region"], row[side], row["district"], row["year"], row["month"])][index] += row[
                "total"
            ]
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
