"""Maternity API: employers submit and read their own applications (scope `maternity`); clerks read all
and download the allowances report. The decision letter PDF (session login: the person or a clerk)."""

from __future__ import annotations

import csv
import io

from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import generics, status
from rest_framework.response import Response
from rest_framework.views import APIView

from core.identity import normalise_id_number
from enrollment.models import Employer, Person
from users.permissions import HasApiScope, IsClerk, api_client_of, is_clerk

from . import selectors, services
from .assessment import MaternityError
from .filters import ApplicationFilter
from .models import Application, Decision
from .serializers import (
    ApplicationRequestSerializer,
    ApplicationSerializer,
    MaternityRefusalSerializer,
    ReportRowSerializer,
)

REFUSALS = {
    400: OpenApiResponse(
        MaternityRefusalSerializer,
        description=gettext_lazy("输入有误：字段与原因（如事件日期晚于今天、男性申请生育）"),
    ),
    403: OpenApiResponse(MaternityRefusalSerializer, description=gettext_lazy("只能为本单位参保职工申请")),
    409: OpenApiResponse(
        MaternityRefusalSerializer, description=gettext_lazy("同一事件已申请 / 同一单位申请编号内容不同")
    ),
    422: OpenApiResponse(
        MaternityRefusalSerializer, description=gettext_lazy("不能受理：原因与依据条款（如逾期申请）")
    ),
}


def refusal(error: MaternityError) -> Response:
    return Response(error.as_dict(), status=error.status)


def _employer_client(request):
    """The API client acting for an employer, or None for a clerk; refuses other kinds."""
    client = api_client_of(request.user)
    if client is None:
        return None
    if client.kind != client.Kind.EMPLOYER or not client.organisation_code:
        raise MaternityError("employer_credit_code", _("该外部系统不是用人单位"), status=403)
    return client


def visible_applications(request):
    queryset = Application.objects.select_related("person", "employer", "decision", "payment").order_by("-id")
    client = _employer_client(request)
    if client is not None:
        queryset = queryset.filter(employer__credit_code=client.organisation_code)
    return queryset


class ApplicationListCreateView(generics.ListAPIView):
    """GET: the employer's own applications (a clerk: all), filterable. POST: a new application."""

    permission_classes = [HasApiScope]
    required_scope = "maternity"
    serializer_class = ApplicationSerializer
    filterset_class = ApplicationFilter

    def get_queryset(self):
        try:
            return visible_applications(self.request)
        except MaternityError:
            return Application.objects.none()

    @extend_schema(
        request=ApplicationRequestSerializer,
        responses={201: ApplicationSerializer, 200: ApplicationSerializer, **REFUSALS},
        summary=gettext_lazy("提交生育津贴/计划生育手术津贴申请"),
        description=gettext_lazy("同一单位申请编号以相同内容重复提交返回原申请（200）；内容不同为 409。"),
    )
    def post(self, request):
        serializer = ApplicationRequestSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        try:
            application, created = self._submit(request, data)
        except MaternityError as error:
            return refusal(error)
        application = visible_applications(request).get(pk=application.pk) if created else application
        return Response(
            ApplicationSerializer(application).data,
            status=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
        )

    def _submit(self, request, data):
        client = _employer_client(request)
        code = (data.get("employer_credit_code") or "").strip().upper()
        acting = None
        if client is not None:
            acting = client.organisation_code
            if code and code != acting:
                raise MaternityError(
                    "employer_credit_code", _("只能以本单位（%(code)s）申请") % {"code": acting}, status=403
                )
            code = acting
            if not data.get("employer_reference"):
                raise MaternityError("employer_reference", _("用人单位申请须填写单位申请编号"))
        employer = None
        if code:
            employer = Employer.objects.filter(credit_code=code).first()
            if employer is None:
                raise MaternityError(
                    "employer_credit_code", _("未找到统一社会信用代码为 %(code)s 的用人单位") % {"code": code}
                )
        person = Person.objects.filter(id_number=normalise_id_number(data["id_number"])).first()
        if person is None:
            raise MaternityError("id_number", _("未找到该证件号码的参保人"))
        return services.submit(
            person=person,
            employer=employer,
            employer_reference=data.get("employer_reference") or "",
            event_kind=data["event_kind"],
            event_date=data["event_date"],
            babies=data["babies"],
            difficult_birth=data["difficult_birth"],
            child_order=data["child_order"],
            pregnancy_months=data.get("pregnancy_months"),
            source=Application.Source.API if client is not None else Application.Source.COUNTER,
            user=request.user,
            acting_employer=acting,
        )


