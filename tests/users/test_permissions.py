"""One role check per role (users/permissions.py)."""

import pytest
from django.contrib.auth.models import AnonymousUser

from users.models import ApiClient
from users.permissions import api_client_of, is_clerk, is_insured

pytestmark = pytest.mark.django_db


def test_role_checks(django_user_model):
    clerk = django_user_model.objects.create_user(username="c", role="clerk", is_staff=True)
    clerk_not_staff = django_user_model.objects.create_user(username="c2", role="clerk")
    insured = django_user_model.objects.create_user(username="i", role="insured", is_staff=True)
    api_user = django_user_model.objects.create_user(username="a", role="api_client")
    api = ApiClient.objects.create(user=api_user, kind="tax_bureau", scopes=["contributions"])

    assert is_clerk(clerk) and not is_clerk(clerk_not_staff)
    assert not is_clerk(insured), "is_staff does not make an insured person a clerk"
    assert is_insured(insured) and not is_insured(clerk)
    assert api_client_of(api_user) == api and api_client_of(clerk) is None
    for check in (is_clerk, is_insured, api_client_of):
        assert not check(AnonymousUser())

    clerk.is_active = False
    assert not is_clerk(clerk)
