"""Statement PDFs: masked ID, all components and the total, lines with articles; failures retried, never undo a settlement."""

import io
from decimal import Decimal

import pytest
from pypdf import PdfReader

from claims.models import Settlement, Statement

from .conftest import inpatient

URL = "/api/v1/settlements/"

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _eagerly(settings):
    """These tests are of the eager path (STATEMENTS_RENDER_EAGERLY); on request: test_statements_on_request.py."""
    settings.STATEMENTS_RENDER_EAGERLY = True


def pdf_text(data: bytes) -> str:
    return "".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def settle(http, body, capture):
    with capture(execute=True):
        response = http.post(URL, body, format="json")
    assert response.status_code == 201, response.content
    return Settlement.objects.get(pk=response.json()["settlement_id"])


def test_statement_pdf_shows_masked_id_and_total(
    hospital, person_factory, django_capture_on_commit_callbacks
):
    person = person_factory(historical=Decimal("3000.00"))
    settlement = settle(
        hospital,
        inpatient(person, out_of_scope="100.00", self_pay_first="50.00"),
        django_capture_on_commit_callbacks,
    )
    statement = Statement.objects.get(settlement=settlement)
    assert statement.status == Statement.Status.READY, statement.error
    with statement.file.open("rb") as handle:
        text = pdf_text(handle.read())
    assert person.masked_id_number in text
    assert person.id_number not in text
    assert "50150.00" in text  # total
    assert "40944.00" in text  # basic fund
    assert "6206.00" in text  # cash
    assert "第二十八条" in text


def test_failed_render_is_retried_and_settlement_kept(
    hospital, person_factory, monkeypatch, django_capture_on_commit_callbacks
):
    import claims.tasks

    real = claims.tasks.render_pdf
    calls = []

    def flaky(settlement):
        calls.append(settlement.pk)
        if len(calls) == 1:
            raise OSError("font cache unavailable")
        return real(settlement)

    monkeypatch.setattr(claims.tasks, "render_pdf", flaky)
    person = person_factory()
    settlement = settle(hospital, inpatient(person), django_capture_on_commit_callbacks)
    statement = Statement.objects.get(settlement=settlement)
    assert len(calls) == 2
    assert statement.status == Statement.Status.READY
    assert statement.attempts == 2
    assert statement.error == ""


def test_render_failing_every_time_leaves_settlement_intact(
    hospital, person_factory, monkeypatch, django_capture_on_commit_callbacks
):
    import claims.tasks

    def broken(settlement):
        raise OSError("disk full")

    monkeypatch.setattr(claims.tasks, "render_pdf", broken)
    person = person_factory()
    settlement = settle(hospital, inpatient(person), django_capture_on_commit_callbacks)
    statement = Statement.objects.get(settlement=settlement)
    assert statement.status == Statement.Status.FAILED
    assert "disk full" in statement.error
    assert statement.attempts == 4  # first try + max_retries (3)
    settlement.refresh_from_db()
    assert settlement.status == Settlement.Status.SETTLED
    assert settlement.basic_fund_paid == Decimal("40944.00")


def test_statement_download_for_the_person_and_clerk_only(
    client, clerk, hospital, person_factory, django_user_model, django_capture_on_commit_callbacks
):
    person = person_factory()
    owner = django_user_model.objects.create_user(username="owner", password="x-pass-123456", role="insured")
    person.user = owner
    person.save()
    stranger = django_user_model.objects.create_user(
        username="stranger", password="x-pass-123456", role="insured"
    )
    settlement = settle(hospital, inpatient(person), django_capture_on_commit_callbacks)
    url = f"/api/v1/statements/{settlement.pk}.pdf"
    client.force_login(stranger)
    assert client.get(url).status_code == 404
    client.force_login(owner)
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert person.masked_id_number in pdf_text(b"".join(response.streaming_content))
    client.force_login(clerk)
    assert client.get(url).status_code == 200


