"""Monthly clearing of 1,000,000 settlements over 1,000 institutions, against a plain GROUP BY of the same rows.

    .venv/bin/python bench/clearing.py [--settlements 1000000] [--institutions 1000] [--server postgres://postgres@127.0.0.1:5432]

Creates its own PostgreSQL database (`medsec_institutions_bench`), migrates it, makes the
institutions and some persons, and writes the settlements of one month directly with one
INSERT … SELECT over generate_series (2 % of them reversals, with negative amounts). Then:

- baseline: `SELECT institution_id, count(*), sum(...) per fund … GROUP BY institution_id`
  over the same rows (the cheapest way to read the month's totals, nothing written);
- clearing: `institutions.clearing.draw_up` for the month: a draft clearing per
  institution, every settlement assigned to its clearing (1,000,000 ClearingEntry rows,
  one INSERT … SELECT), totals per fund from the assigned rows, deductions, lines.

Prints both times and their ratio. The database is dropped at the end.
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


def configure(server: str) -> None:
    os.environ["DATABASE_URL"] = f"{server}/{DB_NAME}"
    os.environ["DEBUG"] = "0"
    os.environ.setdefault("SECRET_KEY", secrets.token_urlsafe(48))
    os.environ["LOG_LEVEL"] = "WARNING"
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings"
    import django

    django.setup()


def make_rows(institutions: int, settlements: int) -> None:
    from django.db import connection

    from claims.models import Institution, Settlement
    from core.identity import make_resident_id
    from enrollment.models import Person

    Institution.objects.bulk_create(
        Institution(code=f"B{index:06d}", name=f"基准机构{index}", level="level3", kind="hospital")
        for index in range(institutions)
    )
    Person.objects.bulk_create(
        Person(
            name=f"基准{index}",
            id_number=make_resident_id(
                "330106", dt.date(1960 + index % 40, 1 + index % 12, 1 + index % 28), index
            ),
            birth_date=dt.date(1960 + index % 40, 1 + index % 12, 1 + index % 28),
            sex="M",
            hukou_district="西湖区",
        )
        for index in range(1000)
    )
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
        "person_id": f"{first_person} + mod(g, 1000)",
        "institution_id": f"{first_institution} + mod(g, {institutions})",
        "institution_name": "''",
        "bill_number": "'N' || g",
        "bill_date": f"DATE '{MONTH.isoformat()}' + (mod(g, 31))",
        "interim": "false",
        "bill_kind": "'inpatient'",
        "institution_level": "'level3'",
        "settlement_mode": "'local'",
        "at_contracted_centre": "false",
        "referred_by_contracted_centre": "false",
        "diagnosis_codes": "'[]'::jsonb",
        "region": "'hangzhou'",
        "drg_code": "''",
        "year_key": "'2024'",
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
            f"SELECT {', '.join(expressions)} FROM generate_series(1, %s) AS g",
            [settlements],
        )
        cursor.execute(f"ANALYZE {Settlement._meta.db_table}")


def baseline() -> float:
    from django.db import connection

    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT institution_id, count(*), sum(basic_fund_paid), sum(catastrophic_paid), sum(assistance_paid), "
            "sum(current_funds_paid + historical_funds_paid) FROM claims_settlement "
            "WHERE source = 'api' AND bill_date <= %s GROUP BY institution_id",
            [dt.date(2024, 3, 31)],
        )
        rows = cursor.fetchall()
    assert rows
    return time.perf_counter() - started


def clear() -> tuple[float, int, int]:
    from institutions import clearing
    from institutions.models import ClearingEntry

    started = time.perf_counter()
    drafts = clearing.draw_up(month=MONTH, today=dt.date(2024, 4, 2))
    elapsed = time.perf_counter() - started
    return elapsed, len(drafts), ClearingEntry.objects.count()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--settlements", type=int, default=1_000_000)
    parser.add_argument("--institutions", type=int, default=1000)
    parser.add_argument("--server", default="postgres://postgres@127.0.0.1:5432")
    args = parser.parse_args()
    admin_sql(args.server, f"DROP DATABASE IF EXISTS {DB_NAME}")
    admin_sql(args.server, f"CREATE DATABASE {DB_NAME}")
    try:
        configure(args.server)
        from django.core.management import call_command

        call_command("migrate", verbosity=0)
        started = time.perf_counter()
        make_rows(args.institutions, args.settlements)
        print(
            f"rows: {args.settlements:,} settlements over {args.institutions:,} institutions "
            f"written in {time.perf_counter() - started:.1f} s"
        )
        plain = min(baseline() for _ in range(3))
        elapsed, clearings, entries = clear()
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
