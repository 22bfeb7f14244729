"""API routes of this app, mounted under /api/v1/ by config/urls.py."""

from django.urls import path

from . import views

urlpatterns = [
    path("persons/", views.PersonListView.as_view(), name="enrollment-person-list"),
    path("persons/<int:pk>/", views.PersonDetailView.as_view(), name="enrollment-person-detail"),
    path(
        "persons/<int:pk>/benefit-status/",
        views.PersonBenefitStatusView.as_view(),
        name="enrollment-benefit-status",
    ),
    path("enrolments/", views.EnrolmentListView.as_view(), name="enrollment-enrolment-list"),
    path("certificates/", views.CertificateIntakeView.as_view(), name="enrollment-certificate-intake"),
]
