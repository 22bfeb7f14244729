"""benefit_status: derived from the records, with the article when refused (杭州 art. 15, 16, 34, 35, 73, 77, 78)."""

import datetime as dt

import pytest

from enrollment.models import Enrolment, Transfer
from enrollment.selectors import age_on, benefit_status
from enrollment.services import enrol, record_certificate, record_filing, record_gp_contract, switch_scheme

pytestmark = pytest.mark.django_db
D = dt.date


def paid(enrolment: Enrolment, on: dt.date) -> Enrolment:
    """What the contributions service records on a first payment."""
    Enrolment.objects.filter(pk=enrolment.pk).update(first_paid_on=on)
    enrolment.refresh_from_db()
    return enrolment


def test_employee_benefits_from_month_after_enrolment_and_payment_art_15(make_person, employer):
    person = make_person()
    enrolment = enrol(
        person=person, category="active", district="上城区", start_date=D(2024, 3, 10), employer=employer
    )
    unpaid = benefit_status(person=person, on=D(2024, 4, 15))
    assert not unpaid.eligible and "第十五条" in unpaid.article and "尚未缴费" in unpaid.reason
    paid(enrolment, D(2024, 3, 15))
    before = benefit_status(person=person, on=D(2024, 3, 31))
    assert not before.eligible and before.benefit_from == D(2024, 4, 1) and "第十五条" in before.article
    after = benefit_status(person=person, on=D(2024, 4, 1))
    assert after.eligible and after.scheme == "employee" and after.category == "active" and after.reason == ""
    assert after.district == "上城区"


def test_unemployed_on_benefit_from_enrolment_day_and_settles_as_active_art_15(make_person):
    person = make_person()
    enrol(person=person, category="unemployed", district="上城区", start_date=D(2024, 3, 10))
    status = benefit_status(person=person, on=D(2024, 3, 10))
    assert status.eligible and status.category == "active" and status.enrolment_category == "unemployed"
    assert not benefit_status(person=person, on=D(2024, 3, 9)).eligible


def test_flexible_settles_as_flexible(make_person):
    person = make_person()
    paid(
        enrol(person=person, category="flexible", district="上城区", start_date=D(2024, 1, 1)), D(2024, 1, 5)
    )
    status = benefit_status(person=person, on=D(2024, 2, 1))
    assert status.eligible and status.category == "flexible"


def test_suspension_from_month_after_unpaid_month_and_restoration_art_15_16(make_person, provincial_wage):
    """Reading 1, 2: February unpaid suspends March, with or without the arrears job; paying it on
    04-10 restores from 05-01 (杭州 第十六条第二款). Derived from the payment records alone."""
    from contributions.services import record_monthly_contribution

    person = make_person()
    enrol(person=person, category="flexible", district="上城区", start_date=D(2024, 1, 1))
    record_monthly_contribution(person=person, month=D(2024, 1, 1), paid_on=D(2024, 1, 5))
    record_monthly_contribution(person=person, month=D(2024, 3, 1), paid_on=D(2024, 3, 5))
    assert benefit_status(person=person, on=D(2024, 2, 29)).eligible
    status = benefit_status(person=person, on=D(2024, 3, 15))
    assert not status.eligible and "第十五条" in status.article and "2024年02月" in status.reason
    assert benefit_status(person=person, on=D(2024, 4, 1)).eligible  # March paid on time opens April
    record_monthly_contribution(person=person, month=D(2024, 2, 1), paid_on=D(2024, 4, 10))
    during = benefit_status(person=person, on=D(2024, 3, 30))
    assert not during.eligible and "第十六条" in during.article and during.benefit_from == D(2024, 5, 1)


