"""PostgreSQL: concurrent post-hoc runs for one person pay once (row locks on the application and the year row)."""

import threading

import pytest
from django.db import connection

from assistance import services
from assistance.models import AssistancePosting, PostHocApplication, PostHocItem

from .conftest import D, certify, money, outpatient, settle

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _no_statements(monkeypatch):
    monkeypatch.setattr("claims.services.queue_render", lambda settlement_id: None)


def run(threads_count, work):
    results, errors = [None] * threads_count, []
    barrier = threading.Barrier(threads_count)

    def target(index):
        try:
            barrier.wait()
            results[index] = work(index)
        except Exception as error:  # noqa: BLE001 (reported by the test)
            results[index] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=target, args=(i,)) for i in range(threads_count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results, errors


def test_concurrent_runs_for_one_person_pay_once(hospital, person_factory):
    """Six clerks run post-hoc assistance for the same person and period at once (杭州 art. 49(2), 50(2)):
    one pays 1,580 + 700 (the cap), the others are refused with nothing to assist; then the same paid
    application run concurrently four times returns the first payment."""
    person = person_factory()
    settle(hospital, outpatient(person, "A", "2024-01-10", eligible="10000.00"))
    settle(hospital, outpatient(person, "B", "2024-02-10", eligible="10000.00"))
    certify(person, "minimum_living", valid_from=D(2024, 1, 1))
    settle(hospital, outpatient(person, "C", "2024-03-10", eligible="6000.00"))

    results, _errors = run(
        6,
        lambda i: services.run_posthoc(person=person, period_start=D(2024, 1, 1), period_end=D(2024, 2, 29)),
    )
    paid = [r for r in results if isinstance(r, PostHocApplication)]
    refused = [r for r in results if isinstance(r, services.AssistanceError)]
    assert len(paid) == 1, results
    assert len(refused) == 5, results
    assert paid[0].total == money("2280.00")
    assert PostHocItem.objects.count() == 2
    assert AssistancePosting.objects.filter(channel="posthoc").count() == 2

    application = paid[0]
    again, _ = run(4, lambda i: services.pay_posthoc(application=application))
    assert all(isinstance(r, PostHocApplication) and r.total == money("2280.00") for r in again), again
    assert PostHocItem.objects.count() == 2
    from claims.models import Accumulator

    state = Accumulator.objects.get(person=person, year_key="2024").state
    assert money(state["assistance_outpatient_paid"]) == money("3000.00")
