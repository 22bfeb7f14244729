"""Token authentication for API clients: `Authorization: Bearer <key>` (or `Token <key>`)."""

from django.utils.translation import gettext_lazy as _
from rest_framework import authentication, exceptions

from core.rows import select_one_joined

from .models import ApiClient, ApiToken, User


class ApiTokenAuthentication(authentication.BaseAuthentication):
    keywords = ("bearer", "token")

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).split()
        if not header or header[0].decode().lower() not in self.keywords:
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed(_("Authorization 头格式应为 'Bearer <令牌>'"))
        key = header[1].decode()
        # every API call passes here: one fixed SELECT, no queryset compiled (core.rows)
        found = select_one_joined(
            (ApiToken, ApiClient, User),
            '"users_apitoken" JOIN "users_apiclient" ON "users_apiclient"."id" = "users_apitoken"."client_id" '
            'JOIN "users_user" ON "users_user"."id" = "users_apiclient"."user_id"',
            '"users_apitoken"."digest" = %s AND "users_apitoken"."revoked" IS NULL',
            [ApiToken.hash(key)],
        )
        if found is None or not found[2].is_active:
            raise exceptions.AuthenticationFailed(_("令牌无效或已吊销"))
        token, client, user = found
        client.user = user  # user.api_client and token.client without further reads
        token.client = client
        return user, token

    def authenticate_header(self, request):
        return "Bearer"