def test_interruption_of_three_months_then_six_month_wait_art_16(make_person):
    person = make_person()
    first = paid(
        enrol(person=person, category="flexible", district="上城区", start_date=D(2023, 1, 1)), D(2023, 1, 5)
    )
    Enrolment.objects.filter(pk=first.pk).update(end_date=D(2023, 6, 30), end_reason="stopped")
    # July–October uncovered: 4 months ≥ 3 → interruption; paid November → 6 months → from 2024-05-01
    paid(
        enrol(person=person, category="flexible", district="上城区", start_date=D(2023, 11, 1)),
        D(2023, 11, 5),
    )
    waiting = benefit_status(person=person, on=D(2024, 4, 30))
    assert not waiting.eligible and waiting.article == "杭州 第十六条第(一)项"
    assert waiting.benefit_from == D(2024, 5, 1)
    assert benefit_status(person=person, on=D(2024, 5, 1)).eligible


def test_gap_of_two_months_is_no_interruption_art_16(make_person):
    person = make_person()
    first = paid(
        enrol(person=person, category="flexible", district="上城区", start_date=D(2023, 1, 1)), D(2023, 1, 5)
    )
    Enrolment.objects.filter(pk=first.pk).update(end_date=D(2023, 6, 30), end_reason="stopped")
    paid(
        enrol(person=person, category="flexible", district="上城区", start_date=D(2023, 9, 1)), D(2023, 9, 5)
    )
    assert benefit_status(person=person, on=D(2023, 10, 1)).eligible


def test_late_registration_counts_as_interruption_art_15_16(make_person, employer):
    person = make_person()
    enrolment = enrol(
        person=person,
        category="active",
        district="上城区",
        start_date=D(2024, 6, 1),
        employer=employer,
        eligible_since=D(2024, 1, 10),
    )
    paid(enrolment, D(2024, 6, 5))
    assert not benefit_status(person=person, on=D(2024, 11, 30)).eligible
    assert benefit_status(person=person, on=D(2024, 12, 1)).eligible


def test_resident_adult_switching_to_flexible_keeps_resident_benefits_six_months_art_73_1(make_person):
    person = make_person()
    paid(
        enrol(person=person, category="adult_tier1", district="上城区", start_date=D(2024, 1, 1)),
        D(2023, 12, 10),
    )
    flexible = switch_scheme(person=person, category="flexible", district="上城区", on=D(2024, 4, 1))
    paid(flexible, D(2024, 4, 3))
    # reading 5: six full months from the payment date (04-03): May–October, employee from 11-01
    bridge = benefit_status(person=person, on=D(2024, 10, 31))
    assert bridge.eligible and bridge.scheme == "resident" and bridge.category == "adult_tier1"
    after = benefit_status(person=person, on=D(2024, 11, 1))
    assert after.eligible and after.scheme == "employee" and after.category == "flexible"


def test_flexible_switching_to_resident_keeps_employee_benefits_that_month_art_73_2(make_person):
    person = make_person()
    paid(
        enrol(person=person, category="flexible", district="上城区", start_date=D(2023, 1, 1)), D(2023, 1, 5)
    )
    resident = switch_scheme(person=person, category="adult_tier2", district="上城区", on=D(2024, 5, 10))
    paid(resident, D(2024, 5, 12))
    same_month = benefit_status(person=person, on=D(2024, 5, 20))
    assert same_month.eligible and same_month.scheme == "employee" and same_month.category == "flexible"
    next_month = benefit_status(person=person, on=D(2024, 6, 1))
    assert next_month.eligible and next_month.scheme == "resident" and next_month.category == "adult_tier2"


def test_transfer_from_resident_elsewhere_waits_with_top_resident_tier_art_77(make_person):
    person = make_person()
    Transfer.objects.create(
        person=person,
        direction="in",
        other_place="宁波市",
        transferred_on=D(2024, 2, 1),
        from_scheme="resident",
    )
    paid(
        enrol(person=person, category="flexible", district="上城区", start_date=D(2024, 2, 1)), D(2024, 2, 3)
    )
    waiting = benefit_status(person=person, on=D(2024, 3, 15))
    assert waiting.eligible and waiting.scheme == "resident" and waiting.category == "adult_tier1"
    later = benefit_status(person=person, on=D(2024, 8, 1))
    assert later.eligible and later.scheme == "employee"


