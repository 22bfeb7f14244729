"""Back payment (杭州 art. 17), contribution years (art. 18, 19), retirement check (art. 20, 21)."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from contributions.models import BackPayment, CreditedPeriod, RetirementConfirmation
from contributions.selectors import contribution_months
from contributions.services import (
    confirm_retirement,
    declare_base,
    record_back_payment,
    record_monthly_contribution,
)
from enrollment.models import Transfer
from enrollment.selectors import benefit_status
from enrollment.services import enrol

pytestmark = pytest.mark.django_db
D = dt.date


def test_back_payment_as_employee_amounts_art_17_1(make_person, employer, provincial_wage):
    """This year 2 months at the current base 8,000; earlier 2 months at 省平工资 6,000.

    employer 8,000 × 9.9% × 2 = 1,584.00; personal 8,000 × 2% × 2 = 320.00;
    employer 6,000 × 9.9% × 2 = 1,188.00; personal 6,000 × 2% × 2 = 240.00; total 3,332.00.
    """
    person = make_person()
    enrol(person=person, category="active", district="上城区", start_date=D(2024, 3, 1), employer=employer)
    declare_base(person=person, employer=employer, year=2024, monthly_wage=Decimal("8000"))
    back = record_back_payment(
        person=person,
        identity="employee",
        employer=employer,
        first_month=D(2023, 11, 1),
        last_month=D(2024, 2, 1),
        paid_on=D(2024, 3, 20),
    )
    assert (back.months, back.earlier_months) == (2, 2)
    assert back.employer_amount == Decimal("2772.00")
    assert back.personal == Decimal("560.00")
    assert back.total == Decimal("3332.00")
    # counted as contribution years (art. 17(3)) ...
    assert contribution_months(person=person).local_actual == 4
    # ... never as benefit months (art. 17(4))
    assert not benefit_status(person=person, on=D(2024, 1, 15)).eligible


def test_flexible_back_payment_not_before_this_year_art_17_2(make_person, provincial_wage):
    person = make_person()
    with pytest.raises(ValidationError) as error:
        record_back_payment(
            person=person,
            identity="flexible",
            first_month=D(2023, 12, 1),
            last_month=D(2024, 1, 1),
            paid_on=D(2024, 3, 1),
        )
    assert "第十七条" in error.value.message_dict["earlier_months"][0]
    assert BackPayment.objects.count() == 0


def test_back_payment_of_a_paid_month_refused(make_person, provincial_wage):
    person = make_person()
    enrol(person=person, category="flexible", district="上城区", start_date=D(2024, 1, 1))
    record_monthly_contribution(person=person, month=D(2024, 1, 1), paid_on=D(2024, 1, 10))
    with pytest.raises(ValidationError) as error:
        record_back_payment(
            person=person,
            identity="flexible",
            first_month=D(2024, 1, 1),
            last_month=D(2024, 2, 1),
            paid_on=D(2024, 3, 1),
        )
    assert "first_month" in error.value.message_dict


def test_years_by_kind_without_double_counting_art_18_19(make_person, provincial_wage):
    person = make_person()
    enrol(person=person, category="flexible", district="上城区", start_date=D(2024, 1, 1))
    for month in range(1, 7):
        record_monthly_contribution(person=person, month=D(2024, month, 1), paid_on=D(2024, month, 10))
    # deemed 2023-05..2024-04 (12 months) overlaps the paid 2024-01..04: only 8 add
    CreditedPeriod.objects.create(
        person=person, kind="deemed", first_month=D(2023, 5, 1), last_month=D(2024, 4, 1)
    )
    CreditedPeriod.objects.create(
        person=person, kind="continuous_service", first_month=D(2000, 1, 1), last_month=D(2002, 12, 1)
    )
    Transfer.objects.create(
        person=person,
        direction="in",
        other_place="上海市",
        transferred_on=D(2022, 12, 15),
        transferred_months=24,
        transferred_until=D(2022, 12, 15),
    )
    counted = contribution_months(person=person)
    assert counted.local_actual == 6
    assert counted.deemed == 8
    assert counted.continuous_service == 36
    assert counted.transferred == 24 - 0  # 2021-01..2022-12, no overlap with the rest
    assert counted.total == 6 + 8 + 36 + 24


def test_retirement_with_years_met_becomes_retired_art_20(make_person):
    person = make_person(birth=D(1964, 3, 1))
    enrol(person=person, category="unemployed", district="上城区", start_date=D(2020, 1, 1))
    CreditedPeriod.objects.create(
        person=person, kind="legacy_local", first_month=D(2004, 1, 1), last_month=D(2013, 12, 1)
    )
    CreditedPeriod.objects.create(
        person=person, kind="deemed", first_month=D(1994, 1, 1), last_month=D(2003, 12, 1)
    )
    confirmation = confirm_retirement(
        person=person, retirement_date=D(2024, 3, 1), confirmed_on=D(2024, 3, 5)
    )
    assert confirmation.method == "qualified"
    assert (confirmation.local_actual_months, confirmation.total_months) == (120, 240)
    status = benefit_status(person=person, on=D(2024, 3, 5))
    assert status.eligible and status.category == "retired"
    assert not benefit_status(person=person, on=D(2024, 3, 4)).category == "retired"


def test_retirement_short_of_years_refused_without_a_choice_art_20(make_person, provincial_wage):
    person = make_person(birth=D(1964, 3, 1))
    enrol(person=person, category="unemployed", district="上城区", start_date=D(2020, 1, 1))
    CreditedPeriod.objects.create(
        person=person, kind="legacy_local", first_month=D(2004, 1, 1), last_month=D(2013, 12, 1)
    )
    with pytest.raises(ValidationError) as error:
        confirm_retirement(person=person, retirement_date=D(2024, 3, 1), confirmed_on=D(2024, 3, 5))
    assert "第二十条" in error.value.message_dict["method"][0]
    assert RetirementConfirmation.objects.count() == 0


def test_retirement_lump_sum_art_20(make_person, provincial_wage):
    """120 local months, 180 in all: 60 months short; 6,000 × 9.5% × 60 = 34,200.00."""
    person = make_person(birth=D(1964, 3, 1))
    enrol(person=person, category="unemployed", district="上城区", start_date=D(2020, 1, 1))
    CreditedPeriod.objects.create(
        person=person, kind="legacy_local", first_month=D(2004, 1, 1), last_month=D(2013, 12, 1)
    )
    CreditedPeriod.objects.create(
        person=person, kind="deemed", first_month=D(1999, 1, 1), last_month=D(2003, 12, 1)
    )
    confirmation = confirm_retirement(
        person=person, retirement_date=D(2024, 3, 1), confirmed_on=D(2024, 3, 5), method="lump_sum"
    )
    assert confirmation.missing_total_months == 60 and confirmation.missing_local_months == 0
    assert confirmation.lump_sum == Decimal("34200.00")
    assert benefit_status(person=person, on=D(2024, 3, 5)).category == "retired"
    assert contribution_months(person=person).total == 240


def test_non_local_without_qualifying_status_gets_no_retired_benefits_art_21(make_person):
    person = make_person(birth=D(1964, 3, 1), hukou_local=False, district="西湖区")
    enrol(person=person, category="unemployed", district="西湖区", start_date=D(2020, 1, 1))
    with pytest.raises(ValidationError) as error:
        confirm_retirement(
            person=person, retirement_date=D(2024, 3, 1), confirmed_on=D(2024, 3, 5), method="lump_sum"
        )
    assert "第二十一条" in error.value.message_dict["person"][0]
