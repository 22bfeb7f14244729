"""Zhoushan, on the ILLUSTRATIVE parameter set (not official figures): 舟山 art. 9, 11, 13, 14, 27–29.

Illustrative: 省社平工资 6,500; flexible base 60% = 3,900 at 10.5% = 409.50; employer 8.5%,
personal 2%, base floor 90% = 5,850; benefits from the 2nd natural month; adults 1,700 (600 personal);
late residents from the 3rd natural month; arrears window 3 months; 20 actual years to retire.
"""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from contributions.models import CreditedPeriod
from contributions.services import (
    check_arrears,
    confirm_retirement,
    record_monthly_contribution,
    record_resident_payment,
)
from enrollment.models import Suspension
from enrollment.selectors import benefit_status
from enrollment.services import enrol

pytestmark = pytest.mark.django_db
D = dt.date


@pytest.fixture(autouse=True)
def illustrative():
    import policy.parameters as parameters

    before = parameters._illustrative_default
    parameters.set_illustrative_default(True)
    yield
    parameters.set_illustrative_default(before)


@pytest.fixture
def zs_person(make_person):
    def make(**kwargs):
        kwargs.setdefault("district", "定海区")
        return make_person(region="zhoushan", area="330902", **kwargs)

    return make


def test_employee_from_second_natural_month_after_registration_art_13(zs_person, employer):
    person = zs_person()
    enrol(person=person, category="active", district="定海区", start_date=D(2024, 3, 10), employer=employer)
    before = benefit_status(person=person, on=D(2024, 3, 31))
    assert not before.eligible and before.article == "舟山 第十三条"
    assert benefit_status(person=person, on=D(2024, 4, 1)).eligible


def test_employee_and_flexible_amounts_art_9(zs_person, employer):
    worker = zs_person()
    enrol(person=worker, category="active", district="定海区", start_date=D(2024, 1, 1), employer=employer)
    record = record_monthly_contribution(
        person=worker, month=D(2024, 1, 1), paid_on=D(2024, 1, 15), monthly_wage=5000
    )
    # 5,000 below 90% × 6,500 = 5,850 → base 5,850; employer 8.5% = 497.25; personal 2% = 117.00
    assert (record.base, record.employer_amount, record.personal) == (
        Decimal("5850.00"),
        Decimal("497.25"),
        Decimal("117.00"),
    )
    flexible = zs_person(name="灵活")
    enrol(person=flexible, category="flexible", district="定海区", start_date=D(2024, 1, 1))
    record = record_monthly_contribution(person=flexible, month=D(2024, 1, 1), paid_on=D(2024, 1, 15))
    assert (record.base, record.total) == (Decimal("3900.00"), Decimal("409.50"))


def test_arrears_paid_within_three_months_covers_the_period_art_14(zs_person):
    person = zs_person()
    enrol(person=person, category="flexible", district="定海区", start_date=D(2024, 1, 1))
    for month in (1, 2):
        record_monthly_contribution(person=person, month=D(2024, month, 1), paid_on=D(2024, month, 10))
    assert check_arrears(on=D(2024, 4, 1)) == 1
    suspension = Suspension.objects.get()
    assert suspension.suspended_from == D(2024, 4, 1) and suspension.article == "舟山 第十四条"
    assert not benefit_status(person=person, on=D(2024, 4, 10)).eligible
    record_monthly_contribution(person=person, month=D(2024, 3, 1), paid_on=D(2024, 5, 20))
    suspension.refresh_from_db()
    assert suspension.restored_from == D(2024, 4, 1)
    assert benefit_status(person=person, on=D(2024, 4, 10)).eligible


def test_arrears_paid_late_restores_next_month_art_14(zs_person):
    person = zs_person()
    enrol(person=person, category="flexible", district="定海区", start_date=D(2024, 1, 1))
    record_monthly_contribution(person=person, month=D(2024, 1, 1), paid_on=D(2024, 1, 10))
    check_arrears(on=D(2024, 3, 1))
    for month in (2,):
        record_monthly_contribution(person=person, month=D(2024, month, 1), paid_on=D(2024, 8, 10))
    assert Suspension.objects.get(unpaid_month=D(2024, 2, 1)).restored_from == D(2024, 9, 1)


