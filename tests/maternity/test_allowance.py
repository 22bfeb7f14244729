"""Hand-worked allowances and eligibility (杭州 art. 56, 58, 59, 60; 舟山 art. 46, 48–50).

Employer average of 9,000 (杭州 art. 58(2)): December bases of last year, hers 8,000 and a
colleague's 10,000: (8,000 + 10,000) ÷ 2 = 9,000, i.e. 300 a day (÷ 30).
"""

import datetime as dt
from decimal import Decimal as D

import pytest

from maternity import services
from maternity.assessment import MaternityError
from maternity.models import Application, MaternityPosting, Payment

from .conftest import back_pay, colleague, enrol, insured_woman, make_employer, make_person, pay

EVENT = dt.date(2026, 3, 10)
TODAY = dt.date(2026, 11, 20)
pytestmark = pytest.mark.django_db


def hangzhou_woman(sex="F", **kwargs):
    return insured_woman(event_date=EVENT, base=D("8000"), colleagues=(D("10000"),), sex=sex, **kwargs)


def submit(person, employer, event_kind="birth", today=TODAY, **kwargs):
    application, created = services.submit(
        person=person,
        employer=employer,
        event_kind=event_kind,
        event_date=kwargs.pop("event_date", EVENT),
        source="counter",
        today=today,
        **kwargs,
    )
    assert created
    return application


def test_art58_art59_normal_birth_128_days_at_9000_is_38400():
    """杭州 art. 58, 59(1): 9,000 ÷ 30 × 128 = 38,400.00."""
    person, employer = hangzhou_woman()
    application = submit(person, employer)
    assert application.eligible and application.continuous_months == 14
    assert application.average_wage == D("9000.00")
    assert application.days == 128
    assert application.amount == D("38400.00")
    texts = [(line["article"], line["text"], line["amount"]) for line in application.lines]
    assert any("第五十六条" in article for article, _t, _a in texts)
    average = next(t for t in texts if "第五十八条第二款" in t[0])
    assert "2025年12月" in average[1] and "2 人" in average[1] and "18,000.00" in average[1]
    assert average[2] == "9000.00"
    assert texts[-1][0] == "杭州 第五十八条" and "÷ 30 × 128" in texts[-1][1] and texts[-1][2] == "38400.00"


def test_art59_1_difficult_twin_birth_adds_15_and_15_days():
    """杭州 art. 59(1): 128 + 15 (difficult) + 15 (second baby) = 158 days; 300 × 158 = 47,400.00."""
    person, employer = hangzhou_woman()
    application = submit(person, employer, babies=2, difficult_birth=True)
    assert application.days == 158
    assert application.amount == D("47400.00")


@pytest.mark.parametrize(
    "kind,days,amount",
    [("miscarriage_before_4_months", 15, "4500.00"), ("miscarriage_from_4_months", 42, "12600.00")],
)
def test_art59_miscarriage_before_and_from_4_months(kind, days, amount):
    """杭州 art. 59: miscarriage before 4 months 15 days (300 × 15), from 4 months 42 days (300 × 42)."""
    person, employer = hangzhou_woman()
    application = submit(person, employer, event_kind=kind)
    assert application.allowance_kind == "maternity"
    assert (application.days, application.amount) == (days, D(amount))


@pytest.mark.parametrize(
    "kind,sex,days,amount",
    [
        ("iud_insertion", "F", 2, "600.00"),
        ("iud_removal", "F", 1, "300.00"),
        ("vasectomy", "M", 7, "2100.00"),
        ("tubal_ligation", "F", 21, "6300.00"),
        ("postpartum_tubal_ligation", "F", 14, "4200.00"),
    ],
)
def test_art59_2_each_family_planning_surgery(kind, sex, days, amount):
    """杭州 art. 59(2): 300 a day × the surgery's days; a vasectomy is the man's surgery."""
    person, employer = hangzhou_woman(sex=sex)
    application = submit(person, employer, event_kind=kind)
    assert application.allowance_kind == "family_planning"
    assert (application.days, application.amount) == (days, D(amount))


