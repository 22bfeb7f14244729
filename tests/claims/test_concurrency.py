"""PostgreSQL: concurrent settlements of one person serialise on the accumulators row."""

import threading
from decimal import Decimal

import pytest
from django.db import connection

from accounts.models import Account
from claims.models import Accumulator, Settlement

from .conftest import LEVEL3, inpatient

URL = "/api/v1/settlements/"

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

AMOUNTS = [f"{1000 + 937 * index}.{index:02d}" for index in range(20)]


@pytest.fixture(autouse=True)
def _no_statements(monkeypatch):
    """The statement is not under test here (it has its own tests); rendering 20 PDFs would only slow this down."""
    monkeypatch.setattr("claims.services.outbox.queue_render", lambda settlement_id: None)


def bills(person, prefix):
    return [
        inpatient(
            person,
            f"{prefix}{index:02d}",
            eligible=amount,
            admission=f"2024-{1 + index % 12:02d}-01",
            discharge=f"2024-{1 + index % 12:02d}-0{2 + index % 7}",
            out_of_scope="12.34",
        )
        for index, amount in enumerate(AMOUNTS)
    ]


def run_threads(http_factory, bodies):
    results, errors = [None] * len(bodies), []  # (status, raw body)
    barrier = threading.Barrier(len(bodies))

    def work(index, body):
        try:
            http = http_factory()
            barrier.wait()
            response = http.post(URL, body, format="json")
            results[index] = (response.status_code, response.content)
        except Exception as error:  # pragma: no cover - reported below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=work, args=(i, body)) for i, body in enumerate(bodies)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors, errors
    return results


@pytest.fixture
def http_factory(api_client_factory, institutions):
    from rest_framework.test import APIClient

    _http, record = api_client_factory(organisation_code=LEVEL3)
    from users.models import ApiToken

    _token, key = ApiToken.issue(record)

    def make():
        http = APIClient()
        http.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
        return http

    return make


def test_twenty_threads_equal_one_by_one(http_factory, person_factory):
    """20 bills at once end where the same bills settled one by one, in the order the row lock let them in.

    (The order matters to the fen: each bill's components are rounded on their own, 规程 §1.)
    """
    concurrent = person_factory(historical=Decimal("5000.00"))
    sequential = person_factory(historical=Decimal("5000.00"))
    concurrent_bills = bills(concurrent, "C")
    results = run_threads(http_factory, concurrent_bills)
    assert [status for status, _body in results] == [201] * 20
    # ids are taken under the lock, so they give the order the bills were applied in
    applied = list(
        Settlement.objects.filter(person=concurrent).order_by("id").values_list("bill_number", flat=True)
    )
    assert sorted(applied) == sorted(body["bill_number"] for body in concurrent_bills)
    http = http_factory()
    by_number = {body["bill_number"]: body for body in bills(sequential, "C")}
    one_by_one_bills = [{**by_number[number], "bill_number": "S" + number} for number in applied]
    for body in one_by_one_bills:
        assert http.post(URL, body, format="json").status_code == 201
    together = Accumulator.objects.get(person=concurrent).state
    one_by_one = Accumulator.objects.get(person=sequential).state
    assert together == one_by_one
    assert together["bills"] == 20
    assert Decimal(together["inpatient_eligible"]) == sum(Decimal(a) for a in AMOUNTS)
    assert (
        Account.objects.get(person=concurrent).historical == Account.objects.get(person=sequential).historical
    )
    columns = (
        "total",
        "deductible",
        "basic_fund_paid",
        "catastrophic_paid",
        "historical_funds_paid",
        "cash_paid",
    )
    rows = [
        list(Settlement.objects.filter(person=p).order_by("id").values_list(*columns))
        for p in (concurrent, sequential)
    ]
    assert rows[0] == rows[1]
    assert sum(row[4] for row in rows[0]) == Decimal("5000.00")


def test_concurrent_retries_of_one_bill_settle_once(http_factory, person_factory):
    person = person_factory(historical=Decimal("3000.00"))
    body = inpatient(person, "RETRY")
    results = run_threads(http_factory, [body] * 10)
    statuses = sorted(status for status, _ in results)
    assert statuses == [200] * 9 + [201]
    assert len({content for _, content in results}) == 1  # byte-identical replays
    assert Settlement.objects.count() == 1
    assert Account.objects.get(person=person).historical == Decimal("0.00")
    assert Accumulator.objects.get(person=person).state["bills"] == 1
