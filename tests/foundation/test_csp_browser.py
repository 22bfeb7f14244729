"""The admin, the portal and the API docs work under the Content-Security-Policy (issue 11): Debian's
chromium (Playwright) opens each page and no CSP violation is reported (console or
`securitypolicyviolation` event)."""

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connections

from tests.portal.conftest import PASSWORD, make_insured

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run"]
RECORD_VIOLATIONS = """
window.__csp = [];
document.addEventListener('securitypolicyviolation',
  e => window.__csp.push(e.violatedDirective + ' ' + (e.blockedURI || 'inline') + ' ' + e.sourceFile + ':' + e.lineNumber));
"""

ADMIN_PAGES = [
    "/admin/",
    "/admin/claims/settlement/",
    "/admin/enrollment/person/",
    "/admin/enrollment/person/add/",
    "/admin/users/user/",
    "/admin/policy/parameteroverride/",
]
PORTAL_PAGES = [
    "/",
    "/contributions/",
    "/account/",
    "/settlements/",
    "/estimate/",
    "/mutual-aid/",
    "/maternity/",
]


@pytest.fixture
def browser_tab(monkeypatch):
    """(Playwright page, the console messages it logged)."""
    from playwright.sync_api import sync_playwright

    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        try:
            context = browser.new_context(locale="zh-CN")
            context.add_init_script(RECORD_VIOLATIONS)
            page = context.new_page()
            messages: list[str] = []
            page.on("console", lambda message: messages.append(message.text))
            yield page, messages
        finally:
            connections.close_all()
            browser.close()


def _visit(browser, url, *, wait_for=None):
    page, messages = browser
    response = page.goto(url)
    assert response.status < 400, (url, response.status)
    page.wait_for_load_state("networkidle")
    if wait_for:
        page.wait_for_selector(wait_for)
    violations = page.evaluate("window.__csp")
    console = [text for text in messages if "Content Security Policy" in text]
    messages.clear()
    assert not violations and not console, (url, violations, console)


def _log_in(browser, url, username, password, submit):
    page, _messages = browser
    page.goto(url)
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click(submit)
    page.wait_for_load_state("networkidle")


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_admin_portal_and_api_docs_log_no_csp_violation(browser_tab, live_server, django_user_model):
    browser = browser_tab
    tab, messages = browser_tab
    base = live_server.url
    django_user_model.objects.create_superuser(username="root", password="root-pass-2024", role="clerk")
    make_insured(
        django_user_model,
        name="王小明",
        username="wangxm",
        historical=Decimal("3000.00"),
        birth=dt.date(1974, 5, 1),
    )

    _visit(browser, f"{base}/admin/login/")
    _log_in(browser, f"{base}/admin/login/", "root", "root-pass-2024", "input[type=submit]")
    for path in ADMIN_PAGES:
        _visit(browser, base + path)
    # the API docs: Swagger UI renders the schema (scripts and styles from this site only)
    _visit(browser, f"{base}/api/docs/", wait_for=".swagger-ui .info .title")
    assert "Medsec API" in tab.inner_text(".swagger-ui .info .title")

    tab.context.clear_cookies()
    _visit(browser, f"{base}/login/")
    _log_in(browser, f"{base}/login/", "wangxm", PASSWORD, "#login-form button[type=submit]")
    for path in PORTAL_PAGES:
        _visit(browser, base + path)
    # the account page's year select submits itself (a static script, was an inline onchange)
    tab.goto(f"{base}/account/")
    options = tab.locator("#year option").all()
    assert len(options) > 1
    value = options[1].get_attribute("value")
    with tab.expect_navigation():
        tab.select_option("#year", value)
    assert f"year={value}" in tab.url
    assert not tab.evaluate("window.__csp") and not [m for m in messages if "Content Security Policy" in m]