def test_resident_on_time_and_late_art_27_28_29(zs_person):
    on_time = zs_person(name="按时")
    enrolment = enrol(person=on_time, category="adult_tier1", district="定海区", start_date=D(2024, 1, 1))
    payment = record_resident_payment(enrolment=enrolment, paid_on=D(2023, 11, 1))
    assert (payment.total, payment.personal) == (Decimal("1700.00"), Decimal("600.00"))
    assert benefit_status(person=on_time, on=D(2024, 1, 1)).eligible
    late = zs_person(name="逾期")
    enrolment = enrol(person=late, category="adult_tier1", district="定海区", start_date=D(2024, 1, 1))
    record_resident_payment(enrolment=enrolment, paid_on=D(2024, 3, 10))
    refused = benefit_status(person=late, on=D(2024, 4, 30))
    assert not refused.eligible and refused.article == "舟山 第二十九条"
    assert benefit_status(person=late, on=D(2024, 5, 1)).eligible


def test_adult_tiers_do_not_exist_in_zhoushan_art_26(zs_person):
    with pytest.raises(ValidationError) as error:
        enrol(person=zs_person(), category="adult_tier2", district="定海区", start_date=D(2024, 1, 1))
    assert "舟山 第二十六条" in error.value.message_dict["category"][0]


def test_retirement_needs_twenty_actual_years_art_11(zs_person):
    person = zs_person(birth=D(1964, 3, 1))
    enrol(person=person, category="unemployed", district="定海区", start_date=D(2020, 1, 1))
    CreditedPeriod.objects.create(
        person=person, kind="legacy_local", first_month=D(2000, 1, 1), last_month=D(2014, 12, 1)
    )
    CreditedPeriod.objects.create(
        person=person, kind="deemed", first_month=D(1990, 1, 1), last_month=D(1999, 12, 1)
    )
    with pytest.raises(ValidationError) as error:
        confirm_retirement(person=person, retirement_date=D(2024, 3, 1), confirmed_on=D(2024, 3, 5))
    assert "舟山 第十一条" in error.value.message_dict["method"][0]  # deemed years do not count here
    confirmation = confirm_retirement(
        person=person, retirement_date=D(2024, 3, 1), confirmed_on=D(2024, 3, 5), method="lump_sum"
    )
    # 180 actual months, 60 short: 6,500 × 10.5% × 60 = 40,950.00
    assert confirmation.missing_total_months == 60 and confirmation.lump_sum == Decimal("40950.00")
    assert benefit_status(person=person, on=D(2024, 3, 5)).category == "retired"


def test_missing_zhoushan_figure_refuses_naming_the_parameter(zs_person, employer):
    import policy.parameters as parameters

    person = zs_person()
    enrol(person=person, category="active", district="定海区", start_date=D(2024, 3, 10), employer=employer)
    parameters.set_illustrative_default(False)  # the official file: no figures
    status = benefit_status(person=person, on=D(2024, 5, 1))
    assert not status.eligible
    assert "enrolment.benefit_start_natural_month" in status.reason and status.article == "舟山 第十三条"


def test_first_employee_enrolment_under_retirement_age_art_12(zs_person, employer):
    """舟山 art. 12 (illustrative ages M 60 / F 50): a woman of 52 may not make a first employee
    enrolment; one in the local employee pension scheme may; nothing is written on refusal."""
    from enrollment.models import Enrolment

    person = zs_person(name="首次参保", birth=D(1972, 1, 10), sex="F")
    with pytest.raises(ValidationError) as error:
        enrol(
            person=person, category="active", district="定海区", start_date=D(2024, 3, 1), employer=employer
        )
    message = error.value.message_dict["start_date"][0]
    assert "舟山 第十二条" in message and "50" in message
    assert not Enrolment.objects.filter(person=person).exists()
    enrol(
        person=person,
        category="active",
        district="定海区",
        start_date=D(2024, 3, 1),
        employer=employer,
        in_local_pension_scheme=True,
    )
    assert Enrolment.objects.filter(person=person).count() == 1


def test_hangzhou_has_no_first_enrolment_age_rule(make_person, employer):
    """The rule is the region's (declared in zhoushan.yaml only): a Hangzhou woman of 52 enrols."""
    person = make_person(name="杭州首次", birth=D(1972, 1, 10), sex="F")
    enrol(person=person, category="active", district="上城区", start_date=D(2024, 3, 1), employer=employer)
