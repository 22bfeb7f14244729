"""PostgreSQL only: the same intake and the arrears check run at once write each thing once."""

import datetime as dt
import threading
from decimal import Decimal

import pytest
from django.db import connection

from accounts.models import BatchJob
from accounts.tasks import arrears_check
from contributions.models import ContributionRecord
from contributions.services import intake_contributions, record_monthly_contribution
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
    results, errors = run_in_threads(lambda: arrears_check("2024-06-01"))
    assert errors == []
    assert Suspension.objects.count() == 4  # February–May
    assert {result["job"] for result in results} == {BatchJob.objects.get(kind="arrears_check").pk}


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_intakes_with_persons_in_opposite_order_both_complete(make_person, provincial_wage):
    """Intake 1 sends A then B, intake 2 sends B then A, at once: persons are locked in one fixed
    order (by id), so neither waits on the other in a cycle (no deadlock); all four months written.
    Flexible worker, 杭州 art. 13(5): base 6,000 × 60% = 3,600; × 9.5% = 342.00 a month."""
    first = make_person(name="甲")
    second = make_person(name="乙")
    for person in (first, second):
        enrol(person=person, category="flexible", district="上城区", start_date=D(2024, 1, 1))

    def record(person, month, tag):
        return {
            "id": f"{tag}-{person.pk}-{month}",
            "kind": "flexible",
            "id_number": person.id_number,
            "month": f"2024-{month:02d}",
            "paid_on": "2024-03-01",
        }

    batches = [
        [record(first, m, "A") for m in range(1, 4)] + [record(second, m, "A") for m in range(1, 4)],
        [record(second, m, "B") for m in range(4, 7)] + [record(first, m, "B") for m in range(4, 7)],
    ]
    turn = iter(batches)
    lock = threading.Lock()

    def intake():
        with lock:
            batch = next(turn)
        return intake_contributions(batch)

    results, errors = run_in_threads(intake)
    assert errors == []
    assert len(results) == 2 and all(len(result) == 6 for result in results)
    assert ContributionRecord.objects.filter(person=first).count() == 6
    assert ContributionRecord.objects.filter(person=second).count() == 6
    assert {record.total for record in ContributionRecord.objects.all()} == {Decimal("342.00")}
