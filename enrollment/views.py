"""Enrollment API: clerks read persons and enrolments; civil affairs post certificates."""

import datetime as dt

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, status
from rest_framework.response import Response
from rest_framework.views import APIView

from core.intake import IntakeError, intake_result, refuse_unknown_body
from users.permissions import HasApiScope, IsClerk

from . import services
from .filters import EnrolmentFilter, PersonFilter
from .models import Certificate, Enrolment, Person
from .selectors import benefit_status
from .serializers import (
    BenefitStatusSerializer,
    CertificateIntakeSerializer,
    EnrolmentSerializer,
    IntakeErrorSerializer,
    IntakeResultSerializer,
    PersonSerializer,
)


class PersonListView(generics.ListAPIView):
    permission_classes = [IsClerk]
    serializer_class = PersonSerializer
    filterset_class = PersonFilter
    queryset = Person.objects.order_by("id")


class PersonDetailView(generics.RetrieveAPIView):
    permission_classes = [IsClerk]
    serializer_class = PersonSerializer
    queryset = Person.objects.all()


class PersonBenefitStatusView(APIView):
    """Whether the person may be settled on a date (`?on=YYYY-MM-DD`, default today) and why."""

    permission_classes = [IsClerk]

    @extend_schema(
        parameters=[OpenApiParameter("on", str, description=_("日期 YYYY-MM-DD"))],
        responses=BenefitStatusSerializer,
    )
    def get(self, request, pk):
        person = generics.get_object_or_404(Person, pk=pk)
        try:
            on = dt.date.fromisoformat(request.query_params.get("on") or timezone.localdate().isoformat())
        except ValueError:
            return Response({"on": ["日期格式应为 YYYY-MM-DD"]}, status=status.HTTP_400_BAD_REQUEST)
        return Response(BenefitStatusSerializer(benefit_status(person=person, on=on)).data)


class EnrolmentListView(generics.ListAPIView):
    permission_classes = [IsClerk]
    serializer_class = EnrolmentSerializer
    filterset_class = EnrolmentFilter
    queryset = Enrolment.objects.select_related("person", "employer").order_by("id")


class CertificateIntakeView(APIView):
    """Certificates from civil affairs / the disability federation, in bulk, all or nothing."""

    permission_classes = [HasApiScope]
    required_scope = "certificates"

    @extend_schema(
        request=CertificateIntakeSerializer,
        responses={201: IntakeResultSerializer, 400: IntakeErrorSerializer},
    )
    def post(self, request):
        records = request.data.get("records") if isinstance(request.data, dict) else None
        source = (request.data.get("source") if isinstance(request.data, dict) else None) or "civil_affairs"
        if not isinstance(source, str) or source not in Certificate.Source.values:
            return Response(
                {"errors": {"source": "来源应为 civil_affairs 或 disability_federation"}}, status=400
            )
        try:
            refuse_unknown_body(request.data, CertificateIntakeSerializer().fields)
            results = services.intake_certificates(records, source=source)
        except IntakeError as error:
            return Response({"errors": error.errors}, status=status.HTTP_400_BAD_REQUEST)
        return Response(
            intake_result(results, lambda certificate: {"certificate_id": certificate.pk}),
            status=status.HTTP_201_CREATED,
        )
