"""English for everything a person reads (issue 15): with English chosen, a page shows no Chinese outside the data.

The language switch sets Django's language cookie (config.locale.ChosenLanguageMiddleware reads only
that cookie). "Data" is what the database holds: persons' and institutions' names, addresses, the
stored explanation lines of a computed amount (a record, kept as computed, citing the Chinese
articles); and the regions' wording quoted from the measures (articles and their texts, from
policy/parameters/<region>.yaml). Every such Chinese string is removed from the page's text;
whatever Chinese is left came from the code or the templates and must have been translated.
"""

from __future__ import annotations

import html
import re

import pytest
from django.apps import apps
from django.conf import settings
from django.db import models
from django.urls import URLPattern, reverse

from portal import urls as portal_urls

pytestmark = pytest.mark.django_db

CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]+")
HIDDEN = re.compile(r"<(script|style)\b.*?</\1>", re.S | re.I)
TAG = re.compile(r"<[^>]+>")
ATTRIBUTE = re.compile(r'\b(title|placeholder|alt|aria-label|value)="([^"]*)"')


def _strings(value):
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, (list, tuple)):
        for item in value:
            yield from _strings(item)


def regulation_strings() -> set[str]:
    """The regions' own wording: each parameter's and rule's article and text, quoted from the Chinese measures."""
    from policy.parameters import declarations
    from policy.regions import REGIONS

    found: set[str] = set()
    for region in REGIONS:
        for parameter in declarations(region, illustrative=True).values():
            found.update(text for text in (parameter.article, parameter.text) if text and CJK.search(text))
            found.update(text for text in _strings(list(parameter.values)) if CJK.search(text))
    return found


def database_strings() -> list[str]:
    """Every Chinese string stored in the database, and the regions' wording (longest first, so a name
    inside a longer text goes with it)."""
    found: set[str] = regulation_strings()
    for model in apps.get_models():
        fields = [
            f.attname
            for f in model._meta.concrete_fields
            if isinstance(f, (models.CharField, models.TextField, models.JSONField))
        ]
        if not fields:
            continue
        for row in model._default_manager.values_list(*fields):
            for value in row:
                for text in _strings(value):
                    if CJK.search(text):
                        found.add(text)
                        found.update(line for line in text.splitlines() if CJK.search(line))
    return sorted(found, key=len, reverse=True)


def visible_text(content: str) -> str:
    """The text a person reads: element text and the attributes a browser shows."""
    content = HIDDEN.sub(" ", content)
    shown = [html.unescape(v) for _name, v in ATTRIBUTE.findall(content)]
    text = html.unescape(TAG.sub("\n", content))
    return "\n".join([text, *shown])


def chinese_left(content: str, data: list[str]) -> list[str]:
    text = visible_text(content)
    for value in data:
        if value in text:
            text = text.replace(value, " ")
    lines = []
    for line in text.splitlines():
        if CJK.search(line):
            lines.append(line.strip())
    # the language switch names each language in itself
    return [line for line in lines if line not in {name for _code, name in settings.LANGUAGES}]


def portal_pages(person) -> list[str]:
    """Every page of the portal a logged-in person can open (a new page is covered without editing this)."""
    from assistance.models import SpecialCase
    from claims.models import Settlement

    ids = {
        "settlement": Settlement.objects.filter(person=person).values_list("pk", flat=True).first(),
        "assistance_case": SpecialCase.objects.filter(person=person).values_list("pk", flat=True).first(),
    }
    pages = []
    for pattern in portal_urls.urlpatterns:
        if not isinstance(pattern, URLPattern) or pattern.name in ("login", "logout"):
            continue
        keys = pattern.pattern.regex.groupindex
        if not keys:
            pages.append(reverse(f"portal:{pattern.name}"))
        elif pattern.name in ids and ids[pattern.name]:
            pages.append(reverse(f"portal:{pattern.name}", args=[ids[pattern.name]]))
    return pages


