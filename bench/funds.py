"""Benchmark: the fund report and the reform simulation, each against a baseline of the same run.

    .venv/bin/python bench/funds.py --database-url postgres://postgres@127.0.0.1:5432/medsec_bench_funds
    .venv/bin/python bench/funds.py --report-settlements 10000000 --simulation-bills 1000000 --database-url ...

Creates (and drops first) its own PostgreSQL database, migrates it and fills it with
INSERT ... SELECT over generate_series: persons with an enrolment in one of 13 districts,
and settlements of 2024 (outpatient, pharmacy and inpatient bills, a few reversals).

1. Report (杭州 art. 85): the posting run (`funds.posting.post_all`) turns the settlements into
   the journal and the monthly aggregates (settlements posted per second), then the year's
   report (`funds.reports.monthly_figures` + `yearly_figures`) is timed against
   `SELECT count(*)` over the same year's settlements (best of 5 each).
2. Simulation (杭州 art. 33): `funds.simulation.simulate` re-settles the year's bills twice
   (live rules and a draft) from the database, in as many processes as the machine has cores
   (`--simulation-processes 2,1` times each count and checks the results are equal); printed
   as bills per second and as a ratio to the engine's own bills per second through
   `trial_settle` (bench/engine.py's requests, measured in the same run).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # first: `funds` is the app (a spawned simulation part re-runs this file)
sys.path.insert(1, str(ROOT / "bench"))

FILL_CHUNK = 1_000_000
DISTRICTS = [
    "上城区",
    "下城区",
    "江干区",
    "拱墅区",
    "西湖区",
    "滨江区",
    "萧山区",
    "余杭区",
    "富阳区",
    "临安区",
    "钱塘区",
    "桐庐县",
    "建德市",
]


def parse_args():
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--database-url", default="postgres://postgres@127.0.0.1:5432/medsec_bench_funds")
    parser.add_argument("--report-settlements", type=int, default=10_000_000)
    parser.add_argument("--simulation-bills", type=int, default=1_000_000)
    parser.add_argument("--persons", type=int, default=300_000)
    parser.add_argument(
        "--simulation-processes",
        default="",
        help="comma-separated process counts to time the simulation with (default: the cores), e.g. 2,1",
    )
    parser.add_argument("--skip-report", action="store_true")
    parser.add_argument("--skip-simulation", action="store_true")
    parser.add_argument("--keep", action="store_true", help="keep the bench database afterwards")
    return parser.parse_args()


def prepare_database(url: str) -> None:
    import psycopg

    base, name = url.rsplit("/", 1)
    if not name.startswith("medsec_bench"):
        raise SystemExit("refusing: the bench database name must start with medsec_bench (it is dropped)")
    with psycopg.connect(base + "/postgres", autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}"')
        admin.execute(f'CREATE DATABASE "{name}"')


def drop_database(url: str) -> None:
    import psycopg
    from django.db import connections

    connections.close_all()
    base, name = url.rsplit("/", 1)
    with psycopg.connect(base + "/postgres", autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}"')


def column_values(model, given: dict[str, str]) -> tuple[str, str]:
    """(columns, SELECT expressions) for an INSERT ... SELECT of `model`: `given` wins, the rest a neutral value."""
    from django.db import models

    columns, values = [], []
    for field in model._meta.concrete_fields:
        if field.primary_key:
            continue
        columns.append(f'"{field.column}"')
        if field.name in given:
            values.append(given[field.name])
        elif field.null:
            values.append("NULL")
        elif isinstance(field, models.JSONField):
            values.append("'[]'::jsonb" if field.default is list else "'{}'::jsonb")
        elif isinstance(field, models.BooleanField):
            values.append("false")
        elif isinstance(field, models.DecimalField | models.IntegerField):
            values.append("0")
        elif isinstance(field, models.DateTimeField):
            values.append("now()")
        elif isinstance(field, models.DateField):
            values.append("DATE '2024-01-01'")
        else:
            values.append("''")
    return ", ".join(columns), ", ".join(values)


def fill(persons: int, settlements: int, offset: int) -> None:
    """`persons` persons (ids 1..) with an enrolment each; `settlements` settlements of 2024 spread over them."""
    from django.db import connection, transaction

    from claims.models import Settlement
    from enrollment.models import Enrolment, Person

    districts = "(ARRAY[" + ", ".join(f"'{d}'" for d in DISTRICTS) + "])"
    with transaction.atomic(), connection.cursor() as cursor:
        if offset == 0:
            columns, values = column_values(
                Person,
                {
                    "name": "'bench' || g",
                    "id_type": "'foreign_permit'",
                    "id_number": "'F' || lpad(g::text, 12, '0')",
                    "birth_date": "DATE '1950-01-01' + (g % 20000)",
                    "sex": "'M'",
                    "region": "'hangzhou'",
                },
            )
            cursor.execute(
                f"INSERT INTO enrollment_person ({columns}) SELECT {values} FROM generate_series(1, {persons}) g"
            )
            columns, values = column_values(
                Enrolment,
                {
                    "person": "p.id",
                    "region": "'hangzhou'",
                    "scheme": "CASE WHEN p.id % 3 = 0 THEN 'resident' ELSE 'employee' END",
                    "category": "CASE WHEN p.id % 3 = 0 THEN 'adult_tier1' WHEN p.id % 5 = 0 THEN 'retired' ELSE 'active' END",
                    "district": f"{districts}[1 + p.id % {len(DISTRICTS)}]",
                    "start_date": "DATE '2020-01-01'",
                    "first_paid_on": "DATE '2020-01-01'",
                },
            )
            cursor.execute(
                f"INSERT INTO enrollment_enrolment ({columns}) SELECT {values} FROM enrollment_person p"
            )
        kind = "(ARRAY['outpatient', 'outpatient', 'pharmacy', 'inpatient'])[1 + g % 4]"
        level = "(ARRAY['community', 'other', 'level3'])[1 + g % 3]"
        eligible = "((g::bigint * 7919) % 400000) / 100.0 + CASE WHEN g % 4 = 3 THEN 8000 ELSE 0 END"
        columns, values = column_values(
            Settlement,
            {
                "kind": "'settlement'",
                "status": "'settled'",
                "source": "'api'",
                "idempotency_key": "'bench-' || g",
                "request_digest": "'x'",
                "person": f"1 + (g * 7) % {persons}",
                "bill_number": "'B' || g",
                "bill_date": "DATE '2024-01-01' + (g % 365)",
                "bill_kind": kind,
                "institution_level": level,
                "settlement_mode": "'local'",
                "region": "'hangzhou'",
                "year_key": "'2024'",
                "eligible": eligible,
                "total": eligible,
                "basic_fund_paid": f"round(({eligible}) * 0.7, 2)",
                "cash_paid": f"round(({eligible}) * 0.3, 2)",
                "created": "TIMESTAMPTZ '2024-01-01 08:00+08' + (g % 365) * INTERVAL '1 day'",
            },
        )
        cursor.execute(
            f"INSERT INTO claims_settlement ({columns}) SELECT {values} "
            f"FROM generate_series({offset + 1}, {offset + settlements}) g"
        )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


def best_of(runs: int, func) -> float:
    best = float("inf")
    for _ in range(runs):
        started = time.perf_counter()
        func()
        best = min(best, time.perf_counter() - started)
    return best


def bench_report(args) -> None:
    from django.db import connection

    from funds import posting, reports

    started = time.perf_counter()
    for offset in range(0, args.report_settlements, FILL_CHUNK):  # one transaction per million rows
        fill(args.persons, min(FILL_CHUNK, args.report_settlements - offset), offset)
        print(f"  filled {offset + FILL_CHUNK:,} ({time.perf_counter() - started:.0f} s)", flush=True)
    print(
        f"filled {args.persons:,} persons and {args.report_settlements:,} settlements in {time.perf_counter() - started:.1f} s"
    )
    started = time.perf_counter()
    written = posting.post_all(chunk=20_000)
    seconds = time.perf_counter() - started
    print(
        f"posting run: {sum(written.values()):,} journal entries in {seconds:.1f} s "
        f"({args.report_settlements / seconds:,.0f} settlements/s)"
    )

    def count():
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM claims_settlement WHERE year_key = '2024'")
            cursor.fetchone()

    def report():
        reports.monthly_figures(region="hangzhou", year=2024)
        reports.yearly_figures(region="hangzhou", year=2024)

    baseline, timed = best_of(5, count), best_of(5, report)
    print(
        f"report of 2024 ({args.report_settlements:,} settlements): {timed * 1000:.1f} ms; "
        f"SELECT count(*) over the same rows: {baseline * 1000:.1f} ms; ratio {timed / baseline:.4f} (target < 1 s)"
    )


def engine_bills_per_second() -> float:
    import engine as engine_bench

    from policy.settlement import trial_settle

    requests = engine_bench.generate(2000, 20240301)
    bills = sum(len(r["bills"]) for r in requests)
    seconds = best_of(3, lambda: [trial_settle(r) for r in requests])
    return bills / seconds


def bench_simulation(args) -> None:
    from django.db import connection

    from funds.simulation import simulate

    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE claims_settlement CASCADE")
    fill(args.persons, args.simulation_bills, 0 if args.skip_report else args.report_settlements)
    change = [
        {
            "name": "outpatient.employee.ratio",
            "effective_from": "2024-01-01",
            "value": "{active: {level3: 0.80, other: 0.84, community: 0.90}, retired: {level3: 0.82, other: 0.86, community: 0.92}}",
        }
    ]
    engine = engine_bills_per_second()
    counts = [int(n) for n in args.simulation_processes.split(",") if n.strip()] or [os.cpu_count() or 1]
    results, rates = [], {}
    for processes in counts:
        connection.close()
        started = time.perf_counter()
        result = simulate(region="hangzhou", year=2024, changes=change, processes=processes)
        seconds = time.perf_counter() - started
        rates[processes] = rate = result["bills"] / seconds
        results.append(result)
        print(
            f"simulation ({processes} process{'es' if processes > 1 else ''}): {result['bills']:,} bills of "
            f"{result['persons']:,} persons re-settled twice in {seconds:.1f} s ({rate:,.0f} bills/s; target < 120 s); "
            f"engine through trial_settle in the same run: {engine:,.0f} bills/s; ratio {rate / engine:.3f}"
        )
    if any(r != results[0] for r in results):
        raise SystemExit("the simulation's result differs between process counts")
    if len(rates) > 1:
        print(
            f"  speed-up of {max(rates)} processes over {min(rates)}: {rates[max(rates)] / rates[min(rates)]:.2f}x"
        )
    print(
        f"  change of fund spending: {result['totals']['change']['basic_fund']}, of cash: {result['totals']['change']['cash']}"
    )


def main() -> None:
    args = parse_args()
    os.environ["DATABASE_URL"] = args.database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    prepare_database(args.database_url)
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0)
    try:
        if not args.skip_report:
            bench_report(args)
        if not args.skip_simulation:
            bench_simulation(args)
    finally:
        if not args.keep:
            drop_database(args.database_url)


if __name__ == "__main__":
    main()
