"""Trial settlement over HTTP: parse JSON, call the policy function, map bad input to 400."""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiExample, extend_schema
from rest_framework import status
from rest_framework.exceptions import ParseError
from rest_framework.response import Response
from rest_framework.views import APIView

from policy.regions import default_region
from policy.serializers import (
    FieldErrorsSerializer,
    TrialSettlementRequestSerializer,
    TrialSettlementResponseSerializer,
)
from policy.settlement import TrialSettlementError, trial_settle
from policy.wording import translated_data

EXAMPLE_REQUEST = {
    "region": default_region(),
    "person": {"scheme": "employee", "category": "active", "age": 50, "current_funds": "1500.00"},
    "bills": [
        {
            "id": "b1",
            "date": "2024-03-01",
            "kind": "inpatient",
            "institution_level": "level3",
            "eligible": "50000.00",
        }
    ],
}


class TrialSettlementView(APIView):
    """预结算: what would this patient pay? Needs no database rows; the person is in the request.

    Who may call it is decided where it is mounted (config/urls.py: `users.permissions.HasApiScope`
    with this scope), so policy imports no app; mounted without, the default (clerks only) applies.
    """

    required_scope = "trial_settlement"

    @extend_schema(
        operation_id="trial_settlement",
        summary=_("预结算（试算）"),
        description="trial-settlement-contract.md: bills settled in date order; components add up to each "
        "bill's total exactly; every amount explained with its article.",
        request=TrialSettlementRequestSerializer,
        responses={200: TrialSettlementResponseSerializer, 400: FieldErrorsSerializer},
        examples=[OpenApiExample("inpatient", summary=_("住院"), value=EXAMPLE_REQUEST, request_only=True)],
    )
    def post(self, request):
        try:
            data = request.data
        except ParseError as exc:
            return Response(
                {"errors": {"non_field_errors": str(exc.detail)}}, status=status.HTTP_400_BAD_REQUEST
            )
        try:
            answer = trial_settle(data)
        except TrialSettlementError as exc:
            return Response({"errors": exc.errors}, status=status.HTTP_400_BAD_REQUEST)
        return Response(translated_data(answer))  # the caller's language (Accept-Language), lines too
