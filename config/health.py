"""`/healthz`: 200 when the database (and, when configured, the broker) answer; 503 naming what is down."""

from django.conf import settings
from django.db import connection
from django.http import JsonResponse


def check_database() -> str | None:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:  # noqa: BLE001 - any failure means "down"
        return f"{type(exc).__name__}: {exc}"
    return None


def check_broker() -> str | None:
    if not settings.CELERY_BROKER_URL:
        return None
    try:
        import redis

        redis.Redis.from_url(settings.CELERY_BROKER_URL, socket_connect_timeout=2).ping()
    except Exception as exc:  # noqa: BLE001
        return f"{type(exc).__name__}: {exc}"
    return None


def healthz(request):
    checks = {"database": check_database()}
    if settings.CELERY_BROKER_URL:
        checks["broker"] = check_broker()
    down = {name: error for name, error in checks.items() if error}
    body = {
        "status": "down" if down else "ok",
        "checks": {name: (error or "ok") for name, error in checks.items()},
    }
    return JsonResponse(body, status=503 if down else 200)


class HealthCheckMiddleware:
    """Answers `/healthz` before any other middleware (first in MIDDLEWARE).

    A load balancer probes the app server directly: over plain HTTP and by its IP address. Past
    this point SecurityMiddleware would redirect it to HTTPS (301) and the host check would refuse
    the IP (400); the probe would never see 200. Every other path still redirects.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path_info == "/healthz" and request.method in ("GET", "HEAD"):
            return healthz(request)
        return self.get_response(request)
