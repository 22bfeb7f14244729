"""Benchmark: the set-based year-end rollover against a raw UPDATE of the same rows.

    .venv/bin/python bench/rollover.py --database-url postgres://postgres@127.0.0.1:5432/medsec_bench
    .venv/bin/python bench/rollover.py            # SQLite file in /tmp, 20,000 accounts
    .venv/bin/python bench/rollover.py --credits --database-url ...   # the monthly credit batch, 1,000,000
    .venv/bin/python bench/rollover.py --profiles -n 100000 --database-url ...   # the monthly profile refresh

Creates (and drops first) its own database, migrates it, bulk-inserts N persons and
accounts with a year of ledger entries (preset, 12 monthly credits, a payment, a
transfer in) with INSERT ... SELECT over generate_series (a recursive CTE on SQLite),
then times, in the same run:
  1. baseline: `UPDATE accounts_account SET historical = historical + current, current = 0`
     over the same rows (rolled back, then VACUUM on PostgreSQL);
  2. the rollover (`accounts.batch.rollover.run_rollover`), which writes the ledger too;
and prints accounts per second and the ratio rollover / baseline. `--verify` (default
on) checks afterwards that every stored balance equals its ledger.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
import time
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def parse_args():
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--database-url", default="", help="PostgreSQL URL of the bench database (dropped and created)"
    )
    parser.add_argument(
        "-n", "--accounts", type=int, default=None, help="accounts (default 1,000,000 PG / 20,000 SQLite)"
    )
    parser.add_argument(
        "--chunk",
        type=int,
        default=None,
        help="accounts per chunk, one transaction each (default: the rollover's)",
    )
    parser.add_argument(
        "--workers",
        type=int,
        default=None,
        help="database connections running chunks (default 2 PG / 1 SQLite)",
    )
    parser.add_argument(
        "--credits",
        action="store_true",
        help="benchmark the monthly credit batch instead (set-based; against a raw UPDATE of the same rows)",
    )
    parser.add_argument(
        "--profiles",
        action="store_true",
        help="benchmark the monthly profile refresh (per account through benefit_status; against a raw UPDATE)",
    )
    parser.add_argument("--no-verify", action="store_true", help="skip the ledger == balance check")
    parser.add_argument(
        "--setup-only", action="store_true", help="create and fill the bench database, keep it, run nothing"
    )
    parser.add_argument("--keep", action="store_true", help="keep the bench database afterwards")
    parser.add_argument(
        "--reuse",
        action="store_true",
        help="run on a database left by --setup-only (not dropped, not filled again), e.g. to take the"
        " bench lock for the measurement only",
    )
    return parser.parse_args()


def prepare_database(url: str) -> str:
    if url.startswith("postgres"):
        import psycopg

        base, name = url.rsplit("/", 1)
        if not name.startswith("medsec_bench"):
            raise SystemExit("refusing: the bench database name must start with medsec_bench (it is dropped)")
        with psycopg.connect(base + "/postgres", autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}"')
            admin.execute(f'CREATE DATABASE "{name}"')
        return url
    path = Path("/tmp/medsec_bench.sqlite3")
    for suffix in ("", "-wal", "-shm", "-journal"):
        Path(str(path) + suffix).unlink(missing_ok=True)
    return f"sqlite:///{path}"


def drop_database(url: str) -> None:
    if url.startswith("postgres"):
        import psycopg
        from django.db import connections

        connections.close_all()
        base, name = url.rsplit("/", 1)
        with psycopg.connect(base + "/postgres", autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}"')
    else:
        Path(url.removeprefix("sqlite:///")).unlink(missing_ok=True)


def series(pg: bool, n: int, column: str = "g") -> str:
    if pg:
        return f"generate_series(1, {n}) AS s({column})"
    return f"(WITH RECURSIVE s({column}) AS (SELECT 1 UNION ALL SELECT {column} + 1 FROM s WHERE {column} < {n}) SELECT {column} FROM s) AS s"


def setup_data(n: int, credited_months: int | None = None) -> None:
    """N persons and accounts, each with a 2024 preset, 12 credits (every 7th only 11), a payment and a transfer in.

    `credited_months` credits every account for January … that month only (the credit benchmark).
    """
    from django.db import connection, transaction

    pg = connection.vendor == "postgresql"
    birth = "(DATE '1950-01-01' + (g % 20000))" if pg else "date('1950-01-01', '+' || (g % 20000) || ' days')"
    number = "lpad(g::text, 12, '0')" if pg else "printf('%012d', g)"
    now = "now()" if pg else "datetime('now')"
    # monthly credit of an active employee aged ≤ 45 at base b: 2.5% of b (b a multiple of 100: exact)
    base = "(4000 + (a.id % 100) * 100)"
    monthly = f"({base} * 25 / 1000)"
    months = (
        "(CASE WHEN a.id % 7 = 0 THEN 11 ELSE 12 END)" if credited_months is None else str(credited_months)
    )
    payment = "((a.id % 500) + 0.37)"
    transfer = "((a.id % 3000) + 0.50)"
    entries_columns = "account_id, kind, bucket, amount, entry_date, year, period, text, article, source_type, source_id, created_at"
    with transaction.atomic(), connection.cursor() as cursor:
        saved_indexes = []
        if pg:  # load first, index after: much faster than maintaining the indexes row by row
            cursor.execute("SET LOCAL maintenance_work_mem = '256MB'")
            cursor.execute(
                "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'accounts_ledgerentry'"
                " AND indexname <> 'accounts_ledgerentry_pkey'"
            )
            saved_indexes = cursor.fetchall()
            for name, _definition in saved_indexes:
                cursor.execute(f'DROP INDEX "{name}"')
        cursor.execute(
            "INSERT INTO enrollment_person (name, id_type, id_number, birth_date, sex, hukou_local, hukou_district,"
            " residence_district, phone, address, region, created) "
            f"SELECT 'bench' || g, 'foreign_permit', 'B' || {number}, {birth}, 'M', false, '', '', '', '', 'hangzhou', {now} "
            f"FROM {series(pg, n)}"
        )
        cursor.execute(
            "INSERT INTO accounts_account (person_id, region, status, opened_on, current, historical, category, birth_date,"
            " credit_base, pension, credits_stopped, stop_reason, benefit_suspended, suspension_reason, preset_year,"
            " preset_amount, credited_year, credited_total, last_interest, last_carry_over, last_reconciliation, last_premium,"
            " last_offset, historical_pays_personal_share) "
            "SELECT p.id, 'hangzhou', 'open', '2024-01-01', 0, 0,"
            " CASE WHEN p.id % 10 = 0 THEN 'retired' WHEN p.id % 10 = 1 THEN 'flexible' ELSE 'active' END,"
            " p.birth_date, 4000 + (p.id % 100) * 100, CASE WHEN p.id % 10 = 0 THEN 5000 + (p.id % 7000) ELSE 0 END,"
            " false, '', false, '', 2024, 0, 2024, 0, 0, 0, 0, 0, 0, true FROM enrollment_person p ORDER BY p.id"
        )
        # The year's entries: preset (current), credits (credited), a payment (current), a transfer in (historical).
        cursor.execute(
            f"INSERT INTO accounts_ledgerentry ({entries_columns}) "
            f"SELECT a.id, 'preset', 'current', 12 * {monthly}, '2024-01-01', 2024, '2024', '预设', '杭州 第二十二条第(二)项', '', '', {now} "
            "FROM accounts_account a"
        )
        cursor.execute(
            f"INSERT INTO accounts_ledgerentry ({entries_columns}) "
            f"SELECT a.id, 'credit', 'credited', {monthly}, '2024-01-01', 2024,"
            f" '2024-' || {'lpad(m::text, 2, ' + chr(39) + '0' + chr(39) + ')' if pg else 'printf(' + chr(39) + '%02d' + chr(39) + ', m)'},"
            f" '划账', '杭州 第二十三条', '', '', {now} "
            f"FROM accounts_account a CROSS JOIN {series(pg, 12, 'm')} WHERE m <= {months}"
        )
        cursor.execute(
            f"INSERT INTO accounts_ledgerentry ({entries_columns}) "
            f"SELECT a.id, 'outpatient', 'current', 0 - {payment}, '2024-06-01', 2024, '', '门诊', '杭州 第二十四条',"
            f" 'bench', CAST(a.id AS VARCHAR(20)), {now} FROM accounts_account a"
        )
        cursor.execute(
            f"INSERT INTO accounts_ledgerentry ({entries_columns}) "
            f"SELECT a.id, 'transfer_in', 'historical', {transfer}, '2024-03-01', 2024, '', '转入', '杭州 第二十六条第(二)项',"
            f" '', '', {now} FROM accounts_account a"
        )
        cursor.execute(
            f"UPDATE accounts_account SET preset_amount = 12 * ({monthly.replace('a.id', 'id')}),"
            f" credited_total = {months.replace('a.id', 'id')} * ({monthly.replace('a.id', 'id')}),"
            f" current = 12 * ({monthly.replace('a.id', 'id')}) - ({payment.replace('a.id', 'id')}),"
            f" historical = {transfer.replace('a.id', 'id')}"
        )
        for _name, definition in saved_indexes:
            cursor.execute(definition)


def add_enrolments() -> None:
    """An employee enrolment since 2020 for every bench person (the category of the account), paid
    from the start and registered then: what the credit batch's refresh reads
    (`enrollment.selectors.benefit_status`)."""
    from django.db import connection, transaction

    now = "'2020-01-01 00:00:00'"
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO enrollment_enrolment (person_id, region, scheme, category, district, school, school_level,"
            " start_date, end_reason, note, created, first_paid_on) "
            f"SELECT a.person_id, 'hangzhou', 'employee', a.category, '上城区', '', '', '2020-01-01', '', '', {now},"
            " '2020-01-05' FROM accounts_account a"
        )


def add_contributions(first: int, last: int) -> None:
    """Each active and flexible bench person's contribution records for months `first` … `last` of 2024,
    paid on the 10th (what the credit follows, reading 11); retirees pay nothing (their retired
    enrolment is what they are credited for, art. 23(4))."""
    from django.db import connection, transaction

    pg = connection.vendor == "postgresql"
    now = "now()" if pg else "datetime('now')"
    month = (
        "(DATE '2024-01-01' + (m - 1) * interval '1 month')::date"
        if pg
        else "date('2024-01-01', '+' || (m - 1) || ' months')"
    )
    paid_on = f"({month} + 9)" if pg else f"date({month}, '+9 days')"
    # month by month, as they arrive: a later month's records have higher ids
    for m in range(first, last + 1):
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(
                "INSERT INTO contributions_contributionrecord (person_id, month, kind, base, employer_amount,"
                " employer_maternity, personal, personal_subsidy, personal_payable, employer_subsidy,"
                " subsidy_payer, total, certificate, lines, paid_on, is_back_payment, source, created) "
                f"SELECT a.person_id, {month}, CASE WHEN a.category = 'active' THEN 'employee' ELSE 'flexible' END,"
                " a.credit_base, 0, 0, CASE WHEN a.category = 'active' THEN a.credit_base * 2 / 100 ELSE 0 END,"
                " 0, CASE WHEN a.category = 'active' THEN a.credit_base * 2 / 100 ELSE 0 END, 0, '',"
                f" CASE WHEN a.category = 'active' THEN a.credit_base * 2 / 100 ELSE 0 END, '', '[]', {paid_on},"
                f" false, 'tax_bureau', {now} FROM accounts_account a, (SELECT {m} AS m) AS s"
                " WHERE a.category IN ('active', 'flexible') ORDER BY a.id"
            )


def record_october_run(n: int) -> None:
    """What October's credit run left, as the credits of January–October were written by setup: a
    finished job whose watermark (`accounts.batch.credits.watermark`, taken now, before November's
    records arrive) is the basis November's run reads from."""
    from django.utils import timezone

    from accounts.batch.credits import watermark
    from accounts.models import BatchJob

    BatchJob.objects.create(
        kind=BatchJob.Kind.CREDIT_MONTH,
        period="2024-10",
        status=BatchJob.Status.DONE,
        total=n,
        done=n,
        started_at=timezone.now(),
        finished_at=timezone.now(),
        result={"started": True, "basis": None, "watermark": watermark(dt.date(2024, 10, 1))},
    )