@pytest.mark.parametrize("continuous, eligible_in_march", [(5, False), (12, True)])
def test_transfer_without_twelve_continuous_months_waits_six_art_78(
    make_person, continuous, eligible_in_march
):
    person = make_person()
    Transfer.objects.create(
        person=person,
        direction="in",
        other_place="上海市",
        transferred_on=D(2024, 2, 1),
        from_scheme="employee",
        continuous_months_before=continuous,
    )
    paid(
        enrol(person=person, category="flexible", district="上城区", start_date=D(2024, 2, 1)), D(2024, 2, 3)
    )
    march = benefit_status(person=person, on=D(2024, 3, 15))
    assert march.eligible is eligible_in_march
    if not eligible_in_march:
        assert "第七十八条" in march.article
    assert benefit_status(person=person, on=D(2024, 8, 1)).eligible


def test_resident_paid_in_renewal_period_covered_from_january_art_35(make_person):
    person = make_person()
    paid(
        enrol(person=person, category="adult_tier1", district="上城区", start_date=D(2023, 1, 1)),
        D(2022, 12, 1),
    )
    paid(
        enrol(person=person, category="adult_tier1", district="上城区", start_date=D(2024, 1, 1)),
        D(2023, 12, 1),
    )
    assert benefit_status(person=person, on=D(2024, 1, 1)).eligible


def test_resident_renewal_paid_late_waits_six_months_art_35(make_person):
    person = make_person()
    paid(
        enrol(person=person, category="adult_tier1", district="上城区", start_date=D(2023, 1, 1)),
        D(2022, 12, 1),
    )
    paid(
        enrol(person=person, category="adult_tier1", district="上城区", start_date=D(2024, 1, 1)),
        D(2024, 3, 10),
    )
    # reading 5: six full months from 03-10 are April–September
    waiting = benefit_status(person=person, on=D(2024, 9, 30))
    assert (
        not waiting.eligible
        and waiting.article == "杭州 第三十五条"
        and waiting.benefit_from == D(2024, 10, 1)
    )
    assert benefit_status(person=person, on=D(2024, 10, 1)).eligible


def test_new_resident_from_month_after_payment_art_34(make_person):
    person = make_person()
    paid(
        enrol(person=person, category="adult_tier2", district="上城区", start_date=D(2024, 3, 5)),
        D(2024, 3, 5),
    )
    refused = benefit_status(person=person, on=D(2024, 3, 31))
    assert not refused.eligible and "第三十四条" in refused.article
    assert benefit_status(person=person, on=D(2024, 4, 1)).eligible


def test_newborn_enrolled_within_three_months_covered_from_birth_art_34(make_person):
    baby = make_person(name="新生儿", birth=D(2024, 5, 20))
    paid(enrol(person=baby, category="child", district="上城区", start_date=D(2024, 5, 20)), D(2024, 7, 10))
    status = benefit_status(person=baby, on=D(2024, 5, 20))
    assert status.eligible and status.category == "child"


def test_newborn_paid_after_three_months_from_month_after_payment_art_34(make_person):
    baby = make_person(name="新生儿", birth=D(2024, 5, 20))
    paid(enrol(person=baby, category="child", district="上城区", start_date=D(2024, 5, 20)), D(2024, 9, 1))
    assert not benefit_status(person=baby, on=D(2024, 9, 15)).eligible
    assert benefit_status(person=baby, on=D(2024, 10, 1)).eligible


def test_no_enrolment_and_death(make_person):
    person = make_person()
    status = benefit_status(person=person, on=D(2024, 1, 1))
    assert not status.eligible and status.scheme is None and "第七十三条" in status.article
    paid(
        enrol(person=person, category="flexible", district="上城区", start_date=D(2023, 1, 1)), D(2023, 1, 5)
    )
    person.death_date = D(2024, 2, 1)
    person.save()
    assert benefit_status(person=person, on=D(2024, 2, 1)).eligible
    dead = benefit_status(person=person, on=D(2024, 2, 2))
    assert not dead.eligible and "死亡" in dead.reason


