"""Claims scenarios 1–7 of issue 12 and its "also decided", one test each (coverage-rules readings 22–27).

Figures by hand from the articles and settlement-rules.md (active employee, 杭州):
inpatient at level 3 — deductible 800, then 82 % (§3); general outpatient — deductible 1,000,
then 80 % at "other" level (§4); a bill with an abroad filing not cancelled — 10 % first
borne (§5, art. 66). Dates of counter bills are last year's (art. 65: by the end of the next
settlement year).
"""

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from claims import services
from claims.models import InstitutionSuspension, Settlement

from .conftest import LEVEL3, OTHER, inpatient

pytestmark = pytest.mark.django_db

API = "/api/v1/settlements/"
COUNTER = "/admin/claims/settlement/reimburse/"
Y = timezone.localdate().year - 1


def day(month: int, dom: int) -> str:
    return dt.date(Y, month, dom).isoformat()


def counter_form(person, **extra):
    data = {
        "id_number": person.id_number,
        "bill_number": "FP0001",
        "institution_code": "",
        "institution_name": "上海某医院",
        "institution_level": "level3",
        "settlement": "local",
        "kind": "inpatient",
        "date": "",
        "admission_date": "",
        "discharge_date": "",
        "out_of_scope": "0.00",
        "self_pay_first": "0.00",
        "eligible": "10000.00",
        "special_drug": "0.00",
        "diagnosis_codes": "",
        "exclusion": "",
    }
    data.update(extra)
    return data


def outpatient(person, number, date, eligible="1000.00", **extra):
    body = {
        "id_number": person.id_number,
        "bill_number": number,
        "kind": "outpatient",
        "date": date,
        "eligible": eligible,
    }
    body.update(extra)
    return body


# --- scenario 1 and 3: one bill is paid once, whatever the channel (reading 23) ---------------


def test_counter_refuses_a_bill_settled_directly_reading23_art65(client, clerk, hospital, person_factory):
    """Scenario 1: ZY0001 of the level-3 hospital settled directly: (10,000 − 800) × 82 % = 7,544.00.
    The same institution's bill at the counter is refused, naming the settlement: fund pays once (杭州 art. 65)."""
    person = person_factory()
    direct = hospital.post(
        API,
        inpatient(person, "ZY0001", eligible="10000.00", admission=day(5, 1), discharge=day(5, 5)),
        format="json",
    )
    assert direct.status_code == 201, direct.content
    assert direct.json()["basic_fund_paid"] == "7544.00"
    client.force_login(clerk)
    form = counter_form(
        person,
        bill_number="ZY0001",
        institution_code=LEVEL3,
        institution_name="",
        admission_date=day(5, 1),
        discharge_date=day(5, 5),
    )
    response = client.post(COUNTER, form)
    assert response.status_code == 200
    page = response.content.decode()
    assert "同一票据只支付一次" in page and "杭州 第六十五条" in page
    assert Settlement.objects.count() == 1
    assert sum(s.basic_fund_paid for s in Settlement.objects.all()) == Decimal("7544.00")


def test_counter_bills_are_keyed_on_issuer_and_number_reading23(client, clerk, person_factory):
    """Scenario 3: two issuers' invoices numbered FP0001 are two bills, both reimbursed."""
    person = person_factory()
    client.force_login(clerk)
    first = counter_form(
        person, kind="outpatient", date=day(6, 1), eligible="500.00", institution_name="上海某医院"
    )
    second = counter_form(
        person, kind="outpatient", date=day(6, 2), eligible="500.00", institution_name="南京某医院"
    )
    assert client.post(COUNTER, first).status_code == 302
    assert client.post(COUNTER, second).status_code == 302
    assert Settlement.objects.filter(bill_number="FP0001").count() == 2
    # the first issuer's invoice again (its name spaced differently) is the same bill: shown, not paid again
    again = client.post(COUNTER, first)
    assert again.status_code == 302
    assert Settlement.objects.count() == 2