def bench_credits(n: int, chunk: int | None, workers: int | None, verify: bool) -> None:
    """The set-based monthly credit batch over N accounts (November 2024, January–October already
    credited, records for January–November), against a raw UPDATE of the same rows in the same run,
    and the per-account path (`services.credit_due`) timed on a sample (rolled back)."""
    from django.db import transaction

    from accounts import services
    from accounts.batch.credits import run_credit_month
    from accounts.batch.jobs import TIMINGS
    from accounts.models import Account, LedgerEntry
    from accounts.selectors import audit_balances

    class Rollback(Exception):
        pass

    sample = list(Account.objects.order_by("?").values_list("pk", flat=True)[:1000])
    started = time.perf_counter()
    try:
        with transaction.atomic():
            for pk in sample:
                services.credit_due(account=Account.objects.get(pk=pk), year=2024, month=11)
            one_by_one = (time.perf_counter() - started) / len(sample)
            raise Rollback
    except Rollback:
        pass
    vacuum()
    baseline, rows = time_baseline()
    vacuum()
    print(f"baseline raw UPDATE of {rows:,} rows: {baseline:.2f} s")
    started = time.perf_counter()
    job = run_credit_month(2024, 11, chunk_size=chunk, workers=workers, refresh=False)
    elapsed = time.perf_counter() - started
    written = LedgerEntry.objects.filter(kind="credit", period="2024-11").count()
    print(
        f"credit batch 2024-11: {job.done:,} accounts, {written:,} credits in {elapsed:.2f} s "
        f"({job.done / elapsed:,.0f} accounts/s), status {job.status}, errors {len(job.errors.splitlines())}"
    )
    print(f"ratio credit batch / raw UPDATE: {elapsed / baseline:.2f}x")
    print("  where the batch's time went: " + ", ".join(f"{k} {v:.2f} s" for k, v in TIMINGS.items()))
    print(
        f"per-account path (services.credit_due), {len(sample):,} accounts: {one_by_one * 1000:.2f} ms each"
        f" → {one_by_one * job.done:.1f} s for {job.done:,} ({one_by_one * job.done / elapsed:.1f}x the batch)"
    )
    assert written == job.done == n, (written, job.done, n)
    started = time.perf_counter()
    again = run_credit_month(2024, 11, chunk_size=chunk, workers=workers, refresh=False)
    rerun = time.perf_counter() - started
    assert LedgerEntry.objects.filter(kind="credit", period="2024-11").count() == written
    print(f"rerun (writes nothing): {rerun:.2f} s, status {again.status}")
    if verify:
        mismatches = audit_balances()
        print(f"audit ledger == stored balances: {len(mismatches)} mismatches")
        assert not mismatches


