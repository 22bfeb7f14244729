"""The demo data, loaded once for the package's tests (each test still runs in its own rolled-back transaction)."""

import io

import pytest
from django.conf import settings
from django.core.management import call_command


@pytest.fixture(scope="package", autouse=True)
def _compiled_catalogue():
    """`make venv` compiles locale/en; a bare `pytest` after the .po changed compiles it here (gettext's msgfmt)."""
    folder = settings.LOCALE_PATHS[0] / "en" / "LC_MESSAGES"
    po, mo = folder / "django.po", folder / "django.mo"
    if not mo.exists() or mo.stat().st_mtime < po.stat().st_mtime:
        call_command("compilemessages", locale=["en"], verbosity=0)


@pytest.fixture(scope="package")
def demo_data(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        call_command("load_demo", stdout=io.StringIO())
    yield
    with django_db_blocker.unblock():
        call_command("flush", interactive=False, verbosity=0)


@pytest.fixture
def demo(demo_data, db):
    """The demo's rows, visible to the test."""
