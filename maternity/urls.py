"""The maternity API routes (under /api/v1/).

`maternity/letters/<id>.pdf` is not an API route (session login, the person or a clerk); it lives
here because this file is what config/urls.py mounts.
"""

from django.urls import path

from . import views

urlpatterns = [
    path("maternity/applications/", views.ApplicationListCreateView.as_view(), name="maternity-applications"),
    path(
        "maternity/applications/<int:pk>/",
        views.ApplicationDetailView.as_view(),
        name="maternity-application-detail",
    ),
    path("maternity/reports/allowances/", views.AllowanceReportView.as_view(), name="maternity-report"),
    path("maternity/letters/<int:pk>.pdf", views.letter_pdf, name="maternity-letter-pdf"),
]