# --- scenario 2: a stay is settled directly only if covered every day (reading 22) -----------


def suspended_in_march(person):
    """Every month paid on time since enrolment, except February, paid on 20 March: suspended in March,
    restored from 1 April (杭州 art. 15, 16(2); coverage-rules readings 1, 2), from the payment records alone."""
    from contributions.models import ContributionRecord

    enrolment = person.enrolments.get()
    zero = Decimal("0.00")
    month = enrolment.start_date.replace(day=1)
    while month <= dt.date(Y, 4, 1):
        paid_on = dt.date(Y, 3, 20) if month == dt.date(Y, 2, 1) else month + dt.timedelta(days=9)
        ContributionRecord.objects.create(
            person=person,
            enrolment=enrolment,
            month=month,
            kind=ContributionRecord.Kind.EMPLOYEE,
            base=Decimal("8000.00"),
            employer_amount=zero,
            employer_maternity=zero,
            personal=zero,
            personal_subsidy=zero,
            personal_payable=zero,
            total=zero,
            paid_on=paid_on,
        )
        month = (month + dt.timedelta(days=32)).replace(day=1)


def test_stay_admitted_while_suspended_is_refused_naming_the_days_reading22_art64_6(hospital, person_factory):
    """Scenario 2: admitted 27 March (suspended), discharged 10 April (restored): refused directly, naming
    27–31 March (杭州 art. 64(6), 16(2)); nothing written."""
    person = person_factory()
    suspended_in_march(person)
    response = hospital.post(
        API,
        inpatient(person, "ZY0002", eligible="9000.00", admission=day(3, 27), discharge=day(4, 10)),
        format="json",
    )
    assert response.status_code == 422, response.content
    data = response.json()
    assert data["reason"] == "not_covered_every_day"
    assert f"{day(3, 27)} 至 {day(3, 31)}" in data["detail"]
    assert "第六十四条第(六)项" in data["article"]
    assert not Settlement.objects.exists()


def test_counter_settles_the_covered_days_only_reading22_art64_6(client, clerk, person_factory):
    """The same stay at the counter: 15 days, 10 covered (1–10 April). Eligible 9,000 × 10/15 = 6,000.00 is
    settled; 3,000.00 is borne by the person. Fund (6,000 − 800) × 82 % = 4,264.00; cash 9,000 − 4,264 = 4,736.00."""
    person = person_factory()
    suspended_in_march(person)
    client.force_login(clerk)
    response = client.post(
        COUNTER,
        counter_form(person, admission_date=day(3, 27), discharge_date=day(4, 10), eligible="9000.00"),
    )
    assert response.status_code == 302, response.content.decode()[-2000:]
    settlement = Settlement.objects.get()
    assert settlement.eligible == Decimal("6000.00")
    assert settlement.out_of_scope == Decimal("3000.00")
    assert settlement.total == Decimal("9000.00")
    assert settlement.deductible == Decimal("800.00")
    assert settlement.basic_fund_paid == Decimal("4264.00")
    assert settlement.cash_paid == Decimal("4736.00")
    line = settlement.lines.get(position=1)
    assert "第六十四条第(六)项" in line.article and line.amount == Decimal("3000.00")


def test_stay_beginning_in_the_waiting_period_is_refused_directly_reading22_art15(hospital, person_factory):
    """Enrolled 10 March: benefits from 1 April (杭州 art. 15). A stay of 28 March – 3 April names 28–31 March."""
    person = person_factory(enrolled=dt.date(Y, 3, 10))
    response = hospital.post(
        API, inpatient(person, "ZY0003", admission=day(3, 28), discharge=day(4, 3)), format="json"
    )
    assert response.status_code == 422
    assert f"{day(3, 28)} 至 {day(3, 31)}" in response.json()["detail"]


# --- scenario 4 and 6: filings bind both channels (reading 26) -------------------------------


