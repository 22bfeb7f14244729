"""杭州 第七十三条第(一)项: 其他城乡居民医保参保人转为以灵活就业人员身份参加职工医保的,
"在职工医保正常缴费的 6 个月内" 继续享受其他城乡居民医保待遇 — only while the employee
contributions keep coming. A month left unpaid (arrears, 杭州 第十五条第二款: suspended from the
next month) ends the resident bridge too."""

import datetime as dt

import pytest

from contributions.services import check_arrears, record_monthly_contribution
from enrollment.models import Enrolment
from enrollment.selectors import benefit_status
from enrollment.services import enrol, switch_scheme

pytestmark = pytest.mark.django_db
D = dt.date


def _switched(make_person):
    """Adult resident (tier 1) from 2024-01-01, switched to flexible on 2024-04-01, April paid on 04-03.

    Bridge by hand (reading 5, six full months from the payment date 04-03): resident benefits
    April–October, employee from 2024-11-01.
    """
    person = make_person()
    resident = enrol(person=person, category="adult_tier1", district="上城区", start_date=D(2024, 1, 1))
    # reading 7: the bridge needs a paid resident enrolment for the current year
    Enrolment.objects.filter(pk=resident.pk).update(first_paid_on=D(2023, 12, 10))
    switch_scheme(person=person, category="flexible", district="上城区", on=D(2024, 4, 1))
    record_monthly_contribution(person=person, month=D(2024, 4, 1), paid_on=D(2024, 4, 3))
    return person


def test_bridge_continues_while_employee_contributions_are_paid_art_73_1(make_person, provincial_wage):
    person = _switched(make_person)
    for month in (5, 6, 7, 8, 9, 10):
        record_monthly_contribution(person=person, month=D(2024, month, 1), paid_on=D(2024, month, 3))
    check_arrears(on=D(2024, 11, 1))
    bridge = benefit_status(person=person, on=D(2024, 10, 31))
    assert bridge.eligible and bridge.scheme == "resident" and bridge.category == "adult_tier1"
    after = benefit_status(person=person, on=D(2024, 11, 1))
    assert after.eligible and after.scheme == "employee" and after.category == "flexible"


def test_bridge_stops_when_employee_contributions_stop_art_73_1(make_person, provincial_wage):
    """May paid, June unpaid → suspended from 2024-07-01 (杭州 第十五条第二款): no resident benefits
    on 2024-07-15 although the six-month bridge would run to 2024-09-30."""
    person = _switched(make_person)
    record_monthly_contribution(person=person, month=D(2024, 5, 1), paid_on=D(2024, 5, 3))
    assert check_arrears(on=D(2024, 7, 1)) == 1  # June
    june = benefit_status(person=person, on=D(2024, 6, 30))
    assert june.eligible and june.scheme == "resident"
    july = benefit_status(person=person, on=D(2024, 7, 15))
    assert not july.eligible
    assert july.article == "杭州 第七十三条第(一)项"
    assert "2024年06月" in july.reason and "第十五条第二款" in july.reason


def test_late_payment_restores_from_the_month_after_payment_art_73_1_16(make_person, provincial_wage):
    """June paid late on 2024-07-20 (one unpaid month < 3, 杭州 第十六条第二款): benefits again from 2024-08-01."""
    person = _switched(make_person)
    record_monthly_contribution(person=person, month=D(2024, 5, 1), paid_on=D(2024, 5, 3))
    check_arrears(on=D(2024, 7, 1))
    record_monthly_contribution(person=person, month=D(2024, 6, 1), paid_on=D(2024, 7, 20))
    record_monthly_contribution(person=person, month=D(2024, 7, 1), paid_on=D(2024, 7, 25))
    waiting = benefit_status(person=person, on=D(2024, 7, 25))
    assert not waiting.eligible and waiting.benefit_from == D(2024, 8, 1)
    assert benefit_status(person=person, on=D(2024, 8, 1)).eligible
