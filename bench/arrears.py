"""Benchmark: the arrears check as a set-based batch job against a raw UPDATE of the same rows.

    .venv/bin/python bench/arrears.py --database-url postgres://postgres@127.0.0.1:5432/medsec_bench_arrears
    .venv/bin/python bench/arrears.py -n 20000          # SQLite file in /tmp

Creates (and drops first) its own database, migrates it, bulk-inserts N persons, each with a
flexible-worker enrolment since 2024-01 and its contribution records for January–November
2024 paid on the 10th, except: 2 % leave one month unpaid and 2 % pay one month late. Then
times, in the same run:
  1. baseline: `UPDATE enrollment_enrolment SET district = district` over the same rows (rolled back);
  2. the per-person derivation (`mirror_person`, what the check did for everyone) on a sample,
     rolled back, extrapolated to N;
  3. the batch job (`accounts.batch.arrears.run_arrears_check`, 2024-12-01), then its rerun;
and prints enrolments per second and the ratios batch / raw UPDATE and per-person / batch.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from rollover import drop_database, prepare_database, series, time_raw_update  # noqa: E402
from rollover import vacuum as vacuum_tables  # noqa: E402


def parse_args():
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--database-url", default="", help="PostgreSQL URL (name starting medsec_bench; dropped)"
    )
    parser.add_argument(
        "-n", "--persons", type=int, default=None, help="persons (default 1,000,000 PG / 20,000 SQLite)"
    )
    parser.add_argument("--chunk", type=int, default=None, help="persons per chunk (default: the job's)")
    parser.add_argument(
        "--workers", type=int, default=None, help="database connections (default 2 PG / 1 SQLite)"
    )
    parser.add_argument("--sample", type=int, default=1000, help="persons timed through the per-person path")
    parser.add_argument("--keep", action="store_true", help="keep the bench database afterwards")
    return parser.parse_args()


def setup_data(n: int) -> None:
    from django.db import connection, transaction

    pg = connection.vendor == "postgresql"
    birth = "(DATE '1970-01-01' + (g % 9000))" if pg else "date('1970-01-01', '+' || (g % 9000) || ' days')"
    number = "lpad(g::text, 12, '0')" if pg else "printf('%012d', g)"
    now = "now()" if pg else "datetime('now')"
    month = (
        "CAST(DATE '2024-01-01' + (m - 1) * interval '1 month' AS date)"
        if pg
        else "date('2024-01-01', '+' || (m - 1) || ' months')"
    )
    # 2 % skip one month (p.id % 50 = 1), 2 % pay one month 35 days late (p.id % 50 = 2)
    odd_month = "(1 + p.id % 11)"
    paid_on = (
        f"(CASE WHEN p.id % 50 = 2 AND m = {odd_month} THEN {month} + 35 ELSE {month} + 9 END)"
        if pg
        else f"(CASE WHEN p.id % 50 = 2 AND m = {odd_month} THEN date({month}, '+35 days') ELSE date({month}, '+9 days') END)"
    )
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO enrollment_person (name, id_type, id_number, birth_date, sex, hukou_local, hukou_district,"
            " residence_district, phone, address, region, created) "
            f"SELECT 'bench' || g, 'foreign_permit', 'B' || {number}, {birth}, 'M', false, '', '', '', '', 'hangzhou', {now} "
            f"FROM {series(pg, n)}"
        )
        cursor.execute(
            "INSERT INTO enrollment_enrolment (person_id, region, scheme, category, district, school, school_level,"
            " start_date, end_reason, note, created, first_paid_on) "
            f"SELECT p.id, 'hangzhou', 'employee', 'flexible', '上城区', '', '', '2024-01-01', '', '', {now}, '2024-01-10'"
            " FROM enrollment_person p"
        )
        cursor.execute(
            "INSERT INTO contributions_contributionrecord (person_id, month, kind, base, employer_amount,"
            " employer_maternity, personal, personal_subsidy, personal_payable, employer_subsidy, subsidy_payer,"
            " total, certificate, lines, paid_on, is_back_payment, source, created) "
            f"SELECT p.id, {month}, 'flexible', 4000, 0, 0, 342, 0, 342, 0, '', 342, '', '[]', {paid_on}, false,"
            f" 'tax_bureau', {now} FROM enrollment_person p CROSS JOIN {series(pg, 11, 'm')}"
            f" WHERE NOT (p.id % 50 = 1 AND m = {odd_month})"
        )


def vacuum() -> None:
    vacuum_tables(("enrollment_person", "enrollment_enrolment", "contributions_contributionrecord"))


class Rollback(Exception):
    pass


def time_baseline() -> tuple[float, int]:
    return time_raw_update("UPDATE enrollment_enrolment SET district = district")


def time_per_person(sample: int) -> float:
    """Seconds per person of the old path: every person through the derivation (rolled back)."""
    from django.db import transaction

    from contributions.services.arrears import check_persons
    from enrollment.models import Person

    ids = list(Person.objects.order_by("?").values_list("pk", flat=True)[:sample])
    started = time.perf_counter()
    try:
        with transaction.atomic():
            for start in range(0, len(ids), 2000):
                check_persons(ids[start : start + 2000], on=dt.date(2024, 12, 1))
            elapsed = time.perf_counter() - started
            raise Rollback
    except Rollback:
        pass
    return elapsed / len(ids)


def main() -> None:
    args = parse_args()
    pg = args.database_url.startswith("postgres")
    n = args.persons or (1_000_000 if pg else 20_000)
    url = prepare_database(args.database_url) if pg else prepare_database("")
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    import django

    django.setup()
    from django.core.management import call_command

    from accounts.batch.arrears import run_arrears_check
    from accounts.batch.jobs import TIMINGS
    from enrollment.models import Suspension

    print(f"database: {'PostgreSQL' if pg else 'SQLite'} ({url.rsplit('/', 1)[-1]}), persons: {n:,}")
    try:
        started = time.perf_counter()
        call_command("migrate", verbosity=0)
        print(f"migrate: {time.perf_counter() - started:.1f} s")
        started = time.perf_counter()
        setup_data(n)
        vacuum()
        print(
            f"setup: {n:,} persons and enrolments, {n * 11:,} monthly records in {time.perf_counter() - started:.1f} s"
        )
        per_person = time_per_person(args.sample)
        vacuum()
        baseline, rows = time_baseline()
        vacuum()
        print(f"baseline raw UPDATE of {rows:,} enrolments: {baseline:.2f} s")
        on = dt.date(2024, 12, 1)
        started = time.perf_counter()
        job = run_arrears_check(on, chunk_size=args.chunk, workers=args.workers)
        elapsed = time.perf_counter() - started
        written = Suspension.objects.count()
        print(
            f"arrears check {on}: {job.done:,} persons, {written:,} suspensions written in {elapsed:.2f} s "
            f"({job.done / elapsed:,.0f} persons/s), status {job.status}"
        )
        print(f"ratio arrears job / raw UPDATE: {elapsed / baseline:.2f}x")
        print("  where the job's time went: " + ", ".join(f"{k} {v:.2f} s" for k, v in TIMINGS.items()))
        print(
            f"per-person derivation (the check before), {args.sample:,} persons: {per_person * 1000:.2f} ms each"
            f" → {per_person * n:.1f} s for {n:,} ({per_person * n / elapsed:.1f}x the job)"
        )
        assert job.done == n, (job.done, n)
        # 2 % with an unpaid month, 2 % with a late month: a row each, as the derivation says (an
        # unpaid January, before the first recorded month, is no arrears: benefits had not started)
        assert 0 < written <= sum(1 for g in range(1, n + 1) if g % 50 in (1, 2)), written
        started = time.perf_counter()
        again = run_arrears_check(on, chunk_size=args.chunk, workers=args.workers)
        print(f"rerun: {time.perf_counter() - started:.2f} s, {again.result['created']} rows written")
        assert again.result["created"] == 0 and Suspension.objects.count() == written
    finally:
        if not args.keep:
            drop_database(url)


if __name__ == "__main__":
    main()
