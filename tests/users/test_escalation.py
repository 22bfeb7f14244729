"""Finding 1: an administration clerk (管理, not a superuser) could take the system over.

They could set the superuser's password at /admin/users/user/<id>/password/ and tick 超级用户状态 on
their own page. Only a superuser grants superuser or staff status, groups, permissions, or sets
another user's password (users/admin.py).
"""

import pytest
from django.contrib.auth.models import Group

from users.models import ApiClient, ApiToken
from users.services import ADMINISTRATION, setup_roles

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_clerk(django_user_model):
    setup_roles()
    user = django_user_model.objects.create_user(
        username="guanli", password="guanli-pass-2024", role="clerk", is_staff=True
    )
    user.groups.add(Group.objects.get(name=ADMINISTRATION))
    return user


@pytest.fixture
def root(django_user_model):
    return django_user_model.objects.create_user(
        username="root", password="root-pass-2024", role="clerk", is_staff=True, is_superuser=True
    )


def _change_form(user, **overrides):
    data = {
        "username": user.username,
        "first_name": "",
        "last_name": "",
        "email": "",
        "is_active": "on",
        "is_staff": "on",
        "is_superuser": "on",
        "groups": [group.pk for group in Group.objects.all()],
        "role": "clerk",
        "last_login_0": "",
        "last_login_1": "",
        "date_joined_0": "2024-01-01",
        "date_joined_1": "00:00:00",
    }
    data.update(overrides)
    return data


def test_admin_clerk_cannot_set_the_superusers_password(client, admin_clerk, root):
    client.force_login(admin_clerk)
    url = f"/admin/users/user/{root.pk}/password/"
    assert client.get(url).status_code == 403
    response = client.post(
        url, {"password1": "taken-over-2024!", "password2": "taken-over-2024!", "set_usable_password": "true"}
    )
    assert response.status_code == 403
    root.refresh_from_db()
    assert root.check_password("root-pass-2024")


def test_admin_clerk_cannot_set_an_insured_persons_password(client, admin_clerk, django_user_model):
    person = django_user_model.objects.create_user(username="p1", password="p-pass-2024", role="insured")
    client.force_login(admin_clerk)
    response = client.post(
        f"/admin/users/user/{person.pk}/password/",
        {"password1": "taken-over-2024!", "password2": "taken-over-2024!", "set_usable_password": "true"},
    )
    assert response.status_code == 403
    person.refresh_from_db()
    assert person.check_password("p-pass-2024")


def test_admin_clerk_cannot_make_themselves_superuser(client, admin_clerk):
    client.force_login(admin_clerk)
    url = f"/admin/users/user/{admin_clerk.pk}/change/"
    page = client.get(url).content.decode()
    assert 'name="is_superuser"' not in page and 'name="groups"' not in page
    client.post(url, _change_form(admin_clerk, user_permissions=[]))
    admin_clerk.refresh_from_db()
    assert not admin_clerk.is_superuser
    assert list(admin_clerk.groups.values_list("name", flat=True)) == [ADMINISTRATION]
    assert not admin_clerk.user_permissions.exists()


def test_admin_clerk_cannot_change_or_delete_a_superuser_or_another_clerk(
    client, admin_clerk, root, django_user_model
):
    other = django_user_model.objects.create_user(username="guiyuan", role="clerk", is_staff=True)
    client.force_login(admin_clerk)
    for target in (root, other):
        response = client.post(f"/admin/users/user/{target.pk}/change/", _change_form(target, is_active=""))
        assert response.status_code == 403
        assert client.post(f"/admin/users/user/{target.pk}/delete/", {"post": "yes"}).status_code == 403
        target.refresh_from_db()
        assert target.is_active


def test_admin_clerk_cannot_grant_staff_to_an_insured_person(client, admin_clerk, django_user_model):
    person = django_user_model.objects.create_user(username="p2", role="insured")
    client.force_login(admin_clerk)
    response = client.post(
        f"/admin/users/user/{person.pk}/change/", _change_form(person, email="p2@example.org")
    )
    assert response.status_code == 302
    person.refresh_from_db()
    assert person.email == "p2@example.org"  # what the 管理 group may keep
    assert (person.is_staff, person.is_superuser, person.role) == (False, False, "insured")
    assert not person.groups.exists()


def test_admin_clerk_adds_only_insured_accounts(client, admin_clerk, django_user_model):
    client.force_login(admin_clerk)
    response = client.post(
        "/admin/users/user/add/",
        {
            "username": "newbie",
            "password1": "new-pass-2024!",
            "password2": "new-pass-2024!",
            "usable_password": "true",
            "role": "clerk",
            "is_staff": "on",
            "is_superuser": "on",
        },
    )
    assert response.status_code == 302
    made = django_user_model.objects.get(username="newbie")
    assert (made.role, made.is_staff, made.is_superuser) == ("insured", False, False)


def test_superuser_still_grants_everything(client, root, django_user_model):
    setup_roles()
    target = django_user_model.objects.create_user(username="promoted", role="clerk", is_staff=True)
    client.force_login(root)
    response = client.post(
        f"/admin/users/user/{target.pk}/change/",
        _change_form(target, groups=[Group.objects.get(name=ADMINISTRATION).pk]),
    )
    assert response.status_code == 302
    target.refresh_from_db()
    assert target.is_superuser and target.groups.filter(name=ADMINISTRATION).exists()
    response = client.post(
        f"/admin/users/user/{target.pk}/password/",
        {"password1": "fresh-pass-2024!", "password2": "fresh-pass-2024!", "set_usable_password": "true"},
    )
    assert response.status_code == 302
    target.refresh_from_db()
    assert target.check_password("fresh-pass-2024!")


def test_a_token_on_a_clerks_account_authenticates_nobody(root):
    """An API client record pointed at a clerk would have carried the clerk's rights over the API."""
    from rest_framework.test import APIClient

    record = ApiClient.objects.create(user=root, kind="institution", scopes=["settlement"])
    _token, key = ApiToken.issue(record)
    http = APIClient()
    http.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
    assert http.get("/api/v1/persons/").status_code == 401


def test_api_client_form_offers_only_api_client_accounts(client, admin_clerk, root, django_user_model):
    api_user = django_user_model.objects.create_user(username="his-system", role="api_client")
    client.force_login(admin_clerk)
    page = client.get("/admin/users/apiclient/add/").content.decode()
    assert f'value="{api_user.pk}"' in page
    assert f'value="{root.pk}"' not in page and f'value="{admin_clerk.pk}"' not in page
