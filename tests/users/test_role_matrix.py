"""The role matrix, walked whole (docs/security.md).

Admin: every registered model × view/add/change/delete × each clerk group: the group holds exactly
the permissions the matrix (users.services.group_may) gives, and the model's admin never allows more.
API: every route under /api/v1/ × method × anonymous, insured person, clerk, and each client kind
with each of its scopes: refused (401/403) exactly where the declarations say.
A model of an app no group names, or an API view that does not declare who may call it, fails here.
"""

import pytest
from django.contrib import admin
from django.contrib.auth.models import Group
from django.test import RequestFactory
from rest_framework.test import APIClient

from users.matrix import (
    ACTIONS,
    admin_matrix,
    admin_models,
    api_access,
    api_routes,
    apps_without_entry,
    client_may,
)
from users.models import ApiClient, ApiToken
from users.services import ROLE_PERMISSIONS, setup_roles

pytestmark = pytest.mark.django_db


@pytest.fixture
def group_clerks(django_user_model):
    setup_roles()
    clerks = {}
    for index, name in enumerate(ROLE_PERMISSIONS):
        user = django_user_model.objects.create_user(
            username=f"g{index}", password="group-pass-2024", role="clerk", is_staff=True
        )
        user.groups.add(Group.objects.get(name=name))
        clerks[name] = django_user_model.objects.get(pk=user.pk)  # fresh permission cache
    return clerks


def test_every_admin_model_belongs_to_an_app_some_group_names():
    assert apps_without_entry() == [], "add the app label to users.services.ROLE_PERMISSIONS"


def test_each_group_holds_exactly_the_matrix_permissions(group_clerks):
    wrong = [
        (group, app, model, action, expected)
        for (group, app, model, action), expected in admin_matrix().items()
        if group_clerks[group].has_perm(f"{app}.{action}_{model}") != expected
    ]
    assert wrong == []


def test_no_model_admin_allows_more_than_the_matrix(group_clerks):
    factory = RequestFactory()
    matrix = admin_matrix()
    too_much = []
    for group, user in group_clerks.items():
        request = factory.get("/admin/")
        request.user = user
        for app, model, model_admin in admin_models():
            for action in ACTIONS:
                if (
                    getattr(model_admin, f"has_{action}_permission")(request)
                    and not matrix[(group, app, model, action)]
                ):
                    too_much.append((group, app, model, action))
    assert too_much == []


def test_changelist_and_add_pages_answer_by_the_matrix(client, group_clerks):
    """Over HTTP: the changelist opens (200) iff the group may view or change, the add page iff it may add."""
    matrix = admin_matrix()
    wrong = []
    for group, user in group_clerks.items():
        client.force_login(user)
        for app, model, _model_admin in admin_models():
            may_view = matrix[(group, app, model, "view")] or matrix[(group, app, model, "change")]
            status = client.get(f"/admin/{app}/{model}/").status_code
            if (status == 200) != may_view or status not in (200, 403):
                wrong.append((group, app, model, "view", status))
            if not matrix[(group, app, model, "add")]:
                status = client.get(f"/admin/{app}/{model}/add/").status_code
                if status != 403:
                    wrong.append((group, app, model, "add", status))
    assert wrong == []


def test_every_api_route_declares_who_may_call_it():
    routes = api_routes()
    assert len(routes) >= 10
    for _route, view_class, methods in routes:
        assert methods, view_class
        for method in methods:
            api_access(view_class, method)  # raises UndeclaredAccess


def _principals(django_user_model):
    """(label, kind or None, scopes, http client) for everyone who might call the API."""
    yield "anonymous", "anonymous", (), APIClient()
    insured = django_user_model.objects.create_user(username="insured-m", role="insured")
    http = APIClient()
    http.force_authenticate(insured)
    yield "insured", "insured", (), http
    clerk = django_user_model.objects.create_user(username="clerk-m", role="clerk", is_staff=True)
    clerk.groups.add(Group.objects.get(name="柜员"))
    http = APIClient()
    http.force_authenticate(clerk)
    yield "clerk", "clerk", (), http
    for number, (kind, kind_scopes) in enumerate(ApiClient.KIND_SCOPES.items()):
        for variant, scopes in enumerate(
            [sorted(kind_scopes), [], *([scope] for scope in sorted(kind_scopes))]
        ):
            user = django_user_model.objects.create_user(
                username=f"client-{number}-{variant}", role="api_client"
            )
            record = ApiClient.objects.create(user=user, kind=kind, scopes=scopes, organisation_code="")
            _token, key = ApiToken.issue(record)
            http = APIClient()
            http.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
            yield f"{kind}{scopes}", kind, scopes, http


def test_every_api_route_for_every_principal(django_user_model):
    setup_roles()
    wrong = []
    routes = api_routes()
    for label, kind, scopes, http in _principals(django_user_model):
        for route, view_class, methods in routes:
            path = "/" + route.replace("<int:pk>", "999999")
            for method in methods:
                status = getattr(http, method.lower())(path, {}, format="json").status_code
                if kind == "anonymous":
                    expected_refusal = 401
                elif kind == "insured":
                    expected_refusal = 403
                elif kind == "clerk":
                    expected_refusal = None
                else:
                    expected_refusal = None if client_may(kind, scopes, view_class, method) else 403
                refused = status in (401, 403)
                if (expected_refusal is None and refused) or (
                    expected_refusal and status != expected_refusal
                ):
                    wrong.append((label, method, path, status, expected_refusal))
                if status >= 500:
                    wrong.append((label, method, path, status, "5xx"))
    assert wrong == []


def test_matrix_is_not_empty_and_names_each_group():
    matrix = admin_matrix()
    assert {group for group, *_rest in matrix} == set(ROLE_PERMISSIONS)
    assert admin.site._registry
