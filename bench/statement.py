"""Statements per second against settlements per second, in the same run (issue 15).

    .venv/bin/python bench/statement.py [--persons 100] [--bills 300] [--rounds 3]

Uses the settlement bench's harness (`bench/settlement.py`; its own PostgreSQL database
`medsec_bench_statement`, insured persons, a level-3 hospital and its API client). Each round
settles a batch of bills through the API (the whole stack), then asks for the statement of each
of those settlements as a first request does (`claims.tasks.statement_file`: render the PDF from
the settlement's record and keep it in storage), then asks again (served from storage). The
rounds take turns, so both rates are measured on the same machine state. The database and the
stored files are dropped at the end.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import settlement as harness  # noqa: E402  (bench/settlement.py)

SETTLEMENTS_PER_DAY = 300_000  # a city's day (issue 15)
harness.DB_NAME = "medsec_bench_statement"  # its own database: the settlement bench may run at the same time


def first_requests(ids: list[int]) -> float:
    from claims.tasks import statement_file

    started = time.perf_counter()
    for settlement_id in ids:
        statement_file(settlement_id)
    return time.perf_counter() - started


def stored_requests(ids: list[int]) -> float:
    """The later requests: the stored file is found and read back (what the download streams)."""
    from claims.tasks import statement_file

    started = time.perf_counter()
    for settlement_id in ids:
        with statement_file(settlement_id).file.open("rb") as handle:
            handle.read()
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--server", default=os.environ.get("BENCH_PG", "postgres://postgres@127.0.0.1:5432"))
    parser.add_argument("--broker", default=os.environ.get("BENCH_BROKER", "redis://127.0.0.1:6379/14"))
    parser.add_argument("--persons", type=int, default=100)
    parser.add_argument("--bills", type=int, default=300)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()

    media = tempfile.mkdtemp(prefix="medsec-bench-statements-")
    os.environ["MEDIA_ROOT"] = media
    os.environ["STATEMENTS_RENDER_EAGERLY"] = "0"
    harness.admin_sql(args.server, f"DROP DATABASE IF EXISTS {harness.DB_NAME} WITH (FORCE)")
    harness.admin_sql(args.server, f"CREATE DATABASE {harness.DB_NAME}")
    try:
        harness.configure(args.server, args.broker)
        from django.core.management import call_command
        from django.db import connection

        from claims.models import Settlement, Statement

        call_command("migrate", verbosity=0)
        key, people = harness.make_people(args.persons)
        harness.run_settlements(key, people, 20, 1, offset=0)  # warm-up
        first_requests(
            list(Settlement.objects.order_by("id").values_list("id", flat=True)[:3])
        )  # fonts loaded
        offset = 100
        per_round = args.bills // args.rounds
        rounds = []
        for _round in range(args.rounds):
            last = Settlement.objects.order_by("-id").values_list("id", flat=True).first() or 0
            elapsed, done = harness.run_settlements(key, people, per_round, 1, offset=offset)
            connection.close()
            offset += done
            ids = list(Settlement.objects.filter(id__gt=last).order_by("id").values_list("id", flat=True))
            assert len(ids) == done and not Statement.objects.filter(settlement_id__in=ids).exists()
            rendered = first_requests(ids)
            stored = stored_requests(ids)
            rounds.append((done / elapsed, done / rendered, done / stored))
        settled = sum(r[0] for r in rounds) / len(rounds)
        statements = sum(r[1] for r in rounds) / len(rounds)
        served = sum(r[2] for r in rounds) / len(rounds)
        print(
            f"{args.bills} bills in {args.rounds} rounds, {args.persons} persons, 1 client; media in {media}"
        )
        for number, (round_settled, round_rendered, round_served) in enumerate(rounds, start=1):
            print(
                f"  round {number}: settlements {round_settled:6.1f}/s, statements {round_rendered:6.2f}/s "
                f"(ratio {round_rendered / round_settled:6.1%}), served from storage {round_served:8.1f}/s"
            )
        print(f"settlements per second (API, whole stack):      {settled:8.1f}")
        print(f"statements per second (first request, render):  {statements:8.2f}")
        ratios = sorted(r[1] / r[0] for r in rounds)
        print(
            f"ratio statements / settlements:                 {statements / settled:8.1%}  "
            f"(median of the rounds {ratios[len(ratios) // 2]:.1%})"
        )
        print(f"statements served from storage per second:      {served:8.1f}")
        cpu_hours = SETTLEMENTS_PER_DAY / statements / 3600
        print(
            f"rendering every statement of {SETTLEMENTS_PER_DAY:,} settlements a day: {cpu_hours:.1f} CPU-hours; "
            f"on request, that times the share opened"
        )
        print(f"load average at the end: {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs")
    finally:
        from django.db import connections

        connections.close_all()
        harness.admin_sql(args.server, f"DROP DATABASE IF EXISTS {harness.DB_NAME} WITH (FORCE)")
        shutil.rmtree(media, ignore_errors=True)


if __name__ == "__main__":
    main()
