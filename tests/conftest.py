"""Shared test set-up.

Markers (see pyproject.toml):
- `postgres`: runs only when the database is PostgreSQL (the second pass of `make test`).
- `redis`: needs Redis at TEST_REDIS_URL; skipped when unreachable, unless REQUIRE_SERVICES is
  set (CI), where an unreachable Redis is a failure.
- `browser`: needs /usr/bin/chromium; likewise skipped or failed.
"""

import os
import shutil

import pytest
from django.db import connection

REQUIRE_SERVICES = bool(os.environ.get("REQUIRE_SERVICES"))
TEST_REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


def _redis_up() -> bool:
    import redis

    try:
        return bool(redis.Redis.from_url(TEST_REDIS_URL, socket_connect_timeout=2).ping())
    except Exception:
        return False


def pytest_runtest_setup(item):
    if item.get_closest_marker("postgres") and connection.vendor != "postgresql":
        pytest.skip("PostgreSQL-only test: runs in the PostgreSQL pass of `make test`")
    if item.get_closest_marker("redis") and not _redis_up():
        if REQUIRE_SERVICES:
            pytest.fail(f"Redis required (REQUIRE_SERVICES) but not reachable at {TEST_REDIS_URL}")
        pytest.skip(f"Redis not reachable at {TEST_REDIS_URL}")
    if item.get_closest_marker("browser") and not shutil.which("chromium"):
        if REQUIRE_SERVICES:
            pytest.fail("chromium required (REQUIRE_SERVICES) but /usr/bin/chromium is missing")
        pytest.skip("Debian chromium not installed")


@pytest.fixture(autouse=True)
def _restore_policy_globals():
    """Tests may swap the override provider or the illustrative default; put them back after each.

    (A test that saved a ParameterOverride ends with its transaction rolled back; the provider
    notices that itself at the next lookup, `policy.models.override_provider`.)
    """
    import policy.parameters as parameters
    from policy import models as policy_models

    provider, illustrative = parameters._override_provider, parameters._illustrative_default
    yield
    parameters.set_override_provider(provider)
    parameters.set_illustrative_default(illustrative)
    policy_models.clear_override_cache()


@pytest.fixture
def clerk(django_user_model):
    """A clerk with every permission (the 管理 group's rights)."""
    return django_user_model.objects.create_user(
        username="clerk", password="clerk-pass-123", role="clerk", is_staff=True, is_superuser=True
    )


def record_relation(person, relative, kind, *, source="household"):
    """The relation on the agency's records, as a clerk enters it after checking the household register."""
    from django.contrib.auth import get_user_model

    from enrollment.services import record_family_relation

    verifier, _created = get_user_model().objects.get_or_create(
        username="relation-clerk", defaults={"role": "clerk", "is_staff": True}
    )
    return record_family_relation(
        person=person, relative=relative, kind=kind, source=source, verified_by=verifier
    )


@pytest.fixture
def relate(db):
    """`relate(person, relative, kind)`: a clerk-verified family relation (the relative is the person's kind)."""
    return record_relation


@pytest.fixture
def api_client_factory(django_user_model):
    """Makes an API client of a kind with scopes and returns (rest_framework APIClient, ApiClient)."""
    from rest_framework.test import APIClient

    from users.models import ApiClient, ApiToken

    def make(kind="institution", scopes=("trial_settlement", "settlement"), organisation_code="", name=None):
        user = django_user_model.objects.create_user(
            username=name or f"{kind}-{organisation_code or 'client'}-{ApiClient.objects.count()}",
            role="api_client",
        )
        client_record = ApiClient.objects.create(
            user=user, kind=kind, scopes=list(scopes), organisation_code=organisation_code
        )
        _token, key = ApiToken.issue(client_record)
        http = APIClient()
        http.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
        return http, client_record

    return make
