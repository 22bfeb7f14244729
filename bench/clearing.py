"""Monthly clearing of 1,000,000 settlements over 1,000 institutions, against a plain GROUP BY of the same rows.

    .venv/bin/python bench/clearing.py [--settlements 1000000] [--institutions 1000] [--server postgres://postgres@127.0.0.1:5432]
        [--database medsec_institutions_bench] [--history-months 0 --history-settlements 1000000] [--profile]

Creates its own PostgreSQL database (`medsec_institutions_bench`), migrates it, makes the
institutions and some persons, and writes the settlements of one month directly with one
INSERT … SELECT over generate_series (2 % of them reversals, with negative amounts). Then:

- baseline: `SELECT institution_id, count(*), sum(...) per fund … GROUP BY institution_id`
  over the same rows (the cheapest way to read the month's totals, nothing written);
- clearing: `institutions.clearing.draw_up` for the month: a draft clearing per
  institution, every settlement assigned to its clearing (1,000,000 ClearingEntry rows,
  one INSERT … SELECT), totals per fund from the assigned rows, deductions, lines.

Prints both times and their ratio. The database is dropped at the end.

`--history-months N` first writes N earlier months (`--history-settlements` each), draws them
up and approves them (untimed): the timed clearing should cost the same with or without
that history, since it reads only what no clearing holds yet. `--profile` prints the
clearing's slowest statements.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import secrets
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

DB_NAME = "medsec_institutions_bench"
MONTH = dt.date(2024, 3, 1)


def admin_sql(server: str, statement: str) -> None:
    import psycopg

    with psycopg.connect(f"{server}/postgres", autocommit=True) as connection:
        connection.execute(statement)


def use_database(name: str) -> None:
    global DB_NAME
    if not name.startswith("medsec_") or not name.endswith("_bench"):
        raise SystemExit("refusing: the bench database is dropped, its name must be medsec_…_bench")
    DB_NAME = name


def configure(server: str) -> None:
    os.environ["DATABASE_URL"] = f"{server}/{DB_NAME}"
    os.environ["DEBUG"] = "0"
    os.environ.setdefault("SECRET_KEY", secrets.token_urlsafe(48))
    os.environ["LOG_LEVEL"] = "WARNING"
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings"
    import django

    django.setup()


def make_parties(institutions: int, *, persons: int = 1000) -> None:
    from claims.models import Institution
    from core.identity import make_resident_id
    from enrollment.models import Person

    Institution.objects.bulk_create(
        Institution(code=f"B{index:06d}", name=f"基准机构{index}", level="level3", kind="hospital")
        for index in range(institutions)
    )
    # (birth date, 3-digit sequence) unique per index
    births = [dt.date(1950, 1, 1) + dt.timedelta(days=index % 15000) for index in range(persons)]
    Person.objects.bulk_create(
        (
            Person(
                name=f"基准{index}",
                id_number=make_resident_id("330106", births[index], index // 15000),
                birth_date=births[index],
                sex="M",
                hukou_district="西湖区",
            )
            for index in range(persons)
        ),
        batch_size=5000,
    )


def make_rows(
    institutions: int, settlements: int, *, month: dt.date = MONTH, offset: int = 0, persons: int = 1000
) -> None:
    """`settlements` settlements of `month` (series numbers offset+1 …), over the first institutions and persons."""
    from django.db import connection

    from claims.models import Institution, Settlement
    from enrollment.models import Person

    first_institution = Institution.objects.order_by("pk").values_list("pk", flat=True)[0]
    first_person = Person.objects.order_by("pk").values_list("pk", flat=True)[0]
    # every column of the settlement, with a value computed from the series number g
    sign = "(CASE WHEN mod(g, 50) = 0 THEN -1 ELSE 1 END)"
    values = {
        "kind": "(CASE WHEN mod(g, 50) = 0 THEN 'reversal' ELSE 'settlement' END)",
        "status": "(CASE WHEN mod(g, 50) = 0 THEN 'reversal' ELSE 'settled' END)",
        "source": "'api'",
        "idempotency_key": "'B:' || g",
        "request_digest": "''",
        "request": "'{}'::jsonb",
        "response": "'{}'::jsonb",
        "person_id": f"{first_person} + mod(g, {persons})",
        "institution_id": f"{first_institution} + mod(g, {institutions})",
        "institution_name": "''",
        "bill_number": "'N' || g",
        "bill_date": f"DATE '{month.isoformat()}' + (mod(g, {days_in(month)}))",
        "interim": "false",
        "bill_kind": "'inpatient'",
        "institution_level": "'level3'",
        "settlement_mode": "'local'",
        "at_contracted_centre": "false",
        "referred_by_contracted_centre": "false",
        "diagnosis_codes": "'[]'::jsonb",
        "region": "'hangzhou'",
        "drg_code": "''",
        "year_key": f"'{month.year}'",
        "state_before": "'{}'::jsonb",
        "state_delta": "'{}'::jsonb",
        "created": "now()",
        "basic_fund_paid": f"{sign} * ((mod(g, 9000)) + 1000.37)",
        "catastrophic_paid": f"{sign} * (mod(g, 7))",
        "assistance_paid": f"{sign} * (mod(g, 3)) * 0.5",
        "current_funds_paid": f"{sign} * (mod(g, 11))",
        "historical_funds_paid": f"{sign} * (mod(g, 13))",
        "cash_paid": f"{sign} * 100.10",
        "total": f"{sign} * ((mod(g, 9000)) + 1100.47 + mod(g, 7) + (mod(g, 3)) * 0.5 + mod(g, 11) + mod(g, 13))",
    }
    columns, expressions = [], []
    for field in Settlement._meta.concrete_fields:
        if field.primary_key:
            continue
        column = field.column
        if column in values:
            expression = values[column]
        elif field.null:
            expression = "NULL"
        elif field.get_internal_type() == "DecimalField":
            expression = "0"
        elif (
            field.has_default()
            and not callable(field.default)
            and isinstance(field.default, (bool, str, int))
        ):
            expression = (
                {True: "true", False: "false"}.get(field.default, None)
                if isinstance(field.default, bool)
                else repr(field.default).replace('"', "'")
            )
        else:
            raise SystemExit(f"bench: no value for settlement column {column}")
        columns.append(connection.ops.quote_name(column))
        expressions.append(expression)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {Settlement._meta.db_table} ({', '.join(columns)}) "
            f"SELECT {', '.join(expressions)} FROM generate_series(%s, %s) AS g",
            [offset + 1, offset + settlements],
        )
        cursor.execute(f"ANALYZE {Settlement._meta.db_table}")


def days_in(month: dt.date) -> int:
    following = (month.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    return (following - month).days


def baseline() -> float:
    from django.db import connection

    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT institution_id, count(*), sum(basic_fund_paid), sum(catastrophic_paid), sum(assistance_paid), "
            "sum(current_funds_paid + historical_funds_paid) FROM claims_settlement "
            "WHERE source = 'api' AND bill_date BETWEEN %s AND %s GROUP BY institution_id",
            [MONTH, dt.date(2024, 3, 31)],
        )
        rows = cursor.fetchall()
    assert rows
    return time.perf_counter() - started


def history(months: int, institutions: int, settlements: int) -> int:
    """`months` months before MONTH, each drawn up and approved (untimed); returns the series numbers used."""
    from institutions import clearing
    from institutions.models import Clearing

    offset = 0
    for back in range(months, 0, -1):
        month = MONTH
        for _step in range(back):
            month = (month - dt.timedelta(days=1)).replace(day=1)
        make_rows(institutions, settlements, month=month, offset=offset)
        offset += settlements
        clearing.draw_up(month=month, today=MONTH)
        Clearing.objects.filter(month=month).update(state=Clearing.State.APPROVED)
    return offset


class Profile:
    """Time each SQL statement (connection.execute_wrapper)."""

    def __init__(self):
        self.times: list[tuple[float, str]] = []

    def __call__(self, execute, sql, params, many, context):
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            self.times.append((time.perf_counter() - started, sql))

    def report(self) -> None:
        for seconds, sql in sorted(self.times, reverse=True)[:8]:
            print(f"  {seconds:7.2f} s  {' '.join(sql.split())[:150]}")


def clear(profile: bool = False) -> tuple[float, int, int]:
    from django.db import connection

    from institutions import clearing
    from institutions.models import ClearingEntry

    timer = Profile()
    before = ClearingEntry.objects.count()
    with connection.execute_wrapper(timer) if profile else _nothing():
        started = time.perf_counter()
        drafts = clearing.draw_up(month=MONTH, today=dt.date(2024, 4, 2))
        elapsed = time.perf_counter() - started
    if profile:
        timer.report()
    return elapsed, len(drafts), ClearingEntry.objects.count() - before


class _nothing:
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--settlements", type=int, default=1_000_000)
    parser.add_argument("--institutions", type=int, default=1000)
    parser.add_argument("--server", default="postgres://postgres@127.0.0.1:5432")
    parser.add_argument("--database", default=DB_NAME, help="dropped and created again; dropped at the end")
    parser.add_argument("--history-months", type=int, default=0)
    parser.add_argument("--history-settlements", type=int, default=1_000_000)
    parser.add_argument("--profile", action="store_true")
    args = parser.parse_args()
    use_database(args.database)
    admin_sql(args.server, f"DROP DATABASE IF EXISTS {DB_NAME}")
    admin_sql(args.server, f"CREATE DATABASE {DB_NAME}")
    try:
        configure(args.server)
        from django.core.management import call_command

        call_command("migrate", verbosity=0)
        started = time.perf_counter()
        make_parties(args.institutions)
        offset = history(args.history_months, args.institutions, args.history_settlements)
        make_rows(args.institutions, args.settlements, offset=offset)
        print(
            f"rows: {args.settlements:,} settlements over {args.institutions:,} institutions"
            + (
                f", after {args.history_months} cleared months of {args.history_settlements:,}"
                if args.history_months
                else ""
            )
            + f"; written in {time.perf_counter() - started:.1f} s"
        )
        plain = min(baseline() for _ in range(3))
        elapsed, clearings, entries = clear(args.profile)
        from django.db import connections

        connections.close_all()
        print(f"plain GROUP BY:   {plain:8.2f} s (best of 3)")
        print(
            f"monthly clearing: {elapsed:8.2f} s ({clearings:,} clearings, {entries:,} settlements assigned)"
        )
        print(f"ratio clearing / GROUP BY: {elapsed / plain:.1f}x  (target: clearing < 30 s)")
    finally:
        from django.db import connections

        connections.close_all()
        admin_sql(args.server, f"DROP DATABASE IF EXISTS {DB_NAME}")


if __name__ == "__main__":
    main()
