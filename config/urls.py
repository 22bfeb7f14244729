from csp.constants import SELF, UNSAFE_INLINE
from csp.decorators import csp_update
from django.conf import settings
from django.contrib import admin
from django.http import JsonResponse
from django.urls import include, path
from django.utils.decorators import method_decorator
from django.views.defaults import page_not_found, server_error
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.permissions import AllowAny

from policy.views import TrialSettlementView
from users.permissions import HasApiScope, IsClerkOrApiClient

from .health import healthz


def api_not_found(request, exception=None):
    """404 under /api/ is JSON like every other API answer (the schema documents `{"detail": …}`)."""
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": "未找到。"}, status=404)
    return page_not_found(request, exception)


def api_server_error(request):
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": "服务器内部错误。"}, status=500)
    return server_error(request)


handler404 = api_not_found
handler500 = api_server_error


class DocsAccess:
    """The schema and the docs: public when settings.API_DOCS_PUBLIC (development), otherwise only
    to a logged-in clerk or an API client's token (production default)."""

    def get_permissions(self):
        return [AllowAny()] if settings.API_DOCS_PUBLIC else [IsClerkOrApiClient()]


class SchemaView(DocsAccess, SpectacularAPIView):
    pass


# Swagger UI sets inline styles from its script (swagger-api/swagger-ui#10655): on the docs page only,
# styles may be inline. Scripts stay 'self' only (its start script is a URL, `?script`).
DOCS_CSP = {"style-src": [SELF, UNSAFE_INLINE]}


@method_decorator(csp_update(DOCS_CSP), name="dispatch")
@method_decorator(csp_update(DOCS_CSP, REPORT_ONLY=True), name="dispatch")
class DocsView(DocsAccess, SpectacularSwaggerSplitView):
    """Swagger UI from our static files (sidecar), its start script a separate URL: works under the CSP."""


api_v1 = [
    # policy imports no app: its API view gets the scope check here (docs/architecture.md)
    path(
        "trial-settlements/",
        TrialSettlementView.as_view(permission_classes=[HasApiScope]),
        name="trial-settlement",
    ),
    path("", include("enrollment.urls")),
    path("", include("contributions.urls")),
    path("", include("accounts.urls")),
    path("", include("claims.urls")),
    path("", include("institutions.urls")),
    path("", include("assistance.urls")),
    path("", include("maternity.urls")),
    path("", include("funds.urls")),
]

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/v1/", include(api_v1)),
    path("api/schema/", SchemaView.as_view(), name="schema"),
    path("api/docs/", DocsView.as_view(url_name="schema"), name="api-docs"),
    path("healthz", healthz, name="healthz"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("", include("portal.urls")),
]
