"""Every portal page fits a 390 px wide phone screen: no horizontal scroll (issue 15)."""

import io

import pytest
from django.core.management import call_command
from django.urls import URLPattern, reverse

from portal import urls as portal_urls
from tests.portal.test_browser import CHROMIUM, CHROMIUM_ARGS

WIDTH = 390


def portal_pages(settlement_id: int) -> list[str]:
    """Every page of the portal a logged-in person can open (a new page is covered without editing this)."""
    pages = []
    for pattern in portal_urls.urlpatterns:
        if not isinstance(pattern, URLPattern) or pattern.name in ("login", "logout"):
            continue
        if (
            "revoke" in pattern.name
            or "download" in pattern.name
            or "pdf" in pattern.name
            or "statement" in pattern.name
        ):
            continue
        keys = pattern.pattern.regex.groupindex
        if not keys:
            pages.append(reverse(f"portal:{pattern.name}"))
        elif set(keys) == {"pk"} and pattern.name == "settlement":
            pages.append(reverse(f"portal:{pattern.name}", args=[settlement_id]))
    return pages


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_every_portal_page_fits_390_px(live_server, monkeypatch):
    from django.db import connections
    from playwright.sync_api import sync_playwright

    from claims.models import Settlement
    from enrollment.models import Person

    call_command("load_demo", stdout=io.StringIO())
    person = Person.objects.get(user__username="zhangsan")
    settlement = Settlement.objects.filter(person=person).first()
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    too_wide = {}
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        try:
            page = browser.new_context(locale="zh-CN", viewport={"width": WIDTH, "height": 844}).new_page()
            page.goto(f"{live_server.url}/login/")
            page.fill("#id_username", "zhangsan")
            page.fill("#id_password", "demo-pass-2024")
            page.click("#login-form button[type=submit]")
            page.wait_for_url(f"{live_server.url}/")
            for path in portal_pages(settlement.pk if settlement else 0):
                page.goto(f"{live_server.url}{path}")
                width = page.evaluate("document.documentElement.scrollWidth")
                if width > WIDTH:
                    too_wide[path] = width
        finally:
            connections.close_all()
            browser.close()
    assert too_wide == {}, f"pages wider than {WIDTH} px: {too_wide}"
