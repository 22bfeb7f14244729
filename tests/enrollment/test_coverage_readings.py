"""Issue 12, coverage scenarios 1–11 and the "also decided" ones, with the dates worked by hand
from the articles and coverage-rules.md (readings 1–10). 省平工资 6,000 (`provincial_wage`).

Every record is made through the project's services; the arrears job never runs here:
status is derived from the records alone (reading 1).
"""

import datetime as dt

import pytest

from contributions.services import record_back_payment, record_monthly_contribution
from enrollment.models import Enrolment, Transfer
from enrollment.selectors import benefit_status
from enrollment.services import end_enrolment, enrol, record_transfer_in, switch_scheme

pytestmark = pytest.mark.django_db
D = dt.date
START = D(2023, 1, 1)


def months(first: dt.date, last: dt.date):
    current = first
    while current <= last:
        yield current
        current = D(current.year + current.month // 12, current.month % 12 + 1, 1)


def pay(person, first, last=None, *, day=10, wage=None):
    """Each month paid on its `day` (on time)."""
    for month in months(first, last or first):
        record_monthly_contribution(
            person=person, month=month, paid_on=month.replace(day=day), monthly_wage=wage
        )


def covered(person, on) -> bool:
    return benefit_status(person=person, on=on).eligible


def paid_resident(enrolment: Enrolment, on: dt.date) -> None:
    """What the contributions service records on a resident's payment (the payment date)."""
    Enrolment.objects.filter(pk=enrolment.pk).update(first_paid_on=on)


@pytest.fixture
def flexible(make_person, provincial_wage):
    def make(start=START):
        person = make_person()
        enrol(person=person, category="flexible", district="上城区", start_date=start)
        return person

    return make


# --- coverage 1–4: interruptions (art. 16(1); readings 2, 3) --------------------------------


def test_coverage_1_gap_never_back_paid_waits_six_normal_months_art_16_1_reading_3(flexible):
    """May–July 2023 unpaid, August on: an interruption at the end of July; six months paid on
    time (August–January) → covered from 2024-02-01. Not refused indefinitely."""
    person = flexible()
    pay(person, D(2023, 1, 1), D(2023, 4, 1))
    pay(person, D(2023, 8, 1), D(2024, 3, 1))
    status = benefit_status(person=person, on=D(2024, 1, 31))
    assert not status.eligible and status.article == "杭州 第十六条第(一)项"
    assert status.benefit_from == D(2024, 2, 1)
    assert covered(person, D(2024, 2, 1)) and covered(person, D(2024, 3, 15))


def test_coverage_2_gap_back_paid_later_does_not_move_the_wait_art_16_1_17_reading_3(flexible):
    """The same, with May–July back-paid on 2023-11-15 (art. 17): still covered from 2024-02-01."""
    person = flexible()
    pay(person, D(2023, 1, 1), D(2023, 4, 1))
    pay(person, D(2023, 8, 1), D(2024, 3, 1))
    record_back_payment(
        person=person,
        identity="flexible",
        first_month=D(2023, 5, 1),
        last_month=D(2023, 7, 1),
        paid_on=D(2023, 11, 15),
    )
    assert not covered(person, D(2024, 1, 31))
    assert covered(person, D(2024, 2, 1))


def test_coverage_3_months_paid_late_suspend_the_next_but_make_no_interruption_art_15_16_reading_2_3(
    flexible,
):
    """April paid 05-05, May 06-03, June 07-02: May, June and July suspended; no 6-month wait:
    covered from 2023-08-01."""
    person = flexible()
    pay(person, D(2023, 1, 1), D(2023, 3, 1))
    for month, paid_on in (
        (D(2023, 4, 1), D(2023, 5, 5)),
        (D(2023, 5, 1), D(2023, 6, 3)),
        (D(2023, 6, 1), D(2023, 7, 2)),
    ):
        record_monthly_contribution(person=person, month=month, paid_on=paid_on)
    pay(person, D(2023, 7, 1), D(2023, 9, 1))
    assert covered(person, D(2023, 4, 20))
    for day in (D(2023, 5, 15), D(2023, 6, 15), D(2023, 7, 15)):
        status = benefit_status(person=person, on=day)
        assert not status.eligible and status.article == "杭州 第十六条第二款"
    assert covered(person, D(2023, 8, 1))


def test_coverage_4_new_job_after_three_unpaid_months_waits_art_16_1_reading_3(flexible, employer):
    """Flexible, May–July unpaid, enrolment ends 07-31, a job from 08-01 paid by the employer each
    15th: resuming through a new enrolment waits: refused 09-01, covered from 2024-02-01."""
    person = flexible()
    pay(person, D(2023, 1, 1), D(2023, 4, 1))
    end_enrolment(enrolment=person.enrolments.get(), end_date=D(2023, 7, 31), reason="stopped")
    enrol(person=person, category="active", district="上城区", start_date=D(2023, 8, 1), employer=employer)
    pay(person, D(2023, 8, 1), D(2024, 2, 1), day=15, wage=8000)
    status = benefit_status(person=person, on=D(2023, 9, 1))
    assert not status.eligible and status.article == "杭州 第十六条第(一)项"
    assert not covered(person, D(2024, 1, 31))
    assert covered(person, D(2024, 2, 1))


# --- coverage 5–6: continuity across employee enrolments (art. 14, 15; reading 4) --------------


def test_coverage_5_change_of_employer_without_a_gap_art_14_15_reading_4(
    make_person, employer, provincial_wage
):
    from core.identity import make_credit_code
    from enrollment.models import Employer

    other = Employer.objects.create(
        name="第二家单位", credit_code=make_credit_code("91330102MA2AB9876"), district="上城区"
    )
    person = make_person()
    first = enrol(
        person=person, category="active", district="上城区", start_date=D(2023, 1, 1), employer=employer
    )
    pay(person, D(2023, 1, 1), D(2023, 5, 1), wage=8000)
    end_enrolment(enrolment=first, end_date=D(2023, 6, 15), reason="stopped")
    enrol(person=person, category="active", district="上城区", start_date=D(2023, 6, 16), employer=other)
    pay(person, D(2023, 6, 1), D(2023, 7, 1), wage=8000)
    assert covered(person, D(2023, 6, 20))
    assert covered(person, D(2023, 7, 15))


def test_coverage_6_flexible_to_job_continues_art_15_reading_4(flexible, employer):
    """Flexible paid through June, a job from 07-01, July paid by the employer on 07-15: covered 07-05."""
    person = flexible()
    pay(person, D(2023, 1, 1), D(2023, 6, 1))
    end_enrolment(enrolment=person.enrolments.get(), end_date=D(2023, 6, 30), reason="stopped")
    enrol(person=person, category="active", district="上城区", start_date=D(2023, 7, 1), employer=employer)
    pay(person, D(2023, 7, 1), day=15, wage=8000)
    status = benefit_status(person=person, on=D(2023, 7, 5))
    assert status.eligible and status.category == "active"


# --- coverage 8: a missed resident renewal (art. 35; readings 5, 6) ----------------------------


def test_coverage_8_missed_renewal_is_an_interruption_art_35_reading_6(make_person):
    """Paid for 2022, not for 2023, paid for 2024 on 2024-03-10: six full months (April–September)."""
    person = make_person()
    paid_resident(
        enrol(person=person, category="adult_tier1", district="上城区", start_date=D(2022, 1, 1)),
        D(2021, 12, 1),
    )
    paid_resident(
        enrol(person=person, category="adult_tier1", district="上城区", start_date=D(2024, 1, 1)),
        D(2024, 3, 10),
    )
    status = benefit_status(person=person, on=D(2024, 4, 1))
    assert (
        not status.eligible and status.article == "杭州 第三十五条" and status.benefit_from == D(2024, 10, 1)
    )
    assert not covered(person, D(2024, 9, 30))
    assert covered(person, D(2024, 10, 1))


def test_renewal_paid_on_march_31_covered_from_october_art_35_reading_5(make_person):
    person = make_person()
    paid_resident(
        enrol(person=person, category="adult_tier1", district="上城区", start_date=D(2023, 1, 1)),
        D(2022, 12, 1),
    )
    paid_resident(
        enrol(person=person, category="adult_tier1", district="上城区", start_date=D(2024, 1, 1)),
        D(2024, 3, 31),
    )
    assert not covered(person, D(2024, 9, 1))
    assert benefit_status(person=person, on=D(2024, 9, 1)).benefit_from == D(2024, 10, 1)
    assert covered(person, D(2024, 10, 1))


# --- coverage 9–11: switches (art. 73; reading 7) ------------------------------------------


def test_coverage_9_no_resident_bridge_without_a_paid_resident_year_art_73_1_reading_7(
    make_person, provincial_wage
):
    """A 2023 resident enrolment never paid, switched to flexible on 04-01 (April paid 04-05): refused 04-15."""
    person = make_person()
    enrol(person=person, category="adult_tier1", district="上城区", start_date=D(2023, 1, 1))
    switch_scheme(person=person, category="flexible", district="上城区", on=D(2023, 4, 1))
    record_monthly_contribution(person=person, month=D(2023, 4, 1), paid_on=D(2023, 4, 5))
    status = benefit_status(person=person, on=D(2023, 4, 15))
    assert not status.eligible and status.scheme == "employee" and "第七十三条" in status.article


def test_coverage_9b_paid_resident_year_bridges_art_73_1_reading_7(make_person, provincial_wage):
    """The contrast: with 2023 paid, resident benefits continue on 04-15."""
    person = make_person()
    paid_resident(
        enrol(person=person, category="adult_tier1", district="上城区", start_date=D(2023, 1, 1)),
        D(2022, 12, 1),
    )
    switch_scheme(person=person, category="flexible", district="上城区", on=D(2023, 4, 1))
    record_monthly_contribution(person=person, month=D(2023, 4, 1), paid_on=D(2023, 4, 5))
    status = benefit_status(person=person, on=D(2023, 4, 15))
    assert status.eligible and status.scheme == "resident"


def test_coverage_10_suspended_flexible_worker_gets_no_employee_month_art_73_2_reading_7(flexible):
    """March paid, April unpaid (suspended from 05-01), switched to resident on 05-10 and paid 05-12:
    no employee benefits in May (refused 05-20); resident benefits from 06-01 (art. 34)."""
    person = flexible(D(2023, 1, 1))
    pay(person, D(2023, 1, 1), D(2023, 3, 1))
    resident = switch_scheme(person=person, category="adult_tier1", district="上城区", on=D(2023, 5, 10))
    paid_resident(resident, D(2023, 5, 12))
    status = benefit_status(person=person, on=D(2023, 5, 20))
    assert not status.eligible and status.article == "杭州 第七十三条第(二)项"
    assert "2023年04月" in status.reason
    assert covered(person, D(2023, 6, 1))


def test_coverage_10b_paying_flexible_worker_keeps_the_employee_month_art_73_2(flexible):
    person = flexible(D(2023, 1, 1))
    pay(person, D(2023, 1, 1), D(2023, 4, 1))
    resident = switch_scheme(person=person, category="adult_tier1", district="上城区", on=D(2023, 5, 10))
    paid_resident(resident, D(2023, 5, 12))
    status = benefit_status(person=person, on=D(2023, 5, 20))
    assert status.eligible and status.scheme == "employee"


def test_coverage_11_three_months_without_a_scheme_then_resident_waits_art_73_3_reading_7(flexible):
    """Flexible ended 03-31; resident from 07-01 paid 07-05: six full months from 07-05 (to 2024-02-01):
    refused 08-01 and 12-01."""
    person = flexible(D(2023, 1, 1))
    pay(person, D(2023, 1, 1), D(2023, 3, 1))
    end_enrolment(enrolment=person.enrolments.get(), end_date=D(2023, 3, 31), reason="stopped")
    paid_resident(
        enrol(person=person, category="adult_tier1", district="上城区", start_date=D(2023, 7, 1)),
        D(2023, 7, 5),
    )
    for day in (D(2023, 8, 1), D(2023, 12, 1)):
        status = benefit_status(person=person, on=day)
        assert not status.eligible and status.article == "杭州 第七十三条第(三)项"


# --- also decided: readings 1, 8, 9; art. 17(4) ------------------------------------------


def test_back_paid_months_are_never_benefit_months_without_the_arrears_job_art_17_4_reading_1(flexible):
    """Contributions scenario 3: February–April 2024 back-paid; refused on 2024-03-15 (no suspension rows)."""
    person = flexible(D(2024, 1, 1))
    pay(person, D(2024, 1, 1))
    record_back_payment(
        person=person,
        identity="flexible",
        first_month=D(2024, 2, 1),
        last_month=D(2024, 4, 1),
        paid_on=D(2024, 5, 10),
    )
    status = benefit_status(person=person, on=D(2024, 3, 15))
    assert not status.eligible and status.article == "杭州 第十七条第(四)项"


def test_newborn_covered_from_birth_whatever_start_was_typed_art_34_reading_8(make_person):
    """Born 2024-02-10, the clerk enters 2024-03-01 as start, paid 2024-03-05: covered on 02-15."""
    baby = make_person(name="新生儿", birth=D(2024, 2, 10))
    paid_resident(
        enrol(person=baby, category="child", district="上城区", start_date=D(2024, 3, 1)), D(2024, 3, 5)
    )
    status = benefit_status(person=baby, on=D(2024, 2, 15))
    assert status.eligible and status.scheme == "resident" and status.benefit_from == D(2024, 2, 10)
    assert not covered(baby, D(2024, 2, 9))


def test_transfer_in_recorded_late_belongs_to_its_enrolment_art_78_reading_9(
    make_person, employer, provincial_wage
):
    """Active from 2024-01-01, paid on time; the transfer-in (5 continuous months elsewhere) is recorded
    on 2024-06-01: the art. 78 wait runs from the enrolment's start: January–June → 2024-07-01."""
    person = make_person()
    enrol(person=person, category="active", district="上城区", start_date=D(2024, 1, 1), employer=employer)
    pay(person, D(2024, 1, 1), D(2024, 7, 1), wage=8000)
    assert covered(person, D(2024, 3, 15))  # before the transfer is recorded
    record_transfer_in(
        person=person, other_place="上海市", transferred_on=D(2024, 1, 1), continuous_months_before=5
    )
    Transfer.objects.filter(person=person).update(note="recorded 2024-06-01")
    status = benefit_status(person=person, on=D(2024, 3, 15))
    assert (
        not status.eligible and status.article == "杭州 第七十八条" and status.benefit_from == D(2024, 7, 1)
    )
    assert covered(person, D(2024, 7, 1))


def test_switch_facts_for_claims_art_73_74_75(flexible):
    """What claims reads for the art. 74 deductible and the art. 75 fund channel: the switch and its schemes."""
    from enrollment.selectors import scheme_switches

    person = flexible(D(2023, 1, 1))
    pay(person, D(2023, 1, 1), D(2023, 4, 1))
    switch_scheme(person=person, category="adult_tier1", district="上城区", on=D(2023, 5, 10))
    (switch,) = scheme_switches(person=person)
    assert (switch.on, switch.from_scheme, switch.to_scheme) == (D(2023, 5, 10), "employee", "resident")
