"""Chinese by default, whatever the browser asks for; English only by the language switch (/i18n/setlang/)."""

import pytest

pytestmark = pytest.mark.django_db


def test_admin_index_is_chinese_by_default(client, clerk):
    client.force_login(clerk)
    page = client.get("/admin/").content.decode()
    assert "最近动作" in page
    assert "Recent actions" not in page


def test_an_english_browser_still_gets_chinese_until_it_switches(client, clerk):
    client.force_login(clerk)
    page = client.get("/admin/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9").content.decode()
    assert "最近动作" in page
    assert "Recent actions" not in page


def test_language_switch_turns_admin_english_and_back(client, clerk):
    client.force_login(clerk)
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/admin/"})
    assert response.status_code == 302
    assert "Recent actions" in client.get("/admin/").content.decode()
    client.post("/i18n/setlang/", {"language": "zh-hans", "next": "/admin/"})
    assert "最近动作" in client.get("/admin/").content.decode()


def test_admin_and_portal_pages_offer_the_language_switch(client, clerk):
    login_page = client.get("/login/").content.decode()
    assert 'action="/i18n/setlang/"' in login_page and 'value="en"' in login_page
    client.force_login(clerk)
    admin_page = client.get("/admin/").content.decode()
    assert 'action="/i18n/setlang/"' in admin_page and ">English</button>" in admin_page
    client.post("/i18n/setlang/", {"language": "en", "next": "/admin/"})
    english = client.get("/admin/").content.decode()
    assert ">简体中文</button>" in english
