"""The benefit estimator: a trial settlement of a hypothetical bill on the person's own stored state."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from .conftest import settle_inpatient

pytestmark = pytest.mark.django_db

URL = "portal:estimate"


def bill(**changes):
    data = {
        "kind": "inpatient",
        "institution_level": "level3",
        "date": timezone.localdate().isoformat(),
        "eligible": "50000.00",
        "self_pay_first": "0.00",
        "out_of_scope": "0.00",
        "special_drug": "0.00",
    }
    data.update(changes)
    return data


def test_level3_inpatient_50000_for_active_employee_art28(client_a, person_a):
    """杭州 第二十八条: active employee, no current funds, 3,000 historical funds, level-3 inpatient 50,000.

    (1) deductible 800; (3) band 1: (40,000 − 800) × 82% = 32,144.00; band 2: 10,000 × 88% = 8,800.00;
    fund 40,944.00. Personal share 50,000 − 40,944 = 9,056.00: historical funds 3,000.00, cash 6,056.00.
    """
    response = client_a.post(reverse(URL), bill())
    assert response.status_code == 200
    page = response.content.decode()
    assert 'id="fund-total">40,944.00' in page
    assert "40,944.00" in page
    assert "6,056.00" in page
    assert "3,000.00" in page
    assert "杭州 第二十八条" in page
    assert "估算" in page  # the estimate note


def test_estimate_writes_nothing(client_a, person_a):
    from accounts.models import LedgerEntry
    from claims.models import Accumulator, Settlement

    before = (LedgerEntry.objects.count(), Settlement.objects.count(), Accumulator.objects.count())
    client_a.post(reverse(URL), bill())
    assert (LedgerEntry.objects.count(), Settlement.objects.count(), Accumulator.objects.count()) == before


def test_estimate_uses_the_year_to_date_state(client_a, person_a, hospital):
    """After a settled 50,000 inpatient bill this year the deductible is paid and band 2 applies.

    杭州 第二十八条第(一)项 one deductible a year; 第(三)项 above 40,000: 10,000 × 88% = 8,800.00.
    Historical funds were used up by the first bill, so the cash is 10,000 − 8,800 = 1,200.00.
    """
    settle_inpatient(person_a, hospital, number="ZY-A-3", eligible="50000.00")
    page = client_a.post(reverse(URL), bill(eligible="10000.00")).content.decode()
    assert 'id="fund-total">8,800.00' in page
    assert "1,200.00" in page


def test_bad_amount_is_shown_on_its_field(client_a, person_a):
    response = client_a.post(reverse(URL), bill(eligible="-5", self_pay_first="1.234"))
    page = response.content.decode()
    assert 'id="eligible-errors"' in page
    assert 'id="self_pay_first-errors"' in page
    assert "fund-total" not in page


def test_missing_eligible_amount_is_required(client_a, person_a):
    page = client_a.post(reverse(URL), bill(eligible="")).content.decode()
    assert 'id="eligible-errors"' in page


def test_contracted_centre_needs_a_gp_contract(client_a, person_a):
    page = client_a.post(
        reverse(URL), bill(kind="outpatient", institution_level="community", at_contracted_centre="on")
    ).content.decode()
    assert 'id="at_contracted_centre-errors"' in page
    assert "家庭医生签约" in page


def test_refused_person_sees_the_reason_and_article(client, insured):
    """Enrolled but not paid: the estimate is refused with 杭州 第十五条, as a real settlement would be."""
    from enrollment.models import Enrolment

    person = insured(name="钱未缴", username="qianwj")
    Enrolment.objects.filter(person=person).update(first_paid_on=None)
    client.login(username="qianwj", password="portal-pass-2024")
    page = client.post(reverse(URL), bill()).content.decode()
    assert "fund-total" not in page
    assert "尚未缴费" in page
    assert "杭州 第十五条" in page


def test_get_shows_the_profile_used(client_a, person_a):
    page = client_a.get(reverse(URL)).content.decode()
    assert "在职职工" in page
    assert "3,000.00" in page
    assert 'name="eligible"' in page


def test_outpatient_at_own_contracted_centre_art29(client, insured):
    """杭州 第二十九条: active employee with a GP contract, no account funds, community outpatient 2,000.

    (1) deductible 1,000, (5) reduced by 300 at the contracted centre → 700;
    (3)(4) community 86% + 3 points = 89%: (2,000 − 700) × 89% = 1,157.00; cash 843.00.
    """
    from enrollment.services import record_gp_contract

    person = insured(name="孙签约", username="sunqy")
    record_gp_contract(
        person=person, centre_code="C3301", valid_from=dt.date(2023, 1, 1), centre_name="翠苑社区"
    )
    client.login(username="sunqy", password="portal-pass-2024")
    page = client.post(
        reverse(URL),
        bill(kind="outpatient", institution_level="community", eligible="2000.00", at_contracted_centre="on"),
    ).content.decode()
    assert 'id="fund-total">1,157.00' in page
    assert "843.00" in page
    assert "杭州 第二十九条" in page


def test_estimate_shows_what_a_spouses_grant_would_pay_art26_6(client_a, person_a, insured, relate):
    """杭州 art. 26(6): the same bill as art. 28's (personal share 9,056); own historical funds 3,000 first,
    then the spouse's 2,000 under the grant, cash 4,056. Nothing is written: the spouse keeps 2,000."""
    from decimal import Decimal

    from accounts.models import Account
    from accounts.services import grant_mutual_aid

    spouse = insured(name="王妻", birth=dt.date(1976, 3, 3), historical=Decimal("2000.00"))
    relate(spouse, person_a, "spouse")
    grant_mutual_aid(holder=spouse, relative=person_a, relation="spouse", on=timezone.localdate())
    response = client_a.post(reverse(URL), bill())
    assert response.status_code == 200
    page = response.content.decode()
    assert "家庭共济支付（近亲属历年资金）" in page
    assert "2,000.00" in page and "4,056.00" in page
    assert "家庭共济：配偶个人账户历年资金支付个人负担部分" in page
    assert Account.objects.get(person=spouse).historical == Decimal("2000.00")
