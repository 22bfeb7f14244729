"""Parity: the arrears check as a set-based batch job writes what the per-person derivation writes
(杭州 art. 15, 16, 17; coverage-rules readings 1–4).

A seeded random population: flexible workers and unemployed persons paying each month on time, late or
not at all; some back-pay a gap (art. 17); some change category or register anew (a
second enrolment, straight on or after a gap: readings 3, 4), some stop; some already have rows from an earlier check. The rows are
derived twice from the same state: person by person through `mirror_person` (the derivation,
`policy.coverage.suspensions`; rolled back), and by `accounts.batch.arrears.run_arrears_check`
in chunks of person ids. Rows (enrolment, month, suspended from, paid on, restored from,
article) must be equal, and the job must have recorded its chunks and covered every person.
"""

import datetime as dt
import random

import pytest
from django.db import transaction

from accounts.batch import arrears as arrears_job
from accounts.models import BatchChunk, BatchJob
from contributions.services import check_arrears, record_back_payment, record_monthly_contribution
from contributions.services.arrears import arrears_candidates, mirror_person
from enrollment.models import Person, Suspension
from enrollment.selectors import benefit_status
from enrollment.services import enrol

pytestmark = pytest.mark.django_db
MONTHS = [dt.date(2023, m, 1) for m in range(1, 13)] + [dt.date(2024, m, 1) for m in range(1, 10)]
FIELDS = ("enrolment_id", "unpaid_month", "suspended_from", "lifted_on", "restored_from", "article")


class Rollback(Exception):
    pass


def rows(ids):
    return sorted(Suspension.objects.filter(enrolment__person_id__in=ids).values_list(*FIELDS))


def next_month(month):
    return dt.date(month.year + month.month // 12, month.month % 12 + 1, 1)


def population(make_person, seed, size):
    rng = random.Random(seed)
    ids = []
    for index in range(size):
        person = make_person()
        category = rng.choice(["flexible", "unemployed"])
        start = rng.choice(MONTHS[:6])
        end = None
        if rng.random() < 0.25:  # a change of employer or category, or a stop
            end = rng.choice([m for m in MONTHS if m > start]) - dt.timedelta(days=1)
        enrol(person=person, category=category, district="上城区", start_date=start, end_date=end)
        second = None
        if end is not None and rng.random() < 0.6:
            gap = rng.choice([0, 0, 1, 4])  # straight on, or after unpaid months
            second = dt.date.fromordinal(end.toordinal() + 1)
            for _ in range(gap):
                second = next_month(second)
            enrol(person=person, category="flexible", district="上城区", start_date=second)
        # a clean payer, or one with late and missed months
        clean = index % 3 == 0
        unpaid = []
        for month in MONTHS:
            covered = start <= month and (end is None or month <= end) or (second and month >= second)
            if not covered:
                continue
            roll = rng.random()
            if clean or roll < 0.7:
                paid_on = month.replace(day=rng.randint(1, 28))
            elif roll < 0.85:
                paid_on = next_month(month) + dt.timedelta(days=rng.randint(0, 90))
            else:
                unpaid.append(month)
                continue
            if paid_on > dt.date(2024, 10, 31):
                continue
            record_monthly_contribution(person=person, month=month, paid_on=paid_on)
        if unpaid and unpaid[0] < dt.date(2023, 11, 1) and rng.random() < 0.4:
            record_back_payment(
                person=person,
                identity="flexible",
                first_month=unpaid[0],
                last_month=unpaid[0],
                paid_on=dt.date(2023, 12, 20),
            )
        ids.append(person.pk)
    return ids


@pytest.mark.parametrize("seed", [21, 22])
def test_arrears_batch_job_equals_the_per_person_derivation_art15_16_17_reading_1(
    make_person, provincial_wage, seed
):
    ids = population(make_person, seed, 24)
    # an earlier check left rows (some of them to correct now that later payments are in)
    check_arrears(on=dt.date(2024, 3, 1))
    on = dt.date(2024, 10, 1)
    before = rows(ids)
    try:
        with transaction.atomic():
            for person in Person.objects.filter(pk__in=ids).order_by("pk"):
                mirror_person(person, until=on)
            expected = rows(ids)
            raise Rollback
    except Rollback:
        pass
    assert rows(ids) == before
    assert expected and expected != []  # the population has arrears
    # the set-based filter spares the persons who paid every month on time (a third of them)
    covered, candidates = arrears_candidates(on=on, lo=min(ids), hi=max(ids) + 1)
    assert covered == len(ids) and len(candidates) <= len(ids) - len(ids) // 3
    statuses = {pk: benefit_status(person=Person.objects.get(pk=pk), on=on) for pk in ids}
    job = arrears_job.run_arrears_check(on, chunk_size=5)
    assert rows(ids) == expected
    assert job.status == BatchJob.Status.DONE and job.kind == BatchJob.Kind.ARREARS_CHECK
    assert job.done == job.total == len(ids) and job.percent == 100
    assert BatchChunk.objects.filter(job=job).count() >= len(ids) // 5
    # reading 1: the job changes no status; a rerun writes nothing
    assert {pk: benefit_status(person=Person.objects.get(pk=pk), on=on) for pk in ids} == statuses
    again = arrears_job.run_arrears_check(on, chunk_size=5)
    assert rows(ids) == expected and again.result["created"] == 0


def test_arrears_batch_job_resumes_after_a_crash(make_person, provincial_wage, monkeypatch):
    """Killed after its first chunk, restarted: the recorded chunk is skipped, every row written once."""
    ids = population(make_person, 31, 12)
    expected_created = None
    try:
        with transaction.atomic():
            expected_created = check_arrears(on=dt.date(2024, 10, 1))
            expected = rows(ids)
            raise Rollback
    except Rollback:
        pass

    def crash(job, hi):
        raise RuntimeError("worker killed")

    monkeypatch.setattr(arrears_job, "after_chunk", crash)
    with pytest.raises(RuntimeError):
        arrears_job.run_arrears_check(dt.date(2024, 10, 1), chunk_size=4)
    job = BatchJob.objects.get(kind=BatchJob.Kind.ARREARS_CHECK, period="2024-10")
    assert job.status == BatchJob.Status.FAILED and BatchChunk.objects.filter(job=job).count() == 1
    assert 0 < job.done < len(ids)
    monkeypatch.setattr(arrears_job, "after_chunk", lambda job, hi: None)
    job = arrears_job.run_arrears_check(dt.date(2024, 10, 1), chunk_size=4)
    assert job.status == BatchJob.Status.DONE and job.done == len(ids)
    assert rows(ids) == expected
    assert job.result["created"] == expected_created
