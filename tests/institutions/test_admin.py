"""The clerk's admin: the queue, drawing up and approving a clearing, importing a table with errors per row,
recording a breach through its service, reviewing a flag; and the browser test (a clerk approves a clearing)."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connections

from institutions import clearing
from institutions.models import Breach, Clearing, DrgTable, Flag

from .conftest import LEVEL3, direct_bill

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client, clerk, settings):
    # force_login has no request: django-axes would log the login from IP "unknown", which
    # PostgreSQL's inet column refuses; the login protection is not what these tests are about
    settings.AXES_ENABLED = False
    client.force_login(clerk)
    return client


def test_queue_lists_what_awaits_a_clerk(admin_client, institutions, person_factory):
    direct_bill(
        institutions[LEVEL3], person_factory(), cost="5000", fund="4000", discharge=dt.date(2024, 3, 5)
    )
    clearing.draw_up(month=dt.date(2024, 3, 1))
    page = admin_client.get("/admin/institutions/clearing/queue/").content.decode()
    assert "待审核的月度清算" in page and "待审核的监管疑点" in page


def test_draw_up_and_approve_in_the_admin(admin_client, institutions, person_factory):
    direct_bill(
        institutions[LEVEL3], person_factory(), cost="5000", fund="4000", discharge=dt.date(2024, 3, 5)
    )
    response = admin_client.post("/admin/institutions/clearing/draw-up/", {"month": "2024-03-01"})
    assert response.status_code == 302
    march = Clearing.objects.get()
    response = admin_client.post(
        "/admin/institutions/clearing/",
        {"action": "approve_selected", "_selected_action": [march.pk]},
        follow=True,
    )
    assert "已审核通过" in response.content.decode()
    response = admin_client.post(
        "/admin/institutions/clearing/",
        {"action": "approve_selected", "_selected_action": [march.pk]},
        follow=True,
    )
    assert "不能重复审核" in response.content.decode()
    response = admin_client.post(
        f"/admin/institutions/clearing/{march.pk}/pay/",
        {"paid_on": "2024-04-15", "payment_reference": "BK-1"},
    )
    assert response.status_code == 302 and Clearing.objects.get().state == "paid"
    assert admin_client.get(f"/admin/institutions/clearing/{march.pk}/pdf/").status_code == 200


def test_drg_table_import_shows_errors_per_row_and_loads_nothing(admin_client):
    upload = SimpleUploadedFile("drg.csv", b"code,weight,average_cost\nG1,1.0,100\nG1,-2,100\n")
    response = admin_client.post(
        "/admin/institutions/drgtable/import/",
        {"region": "hangzhou", "year": 2024, "effective_from": "2024-01-01", "file": upload},
    )
    page = response.content.decode()
    assert response.status_code == 200 and "第 3 行 code" in page and "第 3 行 weight" in page
    assert not DrgTable.objects.exists()
    upload = SimpleUploadedFile("drg.csv", b"code,weight,average_cost\nG1,1.0,100\n")
    response = admin_client.post(
        "/admin/institutions/drgtable/import/",
        {"region": "hangzhou", "year": 2024, "effective_from": "2024-01-01", "file": upload},
    )
    assert response.status_code == 302 and DrgTable.objects.get().weights.count() == 1


def test_breach_recorded_through_its_service(admin_client, institutions, agreement_factory):
    agreement = agreement_factory(institutions[LEVEL3])
    response = admin_client.post(
        "/admin/institutions/breach/add/",
        {
            "agreement": agreement.pk,
            "found_on": "2024-05-01",
            "description": "超标准收费",
            "sanction": "recover",
            "amount": "120.00",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    breach = Breach.objects.get()
    assert breach.amount == Decimal("120.00") and breach.article.startswith("杭州 第八十八条")
    response = admin_client.post(
        "/admin/institutions/breach/add/",
        {"agreement": agreement.pk, "found_on": "2024-05-01", "description": "x", "sanction": "recover"},
    )
    assert response.status_code == 200 and "大于零的金额" in response.content.decode()


def test_flag_dismissed_from_the_admin(admin_client, institutions, person_factory):
    from institutions import supervision

    person = person_factory()
    bill = direct_bill(institutions[LEVEL3], person, cost="5000", fund="4000", discharge=dt.date(2024, 6, 10))
    person.death_date = dt.date(2024, 6, 1)
    person.save(update_fields=["death_date"])
    supervision.run(settlement_ids=[bill.pk])
    flag = Flag.objects.get()
    admin_client.post(
        "/admin/institutions/flag/", {"action": "dismiss_selected", "_selected_action": [flag.pk]}
    )
    assert Flag.objects.get().state == "dismissed"


def test_openapi_schema_has_the_institution_endpoints(admin_client):
    schema = admin_client.get("/api/schema/").content.decode()
    for route in (
        "/api/v1/institutions/agreements/",
        "/api/v1/institutions/clearings/{id}/statement.pdf",
        "/api/v1/institutions/drg-year-lines/",
        "drg_code",
    ):
        assert route in schema


# --- the browser -----------------------------------------------------------------------------

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture
def page(monkeypatch):
    from playwright.sync_api import sync_playwright

    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        try:
            yield browser.new_context(locale="zh-CN").new_page()
        finally:
            connections.close_all()
            browser.close()


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_review_clerk_approves_a_clearing_in_the_browser(
    page, live_server, django_user_model, settings, tmp_path
):
    from claims.models import Institution
    from tests.claims.conftest import make_person
    from users.services import REVIEW, setup_roles

    settings.MEDIA_ROOT = tmp_path / "media"
    setup_roles()
    user = django_user_model.objects.create_user(
        username="shenhe", password="review-pass-2024", role="clerk", is_staff=True
    )
    from django.contrib.auth.models import Group

    user.groups.add(Group.objects.get(name=REVIEW))
    hospital = Institution.objects.create(
        code=LEVEL3, name="浙大一院（测试）", level="level3", kind="hospital"
    )
    direct_bill(hospital, make_person(), cost="5000", fund="4000", discharge=dt.date(2024, 3, 5))
    [march] = clearing.draw_up(month=dt.date(2024, 3, 1))

    page.goto(f"{live_server.url}/admin/login/")
    page.fill("#id_username", "shenhe")
    page.fill("#id_password", "review-pass-2024")
    page.click("input[type=submit]")
    page.wait_for_url(f"{live_server.url}/admin/")
    page.goto(f"{live_server.url}/admin/institutions/clearing/queue/")
    page.click("text=待审核的月度清算")
    page.check(f"input[name=_selected_action][value='{march.pk}']")
    page.select_option("select[name=action]", "approve_selected")
    page.click("button[name=index]")
    page.wait_for_load_state()
    assert "已审核通过" in page.content()
    march.refresh_from_db()
    assert march.state == "approved" and march.approved_by == user
