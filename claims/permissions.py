"""Who may call the settlement API: institutions (their own bills only) and clerks."""

from rest_framework.permissions import BasePermission

from users.permissions import api_client_of, is_clerk


class HasAnyApiScope(BasePermission):
    """An API client whose token carries one of the view's `required_scopes`, or a clerk."""

    message = "该令牌没有访问此接口的权限范围。"

    def has_permission(self, request, view):
        if is_clerk(request.user):
            return True
        client = api_client_of(request.user)
        return bool(client and any(client.has_scope(scope) for scope in getattr(view, "required_scopes", ())))
