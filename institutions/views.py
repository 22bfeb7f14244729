"""The institutions' API: an institution reads its own agreements, clearings and DRG year-end lines, no one else's.

An institution's API client (any token of it that may settle) sees the rows of the
institution its client is registered for; another institution's row is a 404, as if it
did not exist. Clerks see every row. Drafts of clearings are internal: an institution
sees a clearing once a review clerk approved it.
"""

from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework.generics import ListAPIView, RetrieveAPIView
from rest_framework.views import APIView

from users.permissions import HasApiScope, api_client_of, is_clerk

from .models import Agreement, Clearing, DrgYearLine
from .serializers import AgreementSerializer, ClearingSerializer, DrgYearLineSerializer

INSTITUTION_SCOPES = ("settlement", "trial_settlement")


def own_filter(request, field: str = "institution__code") -> dict:
    """Rows the caller may read: a clerk all, an institution client its own (nothing else)."""
    if is_clerk(request.user):
        code = request.query_params.get("institution") if hasattr(request, "query_params") else None
        return {field: code} if code else {}
    client = api_client_of(request.user)
    if client is None or client.kind != client.Kind.INSTITUTION or not client.organisation_code:
        raise Http404
    return {field: client.organisation_code}


class InstitutionScoped:
    permission_classes = [HasApiScope]
    required_scopes = INSTITUTION_SCOPES


class AgreementListView(InstitutionScoped, ListAPIView):
    """The caller's agreements (医保服务协议), with their breaches and sanctions."""

    serializer_class = AgreementSerializer

    queryset = Agreement.objects.none()  # the schema's model; rows come from get_queryset

    def get_queryset(self):
        return (
            Agreement.objects.filter(**own_filter(self.request))
            .select_related("institution")
            .prefetch_related("breaches")
            .order_by("-start_date", "pk")
        )

    @extend_schema(summary=gettext_lazy("本机构医保服务协议"))
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


def visible_clearings(request):
    rows = Clearing.objects.filter(**own_filter(request)).select_related("institution")
    if not is_clerk(request.user):
        rows = rows.exclude(state=Clearing.State.DRAFT)
    return rows.order_by("-month", "pk")


class ClearingListView(InstitutionScoped, ListAPIView):
    """The caller's monthly clearings (approved or paid), newest month first."""

    serializer_class = ClearingSerializer

    queryset = Clearing.objects.none()  # the schema's model; rows come from get_queryset

    def get_queryset(self):
        return visible_clearings(self.request)

    @extend_schema(summary=gettext_lazy("本机构月度清算"))
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


class ClearingDetailView(InstitutionScoped, RetrieveAPIView):
    """One of the caller's clearings with its lines (another institution's is a 404)."""

    serializer_class = ClearingSerializer

    queryset = Clearing.objects.none()  # the schema's model; rows come from get_queryset

    def get_queryset(self):
        return visible_clearings(self.request)

    @extend_schema(summary=gettext_lazy("月度清算明细"))
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


class ClearingPdfView(InstitutionScoped, APIView):
    """The clearing statement PDF (清算单); rendered now if it is not ready yet."""

    @extend_schema(
        summary=gettext_lazy("下载清算单 PDF"),
        responses={
            (200, "application/pdf"): OpenApiResponse(
                OpenApiTypes.BINARY, description=gettext_lazy("清算单 PDF")
            )
        },
    )
    def get(self, request, pk: int):
        clearing = get_object_or_404(visible_clearings(request), pk=pk)
        if clearing.state == Clearing.State.DRAFT:
            raise Http404(_("清算尚未审核"))
        if clearing.pdf_status != Clearing.PdfStatus.READY or not clearing.pdf:
            from .tasks import render

            try:
                render(clearing.pk)
            except Exception:
                raise Http404(_("清算单暂未生成，请稍后再试"))
            clearing.refresh_from_db()
        return FileResponse(
            clearing.pdf.open("rb"),
            content_type="application/pdf",
            filename=f"clearing-{clearing.institution.code}-{clearing.month:%Y%m}.pdf",
        )


class DrgYearLineListView(InstitutionScoped, ListAPIView):
    """The caller's DRG year-end settlement lines (points, point value, due, paid, balance)."""

    serializer_class = DrgYearLineSerializer

    queryset = DrgYearLine.objects.none()  # the schema's model; rows come from get_queryset

    def get_queryset(self):
        return (
            DrgYearLine.objects.filter(**own_filter(self.request))
            .select_related("drg_year")
            .order_by("-drg_year__year", "pk")
        )

    @extend_schema(summary=gettext_lazy("本机构 DRG 年终清算"))
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)
