"""API routes of this app, mounted under /api/v1/ by config/urls.py."""

from django.urls import path

from policy.views import TrialSettlementView

urlpatterns = [
    path("trial-settlements/", TrialSettlementView.as_view(), name="trial-settlement"),
]