def english(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def test_the_catalogue_compiles_and_every_placeholder_matches():
    """msgfmt --check-format: a translation that drops or renames a %(name)s would fail at runtime."""
    import subprocess

    po = settings.LOCALE_PATHS[0] / "en" / "LC_MESSAGES" / "django.po"
    result = subprocess.run(
        ["msgfmt", "--check-format", "-o", "/dev/null", str(po)], capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    untranslated = subprocess.run(
        ["msgattrib", "--untranslated", "--no-obsolete", str(po)], capture_output=True, text=True, check=True
    ).stdout
    assert "msgid" not in untranslated, untranslated[:2000]
    fuzzy = subprocess.run(
        ["msgattrib", "--only-fuzzy", "--no-obsolete", str(po)], capture_output=True, text=True
    ).stdout
    assert "msgid" not in fuzzy, fuzzy[:2000]  # msgfmt leaves a fuzzy entry out: it would show Chinese


def test_every_region_name_has_its_english(settings):
    """The admin's region filters and columns show the file's `name:` through the catalogue."""
    from django.utils import translation

    from policy.regions import REGION_NAMES, region_choices

    with translation.override("en"):
        shown = {code: str(name) for code, name in region_choices()}
    assert all(not CJK.search(name) for name in shown.values()), shown
    assert set(shown) == set(REGION_NAMES)


def test_the_switch_sets_the_cookie_the_middleware_reads(client):
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/login/"})
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"
    page = client.get("/login/")
    assert page["Content-Language"] == "en"
    assert "Log in" in page.content.decode()


def test_every_portal_page_in_english_shows_no_chinese_outside_the_data(client, demo):
    from enrollment.models import Person

    person = Person.objects.get(user__username="zhangsan")
    english(client)
    data = database_strings()
    login = client.get(reverse("portal:login"))
    left = {"/login/": chinese_left(login.content.decode(), data)}
    client.login(username="zhangsan", password="demo-pass-2024")
    pages = portal_pages(person)
    assert len(pages) >= 10, pages
    for path in pages:
        response = client.get(path)
        assert response.status_code == 200, path
        left[path] = chinese_left(response.content.decode(), data)
    assert {path: lines for path, lines in left.items() if lines} == {}


def test_the_same_pages_in_chinese_are_chinese(client, demo):
    """The check above would pass on an empty page: the default language still shows the Chinese labels."""
    client.login(username="zhangsan", password="demo-pass-2024")
    response = client.get(reverse("portal:contributions"))
    assert chinese_left(response.content.decode(), database_strings())


CLERKS = ("guiyuan", "shenhe", "guanli")


def _named_without_arguments(patterns):
    from django.urls import URLResolver

    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            yield from _named_without_arguments(pattern.url_patterns)
        elif pattern.name and not pattern.pattern.regex.groups:
            yield pattern.name


NOT_PAGES = ("logout", "password", "jsi18n", "autocomplete", "export", "csv", "xlsx", "pdf", "login")


def admin_pages() -> list[str]:
    """The admin's index, its own pages (reports, queues, forms: every named URL without arguments), and
    for every registered model its changelist and its first row's change form."""
    from django.contrib import admin

    pages = [reverse("admin:index")]
    for name in sorted(set(_named_without_arguments(admin.site.get_urls()))):
        if not name.endswith(("_changelist", "_add", "index")) and not any(
            word in name for word in NOT_PAGES
        ):
            pages.append(reverse(f"admin:{name}"))
    for model in admin.site._registry:
        info = (model._meta.app_label, model._meta.model_name)
        pages.append(reverse("admin:{}_{}_changelist".format(*info)))
        first = model._default_manager.order_by("pk").values_list("pk", flat=True).first()
        if first is not None:
            pages.append(reverse("admin:{}_{}_change".format(*info), args=[first]))
    return pages


def test_the_admin_in_english_shows_no_chinese_outside_the_data(client, demo):
    """As the superuser: the index, every changelist and a change form of every model."""
    english(client)
    data = database_strings()
    client.login(username="admin", password="admin-pass-2024")
    left = {}
    shown = 0
    for path in admin_pages():
        response = client.get(path)
        # a queue's change form sends the clerk on; an action's URL answers GET with 403/405
        assert response.status_code in (200, 302, 403, 405), path
        if response.status_code == 200 and "html" in response["Content-Type"]:
            shown += 1
            left[path] = chinese_left(response.content.decode(), data)
    assert shown >= 100
    assert {path: lines for path, lines in left.items() if lines} == {}


@pytest.mark.parametrize("username", CLERKS)
def test_each_clerks_start_page_in_english_shows_no_chinese_outside_the_data(client, demo, username):
    english(client)
    client.login(username=username, password="demo-pass-2024")
    response = client.get(reverse("admin:index"))
    assert response.status_code == 200
    assert chinese_left(response.content.decode(), database_strings()) == []
