"""API routes of this app, mounted under /api/v1/ by config/urls.py.

`statements/<id>.pdf` is not an API route (session login, the person or a clerk);
it lives here because this file is what config/urls.py mounts.
"""

from django.urls import path

from . import views

urlpatterns = [
    path("settlements/", views.SettlementCreateView.as_view(), name="claims-settlement-create"),
    path("settlements/trial/", views.SettlementTrialView.as_view(), name="claims-settlement-trial"),
    path("settlements/<int:pk>/", views.SettlementDetailView.as_view(), name="claims-settlement-detail"),
    path("settlements/<int:pk>/reversal/", views.ReversalView.as_view(), name="claims-settlement-reversal"),
    path(
        "settlements/<int:pk>/statement.pdf",
        views.SettlementStatementView.as_view(),
        name="claims-settlement-statement",
    ),
    path("statements/<int:pk>.pdf", views.statement_pdf, name="claims-statement-pdf"),
]
