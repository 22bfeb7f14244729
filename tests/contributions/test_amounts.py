"""Monthly and yearly amounts worked by hand (省平工资 6,000 set as an override).

杭州 art. 13(1)(2): base = last year's monthly wage clamped to [3,600, 18,000]; employer 9.9%
(0.4% maternity), personal 2%. art. 13(5): flexible base 3,600 × 9.5% = 342.00; 低边 half.
art. 13(6): the unemployment fund pays it for the unemployed. art. 31, 32, 41.
"""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from contributions.models import CatastrophicPremium, ContributionRecord
from contributions.services import declare_base, record_monthly_contribution, record_resident_payment
from enrollment.selectors import benefit_status
from enrollment.services import enrol, record_certificate

pytestmark = pytest.mark.django_db
D = dt.date


@pytest.mark.parametrize(
    "wage, base, employer_amount, maternity, personal",
    [
        ("8000", "8000.00", "792.00", "32.00", "160.00"),  # inside the band
        ("2000", "3600.00", "356.40", "14.40", "72.00"),  # below 60%: 3,600
        ("20000", "18000.00", "1782.00", "72.00", "360.00"),  # above 300%: 18,000
    ],
)
def test_employee_month_art_13_1_2(
    make_person, employer, provincial_wage, wage, base, employer_amount, maternity, personal
):
    person = make_person()
    enrol(person=person, category="active", district="上城区", start_date=D(2024, 1, 1), employer=employer)
    declaration = declare_base(person=person, employer=employer, year=2024, monthly_wage=Decimal(wage))
    assert declaration.base == Decimal(base)
    record = record_monthly_contribution(person=person, month=D(2024, 1, 1), paid_on=D(2024, 1, 15))
    assert record.base == Decimal(base)
    assert record.employer_amount == Decimal(employer_amount)
    assert record.employer_maternity == Decimal(maternity)
    assert record.personal == Decimal(personal)
    assert record.total == Decimal(employer_amount) + Decimal(personal)
    assert any("第十三条" in line["article"] for line in record.lines)


def test_flexible_month_and_low_income_edge_half_subsidy_art_13_5(make_person, provincial_wage):
    person = make_person()
    enrol(person=person, category="flexible", district="上城区", start_date=D(2024, 1, 1))
    january = record_monthly_contribution(person=person, month=D(2024, 1, 1), paid_on=D(2024, 1, 10))
    assert (january.base, january.personal, january.personal_subsidy, january.personal_payable) == (
        Decimal("3600.00"),
        Decimal("342.00"),
        Decimal("0.00"),
        Decimal("342.00"),
    )
    # registered 2024-02-20: subsidised from the month of registration (art. 13(5))
    record_certificate(
        person=person, kind="low_income_edge", valid_from=D(2024, 1, 1), registered_on=D(2024, 2, 20)
    )
    february = record_monthly_contribution(person=person, month=D(2024, 2, 1), paid_on=D(2024, 2, 25))
    assert february.certificate == "low_income_edge"
    assert february.personal_subsidy == Decimal("171.00") and february.personal_payable == Decimal("171.00")


def test_unemployed_paid_by_unemployment_fund_art_13_6(make_person, provincial_wage):
    person = make_person()
    enrol(person=person, category="unemployed", district="上城区", start_date=D(2024, 1, 1))
    record = record_monthly_contribution(person=person, month=D(2024, 1, 1), paid_on=D(2024, 1, 10))
    assert record.kind == "unemployed"
    assert record.personal_subsidy == Decimal("342.00") and record.personal_payable == Decimal("0.00")
    assert record.subsidy_payer == "unemployment_fund"


def test_first_payment_starts_benefits_next_month_art_15(make_person, provincial_wage):
    person = make_person()
    enrol(person=person, category="flexible", district="上城区", start_date=D(2024, 1, 10))
    assert not benefit_status(person=person, on=D(2024, 2, 1)).eligible
    record_monthly_contribution(person=person, month=D(2024, 1, 1), paid_on=D(2024, 1, 20))
    assert not benefit_status(person=person, on=D(2024, 1, 31)).eligible
    assert benefit_status(person=person, on=D(2024, 2, 1)).eligible


def test_catastrophic_premium_once_a_year_art_41(make_person, provincial_wage):
    person = make_person()
    enrol(person=person, category="flexible", district="上城区", start_date=D(2024, 1, 1))
    record_monthly_contribution(person=person, month=D(2024, 1, 1), paid_on=D(2024, 1, 10))
    record_monthly_contribution(person=person, month=D(2024, 2, 1), paid_on=D(2024, 2, 10))
    premium = CatastrophicPremium.objects.get(person=person, year=2024)
    assert (premium.total, premium.personal, premium.other) == (
        Decimal("100.00"),
        Decimal("48.00"),
        Decimal("52.00"),
    )
    assert CatastrophicPremium.objects.filter(person=person).count() == 1


