"""Token authentication for API clients: `Authorization: Bearer <key>` (or `Token <key>`).

A token only ever authenticates an active user whose role is `api_client` (a token attached to
a clerk's account would otherwise carry the clerk's rights). Refused tokens count against the
caller's IP (users.throttling); past the limit the answer is 429.
"""

from django.utils.translation import gettext_lazy as _
from rest_framework import authentication, exceptions

from core.rows import select_one_joined

from .models import ApiClient, ApiToken, User
from .throttling import BadTokenThrottle


class ApiTokenAuthentication(authentication.BaseAuthentication):
    keywords = ("bearer", "token")

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).split()
        try:
            keyword = header[0].decode("ascii").lower() if header else ""
        except UnicodeDecodeError:
            keyword = ""
        if keyword not in self.keywords:
            return None
        throttle = BadTokenThrottle()
        wait = throttle.blocked(request)
        if wait is not None:
            raise exceptions.Throttled(wait)
        if len(header) != 2:
            throttle.record_failure(request)
            raise exceptions.AuthenticationFailed(_("Authorization 头格式应为 'Bearer <令牌>'"))
        try:
            key = header[1].decode("ascii")
        except UnicodeDecodeError:
            key = None
        found = None
        if key and len(key) <= 256:
            # every API call passes here: one fixed SELECT, no queryset compiled (core.rows)
            found = select_one_joined(
                (ApiToken, ApiClient, User),
                '"users_apitoken" JOIN "users_apiclient" ON "users_apiclient"."id" = "users_apitoken"."client_id" '
                'JOIN "users_user" ON "users_user"."id" = "users_apiclient"."user_id"',
                '"users_apitoken"."digest" = %s AND "users_apitoken"."revoked" IS NULL',
                [ApiToken.hash(key)],
            )
        if found is None or not found[2].is_api_client:
            throttle.record_failure(request)
            raise exceptions.AuthenticationFailed(_("令牌无效或已吊销"))
        token, client, user = found
        client.user = user  # user.api_client and token.client without further reads
        token.client = client
        return user, token

    def authenticate_header(self, request):
        return "Bearer"
