"""Finding 2: no throttling of logins. 50 wrong passwords on /admin/login/ and on the portal's /login/
all got 200 and the right one then worked; 300 wrong bearer tokens all got 401, never 429.

Now (settings AXES_*, REST_FRAMEWORK DEFAULT_THROTTLE_RATES["bad_token"]): AXES_FAILURE_LIMIT failures
per username or per IP lock logins (429) for AXES_COOLOFF_TIME; the 管理 group unlocks in the admin;
refused bearer tokens past the rate are answered 429 for that IP.
"""

import datetime as dt

import pytest
from django.contrib.auth.models import Group
from django.core.cache import cache
from django.utils import timezone
from rest_framework.test import APIClient

from users.services import ADMINISTRATION, setup_roles

pytestmark = pytest.mark.django_db

PASSWORD = "right-pass-2024"
LOGINS = {"admin": ("/admin/login/?next=/admin/", "clerk"), "portal": ("/login/", "insured")}


@pytest.fixture(autouse=True)
def _limits(settings):
    settings.AXES_FAILURE_LIMIT = 3
    settings.AXES_COOLOFF_TIME = dt.timedelta(minutes=30)
    cache.clear()
    yield
    cache.clear()


def _user(django_user_model, role, username="target"):
    return django_user_model.objects.create_user(
        username=username, password=PASSWORD, role=role, is_staff=(role == "clerk")
    )


@pytest.mark.parametrize("where", sorted(LOGINS))
def test_lockout_per_user_after_the_failure_limit(client, django_user_model, where):
    url, role = LOGINS[where]
    _user(django_user_model, role)
    for attempt in range(3):
        response = client.post(
            url, {"username": "target", "password": f"wrong-{attempt}"}, REMOTE_ADDR=f"10.0.0.{attempt}"
        )
        assert response.status_code == (429 if attempt == 2 else 200)  # the limit-th failure locks
    # the right password, even from another address, is refused while the account is locked
    response = client.post(url, {"username": "target", "password": PASSWORD}, REMOTE_ADDR="10.9.9.9")
    assert response.status_code == 429
    assert "登录已暂时锁定" in response.content.decode()
    assert "_auth_user_id" not in client.session


@pytest.mark.parametrize("where", sorted(LOGINS))
def test_lockout_per_ip_across_usernames(client, django_user_model, where):
    url, role = LOGINS[where]
    _user(django_user_model, role, username="someone")
    for attempt in range(3):
        client.post(url, {"username": f"guess-{attempt}", "password": "x"}, REMOTE_ADDR="10.1.1.1")
    response = client.post(url, {"username": "someone", "password": PASSWORD}, REMOTE_ADDR="10.1.1.1")
    assert response.status_code == 429
    # another address is not locked for that (unlocked) user
    assert (
        client.post(url, {"username": "someone", "password": PASSWORD}, REMOTE_ADDR="10.2.2.2").status_code
        == 302
    )


def test_cool_off_ends_the_lockout(client, django_user_model, settings):
    from axes.models import AccessAttempt

    url, role = LOGINS["portal"]
    _user(django_user_model, role)
    for attempt in range(3):
        client.post(url, {"username": "target", "password": f"wrong-{attempt}"})
    assert client.post(url, {"username": "target", "password": PASSWORD}).status_code == 429
    AccessAttempt.objects.update(attempt_time=timezone.now() - dt.timedelta(minutes=31))
    assert client.post(url, {"username": "target", "password": PASSWORD}).status_code == 302


def test_administration_clerk_unlocks_an_account_in_the_admin(client, django_user_model):
    from axes.models import AccessAttempt

    setup_roles()
    url, role = LOGINS["portal"]
    _user(django_user_model, role)
    for attempt in range(3):
        client.post(url, {"username": "target", "password": f"wrong-{attempt}"})
    assert client.post(url, {"username": "target", "password": PASSWORD}).status_code == 429

    clerk = django_user_model.objects.create_user(username="guanli", role="clerk", is_staff=True)
    clerk.groups.add(Group.objects.get(name=ADMINISTRATION))
    attempt = AccessAttempt.objects.get(username="target")
    admin = APIClient()  # a separate browser for the clerk (Django test client API)
    from django.test import Client

    admin = Client()
    admin.force_login(clerk)
    assert admin.get("/admin/axes/accessattempt/").status_code == 200
    response = admin.post(f"/admin/axes/accessattempt/{attempt.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    assert client.post(url, {"username": "target", "password": PASSWORD}).status_code == 302


def test_bad_bearer_tokens_are_throttled_by_ip(settings, api_client_factory):
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {"bad_token": "5/min"}}
    from rest_framework.throttling import SimpleRateThrottle

    SimpleRateThrottle.THROTTLE_RATES = {"bad_token": "5/min"}
    try:
        http = APIClient(REMOTE_ADDR="10.3.3.3")
        statuses = []
        for number in range(8):
            http.credentials(HTTP_AUTHORIZATION=f"Bearer not-a-token-{number}")
            statuses.append(http.post("/api/v1/trial-settlements/", {}, format="json").status_code)
        assert statuses[:5] == [401] * 5
        assert statuses[5:] == [429] * 3
        good, _record = api_client_factory(kind="institution", scopes=("trial_settlement",))
        # another address is not affected
        assert (
            good.post("/api/v1/trial-settlements/", {}, format="json", REMOTE_ADDR="10.4.4.4").status_code
            == 400
        )
    finally:
        from rest_framework.settings import api_settings

        SimpleRateThrottle.THROTTLE_RATES = api_settings.DEFAULT_THROTTLE_RATES


def test_non_ascii_bearer_token_is_401_not_500():
    http = APIClient()
    response = http.get("/api/v1/persons/", HTTP_AUTHORIZATION="Bearer 令牌令牌".encode().decode("latin-1"))
    assert response.status_code == 401
    response = http.get("/api/v1/persons/", HTTP_AUTHORIZATION="Bearer\xe9 abc")
    assert response.status_code in (401, 403)
