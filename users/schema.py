"""OpenAPI description of the API token (drf-spectacular): a bearer token per API client."""

from django.utils.translation import gettext
from drf_spectacular.extensions import OpenApiAuthenticationExtension


class ApiTokenScheme(OpenApiAuthenticationExtension):
    target_class = "users.authentication.ApiTokenAuthentication"
    name = "apiToken"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "bearer",
            "description": gettext(
                "外部系统令牌：`Authorization: Bearer <令牌>`。令牌的权限范围（scopes）决定可调用的接口。"
            ),
        }
