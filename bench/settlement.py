"""Settlements per second through the API, against `pgbench -b simple-update` in the same run.

    .venv/bin/python bench/settlement.py [--persons 200] [--bills 2000] [--clients 1] [--seconds 5] [--rounds 3]

Creates its own PostgreSQL database (`medsec_bench_claims`), migrates it, makes insured
persons with accounts and one level-3 hospital with an API client, then posts bills
through the Django test client (the whole stack: authentication, serializer, benefit
status, row locks, engine, ledger, accumulators, one transaction each) round-robin over
the persons; with `--clients N` from N processes, as a server's N worker processes.
Statements are queued to Redis (the production path) and purged afterwards.
pgbench's tables are initialised in the same database and `simple-update` runs with the
same number of clients, taking turns with the settlements (`--rounds`), so both are measured
on the same machine state. The database is dropped at the end.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import re
import secrets
import subprocess
import sys
import time
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

DB_NAME = "medsec_bench_claims"


def admin_sql(server: str, statement: str) -> None:
    import psycopg

    with psycopg.connect(f"{server}/postgres", autocommit=True) as connection:
        connection.execute(statement)


def configure(server: str, broker: str) -> None:
    os.environ["DATABASE_URL"] = f"{server}/{DB_NAME}"
    os.environ["CELERY_BROKER_URL"] = broker
    os.environ["DEBUG"] = "0"  # no query log in memory
    os.environ.setdefault("SECRET_KEY", secrets.token_urlsafe(48))
    os.environ["ALLOWED_HOSTS"] = "testserver"
    os.environ["SECURE_SSL_REDIRECT"] = "0"
    os.environ["LOG_LEVEL"] = "WARNING"
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings"
    import django

    django.setup()


def make_people(count: int):
    from accounts.services import open_account, transfer_in
    from claims.models import Institution
    from core.identity import make_resident_id
    from enrollment.models import Enrolment, Person
    from users.models import ApiClient, ApiToken, User

    institution, _ = Institution.objects.get_or_create(
        code="BENCH-H3", defaults={"name": "基准测试三级医院", "level": "level3", "kind": "hospital"}
    )
    user = User.objects.create(username="bench-hospital", role="api_client")
    client = ApiClient.objects.create(
        user=user,
        kind="institution",
        scopes=["settlement", "trial_settlement"],
        organisation_code=institution.code,
    )
    _token, key = ApiToken.issue(client)
    start = dt.date(2023, 1, 1)
    people = []
    for index in range(count):
        birth = dt.date(1960 + index % 40, 1 + index % 12, 1 + index % 28)
        number = make_resident_id("330106", birth, index % 1000)
        person = Person.objects.create(
            name=f"基准{index}", id_number=number, birth_date=birth, sex="M", hukou_district="西湖区"
        )
        category = "active"
        Enrolment.objects.create(
            person=person,
            scheme="employee",
            category=category,
            district="西湖区",
            start_date=start,
            first_paid_on=start,
        )
        open_account(person=person, on=start, category=category)
        transfer_in(person=person, amount=Decimal("50000.00"), on=start, other_place="基准")
        people.append(person)
    return key, people


def bill_body(person, number: int) -> dict:
    month = 1 + number % 12
    if number % 3 == 0:
        return {
            "id_number": person.id_number,
            "bill_number": f"B{number:07d}",
            "kind": "inpatient",
            "admission_date": f"2024-{month:02d}-01",
            "discharge_date": f"2024-{month:02d}-{5 + number % 20:02d}",
            "out_of_scope": "123.45",
            "self_pay_first": "456.78",
            "eligible": f"{3000 + (number * 37) % 20000}.{number % 100:02d}",
        }
    return {
        "id_number": person.id_number,
        "bill_number": f"B{number:07d}",
        "kind": "outpatient",
        "date": f"2024-{month:02d}-{1 + number % 28:02d}",
        "self_pay_first": "12.30",
        "eligible": f"{80 + (number * 13) % 900}.{number % 100:02d}",
    }


def run_settlements(key: str, people, bills: int, clients: int, offset: int) -> tuple[float, int]:
    """Post `bills` bills over `clients` clients; (seconds, bills settled).

    One client runs in this process. Several run as forked processes, one each, as a
    server's worker processes would (threads of one process would share its interpreter
    lock and measure that instead).
    """
    per_client = bills // clients
    if clients == 1:
        started = time.perf_counter()
        failures = post_bills(key, people, offset, per_client)
        elapsed = time.perf_counter() - started
    else:
        import multiprocessing

        from django.db import connections

        connections.close_all()  # each process opens its own connection
        context = multiprocessing.get_context("fork")
        results = context.Queue()
        workers = [
            context.Process(target=_client, args=(results, key, people, offset + w * per_client, per_client))
            for w in range(clients)
        ]
        started = time.perf_counter()
        for worker in workers:
            worker.start()
        failures = [failure for _worker in workers for failure in results.get()]
        for worker in workers:
            worker.join()
        elapsed = time.perf_counter() - started
    if failures:
        raise SystemExit(f"{len(failures)} settlements failed, first: {failures[0]}")
    return elapsed, per_client * clients


def _client(results, key: str, people, first: int, count: int) -> None:
    try:
        results.put(post_bills(key, people, first, count))
    except Exception as error:  # reported by the parent
        results.put([("exception", repr(error))])


def post_bills(key: str, people, first: int, count: int) -> list:
    from django.db import connection
    from rest_framework.test import APIClient

    http = APIClient()
    http.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
    failures = []
    try:
        for number in range(first, first + count):
            person = people[number % len(people)]
            response = http.post("/api/v1/settlements/", bill_body(person, number), format="json")
            if response.status_code != 201:
                failures.append((response.status_code, response.content[:300]))
    finally:
        connection.close()
    return failures


def queries_per_settlement(key: str, people, first: int, count: int = 20) -> tuple[int, int]:
    """Fewest and most queries over `count` bills (a person's first bill of a year creates its row)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from rest_framework.test import APIClient

    http = APIClient()
    http.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
    counts = []
    for number in range(first, first + count):
        with CaptureQueriesContext(connection) as captured:
            response = http.post(
                "/api/v1/settlements/", bill_body(people[number % len(people)], number), format="json"
            )
        assert response.status_code == 201, response.content
        counts.append(len(captured.captured_queries))
    return min(counts), max(counts)


def pgbench_init(server: str) -> None:
    subprocess.run(["pgbench", "-i", "-s", "1", "-q", f"{server}/{DB_NAME}"], check=True, capture_output=True)


def pgbench(server: str, clients: int, seconds: int) -> float:
    url = f"{server}/{DB_NAME}"
    result = subprocess.run(
        ["pgbench", "-b", "simple-update", "-c", str(clients), "-j", str(clients), "-T", str(seconds), url],
        check=True,
        capture_output=True,
        text=True,
    )
    match = re.search(r"tps = ([0-9.]+)", result.stdout)
    if not match:
        raise SystemExit(f"pgbench output not understood:\n{result.stdout}\n{result.stderr}")
    return float(match.group(1))


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--server", default=os.environ.get("BENCH_PG", "postgres://postgres@127.0.0.1:5432"))
    parser.add_argument("--broker", default=os.environ.get("BENCH_BROKER", "redis://127.0.0.1:6379/14"))
    parser.add_argument("--persons", type=int, default=200)
    parser.add_argument("--bills", type=int, default=2000)
    parser.add_argument("--clients", type=int, default=1)
    parser.add_argument("--seconds", type=int, default=5, help="pgbench duration of each round")
    parser.add_argument(
        "--rounds", type=int, default=3, help="pgbench and settlements take turns this many times"
    )
    args = parser.parse_args()

    admin_sql(args.server, f"DROP DATABASE IF EXISTS {DB_NAME} WITH (FORCE)")
    admin_sql(args.server, f"CREATE DATABASE {DB_NAME}")
    try:
        configure(args.server, args.broker)
        from django.core.management import call_command
        from django.db import connection

        call_command("migrate", verbosity=0)
        key, people = make_people(args.persons)
        warm = 50
        run_settlements(key, people, warm, 1, offset=0)
        fewest, most = queries_per_settlement(key, people, len(people))  # persons settled before
        connection.close()
        pgbench_init(args.server)
        # pgbench and the settlements take turns, so both see the same machine (other load, caches)
        offset = len(people) + 20
        per_round = args.bills // args.rounds
        rounds = []
        for _round in range(args.rounds):
            tps = pgbench(args.server, args.clients, args.seconds)
            elapsed, done = run_settlements(key, people, per_round, args.clients, offset=offset)
            connection.close()
            offset += done
            rounds.append((tps, done / elapsed, elapsed, done))
        done = sum(r[3] for r in rounds)
        elapsed = sum(r[2] for r in rounds)
        rate = done / elapsed
        tps = sum(r[0] for r in rounds) / len(rounds)
        ratios = sorted(r[1] / r[0] for r in rounds)
        print(
            f"settlements: {done} bills for {len(people)} persons, {args.clients} client(s), {elapsed:.1f} s"
        )
        print(f"settlements per second (API, whole stack):  {rate:8.1f}")
        print(
            f"queries per settlement:                      {fewest:8d}  (a person's first bill of a year: {most})"
        )
        print(f"pgbench simple-update tps, {args.clients} client(s):     {tps:8.1f}  (mean of the rounds)")
        for number, (round_tps, round_rate, _elapsed, _done) in enumerate(rounds, start=1):
            print(
                f"  round {number}: pgbench {round_tps:8.1f} tps, settlements {round_rate:6.1f}/s, "
                f"ratio {round_rate / round_tps:6.1%}"
            )
        print(
            f"ratio settlements / pgbench:                 {rate / tps:8.1%}  "
            f"(median of the rounds {ratios[len(ratios) // 2]:.1%}; target >= 10%)"
        )
        print(f"load average at the end: {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs")
    finally:
        from django.db import connections

        connections.close_all()
        try:
            import redis

            redis.Redis.from_url(args.broker).flushdb()
        except Exception as error:  # the queue is only statements of this bench
            print(f"(statement queue not purged: {error})")
        admin_sql(args.server, f"DROP DATABASE IF EXISTS {DB_NAME} WITH (FORCE)")


if __name__ == "__main__":
    main()
