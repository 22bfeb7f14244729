"""The role matrix, read from where it is declared (docs/security.md):

- admin: `users.services.ROLE_PERMISSIONS` per clerk group and app label (`group_may`); a model
  of an app no group names is for superusers only, and the matrix test refuses it;
- API: `users.models.ApiClient.KIND_SCOPES` per client kind, and on every API view its
  permission classes and the scope(s) it accepts (`users.permissions.view_scopes`).

`python manage.py role_matrix` prints it; tests/users/test_role_matrix.py walks all of it.
"""

from django.contrib import admin
from django.urls import URLPattern, URLResolver, get_resolver
from rest_framework.test import APIRequestFactory
from rest_framework.views import APIView

from .models import ApiClient
from .permissions import HasApiScope, IsClerk, view_scopes
from .services import ROLE_PERMISSIONS, group_may

ACTIONS = ("view", "add", "change", "delete")
API_PREFIX = "api/v1/"


class UndeclaredAccess(Exception):
    """An API view that does not say who may call it."""


def admin_models():
    """(app_label, model_name, model_admin) of every model registered in the admin."""
    return sorted(
        (
            (model._meta.app_label, model._meta.model_name, model_admin)
            for model, model_admin in admin.site._registry.items()
        ),
        key=lambda row: row[:2],
    )


def apps_without_entry() -> list[str]:
    """Registered admin models whose app no clerk group names (the test fails on any)."""
    named = {label for rights in ROLE_PERMISSIONS.values() for label in rights}
    return [f"{app}.{model}" for app, model, _admin in admin_models() if app not in named]


def admin_matrix() -> dict[tuple[str, str, str, str], bool]:
    """(group, app_label, model_name, action) → may the group do it (by the declared rights)."""
    return {
        (group, app, model, action): group_may(group, app, model, action)
        for group in ROLE_PERMISSIONS
        for app, model, _admin in admin_models()
        for action in ACTIONS
    }


def _walk(patterns, prefix=""):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            yield from _walk(pattern.url_patterns, prefix + str(pattern.pattern))
        elif isinstance(pattern, URLPattern):
            yield prefix + str(pattern.pattern), pattern


def api_routes() -> list[tuple[str, type, tuple[str, ...]]]:
    """(route, view class, HTTP methods) of every DRF view under /api/v1/.

    A view mounted with `as_view(permission_classes=...)` is given as a subclass carrying those
    arguments, so it is judged as it is served."""
    routes = []
    for route, pattern in _walk(get_resolver().url_patterns):
        view_class = getattr(pattern.callback, "cls", None)
        if not route.startswith(API_PREFIX) or view_class is None or not issubclass(view_class, APIView):
            continue
        initkwargs = getattr(pattern.callback, "initkwargs", None) or {}
        if initkwargs:
            view_class = type(view_class.__name__, (view_class,), dict(initkwargs, __module__="config.urls"))
        methods = tuple(
            method.upper()
            for method in ("get", "post", "put", "patch", "delete")
            if method in view_class.http_method_names and hasattr(view_class, method)
        )
        routes.append((route, view_class, methods))
    return routes


def _declares_permissions(view_class) -> bool:
    for klass in view_class.__mro__:
        if klass.__module__.startswith("rest_framework."):
            return False
        if "permission_classes" in vars(klass) or "get_permissions" in vars(klass):
            return True
    return False


def api_access(view_class, method: str) -> frozenset[str] | None:
    """The scopes that open a route's method to an API client; None: clerks only.

    A view must name its permission classes (or `get_permissions`); with HasApiScope it must
    name at least one scope some client kind may hold. Otherwise UndeclaredAccess.
    """
    if not _declares_permissions(view_class):
        raise UndeclaredAccess(f"{view_class.__module__}.{view_class.__qualname__}: no permission_classes")
    view = view_class()
    view.request = APIRequestFactory().generic(method, "/")
    view.format_kwarg = None
    view.args, view.kwargs = (), {}
    classes = {type(permission) for permission in view.get_permissions()}
    if HasApiScope in classes:
        scopes = view_scopes(view, method)
        known = {scope for kind_scopes in ApiClient.KIND_SCOPES.values() for scope in kind_scopes}
        if not scopes or not set(scopes) <= known:
            raise UndeclaredAccess(
                f"{view_class.__qualname__} {method}: HasApiScope needs scopes among {sorted(known)}, has {scopes}"
            )
        return frozenset(scopes)
    if classes and classes <= {IsClerk}:
        return None
    raise UndeclaredAccess(f"{view_class.__qualname__} {method}: unknown permission classes {classes}")


def client_may(kind: str, scopes, view_class, method: str) -> bool:
    """May an API client of `kind` holding `scopes` call the route's method (by the declarations)?"""
    accepted = api_access(view_class, method)
    held = set(scopes) & set(ApiClient.KIND_SCOPES.get(kind, ()))
    return bool(accepted and accepted & held)
