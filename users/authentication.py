"""Token authentication for API clients: `Authorization: Bearer <key>` (or `Token <key>`)."""

from django.utils.translation import gettext_lazy as _
from rest_framework import authentication, exceptions

from config.rows import select_one

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
        # every API call passes here: three primary-key reads without queryset compilation
        token = select_one(ApiToken, '"digest" = %s AND "revoked" IS NULL', [ApiToken.hash(key)])
        client = token and select_one(ApiClient, '"id" = %s', [token.client_id])
        user = client and select_one(User, '"id" = %s', [client.user_id])
        if token is None or user is None or not user.is_active:
            raise exceptions.AuthenticationFailed(_("令牌无效或已吊销"))
        client.user = user  # user.api_client and token.client without further reads
        token.client = client
        return user, token

    def authenticate_header(self, request):
        return "Bearer"
