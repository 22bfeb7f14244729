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


def test_second_bill_of_the_year_stays_within_query_budget(hospital, person_factory):
    """A settlement reads the status in one query and the account once before paying (issue 6 throughput).

    The budget is what the path needs today (authentication, institution, person, replay
    check, enrolments with flags, accumulator and account locks, three inserts, the
    account payment, the accumulator update); a new read per bill breaks this test.
    """
    person = person_factory(historical=Decimal("30000.00"))
    first = hospital.post(URL, inpatient(person, "ZY0001"), format="json")
    assert first.status_code == 201, first.content
    with CaptureQueriesContext(connection) as captured:
        second = hospital.post(
            URL, inpatient(person, "ZY0002", admission="2024-04-01", discharge="2024-04-05"), format="json"
        )
    assert second.status_code == 201, second.content
    assert second.json()["historical_funds_paid"] != "0.00"
    # the policy app's override cache is process-wide; an earlier test's uncommitted override write
    # makes it read afresh, so its reads are not the settlement path's and are not counted
    queries = [q["sql"] for q in captured.captured_queries if "policy_parameteroverride" not in q["sql"]]
    assert len(queries) <= 19, "\n".join(sql[:120] for sql in queries)
