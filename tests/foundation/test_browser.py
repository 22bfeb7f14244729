"""The admin in a real browser: Debian's chromium driven by Playwright (never a downloaded browser)."""

import pytest
from django.db import connections

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

    # Playwright's sync API runs an event loop in this thread, where the test's ORM calls run.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        try:
            context = browser.new_context(locale="zh-CN")
            yield context.new_page()
        finally:
            # Code under Playwright's sync API runs in a greenlet, whose context gets its own
            # database connection: close it, or PostgreSQL refuses to drop the test database.
            connections.close_all()
            browser.close()


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_admin_login_page_is_chinese_and_clerk_logs_in(page, live_server, django_user_model):
    django_user_model.objects.create_user(
        username="guiyuan", password="counter-pass-2024", role="clerk", is_staff=True
    )
    page.goto(f"{live_server.url}/admin/login/")
    assert "医保经办管理系统" in page.content()
    assert page.locator("input[type=submit]").get_attribute("value") == "登录"

    page.fill("#id_username", "guiyuan")
    page.fill("#id_password", "counter-pass-2024")
    page.click("input[type=submit]")
    page.wait_for_url(f"{live_server.url}/admin/")
    assert "经办业务" in page.content()
    assert "欢迎" in page.content()


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_insured_person_is_refused_by_the_admin_in_the_browser(page, live_server, django_user_model):
    django_user_model.objects.create_user(
        username="zhangsan", password="insured-pass-2024", role="insured", is_staff=True
    )
    page.goto(f"{live_server.url}/admin/login/")
    page.fill("#id_username", "zhangsan")
    page.fill("#id_password", "insured-pass-2024")
    page.click("input[type=submit]")
    page.wait_for_load_state()
    assert page.url.startswith(f"{live_server.url}/admin/login/")
    assert "不是经办人员账号" in page.content()
