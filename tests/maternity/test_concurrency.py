"""PostgreSQL: the same application sent by 10 threads is recorded once and paid once.

Ten employer requests with the same application number race (one application, the rest get it
back); ten review clerks approve it at once (one decision, one payment, one posting); ten
counter submissions of the same birth under other numbers race the approved one (all refused).
"""

import threading
from decimal import Decimal as D

import pytest
from django.db import connection

from maternity import services
from maternity.assessment import MaternityError
from maternity.models import Application, Decision, MaternityPosting, Payment

from .conftest import insured_woman

URL = "/api/v1/maternity/applications/"
pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _no_letters(monkeypatch):
    """The letter is not under test here (test_admin renders one)."""
    monkeypatch.setattr("maternity.services.decisions.queue_letter", lambda decision_id: None)


def run_threads(count, work):
    results, errors = [None] * count, []
    barrier = threading.Barrier(count)

    def run(index):
        try:
            barrier.wait()
            results[index] = work(index)
        except Exception as error:  # pragma: no cover - reported below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors, errors
    return results


def test_ten_threads_one_application_one_payment(api_client_factory):
    from django.utils import timezone
    from rest_framework.test import APIClient

    from core import dates
    from users.models import ApiToken

    event = dates.add_months(timezone.localdate().replace(day=10), -3)
    person, employer = insured_woman(event_date=event, base=D("8000"), colleagues=(D("10000"),))
    _http, record = api_client_factory(
        kind="employer", scopes=("maternity",), organisation_code=employer.credit_code
    )
    _token, key = ApiToken.issue(record)
    body = {
        "id_number": person.id_number,
        "event_kind": "birth",
        "event_date": event.isoformat(),
        "employer_reference": "HR-RACE-1",
    }

    def send(_index):
        http = APIClient()
        http.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
        response = http.post(URL, body, format="json")
        return response.status_code, response.json().get("id")

    results = run_threads(10, send)
    assert sorted(status for status, _id in results) == [200] * 9 + [201]
    assert len({application_id for _status, application_id in results}) == 1
    assert Application.objects.count() == 1
    application = Application.objects.get()

    def approve(_index):
        return services.approve(application=application, user=None).pk

    decisions = run_threads(10, approve)
    assert len(set(decisions)) == 1
    assert (
        Decision.objects.count() == 1
        and Payment.objects.count() == 1
        and MaternityPosting.objects.count() == 1
    )
    assert Payment.objects.get().amount == D("38400.00")

    def counter(index):
        try:
            services.submit(
                person=person,
                employer=employer,
                employer_reference=f"COUNTER-{index}",
                event_kind="birth",
                event_date=event,
                source="counter",
            )
        except MaternityError as error:
            return error.status
        return 201

    assert run_threads(10, counter) == [409] * 10
    assert Application.objects.count() == 1 and Payment.objects.count() == 1