def test_statement_rendered_on_demand_when_pending(client, clerk, hospital, person_factory):
    """Without the commit hook (the render never ran) the download renders it."""
    person = person_factory()
    response = hospital.post(URL, inpatient(person), format="json")
    settlement_id = response.json()["settlement_id"]
    assert Statement.objects.get(settlement_id=settlement_id).status == Statement.Status.PENDING
    client.force_login(clerk)
    assert client.get(f"/api/v1/statements/{settlement_id}.pdf").status_code == 200
    assert Statement.objects.get(settlement_id=settlement_id).status == Statement.Status.READY


def test_admin_pages_render(client, clerk, hospital, person_factory, django_capture_on_commit_callbacks):
    person = person_factory()
    settlement = settle(hospital, inpatient(person), django_capture_on_commit_callbacks)
    client.force_login(clerk)
    listing = client.get("/admin/claims/settlement/?q=" + settlement.bill_number)
    assert listing.status_code == 200
    page = listing.content.decode()
    assert person.masked_id_number in page and person.id_number not in page
    assert f"/api/v1/statements/{settlement.pk}.pdf" in page
    assert client.get(f"/admin/claims/settlement/{settlement.pk}/change/").status_code == 200
    assert client.get("/admin/claims/accumulator/").status_code == 200
    assert client.get("/admin/claims/institution/").status_code == 200
    assert client.get("/admin/claims/statement/").status_code == 200
    assert client.get("/admin/claims/settlement/reimburse/").status_code == 200


def test_selectors_for_the_portal(hospital, person_factory, django_capture_on_commit_callbacks):
    from claims.selectors import settlements_of, statement_ready, statement_url

    person = person_factory()
    other = person_factory()
    settlement = settle(hospital, inpatient(person), django_capture_on_commit_callbacks)
    settle(hospital, inpatient(other, "ZY-OTHER"), django_capture_on_commit_callbacks)
    assert list(settlements_of(person=person)) == [settlement]
    assert statement_ready(settlement)
    assert statement_url(settlement) == f"/api/v1/statements/{settlement.pk}.pdf"


def test_with_a_broker_statements_leave_through_the_outbox(
    hospital, person_factory, monkeypatch, django_capture_on_commit_callbacks
):
    """With a broker the settlement writes a pending statement and sends nothing; the beat task
    sends each pending statement once, and again only when it is still pending 10 minutes later."""
    import datetime as dt

    from django.utils import timezone

    from claims import tasks

    monkeypatch.setitem(tasks.render_statement.app.conf, "task_always_eager", False)
    sent = []
    monkeypatch.setattr(tasks.render_statement, "delay", lambda settlement_id: sent.append(settlement_id))
    person = person_factory()
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        first = hospital.post(URL, inpatient(person, "O1"), format="json")
        second = hospital.post(URL, inpatient(person, "O2", discharge="2024-03-05"), format="json")
    assert first.status_code == second.status_code == 201
    # nothing leaves inside a settlement: the only callbacks are the settlement_committed announcements
    assert all("announce_committed" in callback.__qualname__ for callback in callbacks) and sent == []
    ids = [first.json()["settlement_id"], second.json()["settlement_id"]]
    assert (
        list(Statement.objects.filter(settlement_id__in=ids).values_list("status", flat=True))
        == ["pending"] * 2
    )

    assert tasks.queue_pending_statements() == 2
    assert sorted(sent) == sorted(ids)
    assert tasks.queue_pending_statements() == 0  # already sent, not yet rendered: not sent twice
    assert len(sent) == 2

    Statement.objects.filter(settlement_id=ids[0]).update(queued=timezone.now() - dt.timedelta(minutes=11))
    assert tasks.queue_pending_statements() == 1  # its message was lost: sent again
    assert sent[-1] == ids[0]
    tasks.render(ids[1])
    Statement.objects.filter(settlement_id=ids[1]).update(queued=timezone.now() - dt.timedelta(minutes=11))
    assert tasks.queue_pending_statements() == 0  # rendered statements are never sent again
