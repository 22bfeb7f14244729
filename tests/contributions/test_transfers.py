"""Transfers (杭州 art. 76): who may bring years in; retirees and persons in arrears are not transferred out."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from contributions.selectors import contribution_months
from contributions.services import record_monthly_contribution
from enrollment.models import Transfer
from enrollment.selectors import benefit_status
from enrollment.services import enrol, record_transfer_in, record_transfer_out

pytestmark = pytest.mark.django_db
D = dt.date


def test_non_local_man_of_fifty_cannot_transfer_in_art_76_1(make_person):
    older = make_person(birth=D(1970, 1, 1), hukou_local=False, district="西湖区")
    with pytest.raises(ValidationError) as error:
        record_transfer_in(
            person=older, other_place="上海市", transferred_on=D(2024, 3, 1), transferred_months=60
        )
    assert "第七十六条第(一)项" in error.value.message_dict["person"][0]
    assert Transfer.objects.count() == 0


def test_young_non_local_transfers_in_and_years_count_once_art_76_2(make_person):
    young = make_person(birth=D(1995, 1, 1), hukou_local=False, district="西湖区")
    record_transfer_in(
        person=young, other_place="上海市", transferred_on=D(2024, 3, 1), transferred_months=24
    )
    counted = contribution_months(person=young)
    assert counted.transferred == 24 and counted.total == 24 and counted.local_actual == 0


def test_transfer_out_refused_for_retirees_art_76_4(make_person):
    from contributions.models import CreditedPeriod
    from contributions.services import confirm_retirement

    person = make_person(birth=D(1962, 1, 1))
    enrol(person=person, category="unemployed", district="上城区", start_date=D(2020, 1, 1))
    CreditedPeriod.objects.create(
        person=person, kind="legacy_local", first_month=D(1995, 1, 1), last_month=D(2014, 12, 1)
    )
    confirm_retirement(person=person, retirement_date=D(2024, 1, 1), confirmed_on=D(2024, 1, 1))
    with pytest.raises(ValidationError) as error:
        record_transfer_out(person=person, other_place="上海市", transferred_on=D(2024, 6, 1))
    assert "第七十六条第(四)项" in error.value.message_dict["person"][0]


def test_transfer_out_refused_with_arrears_then_allowed_art_76_3(make_person, provincial_wage):
    person = make_person()
    enrol(person=person, category="flexible", district="上城区", start_date=D(2024, 1, 1))
    record_monthly_contribution(person=person, month=D(2024, 1, 1), paid_on=D(2024, 1, 10))
    with pytest.raises(ValidationError) as error:
        record_transfer_out(person=person, other_place="上海市", transferred_on=D(2024, 3, 15))
    assert "第七十六条第(三)项" in error.value.message_dict["person"][0]
    record_monthly_contribution(person=person, month=D(2024, 2, 1), paid_on=D(2024, 3, 10))
    record_transfer_out(person=person, other_place="上海市", transferred_on=D(2024, 3, 15))
    # reading 2: February paid late (03-10) suspends March; benefits would return from April
    late = benefit_status(person=person, on=D(2024, 3, 15))
    assert not late.eligible and "第十六条第二款" in late.article and late.benefit_from == D(2024, 4, 1)
    gone = benefit_status(person=person, on=D(2024, 3, 16))
    assert not gone.eligible and "第七十三条" in gone.article
