"""API routes of this app, mounted under /api/v1/ by config/urls.py."""

from django.urls import path

from . import views

urlpatterns = [
    path("contributions/", views.ContributionView.as_view(), name="contributions-list"),
    path(
        "resident-payments/", views.ResidentPaymentListView.as_view(), name="contributions-resident-payments"
    ),
]