@pytest.mark.parametrize(
    "category, certificate, personal, subsidy, payable",
    [
        ("adult_tier1", None, "700.00", "0.00", "700.00"),
        ("adult_tier2", "low_income_edge", "600.00", "300.00", "300.00"),
        ("child", "minimum_living", "300.00", "300.00", "0.00"),
    ],
)
def test_resident_yearly_payment_with_subsidy_art_31_32(
    make_person, category, certificate, personal, subsidy, payable
):
    birth = D(2015, 1, 1) if category == "child" else D(1980, 1, 1)
    person = make_person(birth=birth)
    if certificate:
        record_certificate(
            person=person, kind=certificate, valid_from=D(2023, 1, 1), registered_on=D(2023, 6, 1)
        )
    enrolment = enrol(person=person, category=category, district="上城区", start_date=D(2024, 1, 1))
    payment = record_resident_payment(enrolment=enrolment, paid_on=D(2023, 12, 1))
    assert payment.personal == Decimal(personal)
    assert payment.personal_subsidy == Decimal(subsidy)
    assert payment.personal_payable == Decimal(payable)
    assert payment.total == payment.personal + payment.government_share
    premium = CatastrophicPremium.objects.get(person=person, year=2024)
    assert (premium.total, premium.personal) == (Decimal("90.00"), Decimal("40.00"))
    assert benefit_status(person=person, on=D(2024, 1, 1)).eligible


def test_student_catastrophic_premium_is_twenty_art_41(make_person):
    person = make_person(birth=D(2004, 1, 1))
    enrolment = enrol(
        person=person, category="student", district="西湖区", start_date=D(2024, 9, 1), school="浙江大学"
    )
    payment = record_resident_payment(enrolment=enrolment, paid_on=D(2024, 8, 20))
    assert payment.year == 2024 and payment.personal == Decimal("90.00")
    assert CatastrophicPremium.objects.get(person=person, year=2024).total == Decimal("20.00")


def test_contribution_without_enrolment_and_duplicate_month_refused(make_person, provincial_wage):
    person = make_person()
    with pytest.raises(ValidationError) as error:
        record_monthly_contribution(person=person, month=D(2024, 1, 1), paid_on=D(2024, 1, 10))
    assert "第十五条" in error.value.message_dict["month"][0]
    enrol(person=person, category="flexible", district="上城区", start_date=D(2024, 1, 1))
    record_monthly_contribution(person=person, month=D(2024, 1, 1), paid_on=D(2024, 1, 10))
    with pytest.raises(ValidationError) as error:
        record_monthly_contribution(person=person, month=D(2024, 1, 1), paid_on=D(2024, 1, 11))
    assert "已有缴费记录" in error.value.message_dict["month"][0]
    assert ContributionRecord.objects.filter(person=person).count() == 1


def test_missing_provincial_wage_names_the_parameter(make_person):
    person = make_person()
    enrol(person=person, category="flexible", district="上城区", start_date=D(2024, 1, 1))
    with pytest.raises(ValidationError) as error:
        record_monthly_contribution(person=person, month=D(2024, 1, 1), paid_on=D(2024, 1, 10))
    assert "provincial_average_monthly_wage" in error.value.message_dict["parameters"][0]
    assert ContributionRecord.objects.count() == 0


def test_agreement_payer_paid_once_benefits_next_month_art_13_7(make_person):
    from contributions.services import record_agreement_payment

    person = make_person()
    enrolment = enrol(person=person, category="agreement", district="上城区", start_date=D(2024, 2, 10))
    with pytest.raises(ValidationError) as error:
        record_agreement_payment(
            enrolment=enrolment, amount=Decimal("0"), paid_on=D(2024, 2, 10), standard="市政府文件"
        )
    assert "amount" in error.value.message_dict
    payment = record_agreement_payment(
        enrolment=enrolment, amount=Decimal("36000"), paid_on=D(2024, 2, 12), standard="市政府文件"
    )
    assert payment.lines[0]["article"] == "杭州 第十三条第(七)项"
    assert not benefit_status(person=person, on=D(2024, 2, 29)).eligible
    status = benefit_status(person=person, on=D(2024, 3, 1))
    assert status.eligible and status.category == "active" and status.enrolment_category == "agreement"
