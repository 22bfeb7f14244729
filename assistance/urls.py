"""The assistance API routes (under /api/v1/)."""

from django.urls import path

from . import views

urlpatterns = [
    path("assistance/paid/", views.PaidView.as_view(), name="assistance-paid"),
    path("assistance/posthoc/", views.PostHocView.as_view(), name="assistance-posthoc"),
    path("assistance/cases/", views.SpecialCaseListView.as_view(), name="assistance-cases"),
]
