"""What the settlement path reads: the historical-funds choice from the locked account, and a query budget."""

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.models import Account

from .conftest import inpatient

URL = "/api/v1/settlements/"

pytestmark = pytest.mark.django_db


def test_person_who_opted_out_pays_personal_share_in_cash_art25(hospital, person_factory):
    """杭州 art. 25: historical funds pay the personal share unless the person opted out.

    Same bill as art. 28's first admission: total 50,150, fund 40,944, personal share
    100 + 50 + 800 + 39,200 × 18% + 10,000 × 12% = 9,206, all in cash; 3,000 stays in the account.
    """
    person = person_factory(historical=Decimal("3000.00"))
    Account.objects.filter(person=person).update(historical_pays_personal_share=False)
    response = hospital.post(
        URL, inpatient(person, out_of_scope="100.00", self_pay_first="50.00"), format="json"
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["basic_fund_paid"] == "40944.00"
    assert body["historical_funds_paid"] == "0.00"
    assert body["cash_paid"] == "9206.00"
    assert Account.objects.get(person=person).historical == Decimal("3000.00")


def _second_bill(hospital, person_factory, record):
    person = person_factory(historical=Decimal("30000.00"))
    first = hospital.post(URL, inpatient(person, "ZY0001"), format="json")
    assert first.status_code == 201, first.content
    with CaptureQueriesContext(connection) as captured, connection.execute_wrapper(record):
        second = hospital.post(
            URL, inpatient(person, "ZY0002", admission="2024-04-01", discharge="2024-04-05"), format="json"
        )
    assert second.status_code == 201, second.content
    assert second.json()["historical_funds_paid"] != "0.00"
    # the policy app's override cache is process-wide and refills after any change: its reads are
    # not the settlement path's and are not counted
    return [q["sql"] for q in captured.captured_queries if "policy_parameteroverride" not in q["sql"]]


def test_second_bill_of_the_year_stays_within_query_budget(hospital, person_factory):
    """A settlement reads the status in one query and the account once before paying (issue 6 throughput).

    The budget is what the path needs today: authentication; institution, person, enrolments
    with flags; the year-to-date row and account locked together (and, on PostgreSQL, the
    settlement's key drawn); the settlement, lines, ledger entry, account, year-to-date row
    and statement writes; BEGIN and COMMIT. A new read per bill breaks this test.
    """
    queries = _second_bill(
        hospital,
        person_factory,
        lambda execute, sql, params, many, context: execute(sql, params, many, context),
    )
    # 15: the read for a replay of a reversed body (reading 27), sent with the locks on PostgreSQL;
    # 16: the institution's agreement (institutions.agreements, its own round trip for now)
    # benefit status's payments (coverage readings 1–10) are a column of the enrolments' statement;
    # 17: the grants that cover the bill (杭州 art. 26(6), family mutual aid), sent with the locks: a query
    # more, no round trip more (test_second_bill_takes_six_round_trips)
    assert len(queries) <= 17, "\n".join(sql[:120] for sql in queries)


@pytest.mark.postgres
def test_second_bill_takes_six_round_trips(hospital, person_factory):
    """PostgreSQL: the reads and writes that need no answer in between are sent together (pipeline mode).

    Round trips: the token; institution + person + enrolments; BEGIN; locks + key; the six
    writes (answered at the pipeline's end); COMMIT. Each statement is recorded with whether
    it went out in a pipeline.
    """
    sent = []

    def record(execute, sql, params, many, context):
        sent.append((sql.split(" ", 3)[:3], connection.connection._pipeline is not None))
        return execute(sql, params, many, context)

    _second_bill(hospital, person_factory, record)
    # the test's own transaction turns the settlement's into a savepoint (BEGIN and COMMIT
    # outside a test are psycopg's own, queued with the statements that follow them)
    sent = [(words, pipelined) for words, pipelined in sent if words[0] not in ("SAVEPOINT", "RELEASE")]
    apart = [words for words, pipelined in sent if not pipelined]
    together = [words for words, pipelined in sent if pipelined]
    assert apart == [
        ["SELECT", '"users_apitoken"."id",', '"users_apitoken"."client_id",'],
        # the institution's agreement covers the service (institutions.agreements): its own round trip
        ["SELECT", '"institutions_agreement"."id",', '"institutions_agreement"."institution_id",'],
    ], apart
    tables = [
        {"INSERT": words[2], "UPDATE": words[1], "SELECT": words[1].split(".")[0]}[words[0]]
        for words in together
    ]
    assert tables == [
        '"claims_institution"',
        '"enrollment_person"',
        '"enrollment_enrolment"',  # with flags and the person's payments (coverage readings 1–10)
        '"claims_accumulator"',  # joined with the account, FOR UPDATE
        "nextval(pg_get_serial_sequence(%s,",
        '"claims_settlement"',  # a replay of a reversed body? (reading 27), sent with the locks
        '"accounts_mutualaidgrant"',  # grants covering the bill (杭州 art. 26(6)), sent with the locks
        '"claims_settlement"',
        '"claims_settlementline"',
        '"accounts_ledgerentry"',
        '"accounts_account"',
        '"claims_accumulator"',
        # no statement row: rendered on first request (STATEMENTS_RENDER_EAGERLY off, issue 15)
    ], tables
