"""Token authentication for API clients: `Authorization: Bearer <key>` (or `Token <key>`)."""

from django.utils.translation import gettext_lazy as _
from rest_framework import authentication, exceptions

from .models import ApiToken


class ApiTokenAuthentication(authentication.BaseAuthentication):
    keywords = ("bearer", "token")

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).split()
        if not header or header[0].decode().lower() not in self.keywords:
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed(_("Authorization 头格式应为 'Bearer <令牌>'"))
        key = header[1].decode()
        token = (
            ApiToken.objects.select_related("client__user")
            .filter(digest=ApiToken.hash(key), revoked__isnull=True)
            .first()
        )
        if token is None or not token.client.user.is_active:
            raise exceptions.AuthenticationFailed(_("令牌无效或已吊销"))
        return token.client.user, token

    def authenticate_header(self, request):
        return "Bearer"
