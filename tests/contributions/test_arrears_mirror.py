"""Reading 1: benefit status is derived from the records alone. The arrears job writes suspension
rows that mirror the derivation; running it at any time, any number of times, never changes a
status (杭州 art. 15, 16, 17)."""

import datetime as dt

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from contributions.services import check_arrears, record_back_payment, record_monthly_contribution
from enrollment.models import Suspension
from enrollment.selectors import benefit_status
from enrollment.services import enrol

pytestmark = pytest.mark.django_db
MONTHS = [dt.date(2023, m, 1) for m in range(1, 13)] + [dt.date(2024, m, 1) for m in range(1, 7)]
ASK = [dt.date(2023, m, 15) for m in range(1, 13)] + [dt.date(2024, m, 1) for m in range(1, 9)]

# per month: not paid, paid on time (day 1–28 of the month), or late (1–120 days after the month)
payment = st.one_of(
    st.none(),
    st.tuples(st.just("on_time"), st.integers(1, 28)),
    st.tuples(st.just("late"), st.integers(1, 120)),
)


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    history=st.lists(payment, min_size=len(MONTHS), max_size=len(MONTHS)),
    back_pay=st.booleans(),
    runs=st.lists(st.sampled_from(ASK), min_size=1, max_size=4),
)
def test_the_arrears_job_never_changes_a_status_reading_1(
    make_person, provincial_wage, history, back_pay, runs
):
    person = make_person()
    enrol(person=person, category="flexible", district="上城区", start_date=dt.date(2023, 1, 1))
    unpaid = []
    for month, paid in zip(MONTHS, history, strict=True):
        if paid is None:
            unpaid.append(month)
            continue
        kind, days = paid
        next_month = dt.date(month.year + month.month // 12, month.month % 12 + 1, 1)
        paid_on = month.replace(day=days) if kind == "on_time" else next_month + dt.timedelta(days=days - 1)
        record_monthly_contribution(person=person, month=month, paid_on=paid_on)
    if back_pay and unpaid and unpaid[0].year == 2023:
        # art. 17: the first unpaid 2023 month back-paid in December 2023 (flexible identity, that year)
        first = unpaid[0]
        if first < dt.date(2023, 12, 1):
            record_back_payment(
                person=person,
                identity="flexible",
                first_month=first,
                last_month=first,
                paid_on=dt.date(2023, 12, 20),
            )
    before = [benefit_status(person=person, on=day) for day in ASK]
    for run in runs + runs:  # any time, any number of times
        check_arrears(on=run)
        assert [benefit_status(person=person, on=day) for day in ASK] == before
    # the rows mirror the derivation: benefits are refused from each row's suspension date
    for row in Suspension.objects.filter(enrolment__person=person):
        assert not benefit_status(person=person, on=row.suspended_from).eligible
        if row.restored_from:
            assert row.lifted_on is not None
