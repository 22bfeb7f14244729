"""The institutions API routes (under /api/v1/)."""

from django.urls import path

from . import views

urlpatterns = [
    path("institutions/agreements/", views.AgreementListView.as_view(), name="institutions-agreements"),
    path("institutions/clearings/", views.ClearingListView.as_view(), name="institutions-clearings"),
    path(
        "institutions/clearings/<int:pk>/", views.ClearingDetailView.as_view(), name="institutions-clearing"
    ),
    path(
        "institutions/clearings/<int:pk>/statement.pdf",
        views.ClearingPdfView.as_view(),
        name="institutions-clearing-pdf",
    ),
    path("institutions/drg-year-lines/", views.DrgYearLineListView.as_view(), name="institutions-drg-lines"),
]
