"""Builders for the maternity tests: employers, insured women and men, and their contribution months.

Contribution records are written directly with the base the test needs (the contribution
computation is tested in tests/contributions); what matters here is which months are paid,
which are back payments, and the employer's bases in December.
"""

import datetime as dt
import itertools
from decimal import Decimal

import pytest

from core import dates
from core.identity import make_credit_code, make_resident_id

_sequence = itertools.count(1)
_credit = itertools.count(100)

ZERO = Decimal("0.00")


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def make_employer(name="杭州示例生育科技有限公司", district="上城区", region="hangzhou"):
    from enrollment.models import Employer

    body = f"91330102MA2M{next(_credit):05d}"
    return Employer.objects.create(
        name=name, credit_code=make_credit_code(body), district=district, region=region
    )


def make_person(
    name="林小燕", sex="F", birth=dt.date(1992, 3, 8), region="hangzhou", area="330102", district="上城区"
):
    from enrollment.models import Person

    n = next(_sequence)
    sequence = n * 2 + (1 if sex == "M" else 0)
    return Person.objects.create(
        name=name,
        id_number=make_resident_id(area, birth, sequence % 1000),
        birth_date=birth,
        sex=sex,
        hukou_district=district,
        residence_district=district,
        region=region,
    )


def enrol(person, *, employer=None, start, end=None, category="active", district="上城区"):
    from enrollment.models import Enrolment

    return Enrolment.objects.create(
        person=person,
        scheme="employee",
        category=category,
        district=district,
        employer=employer,
        start_date=start,
        end_date=end,
        first_paid_on=start,
        region=person.region,
    )


def pay(person, *, employer=None, first, count, base=Decimal("9000"), kind=None, back_payment=False):
    """`count` monthly records from `first` at `base` (kind employee with an employer, else flexible)."""
    from contributions.models import ContributionRecord

    month = dates.month_start(first)
    for _ in range(count):
        ContributionRecord.objects.create(
            person=person,
            enrolment=person.enrolments.order_by("-start_date").first(),
            employer=employer,
            month=month,
            kind=kind or ("employee" if employer else "flexible"),
            base=base,
            employer_amount=ZERO,
            employer_maternity=ZERO,
            personal=ZERO,
            personal_subsidy=ZERO,
            personal_payable=ZERO,
            total=ZERO,
            paid_on=month.replace(day=15),
            is_back_payment=back_payment,
        )
        month = dates.add_months(month, 1)


def back_pay(person, *, first, last, employer=None):
    from contributions.models import BackPayment

    return BackPayment.objects.create(
        person=person,
        employer=employer,
        identity="employee",
        first_month=first,
        last_month=last,
        months=len(list(dates.month_range(first, last))),
        base=Decimal("9000"),
        employer_amount=ZERO,
        personal=ZERO,
        total=ZERO,
        paid_on=dates.add_months(last, 3),
    )


def colleague(employer, *, month, base):
    """Another employee of `employer` with one record in `month` (her base counts in the average)."""
    other = make_person(name="同事", sex="F", birth=dt.date(1988, 1, 1))
    enrol(other, employer=employer, start=dates.month_start(month))
    pay(other, employer=employer, first=month, count=1, base=base)
    return other


def insured_woman(
    *, event_date, base=Decimal("9000"), months=14, sex="F", employer=None, colleagues=(Decimal("9000"),)
):
    """A woman registered by `employer` for `months` normal months up to the month before the event.

    The employer's December bases of the year before the event: hers and the colleagues'.
    """
    employer = employer or make_employer()
    start = dates.add_months(dates.month_start(event_date), -months)
    person = make_person(sex=sex, name="林小燕" if sex == "F" else "高大伟")
    enrol(person, employer=employer, start=start)
    pay(person, employer=employer, first=start, count=months, base=base)
    december = dt.date(event_date.year - 1, 12, 1)
    for amount in colleagues:
        colleague(employer, month=december, base=amount)
    return person, employer


@pytest.fixture
def woman(db):
    return insured_woman


@pytest.fixture
def reviewer(django_user_model):
    return django_user_model.objects.create_user(
        username="shenhe-test", password="review-pass-123", role="clerk", is_staff=True, is_superuser=True
    )
