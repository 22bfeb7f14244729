"""A Zhoushan person of each category through every claims path (issue 14), on the illustrative set.

Real-time settlement of every bill kind (outpatient, pharmacy, inpatient, specified disease,
home hospital bed 舟山 art. 58, off-site with and without a long-stay filing art. 59),
reversal, counter reimbursement with its own deadline (art. 57), trial settlement and the
statement. Every refusal cites a 舟山 article; no line cites a 杭州 one.

Hand-worked figures (ILLUSTRATIVE values, zhoushan-illustrative.yaml): active employee,
inpatient at level 3 — deductible 800, 83 % (art. 24): eligible 10,000 → (10,000 − 800) × 83 %
= 7,636.00. Out of the city without a filing — deductible 1,000, 83 − 10 = 73 %: (10,000 − 1,000)
× 73 % = 6,570.00; with a long-stay filing, the in-city 7,636.00 (art. 59). Home hospital bed
at a primary institution (art. 58, as inpatient): deductible 300, 90 %: (3,000 − 300) × 90 % = 2,430.00.
"""

import datetime as dt
import itertools
from decimal import Decimal

import pytest
from django.utils import timezone

from claims.models import Institution, InstitutionSuspension, Settlement

from .conftest import COMMUNITY, LEVEL3, PHARMACY, inpatient

_sequence = itertools.count(500)

pytestmark = pytest.mark.django_db

API = "/api/v1/settlements/"
COUNTER = "/admin/claims/settlement/reimburse/"
CATEGORIES = ("active", "retired", "flexible", "child", "student", "adult_tier1")


@pytest.fixture(autouse=True)
def _illustrative():
    from policy.parameters import set_illustrative_default

    set_illustrative_default(True)


def zhoushan_person(category="active", *, birth=None):
    """A Zhoushan person enrolled (paid) from 2023-01-01; employees with an account (illustrative figures)."""
    from accounts.services import open_account
    from core.identity import make_resident_id
    from enrollment.models import Enrolment, Person

    birth = birth or {
        "retired": dt.date(1950, 5, 1),
        "child": dt.date(2015, 5, 1),
        "student": dt.date(2004, 5, 1),
    }.get(category, dt.date(1974, 5, 1))
    number = make_resident_id("330902", birth, next(_sequence))
    person = Person.objects.create(
        name=f"舟山{number[-4:]}",
        id_number=number,
        birth_date=birth,
        sex="M",
        hukou_district="定海区",
        region="zhoushan",
    )
    scheme = "employee" if category in ("active", "retired", "flexible") else "resident"
    Enrolment.objects.create(
        person=person,
        scheme=scheme,
        category=category,
        district="定海区",
        region="zhoushan",
        start_date=dt.date(2023, 1, 1),
        first_paid_on=dt.date(2023, 1, 1),
    )
    if scheme == "employee":
        open_account(person=person, on=dt.date(2023, 1, 1), category=category)
    return person


def assert_zhoushan(data: dict):
    assert data["article"].startswith("舟山"), data


def assert_no_hangzhou_line(lines):
    for line in lines:
        article = line["article"] if isinstance(line, dict) else line.article
        assert not article.startswith("杭州"), article


def api(http, body, status):
    response = http.post(API, body, format="json")
    assert response.status_code == status, response.content.decode()
    return response.json()


def outpatient(person, number, date="2024-03-05", eligible="1000.00", **extra):
    return {
        "id_number": person.id_number,
        "bill_number": number,
        "kind": "outpatient",
        "date": date,
        "eligible": eligible,
        **extra,
    }


@pytest.mark.parametrize("category", CATEGORIES)
def test_every_real_time_bill_kind_reversal_and_trial(category, hospital, api_client_factory, institutions):
    from enrollment.models import Filing

    person = zhoushan_person(category)
    Filing.objects.create(
        person=person, kind="specified_disease", valid_from=dt.date(2024, 1, 1), disease="糖尿病"
    )
    pharmacy, _ = api_client_factory(organisation_code=PHARMACY)
    community, _ = api_client_factory(organisation_code=COMMUNITY)
    trial = hospital.post(f"{API}trial/", inpatient(person, "ZY0001", eligible="10000.00"), format="json")
    assert trial.status_code == 200, trial.content.decode()
    stay = api(hospital, inpatient(person, "ZY0001", eligible="10000.00"), 201)
    assert stay["basic_fund_paid"] == trial.json()["basic_fund_paid"]
    if category == "active":
        assert stay["basic_fund_paid"] == "7636.00"
    assert_no_hangzhou_line(stay["lines"])
    for body, http in (
        (outpatient(person, "MZ0001"), hospital),
        ({**outpatient(person, "YD0001"), "kind": "pharmacy"}, pharmacy),
        ({**outpatient(person, "MT0001"), "kind": "specified_disease", "diagnosis_codes": ["E11"]}, hospital),
        (
            inpatient(
                person,
                "JC0001",
                eligible="3000.00",
                admission="2024-04-01",
                discharge="2024-04-20",
                kind="home_bed",
            ),
            community,
        ),
    ):
        settled = api(http, body, 201)
        assert_no_hangzhou_line(settled["lines"])
    home_bed = Settlement.objects.get(bill_number="JC0001")
    assert any(line.article == "舟山 第五十八条" for line in home_bed.lines.all())
    reversal = hospital.post(f"{API}{stay['settlement_id']}/reversal/")
    assert reversal.status_code == 201
    assert Decimal(reversal.json()["basic_fund_paid"]) == -Decimal(stay["basic_fund_paid"])
    # a replay of the reversed body: 409 naming the reversal, with a 舟山 article (reading 27)
    replay = hospital.post(API, inpatient(person, "ZY0001", eligible="10000.00"), format="json")
    assert replay.status_code == 409
    assert_zhoushan(replay.json())


