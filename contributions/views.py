"""Contributions API: the tax bureau posts records in bulk; clerks read them."""

from drf_spectacular.utils import extend_schema
from rest_framework import generics, status
from rest_framework.response import Response

from core.intake import IntakeError, intake_result, refuse_unknown_body
from enrollment.serializers import IntakeErrorSerializer, IntakeResultSerializer
from users.permissions import HasApiScope, IsClerk

from . import services
from .filters import ContributionRecordFilter, ResidentPaymentFilter
from .models import ContributionRecord, ResidentPayment
from .serializers import ContributionIntakeSerializer, ContributionRecordSerializer, ResidentPaymentSerializer


class ContributionView(generics.ListAPIView):
    """GET (clerks): monthly records, filterable. POST (scope `contributions`): bulk intake, all or nothing."""

    serializer_class = ContributionRecordSerializer
    filterset_class = ContributionRecordFilter
    queryset = ContributionRecord.objects.select_related("person").order_by("person_id", "month")
    required_scope = "contributions"

    def get_permissions(self):
        if self.request.method == "POST":
            return [HasApiScope()]
        return [IsClerk()]

    @extend_schema(
        request=ContributionIntakeSerializer,
        responses={201: IntakeResultSerializer, 400: IntakeErrorSerializer},
    )
    def post(self, request):
        records = request.data.get("records") if isinstance(request.data, dict) else None
        try:
            refuse_unknown_body(request.data, ContributionIntakeSerializer().fields)
            results = services.intake_contributions(records)
        except IntakeError as error:
            return Response({"errors": error.errors}, status=status.HTTP_400_BAD_REQUEST)
        return Response(intake_result(results, _described), status=status.HTTP_201_CREATED)


def _described(record) -> dict:
    """What a contribution intake answers for each record beyond its id and status."""
    return {
        "kind": getattr(record, "kind", "resident"),
        "total": f"{record.total:.2f}",
        "personal_payable": f"{record.personal_payable:.2f}",
    }


class ResidentPaymentListView(generics.ListAPIView):
    permission_classes = [IsClerk]
    serializer_class = ResidentPaymentSerializer
    filterset_class = ResidentPaymentFilter
    queryset = ResidentPayment.objects.select_related("person").order_by("-year", "person_id")
