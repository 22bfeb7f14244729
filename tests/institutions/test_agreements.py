"""Agreements (杭州 art. 87–88): the settlement refuses a bill its institution's agreement does not cover."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from claims.models import Settlement
from institutions import agreements
from institutions.models import Agreement, Breach

from .conftest import LEVEL3, inpatient

URL = "/api/v1/settlements/"
TODAY = dt.date(2024, 6, 1)

pytestmark = pytest.mark.django_db


def outpatient(person, number="MZ0001", day="2024-03-01", eligible="300.00"):
    return {
        "id_number": person.id_number,
        "bill_number": number,
        "kind": "outpatient",
        "date": day,
        "eligible": eligible,
    }


def test_no_agreement_on_file_settles_as_before(hospital, person_factory):
    """Before its agreement is entered, an institution's own row decides (documented in institutions.agreements)."""
    person = person_factory()
    response = hospital.post(URL, inpatient(person), format="json")
    assert response.status_code == 201, response.content


def test_agreement_covering_inpatient_settles(hospital, person_factory, institutions, agreement_factory):
    agreement_factory(institutions[LEVEL3])
    response = hospital.post(URL, inpatient(person_factory()), format="json")
    assert response.status_code == 201, response.content


def test_service_not_covered_is_refused_art87(hospital, person_factory, institutions, agreement_factory):
    """杭州 art. 87–88: an agreement without outpatient care refuses an outpatient bill, citing the article."""
    agreement_factory(institutions[LEVEL3], services=["inpatient"])
    before = Settlement.objects.count()
    response = hospital.post(URL, outpatient(person_factory()), format="json")
    assert response.status_code == 422, response.content
    data = response.json()
    assert data["reason"] == "agreement"
    assert data["article"].startswith("杭州 第八十七条")
    assert "普通门诊" in data["detail"]
    assert Settlement.objects.count() == before


def test_bill_dated_outside_the_agreement_is_refused(
    hospital, person_factory, institutions, agreement_factory
):
    agreement_factory(institutions[LEVEL3], start=dt.date(2024, 4, 1))
    response = hospital.post(URL, inpatient(person_factory(), discharge="2024-03-01"), format="json")
    assert response.status_code == 422
    assert "没有有效的医保服务协议" in response.json()["detail"]


def test_draft_only_institution_still_settles(hospital, person_factory, institutions, agreement_factory):
    """A draft is not on file for settlement: the institution settles as before until it is signed."""
    agreement_factory(institutions[LEVEL3], signed=False)
    assert hospital.post(URL, inpatient(person_factory()), format="json").status_code == 201


def test_termination_ends_coverage_from_its_date(hospital, person_factory, institutions, agreement_factory):
    agreement = agreement_factory(institutions[LEVEL3])
    agreements.record_breach(
        agreement=agreement,
        found_on=dt.date(2024, 2, 15),
        description="串换药品",
        sanction="terminate",
        starts_on=dt.date(2024, 3, 1),
    )
    agreement.refresh_from_db()
    assert agreement.state == Agreement.State.TERMINATED
    person = person_factory()
    early = inpatient(person, "ZY1", admission="2024-02-10", discharge="2024-02-20")
    assert hospital.post(URL, early, format="json").status_code == 201
    late = inpatient(person, "ZY2", admission="2024-03-01", discharge="2024-03-05")
    response = hospital.post(URL, late, format="json")
    assert response.status_code == 422
    assert response.json()["reason"] == "agreement"