def test_certificate_priority_and_registration_day_art_15_52(make_person):
    person = make_person()
    paid(
        enrol(person=person, category="flexible", district="上城区", start_date=D(2023, 1, 1)), D(2023, 1, 5)
    )
    record_certificate(
        person=person, kind="low_income_edge", valid_from=D(2024, 1, 1), registered_on=D(2024, 1, 10)
    )
    record_certificate(
        person=person,
        kind="minimum_living",
        valid_from=D(2024, 1, 1),
        valid_to=D(2024, 6, 30),
        registered_on=D(2024, 3, 1),
    )
    assert benefit_status(person=person, on=D(2024, 1, 9)).certificate is None  # before registration
    assert benefit_status(person=person, on=D(2024, 2, 1)).certificate == "low_income_edge"
    assert benefit_status(person=person, on=D(2024, 3, 1)).certificate == "minimum_living"
    assert benefit_status(person=person, on=D(2024, 7, 1)).certificate == "low_income_edge"


def test_gp_contract_and_filings_reported(make_person):
    person = make_person()
    paid(
        enrol(person=person, category="flexible", district="上城区", start_date=D(2023, 1, 1)), D(2023, 1, 5)
    )
    record_gp_contract(
        person=person, centre_code="H33010200001", valid_from=D(2024, 1, 1), valid_to=D(2024, 12, 31)
    )
    record_filing(person=person, kind="long_stay", valid_from=D(2024, 3, 1), destination="海南省三亚市")
    status = benefit_status(person=person, on=D(2024, 4, 1))
    assert status.contracted_gp and status.contracted_centre_code == "H33010200001"
    assert status.filings == ["long_stay"]
    before = benefit_status(person=person, on=D(2023, 12, 31))
    assert not before.contracted_gp and before.filings == []


def test_age_on(make_person):
    person = make_person(birth=D(2006, 3, 1))
    assert age_on(person, D(2024, 2, 29)) == 17
    assert age_on(person, D(2024, 3, 1)) == 18


def test_back_to_flexible_within_three_months_from_month_after_payment_art_73_2(make_person):
    person = make_person()
    paid(
        enrol(person=person, category="flexible", district="上城区", start_date=D(2023, 1, 1)), D(2023, 1, 5)
    )
    paid(
        switch_scheme(person=person, category="adult_tier1", district="上城区", on=D(2024, 5, 10)),
        D(2024, 5, 12),
    )
    back = switch_scheme(person=person, category="flexible", district="上城区", on=D(2024, 7, 1))
    paid(back, D(2024, 7, 5))
    status = benefit_status(person=person, on=D(2024, 8, 1))
    assert status.eligible and status.scheme == "employee"  # no 6-month resident bridge (art. 73(1))


def test_person_read_with_enrolments_gives_the_same_status_once(
    make_person, provincial_wage, django_assert_num_queries
):
    """queue_person: the enrolments come with the person, for its next benefit_status only."""
    from contributions.services import record_monthly_contribution
    from enrollment.selectors import queue_person

    person = make_person()
    enrol(person=person, category="flexible", district="上城区", start_date=D(2024, 1, 1))
    record_monthly_contribution(person=person, month=D(2024, 1, 1), paid_on=D(2024, 1, 5))
    with django_assert_num_queries(2):  # the person and the enrolments with their flags
        read = queue_person(id_number=person.id_number)()
    assert read.pk == person.pk
    fresh = benefit_status(person=person, on=D(2024, 3, 15))
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:  # the payments (and parameters): no enrolment read
        status = benefit_status(person=read, on=D(2024, 3, 15))
    assert not any("enrollment_enrolment" in q["sql"] for q in queries.captured_queries)
    assert status == fresh and not status.eligible
    with CaptureQueriesContext(connection) as queries:  # used once: the next status reads afresh
        assert benefit_status(person=read, on=D(2024, 2, 15)).eligible
    assert any("enrollment_enrolment" in q["sql"] for q in queries.captured_queries)
    assert queue_person(id_number="330106199001010000")() is None