def test_art58_2_employer_new_this_year_uses_its_first_month():
    """杭州 art. 58(2): an employer new in 2026 has no December 2025; its first month (January 2026):
    (6,000 + 7,200) ÷ 2 = 6,600; birth 6,600 ÷ 30 × 128 = 28,160.00."""
    old = make_employer(name="旧单位")
    new = make_employer(name="新成立单位")
    person = make_person()
    enrol(person, employer=old, start=dt.date(2025, 1, 1), end=dt.date(2025, 12, 31))
    pay(person, employer=old, first=dt.date(2025, 1, 1), count=12, base=D("5000"))
    enrol(person, employer=new, start=dt.date(2026, 1, 1))
    pay(person, employer=new, first=dt.date(2026, 1, 1), count=2, base=D("6000"))
    colleague(new, month=dt.date(2026, 1, 1), base=D("7200"))
    application = submit(person, new)
    assert application.average_wage == D("6600.00")
    assert application.amount == D("28160.00")
    assert any("当年新参保单位第 1 个月（2026年01月）" in line["text"] for line in application.lines)


def test_art56_2_eleven_months_and_a_back_payment_refused():
    """杭州 art. 56(2): March 2025 was a back payment, April 2025 – February 2026 paid: 11 months, 1 missing."""
    employer = make_employer()
    person = make_person()
    enrol(person, employer=employer, start=dt.date(2025, 3, 1))
    back_pay(person, first=dt.date(2025, 3, 1), last=dt.date(2025, 3, 1), employer=employer)
    pay(person, employer=employer, first=dt.date(2025, 4, 1), count=11, base=D("9000"))
    application = submit(person, employer)
    assert not application.eligible
    assert (application.continuous_months, application.missing_months) == (11, 1)
    assert application.reason_article == "杭州 第五十六条第(二)项"
    assert "缺少 1 个月" in application.reason and "2025年03月为补缴" in application.reason
    with pytest.raises(MaternityError) as caught:
        services.approve(application=application, user=None)
    assert caught.value.status == 422 and "第五十六条" in caught.value.article
    decision = services.refuse(application=application, user=None)
    assert decision.outcome == "refused" and "缺少 1 个月" in decision.reason
    assert decision.article == "杭州 第五十六条第(二)项"
    assert not Payment.objects.exists() and not MaternityPosting.objects.exists()


def test_art60_deadline_end_of_the_year_after_the_event():
    """杭州 art. 60: a birth on 2024-06-01 may be applied for until 2025-12-31, not on 2026-01-01."""
    event = dt.date(2024, 6, 1)
    person, employer = insured_woman(event_date=event)
    with pytest.raises(MaternityError) as caught:
        services.submit(
            person=person,
            employer=employer,
            event_kind="birth",
            event_date=event,
            source="counter",
            today=dt.date(2026, 1, 1),
        )
    assert caught.value.status == 422 and caught.value.field == "event_date"
    assert caught.value.article == "杭州 第六十条" and "2025-12-31" in caught.value.text
    assert not Application.objects.exists()
    application, created = services.submit(
        person=person,
        employer=employer,
        event_kind="birth",
        event_date=event,
        source="counter",
        today=dt.date(2025, 12, 31),
    )
    assert created and application.eligible


def test_approval_pays_the_employer_and_posts_to_the_maternity_book():
    """杭州 art. 60: paid to the employer; the book records the expenditure (negative) in the same transaction."""
    person, employer = hangzhou_woman()
    application = submit(person, employer)
    decision = services.approve(application=application, user=None, on=dt.date(2026, 11, 25))
    payment = Payment.objects.get()
    assert decision.amount == payment.amount == D("38400.00")
    assert payment.payee == "employer" and payment.employer == employer and payment.article == "杭州 第六十条"
    posting = MaternityPosting.objects.get()
    assert posting.fund == "maternity" and posting.amount == D("-38400.00")
    assert posting.source_id == str(payment.pk) and posting.district == "上城区"
    assert (posting.region, posting.source_kind) == (
        "hangzhou",
        "allowance",
    )  # funds/ reads: paid to employers
    # approving again pays nothing more
    assert services.approve(application=application, user=None) == decision
    assert Payment.objects.count() == 1 and MaternityPosting.objects.count() == 1


def test_funds_reads_the_maternity_book():
    """core.books: funds/ finds every FundPosting subclass, this book among them."""
    from funds.sources import book_models

    assert MaternityPosting in book_models()


