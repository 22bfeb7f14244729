"""Property tests: benefits start where art. 15 says for any dates; the arrears check suspends
exactly the unpaid months after the first payment, once."""

import datetime as dt

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from contributions.services import check_arrears, record_monthly_contribution
from core import dates
from enrollment.models import Enrolment, Suspension
from enrollment.selectors import benefit_status
from enrollment.services import enrol

pytestmark = pytest.mark.django_db
PROPERTY = settings(
    max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


@PROPERTY
@given(
    start=st.dates(min_value=dt.date(2022, 1, 1), max_value=dt.date(2025, 12, 31)),
    pay_delay=st.integers(min_value=0, max_value=150),
    ask_offset=st.integers(min_value=-60, max_value=400),
)
def test_employee_benefits_start_the_month_after_enrolment_and_payment_art_15(
    make_person, start, pay_delay, ask_offset
):
    person = make_person()
    enrolment = enrol(person=person, category="flexible", district="上城区", start_date=start)
    paid_on = start + dt.timedelta(days=pay_delay)
    Enrolment.objects.filter(pk=enrolment.pk).update(first_paid_on=paid_on)
    on = start + dt.timedelta(days=ask_offset)
    status = benefit_status(person=person, on=on)
    expected_from = dates.next_month(paid_on)
    assert status.eligible == (on >= expected_from)
    if not status.eligible:
        assert status.reason and status.article


@PROPERTY
@given(paid=st.lists(st.booleans(), min_size=12, max_size=12))
def test_arrears_check_suspends_exactly_the_unpaid_months_once_art_15(make_person, provincial_wage, paid):
    person = make_person()
    enrolment = enrol(person=person, category="flexible", district="上城区", start_date=dt.date(2024, 1, 1))
    months = [dt.date(2024, m, 1) for m in range(1, 13)]
    for month, was_paid in zip(months, paid, strict=True):
        if was_paid:
            record_monthly_contribution(person=person, month=month, paid_on=month.replace(day=10))
    first_paid = next((m for m, p in zip(months, paid, strict=True) if p), None)
    expected = {m for m, p in zip(months, paid, strict=True) if not p and first_paid and m > first_paid}
    created = check_arrears(on=dt.date(2025, 1, 1))
    assert created == len(expected)
    assert check_arrears(on=dt.date(2025, 1, 1)) == 0
    suspended = set(Suspension.objects.filter(enrolment=enrolment).values_list("unpaid_month", flat=True))
    assert suspended == expected
    for month in expected:
        status = benefit_status(person=person, on=dates.next_month(month))
        assert not status.eligible
