"""Role checks, one per role, used by every API view and portal page.

- clerks: staff users with role `clerk`; their Django permissions decide what they may
  change in the admin (groups 柜员 counter, 审核 review, 管理 administration).
- insured persons: role `insured`; they only ever reach their own person record.
- API clients: role `api_client`; a view names the scope it needs (`required_scope`).
"""

from django.utils.translation import gettext_lazy as _
from rest_framework.permissions import BasePermission


def is_clerk(user) -> bool:
    return bool(user and user.is_authenticated and getattr(user, "is_clerk", False))


def is_insured(user) -> bool:
    return bool(user and user.is_authenticated and getattr(user, "is_insured", False))


def api_client_of(user):
    """The ApiClient a user acts as, or None."""
    if user and user.is_authenticated and getattr(user, "is_api_client", False):
        return getattr(user, "api_client", None)
    return None


class IsClerk(BasePermission):
    message = "仅限经办人员。"

    def has_permission(self, request, view):
        return is_clerk(request.user)


class HasApiScope(BasePermission):
    """An API client whose token carries the view's scope, or a clerk.

    The view names one scope (`required_scope = "settlement"`) or several, any of which
    will do (`required_scopes = ("trial_settlement", "settlement")`). Clerks may call
    every API (they query rules and act at the counter); insured persons never reach it.
    """

    message = _("该令牌没有访问此接口的权限范围。")

    def has_permission(self, request, view):
        if is_clerk(request.user):
            return True
        client = api_client_of(request.user)
        if client is None:
            return False
        return any(client.has_scope(scope) for scope in view_scopes(view, request.method))


def view_scopes(view, method: str) -> tuple[str, ...]:
    """The scopes a view accepts for an HTTP method, as it declares them (any one will do).

    `required_scope = "settlement"`, `required_scopes = ("trial_settlement", "settlement")`, or per
    method `required_scopes_by_method = {"POST": ("contributions",)}` (other methods: clerks only).
    """
    by_method = getattr(view, "required_scopes_by_method", None)
    if by_method is not None:
        return tuple(by_method.get(method, ()))
    scopes = getattr(view, "required_scopes", None) or (getattr(view, "required_scope", None),)
    return tuple(scope for scope in scopes if scope)


class IsClerkOrApiClient(BasePermission):
    """Clerks and API clients, whatever their scopes: who may read the API schema in production."""

    message = "请先登录（经办人员）或使用外部系统令牌。"

    def has_permission(self, request, view):
        return is_clerk(request.user) or api_client_of(request.user) is not None