def test_abroad_filing_applies_at_the_counter_reading26_art66(client, clerk, person_factory):
    """Scenario 4: a "local" bill of 2,000 inside a running abroad filing is settled as a temporary illness
    before cancelling it: 10 % (200) borne first, 1,800 eligible; deductible 1,000; (1,800 − 1,000) × 80 % = 640.00."""
    from enrollment.models import Filing

    person = person_factory()
    Filing.objects.create(person=person, kind="abroad", valid_from=dt.date(Y, 1, 1))
    client.force_login(clerk)
    response = client.post(
        COUNTER,
        counter_form(
            person, kind="outpatient", date=day(6, 1), eligible="2000.00", institution_level="other"
        ),
    )
    assert response.status_code == 302, response.content.decode()[-2000:]
    settlement = Settlement.objects.get()
    assert settlement.settlement_mode == Settlement.Mode.ABROAD_TEMPORARY
    assert settlement.deductible == Decimal("1000.00")
    assert settlement.basic_fund_paid == Decimal("640.00")
    assert any(line.article == "杭州 第六十六条" for line in settlement.lines.all())


def test_long_stay_filers_visit_home_needs_a_temporary_return_reading26_art67_3(hospital, person_factory):
    """Scenario 6: a long-stay filer's bill at the home city's hospital is refused directly (杭州 art. 67(3), 69);
    with a temporary return recorded for the day it settles."""
    from enrollment.models import Filing

    person = person_factory()
    Filing.objects.create(person=person, kind="long_stay", valid_from=dt.date(2024, 1, 1), destination="上海")
    refused = hospital.post(API, outpatient(person, "MZ0001", "2024-03-05"), format="json")
    assert refused.status_code == 422
    assert refused.json()["reason"] == "filing"
    assert "第六十七条第(三)项" in refused.json()["article"]
    Filing.objects.create(
        person=person, kind="temporary_return", valid_from=dt.date(2024, 3, 5), valid_to=dt.date(2024, 3, 6)
    )
    assert hospital.post(API, outpatient(person, "MZ0001", "2024-03-05"), format="json").status_code == 201


# --- scenario 5: no general outpatient bill inside a settled stay (reading 24) ---------------


def test_outpatient_bill_inside_a_settled_stay_is_refused_reading24_art64_6(hospital, person_factory):
    """Scenario 5: a stay 20 Feb – 1 Mar settled; an outpatient bill of 25 Feb is refused naming the stay
    (杭州 art. 64(6) para. 2); one of 2 Mar is paid; after the stay's reversal, the 25 Feb bill is paid."""
    person = person_factory()
    stay = hospital.post(API, inpatient(person, "ZY0001"), format="json")
    assert stay.status_code == 201
    refused = hospital.post(API, outpatient(person, "MZ0001", "2024-02-25"), format="json")
    assert refused.status_code == 422
    data = refused.json()
    assert data["reason"] == "during_stay" and data["article"] == "杭州 第六十四条第(六)项第二款"
    assert "2024-02-20 至 2024-03-01" in data["detail"]
    assert hospital.post(API, outpatient(person, "MZ0002", "2024-03-02"), format="json").status_code == 201
    assert hospital.post(f"{API}{stay.json()['settlement_id']}/reversal/").status_code == 201
    assert hospital.post(API, outpatient(person, "MZ0001", "2024-02-25"), format="json").status_code == 201


# --- scenario 7 and the suspensions: institutions (reading 25) -------------------------------


