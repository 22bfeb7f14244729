"""Assistance API: civil affairs read what was paid; clerks run post-hoc assistance and read cases."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, status
from rest_framework.response import Response
from rest_framework.views import APIView

from core.identity import normalise_id_number
from enrollment.models import Person
from users.permissions import HasApiScope, IsClerk

from . import selectors, services
from .models import SpecialCase
from .serializers import (
    AssistanceRefusalSerializer,
    PaidQuerySerializer,
    PaidSerializer,
    PostHocApplicationSerializer,
    PostHocRequestSerializer,
    SpecialCaseSerializer,
)


def _person(id_number: str):
    return Person.objects.filter(id_number=normalise_id_number(id_number or "")).first()


class PaidView(APIView):
    """The assistance paid to a person in a year (civil affairs, scope `certificates`)."""

    permission_classes = [HasApiScope]
    required_scope = "certificates"

    @extend_schema(
        parameters=[
            OpenApiParameter("id_number", str, required=True, description=gettext_lazy("证件号码")),
            OpenApiParameter("year", int, required=True, description=gettext_lazy("年度（记账日期所在年）")),
        ],
        responses={200: PaidSerializer, 400: AssistanceRefusalSerializer, 404: AssistanceRefusalSerializer},
    )
    def get(self, request):
        query = PaidQuerySerializer(data=request.query_params)
        if not query.is_valid():
            return Response({"errors": query.errors}, status=status.HTTP_400_BAD_REQUEST)
        person = _person(query.validated_data["id_number"])
        if person is None:
            return Response({"errors": {"id_number": ["未找到该证件号码的参保人"]}}, status=404)
        year = query.validated_data["year"]
        paid = selectors.paid_in_year(person=person, year=year)
        on = min(dt.date(year, 12, 31), dt.date.today())
        recipient = selectors.recipient_on(person, on)
        body = {
            "id_number": person.masked_id_number,
            "name": person.name,
            "year": year,
            **{key: paid[key] for key in ("immediate", "posthoc", "special", "total")},
            "recipient_kind": recipient.kind if recipient else None,
            "article": recipient.article if recipient else "",
        }
        return Response(PaidSerializer(body).data)


class PostHocView(APIView):
    """Post-hoc assistance for a person and a period (clerks): taken and paid once."""

    permission_classes = [IsClerk]

    @extend_schema(
        request=PostHocRequestSerializer,
        responses={
            201: PostHocApplicationSerializer,
            400: AssistanceRefusalSerializer,
            403: AssistanceRefusalSerializer,
        },
    )
    def post(self, request):
        data = PostHocRequestSerializer(data=request.data)
        if not data.is_valid():
            return Response({"errors": data.errors}, status=status.HTTP_400_BAD_REQUEST)
        person = _person(data.validated_data["id_number"])
        if person is None:
            return Response({"errors": {"id_number": ["未找到该证件号码的参保人"]}}, status=400)
        try:
            application = services.run_posthoc(
                person=person,
                period_start=data.validated_data["period_start"],
                period_end=data.validated_data["period_end"],
                note=data.validated_data.get("note", ""),
                user=request.user,
            )
        except services.AssistanceError as error:
            return Response({"errors": error.message_dict}, status=status.HTTP_400_BAD_REQUEST)
        except PermissionDenied as error:
            return Response({"errors": {"user": [str(error)]}}, status=status.HTTP_403_FORBIDDEN)
        return Response(PostHocApplicationSerializer(application).data, status=status.HTTP_201_CREATED)


class SpecialCaseListView(generics.ListAPIView):
    """Special-assistance cases (clerks), newest first; `?status=` filters."""

    permission_classes = [IsClerk]
    serializer_class = SpecialCaseSerializer
    filterset_fields = ["status", "region", "district"]
    queryset = SpecialCase.objects.order_by("-applied_at", "-id")
