"""The supervision rules' nightly batch over one day of 100,000 settlements, against a plain GROUP BY of the day.

    .venv/bin/python bench/supervision.py [--settlements 100000] [--institutions 1000]

Uses its own PostgreSQL database (`medsec_institutions_bench`, as bench/clearing.py: created,
migrated, dropped at the end). Writes 90 days of history (a tenth of the day's volume a day,
for the 90-day medians) and the day's settlements with bench/clearing.py's generator (1,000
persons, so the same-day and overlap rules find work), then times `institutions.supervision.run(day=…)`
(every rule enabled) against `SELECT institution_id, count(*), sum(basic_fund_paid) … GROUP BY`
over the same day's rows.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import bench.clearing as base  # noqa: E402

DAY = dt.date(2024, 6, 10)


def shift_dates(day: dt.date) -> None:
    """Spread the generated rows: those of the series' last block fall on `day`, the rest over the 90 days before."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE claims_settlement SET bill_date = CASE WHEN id > (SELECT max(id) FROM claims_settlement) - %s "
            "THEN %s::date ELSE %s::date - (1 + mod(id, 90))::int END, bill_kind = CASE WHEN mod(id, 10) = 0 "
            "THEN 'pharmacy' ELSE 'inpatient' END, admission_date = bill_date - mod(id, 7)::int, "
            "discharge_date = bill_date, kind = 'settlement', status = 'settled', "
            "total = CASE WHEN mod(id, 10) = 0 THEN 195.00 ELSE total END",
            [ARGS.settlements, day, day],
        )
        # a stay is settled on its discharge (claims' check): discharge = the bill date, set from the new dates
        # (the UPDATE above saw the old ones)
        cursor.execute(
            "UPDATE claims_settlement SET admission_date = bill_date - mod(id, 7)::int, discharge_date = bill_date"
        )
        cursor.execute("ANALYZE claims_settlement")


def baseline(day: dt.date) -> float:
    from django.db import connection

    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT institution_id, count(*), sum(basic_fund_paid) FROM claims_settlement "
            "WHERE bill_date = %s GROUP BY institution_id",
            [day],
        )
        cursor.fetchall()
    return time.perf_counter() - started


def timed(check, kind, spent):
    """The rule, its rows read at once and its time recorded (the batch consumes them at once anyway)."""

    def run(*args, **kwargs):
        started = time.perf_counter()
        rows = list(check(*args, **kwargs))
        spent[kind] = time.perf_counter() - started
        return rows

    return run


def main() -> None:
    global ARGS
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--settlements", type=int, default=100_000)
    parser.add_argument("--institutions", type=int, default=1000)
    parser.add_argument("--server", default="postgres://postgres@127.0.0.1:5432")
    parser.add_argument(
        "--database", default=base.DB_NAME, help="dropped and created again; dropped at the end"
    )
    parser.add_argument("--persons", type=int, default=1000)
    parser.add_argument("--profile", action="store_true")
    parser.add_argument("--keep", action="store_true", help="keep the database (and --reuse it next time)")
    parser.add_argument("--reuse", action="store_true", help="run on the database a --keep run left")
    ARGS = parser.parse_args()
    base.use_database(ARGS.database)
    if not ARGS.reuse:
        base.admin_sql(ARGS.server, f"DROP DATABASE IF EXISTS {base.DB_NAME}")
        base.admin_sql(ARGS.server, f"CREATE DATABASE {base.DB_NAME}")
    total = ARGS.settlements * 10  # the day plus 90 days of a tenth of it each (9 × the day)
    try:
        base.configure(ARGS.server)
        from django.core.management import call_command

        call_command("migrate", verbosity=0)
        if ARGS.reuse:
            from institutions.models import Flag

            Flag.objects.all().delete()
        else:
            base.make_parties(ARGS.institutions, persons=ARGS.persons)
            base.make_rows(ARGS.institutions, total, persons=ARGS.persons)
            shift_dates(DAY)
        plain = min(baseline(DAY) for _ in range(3))
        from institutions import supervision
        from institutions.models import Flag

        spent = {}
        if ARGS.profile:
            for kind, check in list(supervision.RULES.items()):
                supervision.RULES[kind] = timed(check, kind, spent)
        started = time.perf_counter()
        written = supervision.run(day=DAY)
        elapsed = time.perf_counter() - started
        for kind, seconds in spent.items():
            print(f"  rule {kind}: {seconds:.2f} s")
        print(
            f"rows: {total:,} settlements, {ARGS.settlements:,} on {DAY}, {ARGS.institutions:,} institutions"
        )
        print(f"plain GROUP BY of the day: {plain:8.2f} s (best of 3)")
        print(
            f"supervision batch:         {elapsed:8.2f} s ({written:,} flags; {Flag.objects.count():,} in all)"
        )
        print(f"ratio batch / GROUP BY: {elapsed / plain:.1f}x  (target: batch < 30 s)")
    finally:
        from django.db import connections

        connections.close_all()
        if not ARGS.keep:
            base.admin_sql(ARGS.server, f"DROP DATABASE IF EXISTS {base.DB_NAME}")


ARGS = None

if __name__ == "__main__":
    main()
