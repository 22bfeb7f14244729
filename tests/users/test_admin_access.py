"""Only clerks reach the admin: the role decides, not the is_staff flag."""

import pytest

pytestmark = pytest.mark.django_db

PASSWORD = "pass-word-2024"


@pytest.fixture
def make_user(django_user_model):
    def make(username, role, **flags):
        return django_user_model.objects.create_user(username=username, password=PASSWORD, role=role, **flags)

    return make


@pytest.mark.parametrize("role", ["insured", "api_client"])
def test_non_clerk_with_is_staff_cannot_log_in_to_admin(client, make_user, role):
    make_user("outsider", role, is_staff=True, is_superuser=True)
    response = client.post("/admin/login/?next=/admin/", {"username": "outsider", "password": PASSWORD})
    assert response.status_code == 200  # the form again, with the error
    assert "不是经办人员账号" in response.content.decode()
    assert "_auth_user_id" not in client.session


@pytest.mark.parametrize("role", ["insured", "api_client"])
def test_logged_in_non_clerk_with_is_staff_is_sent_away_from_admin_pages(client, make_user, role):
    user = make_user("outsider", role, is_staff=True, is_superuser=True)
    client.force_login(user)  # e.g. logged in through the portal
    for url in ("/admin/", "/admin/users/user/"):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith("/admin/login/")


def test_clerk_logs_in_to_admin(client, make_user):
    make_user("guiyuan", "clerk", is_staff=True)
    response = client.post("/admin/login/?next=/admin/", {"username": "guiyuan", "password": PASSWORD})
    assert response.status_code == 302
    assert response["Location"] == "/admin/"
    assert client.get("/admin/").status_code == 200


def test_clerk_without_staff_flag_is_refused(client, make_user):
    make_user("former", "clerk", is_staff=False)
    response = client.post("/admin/login/?next=/admin/", {"username": "former", "password": PASSWORD})
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session


def test_clerk_visiting_portal_is_sent_to_admin(client, make_user):
    client.force_login(make_user("guiyuan", "clerk", is_staff=True))
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"] == "/admin/"


def test_admin_revokes_tokens_of_a_client(client, clerk):
    from users.models import ApiClient, ApiToken
    from users.services import ensure_api_client

    api = ensure_api_client(
        username="tax", kind="tax_bureau", scopes=["contributions"], demo_key="k-123456789"
    )
    ApiToken.issue(api)
    client.force_login(clerk)
    response = client.post(
        "/admin/users/apiclient/",
        {"action": "revoke_tokens", "_selected_action": [api.pk]},
        follow=True,
    )
    assert response.status_code == 200
    assert "已吊销 2 个令牌" in response.content.decode()
    assert not ApiToken.objects.filter(client=api, revoked__isnull=True).exists()
    assert ApiClient.objects.get(pk=api.pk).tokens.count() == 2
