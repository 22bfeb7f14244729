"""Arrears check (杭州 art. 15, 16): suspension from the month after an unpaid month; payment lifts it.

Run through the one Celery task, `accounts.tasks.arrears_check` (the batch job 欠费检查).
"""

import datetime as dt

import pytest

from accounts.tasks import arrears_check
from contributions.services import record_back_payment, record_monthly_contribution
from enrollment.models import Suspension
from enrollment.selectors import benefit_status
from enrollment.services import enrol

pytestmark = pytest.mark.django_db
D = dt.date


def pay(person, *months, paid_on=None):
    for month in months:
        record_monthly_contribution(person=person, month=month, paid_on=paid_on or month.replace(day=10))


def test_unpaid_month_suspends_from_next_month_and_twice_suspends_once(make_person, provincial_wage):
    person = make_person()
    enrol(person=person, category="flexible", district="上城区", start_date=D(2024, 1, 1))
    pay(person, D(2024, 1, 1), D(2024, 2, 1))
    assert arrears_check.delay("2024-04-01").get()["created"] == 1  # March unpaid
    assert arrears_check("2024-04-01")["created"] == 0
    assert Suspension.objects.count() == 1
    suspension = Suspension.objects.get()
    assert (suspension.unpaid_month, suspension.suspended_from) == (D(2024, 3, 1), D(2024, 4, 1))
    assert benefit_status(person=person, on=D(2024, 3, 31)).eligible
    status = benefit_status(person=person, on=D(2024, 4, 10))
    assert not status.eligible and "第十五条" in status.article


def test_payment_restores_from_month_after_payment_art_16(make_person, provincial_wage):
    person = make_person()
    enrol(person=person, category="flexible", district="上城区", start_date=D(2024, 1, 1))
    pay(person, D(2024, 1, 1), D(2024, 2, 1))
    arrears_check("2024-04-01")
    pay(person, D(2024, 3, 1), paid_on=D(2024, 4, 15))
    suspension = Suspension.objects.get()
    assert (suspension.lifted_on, suspension.restored_from) == (D(2024, 4, 15), D(2024, 5, 1))
    status = benefit_status(person=person, on=D(2024, 4, 20))
    assert not status.eligible and "第十六条" in status.article
    # reading 2: April, never paid, governs May (with or without the arrears job: reading 1)
    may = benefit_status(person=person, on=D(2024, 5, 1))
    assert not may.eligible and "2024年04月" in may.reason
    assert arrears_check("2024-05-01")["created"] == 1  # April is unpaid now, a new month
    pay(person, D(2024, 5, 1))
    assert benefit_status(person=person, on=D(2024, 6, 1)).eligible  # May paid on time opens June


def test_three_unpaid_months_of_a_flexible_worker_is_an_interruption_art_16_1(make_person, provincial_wage):
    person = make_person()
    enrol(person=person, category="flexible", district="上城区", start_date=D(2024, 1, 1))
    pay(person, D(2024, 1, 1), D(2024, 2, 1))
    assert arrears_check("2024-06-01")["created"] == 3  # March, April, May
    pay(person, D(2024, 3, 1), D(2024, 4, 1), D(2024, 5, 1), paid_on=D(2024, 6, 10))
    # reading 3: the back payment does not undo the interruption; June–November paid on time
    # (six months of normal payment) → from 2024-12-01
    pay(person, *[D(2024, m, 1) for m in range(6, 12)])
    arrears_check("2024-06-01")
    assert {s.restored_from for s in Suspension.objects.all()} == {D(2024, 12, 1)}
    assert not benefit_status(person=person, on=D(2024, 11, 30)).eligible
    assert benefit_status(person=person, on=D(2024, 12, 1)).eligible


def test_employer_back_paying_restores_next_month_art_16(make_person, employer, provincial_wage):
    person = make_person()
    enrol(person=person, category="active", district="上城区", start_date=D(2024, 1, 1), employer=employer)
    record_monthly_contribution(person=person, month=D(2024, 1, 1), paid_on=D(2024, 1, 10), monthly_wage=8000)
    assert arrears_check("2024-05-01")["created"] == 3  # February–April
    for month in (D(2024, 2, 1), D(2024, 3, 1), D(2024, 4, 1)):
        record_monthly_contribution(person=person, month=month, paid_on=D(2024, 5, 8), monthly_wage=8000)
    record_monthly_contribution(person=person, month=D(2024, 5, 1), paid_on=D(2024, 5, 8), monthly_wage=8000)
    assert not benefit_status(person=person, on=D(2024, 5, 20)).eligible  # April paid late
    assert {s.restored_from for s in Suspension.objects.all()} == {D(2024, 6, 1)}
    assert benefit_status(person=person, on=D(2024, 6, 1)).eligible


def test_unpaid_months_before_first_payment_and_retirees_not_suspended(make_person, provincial_wage):
    person = make_person()
    enrol(person=person, category="flexible", district="上城区", start_date=D(2024, 1, 1))
    assert arrears_check("2024-04-01")["created"] == 0  # never paid: benefits never started
    unemployed = make_person(name="失业者")
    enrol(person=unemployed, category="agreement", district="上城区", start_date=D(2024, 1, 1))
    assert arrears_check("2024-04-01")["created"] == 0  # 协缴: paid once (art. 13(7))


def test_back_payment_lifts_suspension_but_bills_in_period_stay_unpaid_art_17(make_person, provincial_wage):
    person = make_person()
    enrol(person=person, category="flexible", district="上城区", start_date=D(2024, 1, 1))
    pay(person, D(2024, 1, 1), D(2024, 3, 1))
    arrears_check("2024-03-01")  # February unpaid → suspended from March
    record_back_payment(
        person=person,
        identity="flexible",
        first_month=D(2024, 2, 1),
        last_month=D(2024, 2, 1),
        paid_on=D(2024, 3, 20),
    )
    assert not benefit_status(person=person, on=D(2024, 3, 25)).eligible
    assert benefit_status(person=person, on=D(2024, 4, 1)).eligible