def test_home_hospital_bed_figure_and_its_refusal_art58(hospital, api_client_factory, institutions):
    """(3,000 − 300) × 90 % = 2,430.00 at a primary institution; at a level-3 hospital refused (舟山 art. 58)."""
    person = zhoushan_person()
    community, _ = api_client_factory(organisation_code=COMMUNITY)
    body = inpatient(
        person, "JC0001", eligible="3000.00", admission="2024-04-01", discharge="2024-04-20", kind="home_bed"
    )
    assert api(community, body, 201)["basic_fund_paid"] == "2430.00"
    refused = api(hospital, {**body, "bill_number": "JC0002"}, 422)
    assert refused["article"] == "舟山 第五十八条"


def test_off_site_with_a_long_stay_filing_settles_at_in_city_rules_art59(api_client_factory, db):
    from enrollment.models import Filing

    Institution.objects.create(
        code="SH01", name="上海某医院", level="level3", kind="hospital", location="in_province"
    )
    http, _ = api_client_factory(organisation_code="SH01")
    without = zhoushan_person()
    assert api(http, inpatient(without, "ZY0001", eligible="10000.00"), 201)["basic_fund_paid"] == "6570.00"
    filer = zhoushan_person()
    Filing.objects.create(person=filer, kind="long_stay", valid_from=dt.date(2024, 1, 1), destination="上海")
    settled = api(http, inpatient(filer, "ZY0002", eligible="10000.00"), 201)
    assert settled["basic_fund_paid"] == "7636.00"
    assert any(line["article"] == "舟山 第五十九条" for line in settled["lines"])


def test_refusals_cite_zhoushan_articles(hospital, api_client_factory, institutions):
    person = zhoushan_person()
    # its own exclusion list (art. 61(5)); a code only the other region has is not Zhoushan's
    assert (
        api(hospital, outpatient(person, "MZ1", exclusion="fitness"), 422)["article"]
        == "舟山 第六十一条第(五)项"
    )
    assert_zhoushan(api(hospital, outpatient(person, "MZ2", exclusion="violation"), 422))
    # a long stay over a year without the interim settlement (art. 56(3))
    long_stay = inpatient(person, "ZY9", admission="2023-01-01", discharge="2024-03-01")
    assert api(hospital, long_stay, 422)["article"] == "舟山 第五十六条第(三)项"
    # a general outpatient bill inside a settled stay (reading 24)
    api(hospital, inpatient(person, "ZY1"), 201)
    assert_zhoushan(api(hospital, outpatient(person, "MZ3", date="2024-02-25"), 422))
    # a non-networked institution, a suspended one (reading 25)
    institutions[LEVEL3].networked = False
    institutions[LEVEL3].save()
    assert api(hospital, outpatient(person, "MZ4"), 422)["article"] == "舟山 第五十七条第二款"
    institutions[LEVEL3].networked = True
    institutions[LEVEL3].save()
    InstitutionSuspension.objects.create(institution=institutions[LEVEL3], start=timezone.localdate())
    assert_zhoushan(api(hospital, outpatient(person, "MZ5"), 422))


def test_counter_reimbursement_with_its_own_deadline_art57(client, clerk):
    """舟山 art. 57: within one year of the invoice; an invoice 13 months old is refused."""
    person = zhoushan_person()
    client.force_login(clerk)
    today = timezone.localdate()
    recent = (today - dt.timedelta(days=30)).isoformat()
    old = (today - dt.timedelta(days=400)).isoformat()
    form = {
        "id_number": person.id_number,
        "bill_number": "FP1",
        "institution_code": "",
        "institution_name": "宁波某医院",
        "institution_level": "level3",
        "settlement": "local",
        "kind": "inpatient",
        "date": "",
        "admission_date": recent,
        "discharge_date": recent,
        "out_of_scope": "0.00",
        "self_pay_first": "0.00",
        "eligible": "10000.00",
        "special_drug": "0.00",
        "diagnosis_codes": "",
        "exclusion": "",
    }
    late = client.post(COUNTER, {**form, "bill_number": "FP0", "admission_date": old, "discharge_date": old})
    assert late.status_code == 200
    assert "舟山 第五十七条第二款" in late.content.decode()
    assert client.post(COUNTER, form).status_code == 302
    settlement = Settlement.objects.get()
    assert settlement.basic_fund_paid == Decimal("7636.00")
    assert_no_hangzhou_line(list(settlement.lines.all()))


def test_statement_of_a_zhoushan_settlement_cites_zhoushan(hospital):
    from claims.statements import render_html

    person = zhoushan_person()
    settled = api(hospital, inpatient(person, "ZY0001", eligible="10000.00"), 201)
    html = render_html(Settlement.objects.get(pk=settled["settlement_id"]))
    assert "舟山" in html and "杭州 第" not in html


def test_a_policy_error_is_a_clear_422_never_a_500(hospital, db):
    """Without the illustrative set Zhoushan's figures are blank: refused naming the parameter and its article."""
    from policy.parameters import set_illustrative_default

    person = zhoushan_person()
    set_illustrative_default(False)
    response = hospital.post(API, inpatient(person, "ZY0001"), format="json")
    assert response.status_code == 422
    assert_zhoushan(response.json())
    trial = hospital.post(f"{API}trial/", inpatient(person, "ZY0001"), format="json")
    assert trial.status_code == 422