def test_not_networked_institution_is_sent_to_the_counter_reading25_art65_2(
    client, clerk, api_client_factory, person_factory, institutions
):
    """Scenario 7: `networked` false: direct settlement refused, the message sends the person to the counter
    (杭州 art. 65 para. 2); the counter then reimburses the bill under the institution's code."""
    institution = institutions[OTHER]
    institution.networked = False
    institution.save()
    http, _ = api_client_factory(organisation_code=OTHER)
    person = person_factory()
    body = inpatient(person, "ZY0009", eligible="10000.00", admission=day(5, 1), discharge=day(5, 5))
    refused = http.post(API, body, format="json")
    assert refused.status_code == 422
    data = refused.json()
    assert data["reason"] == "not_networked" and data["article"] == "杭州 第六十五条第二款"
    assert "窗口报销" in data["detail"]
    client.force_login(clerk)
    form = counter_form(
        person,
        bill_number="ZY0009",
        institution_code=OTHER,
        institution_name="",
        institution_level="",
        admission_date=day(5, 1),
        discharge_date=day(5, 5),
    )
    assert client.post(COUNTER, form).status_code == 302
    settlement = Settlement.objects.get()
    # level "other": deductible 500; (10,000 − 500) × 84 % = 7,980.00
    assert settlement.institution == institution and settlement.basic_fund_paid == Decimal("7980.00")


def test_suspension_is_a_period_refusing_by_submission_date_reading25_art88(person_factory, institutions):
    """A suspension 1–31 May: a bill dated 20 April submitted 10 May is refused (杭州 art. 88); a bill dated
    10 May submitted 1 June, after the suspension ended, is settled. The period keeps its history."""
    institution = institutions[LEVEL3]
    suspension = InstitutionSuspension.objects.create(
        institution=institution, start=dt.date(2024, 5, 1), end=None, reason="涉嫌违规，调查期间"
    )
    person = person_factory()

    def bill(number, on):
        return services.BillInput(bill_number=number, kind="outpatient", date=on, eligible=Decimal("100.00"))

    with pytest.raises(services.SettlementRefused) as refused:
        services.settle(
            person=person,
            institution=institution,
            bill=bill("MZ1", dt.date(2024, 4, 20)),
            body={"n": 1},
            today=dt.date(2024, 5, 10),
        )
    assert refused.value.article == "杭州 第八十八条" and "暂停" in refused.value.text
    suspension.end = dt.date(2024, 5, 31)
    suspension.save()
    settlement, created = services.settle(
        person=person,
        institution=institution,
        bill=bill("MZ2", dt.date(2024, 5, 10)),
        body={"n": 2},
        today=dt.date(2024, 6, 1),
    )
    assert created and settlement.status == Settlement.Status.SETTLED
    assert suspension.history.count() == 2


def test_running_suspension_refuses_through_the_api_whatever_the_bill_date(
    hospital, person_factory, institutions
):
    InstitutionSuspension.objects.create(institution=institutions[LEVEL3], start=timezone.localdate())
    person = person_factory()
    response = hospital.post(API, inpatient(person, "ZY0001", discharge="2024-03-01"), format="json")
    assert response.status_code == 422
    assert response.json()["reason"] == "institution" and response.json()["article"] == "杭州 第八十八条"


# --- also decided: a reversal frees the bill number (reading 27) -----------------------------


def test_reversal_frees_the_number_and_a_replay_is_409_naming_the_reversal_reading27_art64_9(
    hospital, person_factory
):
    person = person_factory()
    body = inpatient(person, "ZY0001", eligible="10000.00")
    first = hospital.post(API, body, format="json")
    assert first.status_code == 201
    reversal = hospital.post(f"{API}{first.json()['settlement_id']}/reversal/")
    assert reversal.status_code == 201
    replay = hospital.post(API, body, format="json")
    assert replay.status_code == 409
    data = replay.json()
    assert data["reason"] == "reversed" and str(reversal.json()["settlement_id"]) in data["detail"]
    assert data["article"] == "杭州 第六十四条第(九)项"
    corrected = hospital.post(API, inpatient(person, "ZY0001", eligible="20000.00"), format="json")
    assert corrected.status_code == 201
    # (20,000 − 800) × 82 % = 15,744.00: the reversal gave the deductible back
    assert corrected.json()["basic_fund_paid"] == "15744.00"
    assert (
        hospital.post(API, inpatient(person, "ZY0001", eligible="20000.00"), format="json").status_code == 200
    )
    # the corrected one can be reversed in turn
    assert hospital.post(f"{API}{corrected.json()['settlement_id']}/reversal/").status_code == 201
