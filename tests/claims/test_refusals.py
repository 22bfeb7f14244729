"""Refusals are a 4xx naming the reason and the article, and write nothing (row counts before/after)."""

import datetime as dt
from decimal import Decimal

import pytest

from accounts.models import Account, LedgerEntry
from claims.models import Accumulator, Institution, Settlement, SettlementLine, Statement

from .conftest import LEVEL3, inpatient

URL = "/api/v1/settlements/"

pytestmark = pytest.mark.django_db


def counts():
    return (
        Settlement.objects.count(),
        SettlementLine.objects.count(),
        Statement.objects.count(),
        LedgerEntry.objects.count(),
        list(Accumulator.objects.values_list("state", flat=True)),
        list(Account.objects.values_list("current", "historical")),
    )


def refused(http, body, status=422):
    before = counts()
    response = http.post(URL, body, format="json")
    assert response.status_code == status, response.content
    assert counts() == before
    return response.json()


def test_not_insured_on_bill_date(hospital, person_factory):
    person = person_factory(enrolled=dt.date(2024, 6, 1), historical=Decimal("100.00"))
    data = refused(hospital, inpatient(person, discharge="2024-03-01"))
    assert data["reason"] == "not_eligible"
    assert "第十四条" in data["article"] or "第七十三条" in data["article"]


def test_waiting_period_art15(hospital, person_factory):
    """杭州 art. 15: benefits from the month after enrolment and payment; a bill in the enrolment month is refused."""
    person = person_factory(enrolled=dt.date(2024, 3, 10))
    data = refused(hospital, inpatient(person, admission="2024-03-12", discharge="2024-03-20"))
    assert data["article"].startswith("杭州 第十五条")


def test_suspended_for_arrears(hospital, person_factory):
    """December 2023 paid on time, January 2024 never paid: suspended from 2024-02-01, derived from the
    payment records alone (杭州 art. 15; coverage-rules.md readings 1, 2)."""
    from decimal import Decimal

    from contributions.models import ContributionRecord

    person = person_factory()
    enrolment = person.enrolments.get()
    zero = Decimal("0.00")
    ContributionRecord.objects.create(
        person=person,
        enrolment=enrolment,
        month=dt.date(2023, 12, 1),
        kind=ContributionRecord.Kind.EMPLOYEE,
        base=Decimal("8000.00"),
        employer_amount=zero,
        employer_maternity=zero,
        personal=zero,
        personal_subsidy=zero,
        personal_payable=zero,
        total=zero,
        paid_on=dt.date(2023, 12, 10),
    )
    data = refused(hospital, inpatient(person, discharge="2024-03-01"))
    assert data["article"] == "杭州 第十五条第二款"
    assert "暂停" in data["detail"]


def test_institution_suspended_art88(hospital, person_factory, institutions):
    """杭州 art. 88, reading 25: while a suspension period runs every submission is refused, whatever the bill date."""
    from django.utils import timezone

    from claims.models import InstitutionSuspension

    institution = institutions[LEVEL3]
    suspension = InstitutionSuspension.objects.create(
        institution=institution, start=timezone.localdate(), reason="涉嫌违规，调查期间"
    )
    person = person_factory()
    data = refused(hospital, inpatient(person, discharge="2024-03-01"))
    assert data["article"] == "杭州 第八十八条"
    refused(hospital, inpatient(person, "OLD", admission="2024-02-01", discharge="2024-02-10"))
    # lifted (the period ends yesterday): submissions are accepted again
    suspension.end = timezone.localdate() - dt.timedelta(days=1)
    suspension.save()
    response = hospital.post(
        URL, inpatient(person, "OLD", admission="2024-02-01", discharge="2024-02-10"), format="json"
    )
    assert response.status_code == 201, response.content


def test_institution_not_designated(hospital, person_factory, institutions):
    Institution.objects.filter(code=LEVEL3).update(designated=False)
    person = person_factory()
    data = refused(hospital, inpatient(person))
    assert data["reason"] == "institution"


