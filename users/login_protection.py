"""Login protection (django-axes) on the admin and the portal login: docs/security.md.

Every password login of the product goes through Django's AuthenticationForm, which passes the
request; axes counts failures per username and per client IP (AXES_* settings) and, past
AXES_FAILURE_LIMIT, refuses the login for AXES_COOLOFF_TIME. A clerk of the 管理 group unlocks
an account by deleting its row under 访问尝试 (axes' admin).
"""

from axes.backends import AxesStandaloneBackend
from django.conf import settings


class LoginLockoutBackend(AxesStandaloneBackend):
    """Axes' lockout check, for logins that come with a request.

    `authenticate()` without a request (a management command, the test client's `login()`) has no
    client IP to count and no login form to refuse; it is not an HTTP login, so it passes through.
    """

    def authenticate(self, request, username=None, password=None, **kwargs):
        if request is None:
            return None
        return super().authenticate(request, username=username, password=password, **kwargs)


def client_ip(request) -> str:
    """The caller's IP: REMOTE_ADDR, or behind NUM_PROXIES trusted proxies the address they saw."""
    proxies = getattr(settings, "NUM_PROXIES", 0) or 0
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    if proxies and forwarded:
        addresses = [part.strip() for part in forwarded.split(",") if part.strip()]
        if addresses:
            return addresses[-min(proxies, len(addresses))]
    # a request without an address (the test client's force_login) is stored as 0.0.0.0: the IP
    # columns of axes are inet on PostgreSQL, which refuses a word
    return request.META.get("REMOTE_ADDR", "") or "0.0.0.0"
