"""Where people reach assistance: the admin (clerks), the portal (the person), the API (civil affairs)."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from assistance import services
from assistance.models import AssistancePosting, PostHocApplication, SpecialCase

from .conftest import D, certify, outpatient, settle

pytestmark = pytest.mark.django_db
PDF = b"%PDF-1.4\n%%EOF\n"


def login(user):
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def low_income(person_factory, hospital):
    person = person_factory()
    settle(hospital, outpatient(person, "A", "2024-01-10", eligible="10000.00"))
    certify(person, "minimum_living", valid_from=D(2024, 1, 1))
    settle(hospital, outpatient(person, "C", "2024-03-10", eligible="6000.00"))
    return person


def test_admin_posthoc_take_then_pay(low_income, clerks):
    counter = login(clerks["counter"])
    bad = counter.post(
        "/admin/assistance/posthocapplication/add/",
        {"person": low_income.id_number, "period_start": "2024-05-01", "period_end": "2024-05-31"},
    )
    assert bad.status_code == 200
    assert "没有已结算的医疗费" in bad.content.decode()
    assert not PostHocApplication.objects.exists()
    response = counter.post(
        "/admin/assistance/posthocapplication/add/",
        {"person": low_income.id_number, "period_start": "2024-01-01", "period_end": "2024-01-31"},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    application = PostHocApplication.objects.get()
    assert str(application.preview_total) == "1580.00"
    review = login(clerks["review"])
    page = review.get(f"/admin/assistance/posthocapplication/{application.pk}/change/")
    assert page.status_code == 200 and "支付" in page.content.decode()
    paid = review.post(f"/admin/assistance/posthocapplication/{application.pk}/pay/")
    assert paid.status_code == 302
    application.refresh_from_db()
    assert application.status == "paid"


def test_admin_special_case_steps_and_queue(low_income, clerks):
    counter = login(clerks["counter"])
    response = counter.post(
        "/admin/assistance/specialcase/add/",
        {
            "person": low_income.id_number,
            "reason": "困难",
            "amount": "1000.005",
            "attachments": SimpleUploadedFile("a.pdf", PDF, content_type="application/pdf"),
        },
    )
    assert response.status_code == 200
    assert "两位小数" in response.content.decode()
    response = counter.post(
        "/admin/assistance/specialcase/add/",
        {
            "person": low_income.id_number,
            "reason": "困难",
            "amount": "1000.00",
            "attachments": SimpleUploadedFile("a.pdf", PDF, content_type="application/pdf"),
        },
    )
    assert response.status_code == 302
    case = SpecialCase.objects.get()
    # the counter may not review
    assert counter.get(f"/admin/assistance/specialcase/{case.pk}/review/").status_code in (302, 403) or (
        counter.post(f"/admin/assistance/specialcase/{case.pk}/review/", {"forward": "1"}).status_code == 403
    )
    review = login(clerks["review"])
    queue = review.get("/admin/assistance/specialcase/?queue=review")
    assert low_income.name in queue.content.decode()
    assert (
        review.post(
            f"/admin/assistance/specialcase/{case.pk}/review/", {"forward": "1", "note": "属实"}
        ).status_code
        == 302
    )
    admin = login(clerks["admin"])
    early = admin.post(
        f"/admin/assistance/specialcase/{case.pk}/decide/",
        {"approved": "1", "meeting_date": "2024-06-01", "minutes_number": "", "amount": "800.00"},
    )
    assert "会议纪要编号" in early.content.decode()
    done = admin.post(
        f"/admin/assistance/specialcase/{case.pk}/decide/",
        {"approved": "1", "meeting_date": "2024-06-01", "minutes_number": "2024-1", "amount": "800.00"},
    )
    assert done.status_code == 302
    assert (
        review.post(f"/admin/assistance/specialcase/{case.pk}/pay/", {"paid_on": "2024-06-03"}).status_code
        == 302
    )
    case.refresh_from_db()
    assert (case.status, str(case.amount_approved)) == ("paid", "800.00")
    history = admin.get(f"/admin/assistance/specialcase/{case.pk}/history/")
    assert history.status_code == 200
    attachment = case.attachments.get()
    assert admin.get(f"/admin/assistance/specialcase/attachment/{attachment.pk}/").status_code == 200


def test_report_page_chart_csv_and_xlsx(low_income, clerks):
    services.run_posthoc(person=low_income, period_start=D(2024, 1, 1), period_end=D(2024, 1, 31))
    admin = login(clerks["admin"])
    synced = admin.post("/admin/assistance/assistanceposting/report/")
    assert synced.status_code == 302
    assert AssistancePosting.objects.filter(channel="immediate").count() == 1
    for by in ("month", "district", "certificate_kind", "channel"):
        page = admin.get(f"/admin/assistance/assistanceposting/report/?by={by}")
        assert page.status_code == 200
        body = page.content.decode()
        assert "<svg" in body and "平衡" in body
    csv = admin.get("/admin/assistance/assistanceposting/report.csv?by=channel")
    text = csv.content.decode("utf-8-sig")
    assert "即时救助" in text and "720.00" in text and "1580.00" in text
    xlsx = admin.get("/admin/assistance/assistanceposting/report.xlsx?by=certificate_kind")
    from openpyxl import load_workbook

    sheet = load_workbook(io.BytesIO(xlsx.content)).active
    values = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert values[1][0] == "分组"
    assert values[2][0] == "最低生活保障家庭成员"
    assert float(values[2][4]) == 2300.0


def test_portal_pages_and_application(low_income, django_user_model):
    user = django_user_model.objects.create_user(username="p1", password="pass-12345-x", role="insured")
    low_income.user = user
    low_income.save(update_fields=["user"])
    client = login(user)
    page = client.get("/assistance/?year=2024")
    assert page.status_code == 200
    body = page.content.decode()
    assert "最低生活保障家庭成员" in body and "2280.00" in body  # 3,000 − 720 left under the outpatient cap
    bad = client.post(
        "/assistance/apply/",
        {
            "reason": "困难",
            "amount": "100",
            "attachments": SimpleUploadedFile("x.pdf", b"GIF89a", content_type="application/pdf"),
        },
    )
    assert bad.status_code == 200 and "不是 PDF 或 JPEG" in bad.content.decode()
    assert not SpecialCase.objects.exists()
    ok = client.post(
        "/assistance/apply/",
        {
            "reason": "困难",
            "amount": "100",
            "attachments": SimpleUploadedFile("x.pdf", PDF, content_type="application/pdf"),
        },
    )
    assert ok.status_code == 302
    case = SpecialCase.objects.get()
    assert case.applicant == "portal"
    detail = client.get(f"/assistance/cases/{case.pk}/")
    assert "已申请" in detail.content.decode()


def test_civil_affairs_api_paid_in_a_year(low_income, api_client_factory):
    services.run_posthoc(
        person=low_income, period_start=D(2024, 1, 1), period_end=D(2024, 1, 31), today=D(2024, 4, 1)
    )
    services.post_immediate()
    http, _client = api_client_factory(kind="civil_affairs", scopes=["certificates"])
    response = http.get("/api/v1/assistance/paid/", {"id_number": low_income.id_number, "year": 2024})
    assert response.status_code == 200, response.content
    data = response.json()
    assert data["posthoc"] == "1580.00" and data["recipient_kind"] == "minimum_living"
    assert http.get("/api/v1/assistance/paid/", {"id_number": low_income.id_number}).status_code == 400
    institution, _c = api_client_factory(kind="institution", scopes=["settlement"], organisation_code="X1")
    assert (
        institution.get(
            "/api/v1/assistance/paid/", {"id_number": low_income.id_number, "year": 2024}
        ).status_code
        == 403
    )


def test_openapi_schema_lists_assistance(clerks):
    schema = login(clerks["admin"]).get("/api/schema/").content.decode()
    for route in ("/api/v1/assistance/paid/", "/api/v1/assistance/posthoc/", "/api/v1/assistance/cases/"):
        assert route in schema


def test_demo_loads_twice(db):
    from django.core.management import call_command

    out = io.StringIO()
    call_command("load_demo", stdout=out)
    call_command("load_demo", stdout=out)
    assert set(SpecialCase.objects.values_list("status", flat=True)) >= {
        "applied",
        "under_review",
        "rejected",
        "approved",
        "refused",
        "paid",
    }
    assert PostHocApplication.objects.filter(status="pending").count() == 1
    assert SpecialCase.objects.count() == 7, out.getvalue()