def bench_profiles(chunk: int | None, workers: int | None) -> None:
    """The monthly profile refresh (`accounts.batch.profiles`, November 2024) over the credits' population,
    against a raw UPDATE of the same accounts in the same run, then its rerun.

    The population is first brought to a city's steady state: each enrolment begins with the first
    recorded month (2024-01, registered then), so every month of it is recorded; one person in twenty
    has no record for June (the derivation decides them). Stored profiles are left stale for one
    account in ten (a base of 1.00), so the job writes something."""
    from django.db import connection, transaction

    from accounts.batch.jobs import TIMINGS
    from accounts.batch.profiles import run_profile_refresh

    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "UPDATE enrollment_enrolment SET start_date = '2024-01-01', first_paid_on = '2024-01-10'"
        )
        cursor.execute(
            "DELETE FROM contributions_contributionrecord WHERE person_id % 20 = 5 AND month = '2024-06-01'"
        )
        cursor.execute("UPDATE accounts_account SET credit_base = 1 WHERE id % 10 = 3")
    vacuum()
    baseline, rows = time_raw_update("UPDATE accounts_account SET credit_base = credit_base")
    vacuum()
    print(f"baseline raw UPDATE of {rows:,} accounts: {baseline:.2f} s")
    started = time.perf_counter()
    job = run_profile_refresh(2024, 11, chunk_size=chunk, workers=workers)
    elapsed = time.perf_counter() - started
    print(
        f"profile refresh 2024-11: {job.done:,} accounts, {job.result['changed']:,} changed in {elapsed:.2f} s "
        f"({job.done / elapsed:,.0f} accounts/s, {elapsed / job.done * 1000:.3f} ms each), status {job.status}"
    )
    print(f"ratio profile refresh / raw UPDATE: {elapsed / baseline:.2f}x")
    print("  where the job's time went: " + ", ".join(f"{k} {v:.2f} s" for k, v in TIMINGS.items()))
    assert job.done == rows and not job.errors, (job.done, rows, job.errors[:200])
    assert job.result["changed"] >= rows // 10 - 1
    started = time.perf_counter()
    again = run_profile_refresh(2024, 11, chunk_size=chunk, workers=workers)
    print(f"rerun: {time.perf_counter() - started:.2f} s, {again.result['changed']} changed")
    assert again.result["changed"] == 0