@pytest.mark.parametrize(
    ("code", "item"),
    [
        ("abroad", "二"),
        ("third_party", "三"),
        ("work_injury", "四"),
        ("public_health", "五"),
        ("violation", "六"),
    ],
)
def test_exclusions_art71(hospital, person_factory, code, item):
    person = person_factory()
    data = refused(hospital, inpatient(person, exclusion=code))
    assert data["article"] == f"杭州 第七十一条第({item})项"
    assert data["reason"] == "excluded"


def test_third_party_not_paying_is_advanced_art71(hospital, person_factory):
    """杭州 art. 71 para. 2: the fund pays first when the third party does not pay; the line says so."""
    person = person_factory()
    response = hospital.post(
        URL, inpatient(person, exclusion="third_party", third_party_unpaid=True), format="json"
    )
    assert response.status_code == 201, response.content
    assert response.json()["basic_fund_paid"] == "40944.00"
    assert response.json()["lines"][0]["article"] == "杭州 第七十一条第二款"


def test_unknown_person(hospital, db, institutions):
    body = inpatient(type("P", (), {"id_number": "330106197405010000"})())
    data = refused(hospital, body)
    assert data["reason"] == "not_insured"


def test_specified_disease_needs_filing_art70(hospital, person_factory):
    person = person_factory()
    body = {
        "id_number": person.id_number,
        "bill_number": "GD1",
        "kind": "specified_disease",
        "date": "2024-04-01",
        "eligible": "3000.00",
        "diagnosis_codes": ["C34.9"],
    }
    data = refused(hospital, body)
    assert data["article"] == "杭州 第七十条第(三)项"


def test_specified_disease_with_filing_no_deductible_art70(hospital, person_factory):
    """杭州 art. 70(3): settled like inpatient at level 3 with no deductible: 3,000 × 82% = 2,460."""
    from enrollment.models import Filing

    person = person_factory()
    Filing.objects.create(
        person=person, kind="specified_disease", valid_from=dt.date(2024, 1, 1), disease="恶性肿瘤"
    )
    body = {
        "id_number": person.id_number,
        "bill_number": "GD2",
        "kind": "specified_disease",
        "date": "2024-04-01",
        "eligible": "3000.00",
        "diagnosis_codes": ["C34.9"],
    }
    response = hospital.post(URL, body, format="json")
    assert response.status_code == 201, response.content
    assert response.json()["deductible"] == "0.00"
    assert response.json()["basic_fund_paid"] == "2460.00"


def test_pharmacy_settles_pharmacy_bills_only_art64_4(api_client_factory, hospital, person_factory):
    from .conftest import PHARMACY

    pharmacy, _ = api_client_factory(organisation_code=PHARMACY)
    person = person_factory()
    data = refused(pharmacy, inpatient(person))
    assert data["article"] == "杭州 第六十四条第(四)项"
    body = {
        "id_number": person.id_number,
        "bill_number": "YD1",
        "kind": "pharmacy",
        "date": "2024-04-01",
        "eligible": "100.00",
    }
    assert refused(hospital, body)["reason"] == "kind"
    response = pharmacy.post(URL, body, format="json")
    assert response.status_code == 201, response.content
    assert response.json()["deductible"] == "100.00"  # inside the 1,000 outpatient deductible (规程 §4)


def test_zhoushan_without_figures_is_refused_naming_the_parameter(hospital, person_factory):
    """Zhoushan's published text lost its figures: a settlement that needs one is refused, naming it; nothing guessed."""
    from enrollment.models import Person

    person = person_factory()
    Person.objects.filter(pk=person.pk).update(region="zhoushan")
    person.enrolments.update(region="zhoushan")
    data = refused(hospital, inpatient(person))
    assert data["reason"] in ("parameter", "not_eligible")
    assert data["article"].startswith("舟山")
    assert "没有取值" in data["detail"]
