"""A scheme switch at settlement (杭州 art. 73–75).

- Art. 73: the waits are benefit status's (tests/enrollment/test_benefit_status.py,
  test_switch_stops_without_payment.py); here the settlement follows them.
- Art. 74: in the switch year the outpatient deductible is the one of the scheme whose benefits
  are enjoyed, counting what was already borne; what was borne above the new scheme's standard
  is not given back.
- Art. 75: the pooled fund pays by the scheme of the benefits enjoyed on the bill's date, recorded
  with the settlement and followed by the fund books, even where the enrolment of that day is
  another scheme (the resident bridge of art. 73(1)).
"""

import datetime as dt
from decimal import Decimal

import pytest

from accounts.models import Account
from claims.models import Settlement
from enrollment.models import Enrolment, Person
from enrollment.selectors import benefit_status
from enrollment.services import enrol, switch_scheme

URL = "/api/v1/settlements/"
D = dt.date
pytestmark = pytest.mark.django_db


def person(name):
    from core.identity import make_resident_id

    return Person.objects.create(
        name=name,
        id_number=make_resident_id("330102", D(1985, 6, 15), len(name) * 7 % 1000),
        birth_date=D(1985, 6, 15),
        sex="M",
        hukou_district="上城区",
    )


def first_paid(enrolment, on):
    Enrolment.objects.filter(pk=enrolment.pk).update(first_paid_on=on)


def outpatient(http, who, number, day, eligible):
    response = http.post(
        URL,
        {
            "id_number": who.id_number,
            "bill_number": number,
            "kind": "outpatient",
            "date": day,
            "out_of_scope": "0.00",
            "self_pay_first": "0.00",
            "eligible": eligible,
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    return Settlement.objects.get(pk=response.json()["settlement_id"])


def test_employee_to_resident_deductible_borne_is_not_given_back_art74_75(hospital, institutions):
    """Flexible worker since 2023, switched to resident tier 2 on 2024-05-10 (paid 05-12): May keeps
    the employee benefits (art. 73(2)), June is resident.

    2024-05-20, level 3, eligible 1,500 (employee, art. 29): deductible 1,000; fund (1,500 − 1,000) × 76 %
    = 380.00; cash 1,120.00; from the employee pooled fund.
    2024-06-10, level 3, eligible 1,000 (resident, art. 40): the resident standard is 300, already borne
    1,000 > 300: no deductible and nothing given back (art. 74); fund 1,000 × 30 % = 300.00; cash
    700.00; from the resident fund (art. 75).
    """
    who = person("转换甲")
    first_paid(
        enrol(person=who, category="flexible", district="上城区", start_date=D(2023, 1, 1)), D(2023, 1, 5)
    )
    resident = switch_scheme(person=who, category="adult_tier2", district="上城区", on=D(2024, 5, 10))
    first_paid(resident, D(2024, 5, 12))
    Account.objects.filter(person=who).update(current=0)  # the employee month pays no current funds here

    may = outpatient(hospital, who, "MZ-0520", "2024-05-20", "1500.00")
    assert (may.deductible, may.basic_fund_paid, may.cash_paid) == (
        Decimal("1000.00"),
        Decimal("380.00"),
        Decimal("1120.00"),
    )
    assert may.pooled_fund == "employee_pooled"

    june = outpatient(hospital, who, "MZ-0610", "2024-06-10", "1000.00")
    assert (june.deductible, june.basic_fund_paid, june.cash_paid) == (
        Decimal("0.00"),
        Decimal("300.00"),
        Decimal("700.00"),
    )
    assert june.pooled_fund == "resident"
    assert not any(line.amount < 0 for line in june.lines.all())  # nothing given back (不予清算)


def test_resident_bridge_is_paid_from_the_resident_fund_art73_1_75(hospital, institutions):
    """Resident tier 1 from 2024-01-01 (paid 2023-12-10), switched to flexible on 2024-04-01, April paid
    04-03: the enrolment of 2024-04-20 is the employee one, but the benefits are resident (art. 73(1)).

    2024-04-20, level 3, eligible 1,000 (resident, art. 40): deductible 300; fund 700 × 40 % = 280.00;
    cash 720.00; posted from the resident fund, not the employee pooled fund (art. 75).
    """
    from contributions.services import record_monthly_contribution
    from funds.sources import read_settlements
    from policy.models import ParameterOverride

    ParameterOverride.objects.create(
        region="hangzhou",
        name="provincial_average_monthly_wage",
        effective_from=D(2020, 1, 1),
        value="6000",
        note="测试用省平工资",
    )
    who = person("转换乙乙")
    first_paid(
        enrol(person=who, category="adult_tier1", district="上城区", start_date=D(2024, 1, 1)),
        D(2023, 12, 10),
    )
    switch_scheme(person=who, category="flexible", district="上城区", on=D(2024, 4, 1))
    record_monthly_contribution(person=who, month=D(2024, 4, 1), paid_on=D(2024, 4, 3))
    status = benefit_status(person=who, on=D(2024, 4, 20))
    assert status.eligible and status.scheme == "resident"

    bill = outpatient(hospital, who, "MZ-0420", "2024-04-20", "1000.00")
    assert (bill.deductible, bill.basic_fund_paid, bill.cash_paid) == (
        Decimal("300.00"),
        Decimal("280.00"),
        Decimal("720.00"),
    )
    assert bill.pooled_fund == "resident"
    basic = [m for m in read_settlements(bill.pk - 1, bill.pk) if m.component == "basic_fund"]
    assert [(m.from_book, m.amount) for m in basic] == [("resident", Decimal("280.00"))]
    # the posting job (set-based on PostgreSQL, the movements above elsewhere) books it the same way
    from funds import posting
    from funds.models import JournalEntry
    from funds.sources import all_sources

    posting.post_source(next(source for source in all_sources() if source.kind == "settlement"))
    booked = JournalEntry.objects.get(
        source_kind="settlement", source_id=str(bill.pk), component="basic_fund"
    )
    assert (booked.from_book, booked.amount) == ("resident", Decimal("280.00"))