class ApplicationDetailView(generics.RetrieveAPIView):
    """One application (the employer's own; a clerk: any), with its decision and payment."""

    permission_classes = [HasApiScope]
    required_scope = "maternity"
    serializer_class = ApplicationSerializer

    def get_queryset(self):
        try:
            return visible_applications(self.request)
        except MaternityError:
            return Application.objects.none()


class AllowanceReportView(APIView):
    """Allowances paid by month, district and employer (clerks): JSON, CSV or XLSX."""

    permission_classes = [IsClerk]

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "export", OpenApiTypes.STR, enum=["json", "csv", "xlsx"], description=gettext_lazy("输出格式")
            ),
            OpenApiParameter("date_from", OpenApiTypes.DATE, description=gettext_lazy("拨付日期起")),
            OpenApiParameter("date_to", OpenApiTypes.DATE, description=gettext_lazy("拨付日期止")),
        ],
        responses={
            200: ReportRowSerializer(many=True),
            (200, "text/csv"): OpenApiTypes.BINARY,
            (200, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"): OpenApiTypes.BINARY,
        },
        summary=gettext_lazy("生育津贴拨付汇总（按月、辖区、单位）"),
    )
    def get(self, request):
        from django.utils.dateparse import parse_date

        bounds = {}
        for name in ("date_from", "date_to"):
            text = request.query_params.get(name)
            if text:
                try:
                    bounds[name] = parse_date(text)
                except ValueError:
                    bounds[name] = None
                if bounds[name] is None:
                    return Response(
                        {"field": name, "detail": _("日期格式应为 YYYY-MM-DD"), "article": ""}, status=400
                    )
        export = request.query_params.get("export", "json")
        if export not in ("json", "csv", "xlsx"):
            return Response(
                {"field": "export", "detail": _("应为 json、csv 或 xlsx"), "article": ""}, status=400
            )
        rows = selectors.allowances_report(**bounds)
        if export == "csv":
            return csv_response(rows)
        if export == "xlsx":
            return xlsx_response(rows)
        return Response(ReportRowSerializer(rows, many=True).data)


def csv_response(rows) -> HttpResponse:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(selectors.REPORT_HEADERS)
    for row in rows:
        writer.writerow([row[column] for column in selectors.REPORT_COLUMNS])
    response = HttpResponse("\ufeff" + buffer.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="maternity-allowances.csv"'
    return response


def xlsx_response(rows) -> HttpResponse:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.title = "生育津贴拨付汇总"
    sheet.append(selectors.REPORT_HEADERS)
    for row in rows:
        sheet.append([row[column] for column in selectors.REPORT_COLUMNS])
    for cell in sheet["F"][1:]:
        cell.number_format = "#,##0.00"
    buffer = io.BytesIO()
    book.save(buffer)
    response = HttpResponse(
        buffer.getvalue(), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response["Content-Disposition"] = 'attachment; filename="maternity-allowances.xlsx"'
    return response


def letter_pdf(request, pk: int):
    """The decision letter: to the person it concerns, or to a clerk; rendered now if not ready."""
    decision = get_object_or_404(Decision.objects.select_related("application__person"), pk=pk)
    user = request.user
    own = (
        user.is_authenticated
        and getattr(getattr(user, "person", None), "pk", None) == decision.application.person_id
    )
    if not (own or is_clerk(user)):
        raise Http404
    if decision.letter_status != Decision.LetterStatus.READY or not decision.letter:
        from .tasks import render

        try:
            render(decision.pk)
        except Exception:
            raise Http404(_("核定通知书暂未生成，请稍后再试"))
        decision.refresh_from_db()
    return FileResponse(
        decision.letter.open("rb"),
        content_type="application/pdf",
        as_attachment=True,
        filename=f"maternity-decision-{decision.pk}.pdf",
    )
