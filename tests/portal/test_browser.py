"""The portal in a real browser (Debian's chromium through Playwright): log in, see the balance, estimate a bill."""

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connections

from .conftest import PASSWORD, make_insured

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
SCREENSHOTS = "/tmp/portal-screenshots"


@pytest.fixture
def page(monkeypatch):
    from playwright.sync_api import sync_playwright

    # Playwright's sync API runs an event loop in this thread, where the test's ORM calls run.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        try:
            context = browser.new_context(locale="zh-CN", viewport={"width": 1100, "height": 900})
            yield context.new_page()
        finally:
            # the greenlet's own database connection, or PostgreSQL refuses to drop the test database
            connections.close_all()
            browser.close()


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_insured_person_logs_in_sees_balance_and_estimates_a_bill(page, live_server, django_user_model):
    """杭州 第二十八条: level-3 inpatient 50,000 for an active employee → fund 40,944.00."""
    import os

    make_insured(
        django_user_model,
        name="王小明",
        username="wangxm",
        historical=Decimal("3000.00"),
        birth=dt.date(1974, 5, 1),
    )
    os.makedirs(SCREENSHOTS, exist_ok=True)

    page.goto(f"{live_server.url}/")
    page.wait_for_url(f"{live_server.url}/login/?next=/")
    assert "参保人登录" in page.content()
    page.fill("#id_username", "wangxm")
    page.fill("#id_password", PASSWORD)
    page.click("#login-form button[type=submit]")
    page.wait_for_url(f"{live_server.url}/")
    assert "可享受医保待遇" in page.inner_text("#status")
    assert page.inner_text("#historical-funds").startswith("3,000.00")
    page.screenshot(path=f"{SCREENSHOTS}/home.png", full_page=True)

    page.click("text=待遇测算")
    page.wait_for_url(f"{live_server.url}/estimate/")
    page.select_option("#id_kind", "inpatient")
    page.select_option("#id_institution_level", "level3")
    page.fill("#id_eligible", "50000")
    page.click("#estimate-form button[type=submit]")
    page.wait_for_selector("#fund-total")
    assert page.inner_text("#fund-total").startswith("40,944.00")
    assert "杭州 第二十八条" in page.inner_text("#lines")
    page.screenshot(path=f"{SCREENSHOTS}/estimate.png", full_page=True)
