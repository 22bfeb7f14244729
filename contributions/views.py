"""Contributions API: the tax bureau posts records in bulk; clerks read them."""

from drf_spectacular.utils import extend_schema
from rest_framework import generics, status
from rest_framework.response import Response

from core.intake import IntakeError, refuse_unknown_body
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
        return Response(
            {
                "created": sum(1 for _obj, created in results if created),
                "unchanged": sum(1 for _obj, created in results if not created),
                "records": [
                    {
                        "id": obj.external_id,
                        "status": "created" if created else "unchanged",
                        "kind": getattr(obj, "kind", "resident"),
                        "total": f"{obj.total:.2f}",
                        "personal_payable": f"{obj.personal_payable:.2f}",
                    }
                    for obj, created in results
                ],
            },
            status=status.HTTP_201_CREATED,
        )


class ResidentPaymentListView(generics.ListAPIView):
    permission_classes = [IsClerk]
    serializer_class = ResidentPaymentSerializer
    filterset_class = ResidentPaymentFilter
    queryset = ResidentPayment.objects.select_related("person").order_by("-year", "person_id")
