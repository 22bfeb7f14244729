"""Records of the other apps, written directly: the funds read them as they are stored."""

import datetime as dt
import itertools
from decimal import Decimal as D

import pytest

_numbers = itertools.count(1)


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def person(
    *, district="上城区", scheme="employee", category="active", start=dt.date(2020, 1, 1), region="hangzhou"
):
    from enrollment.models import Enrolment, Person

    n = next(_numbers)
    who = Person.objects.create(
        name=f"基金测试{n}",
        id_type="foreign_permit",
        id_number=f"FUNDS{n:08d}",
        birth_date=dt.date(1980, 1, 1),
        sex="F",
        region=region,
    )
    Enrolment.objects.create(
        person=who,
        region=region,
        scheme=scheme,
        category=category,
        district=district,
        start_date=start,
        first_paid_on=start,
    )
    return who


def contribution(who, *, month, employer=D("0.00"), maternity=D("0.00"), personal=D("0.00"), paid_on=None):
    from contributions.models import ContributionRecord

    return ContributionRecord.objects.create(
        person=who,
        kind="employee",
        month=month,
        base=D("10000.00"),
        employer_amount=employer,
        employer_maternity=maternity,
        personal=personal,
        personal_subsidy=D("0.00"),
        personal_payable=personal,
        total=employer + personal,
        paid_on=paid_on or month,
    )


def settlement(
    who,
    *,
    on,
    basic=D("0.00"),
    catastrophic=D("0.00"),
    current=D("0.00"),
    historical=D("0.00"),
    reverses=None,
    source="api",
    kind="inpatient",
    level="level3",
    eligible=D("0.00"),
):
    from claims.models import Settlement

    n = next(_numbers)
    sign = -1 if reverses else 1
    return Settlement.objects.create(
        kind="reversal" if reverses else "settlement",
        status="reversal" if reverses else "settled",
        source=source,
        reverses=reverses,
        idempotency_key=f"funds-test-{n}",
        request_digest="x",
        person=who,
        bill_number=f"B{n}",
        bill_date=on,
        bill_kind=kind,
        institution_level=level,
        region=who.region,
        year_key=str(on.year),
        out_of_scope=D("0.00"),
        self_pay_first=D("0.00"),
        eligible=eligible,
        special_drug=D("0.00"),
        total=sign * (basic + catastrophic + current + historical),
        current_funds_paid=sign * current,
        deductible=D("0.00"),
        basic_fund_paid=sign * basic,
        catastrophic_paid=sign * catastrophic,
        assistance_paid=D("0.00"),
        historical_funds_paid=sign * historical,
        cash_paid=D("0.00"),
    )
