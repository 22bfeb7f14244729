"""The demo data, loaded once for the package's tests (each test still runs in its own rolled-back transaction)."""

import io

import pytest
from django.core.management import call_command


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