def test_service_suspension_refuses_submissions_while_it_runs_art88(
    hospital, person_factory, institutions, agreement_factory, monkeypatch
):
    """杭州 art. 88 para. 2 and coverage-rules 25: a suspension refuses submissions while it runs, whatever the bill date."""
    agreement = agreement_factory(institutions[LEVEL3])
    breach = agreements.record_breach(
        agreement=agreement,
        found_on=dt.date(2024, 5, 1),
        description="涉嫌违规，调查期间暂停门诊结算",
        sanction="suspend_services",
        services=["outpatient"],
    )
    assert breach.article.startswith("杭州 第八十八条第二款")
    person = person_factory()
    # a bill dated before the suspension, submitted while it runs: refused
    refusal = agreements.settlement_refusal(
        institution_id=institutions[LEVEL3].pk,
        region="hangzhou",
        bill_kind="outpatient",
        mode="local",
        on=dt.date(2024, 3, 1),
        today=TODAY,
    )
    assert refusal and "暂停结算" in refusal[0] and refusal[1].startswith("杭州 第八十八条第二款")
    # inpatient care is not suspended
    assert (
        agreements.settlement_refusal(
            institution_id=institutions[LEVEL3].pk,
            region="hangzhou",
            bill_kind="inpatient",
            mode="local",
            on=dt.date(2024, 3, 1),
            today=TODAY,
        )
        is None
    )
    response = hospital.post(URL, outpatient(person), format="json")  # submitted today (after 2024-05-01)
    assert response.status_code == 422
    agreements.lift(breach=breach, on=dt.date(2024, 5, 2))
    assert hospital.post(URL, outpatient(person), format="json").status_code == 201


def test_zhoushan_institution_cites_zhoushan(institutions, agreement_factory):
    institution = institutions[LEVEL3]
    institution.region = "zhoushan"
    institution.save()
    agreement_factory(institution, services=["inpatient"])
    refusal = agreements.settlement_refusal(
        institution_id=institution.pk,
        region="zhoushan",
        bill_kind="outpatient",
        mode="local",
        on=dt.date(2024, 3, 1),
        today=TODAY,
    )
    assert refusal[1].startswith("舟山 第六十九条")


def test_whole_agreement_suspended(institutions, agreement_factory):
    agreement = agreement_factory(institutions[LEVEL3])
    agreements.suspend_agreement(agreement=agreement, reason="调查中")
    refusal = agreements.settlement_refusal(
        institution_id=institutions[LEVEL3].pk,
        region="hangzhou",
        bill_kind="inpatient",
        mode="local",
        on=dt.date(2024, 3, 1),
        today=TODAY,
    )
    assert "暂停中" in refusal[0]
    agreements.resume_agreement(agreement=agreement)
    assert (
        agreements.settlement_refusal(
            institution_id=institutions[LEVEL3].pk,
            region="hangzhou",
            bill_kind="inpatient",
            mode="local",
            on=dt.date(2024, 3, 1),
            today=TODAY,
        )
        is None
    )


def test_offsite_needs_the_offsite_service(institutions, agreement_factory):
    agreement_factory(institutions[LEVEL3], services=["inpatient"])
    refusal = agreements.settlement_refusal(
        institution_id=institutions[LEVEL3].pk,
        region="hangzhou",
        bill_kind="inpatient",
        mode="direct_offsite",
        on=dt.date(2024, 3, 1),
        today=TODAY,
    )
    assert "异地就医直接结算" in refusal[0]


@pytest.mark.parametrize(
    "kwargs, field",
    [
        ({"sanction": "recover"}, "amount"),
        ({"sanction": "warning", "amount": Decimal("5.00")}, "amount"),
        ({"sanction": "suspend_services"}, "services"),
        ({"sanction": "suspend_services", "services": ["dentistry"]}, "services"),
        ({"sanction": "fine"}, "sanction"),
    ],
)
def test_bad_breach_names_the_field(institutions, agreement_factory, kwargs, field):
    agreement = agreement_factory(institutions[LEVEL3])
    with pytest.raises(ValidationError) as error:
        agreements.record_breach(agreement=agreement, found_on=TODAY, description="x", **kwargs)
    assert field in error.value.message_dict
    assert Breach.objects.count() == 0


def test_history_is_kept(institutions, agreement_factory):
    agreement = agreement_factory(institutions[LEVEL3])
    agreements.suspend_agreement(agreement=agreement, reason="调查中")
    assert agreement.history.count() == 2