def test_the_same_birth_cannot_be_paid_twice_by_the_database():
    """One payment per person, event and date, whatever way it came in (a unique constraint)."""
    from django.db import IntegrityError, transaction

    person, employer = hangzhou_woman()
    application = submit(person, employer)
    services.approve(application=application, user=None)
    payment = Payment.objects.get()
    with pytest.raises(IntegrityError), transaction.atomic():
        Payment.objects.create(
            application=Application.objects.create(
                allowance_kind="maternity",
                person=person,
                employer=None,
                event_kind="birth",
                event_group="pregnancy",
                event_date=EVENT,
                region="hangzhou",
                district="上城区",
                source="portal",
                status="refused",
            ),
            decision=payment.decision,
            person=person,
            event_group="pregnancy",
            event_date=EVENT,
            payee="person",
            region="hangzhou",
            district="上城区",
            amount=D("1.00"),
            paid_on=EVENT,
            article="x",
        )


# --- 舟山 with illustrative parameters: 一孩 158 天, ÷ 30, 12 个月 ---------------------------


@pytest.fixture
def illustrative():
    import policy.parameters as parameters

    parameters.set_illustrative_default(True)


def test_zhoushan_art46_art48_art50_flexible_worker_paid_herself(illustrative):
    """舟山 art. 46, 48, 49, 50 (illustrative figures): a flexible worker's own base 4,500 ÷ 30 × 158
    (first child) = 23,700.00, paid to her (art. 48)."""
    person = make_person(name="舟小渔", region="zhoushan", area="330902", district="定海区")
    enrol(person, start=dt.date(2025, 1, 1), category="flexible", district="定海区")
    pay(person, first=dt.date(2025, 1, 1), count=14, base=D("4500"))
    application = submit(person, None)
    assert application.eligible, application.reason
    assert application.average_wage == D("4500.00") and application.days == 158
    assert application.amount == D("23700.00")
    assert all(line["article"].startswith("舟山") for line in application.lines)
    services.approve(application=application, user=None)
    payment = Payment.objects.get()
    assert payment.payee == "person" and payment.employer is None and payment.article == "舟山 第四十六条"
    assert payment.district == "定海区"
    posting = MaternityPosting.objects.get()
    assert (posting.region, posting.source_kind, posting.amount) == (
        "zhoushan",
        "allowance_to_person",
        D("-23700.00"),
    )


def test_zhoushan_employer_average_and_second_child(illustrative):
    """舟山 art. 49, 50: employer average (5,000 + 7,000) ÷ 2 = 6,000; second child 188 + difficult 15 = 203 days:
    6,000 ÷ 30 × 203 = 40,600.00; no deadline parameter in 舟山's measures, so none is applied."""
    employer = make_employer(name="舟山示例渔业公司", district="定海区", region="zhoushan")
    person, _employer = insured_woman(
        event_date=EVENT, base=D("5000"), colleagues=(D("7000"),), employer=employer
    )
    person.region = "zhoushan"
    person.save()
    person.enrolments.update(region="zhoushan")
    application = submit(person, employer, child_order=2, difficult_birth=True, today=dt.date(2029, 1, 1))
    assert application.eligible, application.reason
    assert (application.average_wage, application.days, application.amount) == (
        D("6000.00"),
        203,
        D("40600.00"),
    )


def test_hangzhou_has_no_flexible_worker_application():
    """杭州 art. 60: the employer applies; a person without an employer is refused naming the article."""
    person, _employer = hangzhou_woman()
    with pytest.raises(MaternityError) as caught:
        submit(person, None)
    assert caught.value.field == "employer" and caught.value.article == "杭州 第六十条"


def test_zhoushan_official_figures_missing_refuse_naming_the_parameter():
    """舟山 art. 48/49 blanks: without illustrative figures the assessment refuses, naming the parameter."""
    person = make_person(name="舟小渔", region="zhoushan", area="330902", district="定海区")
    enrol(person, start=dt.date(2025, 1, 1), category="flexible", district="定海区")
    pay(person, first=dt.date(2025, 1, 1), count=14, base=D("4500"))
    application = submit(person, None)
    assert not application.eligible
    assert (
        "maternity.continuous_months" in application.reason
        and application.reason_article == "舟山 第四十八条"
    )
