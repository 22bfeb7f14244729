"""Issue 12, contributions scenarios, with figures worked by hand (省平工资 6,000; coverage-rules.md
readings 10, 17–21). Refusals name their article and write nothing."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from contributions.models import BackPayment, ContributionRecord, CreditedPeriod, RetirementConfirmation
from contributions.selectors import paid_months_with_dates
from contributions.services import (
    confirm_retirement,
    declare_base,
    intake_contributions,
    record_back_payment,
    record_monthly_contribution,
)
from enrollment.selectors import benefit_status
from enrollment.services import enrol

pytestmark = pytest.mark.django_db
D = dt.date


def test_back_payment_rounded_month_by_month_art_17_1_reading_17(make_person, employer, provincial_wage):
    """Base 8,333.33 for January–March 2024, back-paid 2024-04-10 as an employee.

    A month: employer 8,333.33 × 9.9% = 824.99967 → 825.00; personal × 2% = 166.6666 → 166.67.
    Three months: employer 2,475.00, personal 500.01 (not 500.00 as one product rounded once).
    """
    person = make_person()
    enrol(person=person, category="active", district="上城区", start_date=D(2024, 4, 1), employer=employer)
    declare_base(person=person, employer=employer, year=2024, monthly_wage=Decimal("8333.33"))
    back = record_back_payment(
        person=person,
        identity="employee",
        employer=employer,
        first_month=D(2024, 1, 1),
        last_month=D(2024, 3, 1),
        paid_on=D(2024, 4, 10),
    )
    assert back.employer_amount == Decimal("2475.00")
    assert back.personal == Decimal("500.01")
    assert back.total == Decimal("2975.01")


def test_back_payment_not_before_the_employer_joined_art_17_1_reading_18(
    make_person, employer, provincial_wage
):
    """The employer joined the scheme on 2024-01-01: a back payment from 2023-06 is refused, nothing written."""
    employer.joined_on = D(2024, 1, 1)
    employer.save()
    person = make_person()
    enrol(person=person, category="active", district="上城区", start_date=D(2024, 3, 1), employer=employer)
    declare_base(person=person, employer=employer, year=2024, monthly_wage=Decimal("8000"))
    with pytest.raises(ValidationError) as error:
        record_back_payment(
            person=person,
            identity="employee",
            first_month=D(2023, 6, 1),
            last_month=D(2024, 2, 1),
            paid_on=D(2024, 3, 20),
        )
    message = error.value.message_dict["first_month"][0]
    assert "杭州 第十七条" in message and "2024-01-01" in message
    assert BackPayment.objects.count() == 0
    # from the month the employer joined, accepted
    back = record_back_payment(
        person=person,
        identity="employee",
        first_month=D(2024, 1, 1),
        last_month=D(2024, 2, 1),
        paid_on=D(2024, 3, 20),
    )
    assert back.months == 2


def test_disability_allowance_unclamped_at_the_counter_art_13_4_reading_19(
    make_person, employer, provincial_wage
):
    """Allowance 3,000 (below the floor 3,600): employer 3,000 × 9.9% = 297.00, personal 2% = 60.00, 357.00."""
    person = make_person()
    enrol(person=person, category="active", district="上城区", start_date=D(2024, 1, 1), employer=employer)
    record = record_monthly_contribution(
        person=person, month=D(2024, 3, 1), paid_on=D(2024, 3, 10), disability_allowance=Decimal("3000")
    )
    assert (record.base, record.employer_amount, record.personal, record.total) == (
        Decimal("3000.00"),
        Decimal("297.00"),
        Decimal("60.00"),
        Decimal("357.00"),
    )


def test_disability_allowance_through_the_intake_art_13_4_reading_19(make_person, employer, provincial_wage):
    person = make_person()
    enrol(person=person, category="active", district="上城区", start_date=D(2024, 1, 1), employer=employer)
    intake_contributions(
        [
            {
                "id": "TAX-INJ-1",
                "kind": "employee",
                "id_number": person.id_number,
                "month": "2024-03",
                "paid_on": "2024-03-10",
                "disability_allowance": "3000.00",
                "total": "357.00",
            }
        ]
    )
    assert ContributionRecord.objects.get(external_id="TAX-INJ-1").total == Decimal("357.00")


def _short_of_years(make_person, **kwargs):
    """Born 1964-03-01; 120 local months (2004–2013) and 60 deemed (1999–2003): 60 months short of 240."""
    person = make_person(birth=D(1964, 3, 1), **kwargs)
    CreditedPeriod.objects.create(
        person=person, kind="legacy_local", first_month=D(2004, 1, 1), last_month=D(2013, 12, 1)
    )
    CreditedPeriod.objects.create(
        person=person, kind="deemed", first_month=D(1999, 1, 1), last_month=D(2003, 12, 1)
    )
    return person


def test_lump_sum_payer_pays_the_catastrophic_premium_per_year_made_up_art_41_reading_20(
    make_person, provincial_wage
):
    """60 months made up = 5 years: 5 × 48.00 = 240.00 with the lump sum of 6,000 × 9.5% × 60 = 34,200.00."""
    person = _short_of_years(make_person)
    enrol(person=person, category="unemployed", district="上城区", start_date=D(2020, 1, 1))
    confirmation = confirm_retirement(
        person=person, retirement_date=D(2024, 3, 1), confirmed_on=D(2024, 3, 5), method="lump_sum"
    )
    assert confirmation.lump_sum == Decimal("34200.00")
    assert confirmation.lump_sum_premium == Decimal("240.00")
    assert any("第四十一条" in line["article"] for line in confirmation.lines)


def test_monthly_top_up_is_a_flexible_worker_at_the_flexible_standard_art_20_reading_10(
    make_person, employer, provincial_wage
):
    """Coverage 7, contributions 6: retiring 2024-03-01 short of years, paying monthly: not retired,
    a flexible worker from 03-01 paying 6,000 × 60% × 9.5% = 342.00 (not 952.00 at the employee rate)."""
    person = _short_of_years(make_person)
    enrol(person=person, category="active", district="上城区", start_date=D(2020, 1, 1), employer=employer)
    for month in (1, 2):
        record_monthly_contribution(
            person=person, month=D(2024, month, 1), paid_on=D(2024, month, 10), monthly_wage=8000
        )
    confirmation = confirm_retirement(
        person=person, retirement_date=D(2024, 3, 1), confirmed_on=D(2024, 3, 1), method="monthly"
    )
    assert confirmation.method == RetirementConfirmation.Method.MONTHLY and confirmation.confirmed_on is None
    record = record_monthly_contribution(person=person, month=D(2024, 3, 1), paid_on=D(2024, 3, 10))
    assert record.kind == "flexible" and record.total == Decimal("342.00")
    status = benefit_status(person=person, on=D(2024, 3, 15))
    assert status.eligible and status.category == "flexible"  # continuous employee coverage (reading 4)


def test_non_local_meeting_art_12_2_is_not_refused_under_art_21_reading_21(make_person, provincial_wage):
    """Non-local with 10 local years (art. 12(2)) but neither employed nor enrolled as a flexible worker:
    not refused under art. 21; whether they may top up is decided under art. 20."""
    person = _short_of_years(make_person, hukou_local=False, district="西湖区")
    enrol(person=person, category="unemployed", district="西湖区", start_date=D(2020, 1, 1))
    with pytest.raises(ValidationError) as error:
        confirm_retirement(
            person=person, retirement_date=D(2024, 3, 1), confirmed_on=D(2024, 3, 5), method="lump_sum"
        )
    message = error.value.message_dict["person"][0]
    assert "第二十一条" not in message and "第二十条" in message


def test_paid_months_with_dates_for_art_17_5_crediting(make_person, provincial_wage):
    """What accounts reads to credit back-paid months (art. 17(5)): each month with its payment date."""
    person = make_person()
    enrol(person=person, category="flexible", district="上城区", start_date=D(2024, 1, 1))
    record_monthly_contribution(person=person, month=D(2024, 1, 1), paid_on=D(2024, 1, 10))
    record_back_payment(
        person=person,
        identity="flexible",
        first_month=D(2024, 2, 1),
        last_month=D(2024, 3, 1),
        paid_on=D(2024, 4, 10),
    )
    paid = paid_months_with_dates(person=person)
    assert paid[D(2024, 1, 1)].paid_on == D(2024, 1, 10) and not paid[D(2024, 1, 1)].back_paid
    assert paid[D(2024, 3, 1)].paid_on == D(2024, 4, 10) and paid[D(2024, 3, 1)].back_paid
