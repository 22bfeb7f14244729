"""A special case in a real browser (Debian's chromium through Playwright): the person applies on the
portal with a PDF, the review clerk (审核) reports it, the administration clerk (管理) records the joint
meeting's decision in the admin, and the person sees the decision on the portal (杭州 第五十三条)."""

import datetime as dt

import pytest
from django.db import connections

from tests.portal.conftest import PASSWORD, make_insured

from .conftest import certify

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-sync",
    "--no-first-run",
]
SCREENSHOTS = "/tmp/assistance-screenshots"
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture
def page(monkeypatch):
    from playwright.sync_api import sync_playwright

    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        try:
            context = browser.new_context(locale="zh-CN", viewport={"width": 1200, "height": 1000})
            yield context.new_page()
        finally:
            connections.close_all()
            browser.close()


def portal_login(page, base, username):
    page.context.clear_cookies()
    page.goto(f"{base}/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("#login-form button[type=submit]")
    page.wait_for_url(f"{base}/")


def admin_login(page, base, username):
    page.context.clear_cookies()
    page.goto(f"{base}/admin/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", "pass-12345-x")
    page.click("input[type=submit]")
    page.wait_for_url(f"{base}/admin/")


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_special_case_from_portal_through_review_and_decision_back_to_portal(
    page, live_server, django_user_model, clerks
):
    import os

    from assistance.models import SpecialCase

    os.makedirs(SCREENSHOTS, exist_ok=True)
    person = make_insured(django_user_model, name="林救助", username="linjz")
    certify(person, "minimum_living", valid_from=dt.date(2023, 1, 1))
    base = live_server.url

    # 1. the person applies on the portal, with a PDF
    portal_login(page, base, "linjz")
    page.click("text=医疗救助")
    page.wait_for_url(f"{base}/assistance/")
    assert "最低生活保障家庭成员" in page.inner_text("#recipient")
    page.click("#apply-link")
    page.fill("#id_reason", "恶性肿瘤术后化疗，救助后自付仍高")
    page.fill("#id_amount", "12.345")
    page.click("#apply-form button[type=submit]")
    assert "两位小数" in page.inner_text("#amount-errors")
    page.fill("#id_reason", "恶性肿瘤术后化疗，救助后自付仍高")
    page.fill("#id_amount", "8000.00")
    page.set_input_files(
        "#id_attachments", files=[{"name": "诊断证明.pdf", "mimeType": "application/pdf", "buffer": PDF}]
    )
    page.click("#apply-form button[type=submit]")
    page.wait_for_selector("#case-status")
    assert page.inner_text("#case-status") == "已申请"
    page.screenshot(path=f"{SCREENSHOTS}/applied.png", full_page=True)
    case = SpecialCase.objects.get(person=person)
    assert case.attachments.count() == 1

    # 2. the review clerk (审核) finds it in the queue and reports it to the joint meeting
    admin_login(page, base, clerks["review"].username)
    page.goto(f"{base}/admin/assistance/specialcase/?queue=review")
    page.click(f"a[href^='/admin/assistance/specialcase/{case.pk}/change/']")
    assert "本年度医疗救助情况" in page.inner_text("#year-summary")
    page.click("a.step-link:has-text('审核')")
    page.check("input[name=forward][value='1']")
    page.fill("#id_note", "情况属实，上报联席会议")
    page.click("input[name=_step]")
    page.wait_for_url(f"{base}/admin/assistance/specialcase/{case.pk}/change/")
    page.wait_for_selector("#year-summary")
    case.refresh_from_db()
    assert case.status == "under_review"

    # 3. the administration clerk (管理) records the joint meeting's decision
    admin_login(page, base, clerks["admin"].username)
    page.goto(f"{base}/admin/assistance/specialcase/{case.pk}/change/")
    page.click("a.step-link:has-text('录入联席会议决定')")
    page.check("input[name=approved][value='1']")
    page.fill("#id_meeting_date", "2024-06-01")
    page.fill("#id_minutes_number", "杭医救联〔2024〕5号")
    page.fill("#id_amount", "6000.00")
    page.click("input[name=_step]")
    page.wait_for_url(f"{base}/admin/assistance/specialcase/{case.pk}/change/")
    page.wait_for_selector("#year-summary")
    page.screenshot(path=f"{SCREENSHOTS}/decided.png", full_page=True)
    case.refresh_from_db()
    assert (case.status, str(case.amount_approved)) == ("approved", "6000.00")

    # 4. back on the portal, the person sees the decision
    portal_login(page, base, "linjz")
    page.goto(f"{base}/assistance/cases/{case.pk}/")
    page.wait_for_selector("#case-approved")
    assert page.inner_text("#case-status") == "联席会议同意"
    assert page.inner_text("#case-approved") == "6000.00"
    assert "杭医救联〔2024〕5号" in page.content()
    page.screenshot(path=f"{SCREENSHOTS}/portal-decision.png", full_page=True)
