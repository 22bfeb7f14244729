"""PostgreSQL only: the same intake and the arrears check run at once write each thing once."""

import datetime as dt
import threading

import pytest
from django.db import connection

from contributions.models import ContributionRecord
from contributions.services import intake_contributions, record_monthly_contribution
from contributions.tasks import check_arrears
from enrollment.models import Suspension
from enrollment.services import enrol

D = dt.date


def run_in_threads(target, count=2):
    results, errors = [], []
    barrier = threading.Barrier(count)

    def worker():
        try:
            barrier.wait()
            results.append(target())
        except Exception as error:  # noqa: BLE001 - collected and asserted below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results, errors


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_same_intake_at_once_writes_once(make_person, provincial_wage):
    person = make_person()
    enrol(person=person, category="flexible", district="上城区", start_date=D(2024, 1, 1))
    records = [
        {
            "id": f"R-{m}",
            "kind": "flexible",
            "id_number": person.id_number,
            "month": f"2024-{m:02d}",
            "paid_on": "2024-06-01",
        }
        for m in range(1, 6)
    ]
    results, errors = run_in_threads(lambda: intake_contributions(records))
    assert errors == []
    assert ContributionRecord.objects.count() == 5
    created = sorted(sum(1 for _obj, was_created in result if was_created) for result in results)
    assert created == [0, 5]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_arrears_check_twice_at_once_suspends_once(make_person, provincial_wage):
    person = make_person()
    enrol(person=person, category="flexible", district="上城区", start_date=D(2024, 1, 1))
    record_monthly_contribution(person=person, month=D(2024, 1, 1), paid_on=D(2024, 1, 10))
    results, errors = run_in_threads(lambda: check_arrears("2024-06-01"))
    assert errors == []
    assert Suspension.objects.count() == 4  # February–May
    assert sum(results) == 4