ROLLOVER_TABLES = (
    "accounts_account",
    "accounts_ledgerentry",
    "contributions_contributionrecord",
    "enrollment_enrolment",
)


def vacuum(tables: tuple[str, ...] = ROLLOVER_TABLES) -> None:
    from django.db import connection

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            for table in tables:
                cursor.execute(f"VACUUM ANALYZE {table}")
            cursor.execute("CHECKPOINT")


def time_raw_update(sql: str) -> tuple[float, int]:
    """Seconds and rows of one raw UPDATE, rolled back: the baseline a batch is measured against."""
    from django.db import connection, transaction

    class Rollback(Exception):
        pass

    started = time.perf_counter()
    rows = 0
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql)
            rows = cursor.rowcount
            elapsed = time.perf_counter() - started
            raise Rollback
    except Rollback:
        pass
    return elapsed, rows


def time_baseline() -> tuple[float, int]:
    return time_raw_update("UPDATE accounts_account SET historical = historical + current, current = 0")


def main() -> None:
    args = parse_args()
    pg = args.database_url.startswith("postgres")
    n = args.accounts or (1_000_000 if pg else 20_000)
    if args.reuse:
        url = args.database_url
    else:
        url = prepare_database(args.database_url) if pg else prepare_database("")
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    import django

    django.setup()
    from django.core.management import call_command

    from accounts.batch.jobs import TIMINGS
    from accounts.batch.rollover import run_rollover
    from accounts.models import Account, LedgerEntry
    from accounts.selectors import audit_balances
    from policy.parameters import Override, set_override_provider

    set_override_provider(
        lambda region: [Override("provincial_average_monthly_wage", dt.date(2020, 1, 1), Decimal("8000.00"))]
    )
    print(f"database: {'PostgreSQL' if pg else 'SQLite'} ({url.rsplit('/', 1)[-1]}), accounts: {n:,}")
    try:
        if not args.reuse:
            started = time.perf_counter()
            call_command("migrate", verbosity=0)
            print(f"migrate: {time.perf_counter() - started:.1f} s")
            started = time.perf_counter()
            setup_data(n, credited_months=10 if args.credits or args.profiles else None)
            if args.credits or args.profiles:
                add_enrolments()
                add_contributions(1, 10)
                record_october_run(n)
                add_contributions(11, 11)
            vacuum()
            print(
                f"setup: {n:,} accounts, {LedgerEntry.objects.count():,} ledger entries in {time.perf_counter() - started:.1f} s"
            )
        entries = LedgerEntry.objects.count()

        if args.setup_only:
            args.keep = True
            return
        if args.credits:
            bench_credits(n, args.chunk, args.workers, not args.no_verify)
        if args.profiles:
            bench_profiles(args.chunk, args.workers)
        if args.credits or args.profiles:
            return
        baseline, rows = time_baseline()
        vacuum()
        print(f"baseline raw UPDATE of {rows:,} rows: {baseline:.2f} s")

        started = time.perf_counter()
        job = run_rollover(2024, chunk_size=args.chunk, workers=args.workers)
        elapsed = time.perf_counter() - started
        written = LedgerEntry.objects.count() - entries
        print(
            f"rollover: {job.done:,} accounts, {written:,} entries written in {elapsed:.2f} s "
            f"({job.done / elapsed:,.0f} accounts/s), status {job.status}"
        )
        print(f"ratio rollover / raw UPDATE: {elapsed / baseline:.2f}x")
        print("  where the rollover's time went: " + ", ".join(f"{k} {v:.2f} s" for k, v in TIMINGS.items()))
        assert job.done == n, (job.done, n)
        assert not Account.objects.exclude(rolled_over_year=2024).exists()
        if not args.no_verify:
            started = time.perf_counter()
            mismatches = audit_balances()
            print(
                f"audit ledger == stored balances: {len(mismatches)} mismatches ({time.perf_counter() - started:.1f} s)"
            )
            assert not mismatches
    finally:
        if not args.keep:
            drop_database(url)


if __name__ == "__main__":
    main()
