"""The clerk admin: counter intake through the service, the review queue, the decision page, the letter PDF."""

import datetime as dt
import io
from decimal import Decimal as D

import pytest
from pypdf import PdfReader

from maternity import services
from maternity.models import Application, Decision, Payment

from .conftest import insured_woman

EVENT = dt.date(2026, 3, 10)
pytestmark = pytest.mark.django_db


@pytest.fixture
def submitted():
    person, employer = insured_woman(event_date=EVENT, base=D("8000"), colleagues=(D("10000"),))
    application, _created = services.submit(
        person=person,
        employer=employer,
        event_kind="birth",
        event_date=EVENT,
        source="counter",
        today=dt.date(2026, 11, 20),
    )
    return application


def test_pages_render_in_chinese(client, clerk, submitted):
    client.force_login(clerk)
    for url in (
        "/admin/maternity/application/",
        "/admin/maternity/application/add/",
        f"/admin/maternity/application/{submitted.pk}/change/",
        f"/admin/maternity/application/{submitted.pk}/history/",
        "/admin/maternity/awaitingreview/",
        f"/admin/maternity/application/{submitted.pk}/decide/",
        "/admin/maternity/decision/",
        "/admin/maternity/payment/",
        "/admin/maternity/maternityposting/",
    ):
        response = client.get(url)
        assert response.status_code == 200, url
    queue = client.get("/admin/maternity/awaitingreview/").content.decode()
    assert "待审核申请" in queue and "核准所选申请" in queue and submitted.person.name in queue


def test_counter_intake_refusal_lands_on_the_field(client, clerk, submitted):
    client.force_login(clerk)
    response = client.post(
        "/admin/maternity/application/add/",
        {
            "person": submitted.person.pk,
            "employer": submitted.employer.pk,
            "event_kind": "birth",
            "event_date": "2026-03-10",
            "babies": 1,
            "child_order": 1,
        },
    )
    assert response.status_code == 200
    assert "不能重复申请" in response.content.decode()
    assert Application.objects.count() == 1


def test_queue_action_approves_and_the_letter_downloads(
    client, clerk, submitted, django_capture_on_commit_callbacks
):
    client.force_login(clerk)
    with django_capture_on_commit_callbacks(execute=True):  # the letter is rendered after the commit
        response = client.post(
            "/admin/maternity/awaitingreview/",
            {"action": "approve_selected", "_selected_action": [submitted.pk]},
            follow=True,
        )
    assert response.status_code == 200
    payment = Payment.objects.get()
    assert payment.amount == D("38400.00")
    decision = Decision.objects.get()
    assert decision.letter_status == "ready"
    pdf = client.get(f"/api/v1/maternity/letters/{decision.pk}.pdf")
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    text = PdfReader(io.BytesIO(b"".join(pdf.streaming_content))).pages[0].extract_text()
    assert "生育保险待遇核定通知书" in text and "38400.00" in text
    assert submitted.person.masked_id_number in text and submitted.person.id_number not in text
    assert client.get("/admin/maternity/awaitingreview/").content.decode().count(submitted.person.name) == 0


def test_decide_page_refuses_with_a_reason(client, clerk, submitted):
    client.force_login(clerk)
    response = client.post(
        f"/admin/maternity/application/{submitted.pk}/decide/",
        {"outcome": "refused", "reason": "生育证明材料不全"},
    )
    assert response.status_code == 302
    submitted.refresh_from_db()
    assert submitted.status == "refused" and submitted.decision.reason == "生育证明材料不全"
    assert not Payment.objects.exists()


def test_counter_clerk_cannot_decide(client, django_user_model, submitted):
    from users.services import COUNTER, ensure_clerk, setup_roles

    setup_roles()
    counter = ensure_clerk(username="guiyuan-t", password="counter-pass-123", groups=[COUNTER])
    client.force_login(counter)
    assert client.get(f"/admin/maternity/application/{submitted.pk}/decide/").status_code == 403
    client.post(
        "/admin/maternity/application/", {"action": "approve_selected", "_selected_action": [submitted.pk]}
    )
    assert not Payment.objects.exists()


def test_report_csv_and_xlsx(client, clerk, submitted):
    from openpyxl import load_workbook

    services.approve(application=submitted, user=clerk, on=dt.date(2026, 11, 25))
    client.force_login(clerk)
    csv_text = client.get("/api/v1/maternity/reports/allowances/", {"export": "csv"}).content.decode(
        "utf-8-sig"
    )
    lines = csv_text.strip().splitlines()
    assert lines[0].startswith("拨付月份,辖区,统一社会信用代码,用人单位")
    assert lines[1].startswith("2026-11,上城区,") and lines[1].endswith(",1,38400.00")
    xlsx = client.get("/api/v1/maternity/reports/allowances/", {"export": "xlsx"})
    sheet = load_workbook(io.BytesIO(xlsx.content)).active
    assert [cell.value for cell in sheet[2]][:2] == ["2026-11", "上城区"]
    assert D(str(sheet["F2"].value)) == D("38400.00")
    rows = client.get("/api/v1/maternity/reports/allowances/", {"date_from": "2026-12-01"}).json()
    assert rows == []
    assert client.get("/api/v1/maternity/reports/allowances/", {"export": "pdf"}).status_code == 400
