"""API token authentication and scopes: `users.authentication` + `users.permissions.HasApiScope`."""

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone
from rest_framework.response import Response
from rest_framework.test import APIRequestFactory
from rest_framework.views import APIView

from users.models import ApiClient, ApiToken
from users.permissions import HasApiScope
from users.services import ensure_api_client, validate_scopes

pytestmark = pytest.mark.django_db


class SettlementProbe(APIView):
    permission_classes = [HasApiScope]
    required_scope = "settlement"

    def get(self, request):
        return Response({"user": request.user.username})


def call(key=None):
    factory = APIRequestFactory()
    headers = {"HTTP_AUTHORIZATION": f"Bearer {key}"} if key else {}
    return SettlementProbe.as_view()(factory.get("/probe/", **headers))


def make_client(django_user_model, *, kind="institution", scopes=("settlement",), username="hospital"):
    user = django_user_model.objects.create_user(username=username, role="api_client")
    client = ApiClient.objects.create(user=user, kind=kind, scopes=list(scopes))
    _token, key = ApiToken.issue(client)
    return client, key


def test_valid_token_with_scope_is_let_in(django_user_model):
    _client, key = make_client(django_user_model)
    response = call(key)
    assert response.status_code == 200
    assert response.data == {"user": "hospital"}


def test_token_stores_only_its_digest(django_user_model):
    client, key = make_client(django_user_model)
    token = client.tokens.get()
    assert token.digest == ApiToken.hash(key) != key
    assert token.prefix == key[:8]


def test_no_token_is_401_with_bearer_challenge():
    response = call()
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Bearer"


def test_unknown_token_is_401(django_user_model):
    make_client(django_user_model)
    assert call("not-a-real-token").status_code == 401


def test_revoked_token_is_401(django_user_model):
    client, key = make_client(django_user_model)
    client.tokens.update(revoked=timezone.now())
    response = call(key)
    assert response.status_code == 401
    assert "吊销" in str(response.data["detail"])


def test_token_of_inactive_user_is_401(django_user_model):
    client, key = make_client(django_user_model)
    client.user.is_active = False
    client.user.save()
    assert call(key).status_code == 401


def test_token_without_the_views_scope_is_403(django_user_model):
    _client, key = make_client(django_user_model, scopes=("trial_settlement",))
    response = call(key)
    assert response.status_code == 403
    assert "权限范围" in str(response.data["detail"])


def test_kind_cannot_exceed_its_kinds_scopes_even_if_stored(django_user_model):
    # A tax bureau client with "settlement" written straight into the database still
    # cannot settle: has_scope intersects with the kind's scopes.
    client, key = make_client(django_user_model, kind="tax_bureau", scopes=("settlement", "contributions"))
    assert client.has_scope("contributions")
    assert not client.has_scope("settlement")
    assert call(key).status_code == 403


def test_scopes_beyond_the_kind_are_refused_on_save_through_validation(django_user_model):
    with pytest.raises(ValidationError) as excinfo:
        validate_scopes(kind="civil_affairs", scopes=["certificates", "settlement"])
    assert "settlement" in str(excinfo.value.message_dict["scopes"])
    user = django_user_model.objects.create_user(username="civil", role="api_client")
    client = ApiClient(user=user, kind="civil_affairs", scopes=["settlement"])
    with pytest.raises(ValidationError) as excinfo:
        client.full_clean()
    assert "scopes" in excinfo.value.message_dict
    with pytest.raises(ValidationError):
        ensure_api_client(username="civil2", kind="civil_affairs", scopes=["settlement"])
    assert not django_user_model.objects.filter(username="civil2").exists()


def test_clerk_session_passes_scope_check_and_insured_person_does_not(django_user_model):
    clerk = django_user_model.objects.create_user(username="c", role="clerk", is_staff=True)
    insured = django_user_model.objects.create_user(username="i", role="insured")
    factory = APIRequestFactory()
    for user, expected in ((clerk, 200), (insured, 403)):
        request = factory.get("/probe/")
        from rest_framework.test import force_authenticate

        force_authenticate(request, user=user)
        assert SettlementProbe.as_view()(request).status_code == expected


def test_ensure_api_client_with_demo_key_is_idempotent():
    first = ensure_api_client(
        username="demo-tax", kind="tax_bureau", scopes=["contributions"], demo_key="demo-key-123"
    )
    second = ensure_api_client(
        username="demo-tax", kind="tax_bureau", scopes=["contributions"], demo_key="demo-key-123"
    )
    assert first.pk == second.pk
    assert ApiToken.objects.filter(client=first).count() == 1
    assert not first.user.has_usable_password()
    assert call("demo-key-123").status_code == 403  # a tax bureau cannot settle


class TrialOrSettlementProbe(APIView):
    permission_classes = [HasApiScope]
    required_scopes = ("trial_settlement", "settlement")

    def get(self, request):
        return Response({})


class NoScopeNamedProbe(APIView):
    permission_classes = [HasApiScope]

    def get(self, request):
        return Response({})


class DefaultPermissionProbe(APIView):
    def get(self, request):
        return Response({})


def test_any_of_several_scopes_and_none_named(django_user_model):
    _client, employer_key = make_client(
        django_user_model, kind="employer", scopes=("trial_settlement",), username="employer"
    )
    _client, tax_key = make_client(
        django_user_model, kind="tax_bureau", scopes=("contributions",), username="tax"
    )
    factory = APIRequestFactory()

    def get(view, key):
        return view.as_view()(factory.get("/probe/", HTTP_AUTHORIZATION=f"Bearer {key}")).status_code

    assert get(TrialOrSettlementProbe, employer_key) == 200
    assert get(TrialOrSettlementProbe, tax_key) == 403
    assert get(NoScopeNamedProbe, employer_key) == 403, "a view naming no scope lets no API client in"


def test_views_naming_no_permission_are_for_clerks_only(django_user_model):
    _client, key = make_client(django_user_model, scopes=("settlement",))
    factory = APIRequestFactory()
    assert (
        DefaultPermissionProbe.as_view()(factory.get("/p/", HTTP_AUTHORIZATION=f"Bearer {key}")).status_code
        == 403
    )
    from rest_framework.test import force_authenticate

    for role, is_staff, expected in (("insured", True, 403), ("clerk", True, 200)):
        request = factory.get("/p/")
        force_authenticate(
            request, user=django_user_model.objects.create_user(username=role, role=role, is_staff=is_staff)
        )
        assert DefaultPermissionProbe.as_view()(request).status_code == expected
