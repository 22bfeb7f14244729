"""Statements when they are wanted (issue 15): none is rendered with the settlement; the first request
(portal, admin, the institution's API) renders it and keeps it in storage; later requests are served
from there. The statement is a record of the settlement: a later change of the person's name, the
institution's name or a parameter does not change what it says.
"""

import io

import pytest
from django.core.files.storage import default_storage
from django.urls import reverse
from pypdf import PdfReader

from claims.models import Settlement, Statement
from claims.statements import render_html

from .conftest import LEVEL3, OTHER, inpatient

URL = "/api/v1/settlements/"
pytestmark = pytest.mark.django_db


def pdf_text(data: bytes) -> str:
    return "".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def body(response) -> bytes:
    return b"".join(response.streaming_content)


@pytest.fixture
def renders(monkeypatch):
    """Counts the PDF renders (the real renderer runs)."""
    import claims.tasks

    real = claims.tasks.render_pdf
    calls = []

    def counted(settlement):
        calls.append(settlement.pk)
        return real(settlement)

    monkeypatch.setattr(claims.tasks, "render_pdf", counted)
    return calls


def settle(http, data, capture):
    with capture(execute=True):  # whatever runs after the commit runs here
        response = http.post(URL, data, format="json")
    assert response.status_code == 201, response.content
    return Settlement.objects.get(pk=response.json()["settlement_id"])


def test_nothing_is_rendered_until_the_person_asks_then_it_is_served_from_storage(
    client, hospital, person_factory, django_user_model, renders, django_capture_on_commit_callbacks
):
    person = person_factory()
    person.user = django_user_model.objects.create_user(
        username="p1", password="x-pass-123456", role="insured"
    )
    person.save()
    settlement = settle(hospital, inpatient(person), django_capture_on_commit_callbacks)
    assert renders == [] and not Statement.objects.exists()

    client.force_login(person.user)
    portal = client.get(reverse("portal:settlement", args=[settlement.pk])).content.decode()
    url = reverse("claims-statement-pdf", args=[settlement.pk])
    assert url in portal
    first = client.get(url)
    assert first.status_code == 200 and first["Content-Type"] == "application/pdf"
    first_bytes = body(first)
    assert renders == [settlement.pk]
    statement = Statement.objects.get(settlement=settlement)
    assert statement.status == Statement.Status.READY and default_storage.exists(statement.file.name)
    with default_storage.open(statement.file.name, "rb") as stored:
        assert stored.read() == first_bytes

    again = client.get(url)
    assert body(again) == first_bytes
    assert renders == [settlement.pk]  # served from storage, not rendered again
    assert person.masked_id_number in pdf_text(first_bytes) and person.id_number not in pdf_text(first_bytes)


def test_the_institution_gets_its_own_statement_through_the_api(
    hospital, api_client_factory, person_factory, renders, django_capture_on_commit_callbacks
):
    person = person_factory()
    settlement = settle(hospital, inpatient(person), django_capture_on_commit_callbacks)
    url = f"/api/v1/settlements/{settlement.pk}/statement.pdf"
    other, _client = api_client_factory(organisation_code=OTHER)
    assert other.get(url).status_code == 404  # not its settlement
    assert renders == []
    response = hospital.get(url)
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert "50000.00" in pdf_text(body(response))
    assert hospital.get(url).status_code == 200
    assert renders == [settlement.pk]
    from rest_framework.test import APIClient

    assert APIClient().get(url).status_code in (401, 403)


def test_the_clerk_renders_it_from_the_admin(
    client, clerk, hospital, person_factory, renders, django_capture_on_commit_callbacks
):
    person = person_factory()
    settlement = settle(hospital, inpatient(person), django_capture_on_commit_callbacks)
    client.force_login(clerk)
    page = client.get(f"/admin/claims/settlement/?q={settlement.bill_number}").content.decode()
    url = f"/api/v1/statements/{settlement.pk}.pdf"
    assert url in page and "生成并下载" in page
    assert client.get(url).status_code == 200
    page = client.get(f"/admin/claims/settlement/?q={settlement.bill_number}").content.decode()
    assert "下载PDF" in page
    assert renders == [settlement.pk]


def test_the_statement_says_what_was_settled_whatever_changes_later(
    hospital, person_factory, institutions, django_capture_on_commit_callbacks
):
    """Renamed person, renamed hospital, a new inpatient deductible (杭州 art. 28(1): 800 → 1,200 at level 3)
    after the settlement: a new bill sees the new deductible, the old statement says the same as before."""
    from policy.models import ParameterOverride

    person = person_factory()
    settlement = settle(hospital, inpatient(person), django_capture_on_commit_callbacks)
    before = render_html(Settlement.objects.get(pk=settlement.pk))
    old_name = person.name
    assert old_name in before and "浙大一院（测试）" in before

    person.name = "改名后"
    person.save()
    institution = institutions[LEVEL3]
    institution.name = "更名后的医院"
    institution.save()
    ParameterOverride.objects.create(
        region="hangzhou",
        name="inpatient.deductible",
        effective_from="2024-01-01",
        value="{level3: 1200, other: 500, community: 300}",
        note="测试：起付标准调整",
    )
    fresh = settle(hospital, inpatient(person_factory(), "ZY-NEW"), django_capture_on_commit_callbacks)
    assert (settlement.deductible, fresh.deductible) == (800, 1200)  # the change took effect for new bills

    after = render_html(Settlement.objects.get(pk=settlement.pk))
    assert after == before
    # the first PDF, rendered after all the changes, says the same
    from claims.tasks import statement_file

    with statement_file(settlement.pk).file.open("rb") as handle:
        text = pdf_text(handle.read())
    assert old_name in text and "改名后" not in text
    assert "浙大一院（测试）" in text and "更名后的医院" not in text
    assert "800.00" in text


def test_a_deployment_can_still_render_every_statement_eagerly(
    settings, hospital, person_factory, renders, django_capture_on_commit_callbacks
):
    settings.STATEMENTS_RENDER_EAGERLY = True
    person = person_factory()
    settlement = settle(hospital, inpatient(person), django_capture_on_commit_callbacks)
    assert renders == [settlement.pk]
    assert Statement.objects.get(settlement=settlement).status == Statement.Status.READY
