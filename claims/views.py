"""Settlement API (institutions and clerks) and the statement download (the person or a clerk).

Bills of a person are applied in the order they are settled: a bill dated before the
latest settled one is settled on the current year-to-date state. A reversal subtracts
the reversed settlement's own effect from the current accumulators; later settlements
are not recomputed, the next one sees the restored state.
"""

from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import APIView

from core.identity import normalise_id_number
from core.rows import queue_one, together
from enrollment.models import Person
from enrollment.selectors import queue_person
from policy.parameters import ParameterError
from policy.regions import region_of
from policy.wording import translated_data
from users.permissions import HasApiScope, api_client_of, is_clerk

from . import services
from .models import Institution, Settlement
from .serializers import (
    RefusalSerializer,
    SettlementRequestSerializer,
    SettlementResponseSerializer,
    SettlementTrialResponseSerializer,
)

REFUSALS = {
    403: OpenApiResponse(RefusalSerializer, description=gettext_lazy("机构不符（只能结算本机构的单据）")),
    409: OpenApiResponse(RefusalSerializer, description=gettext_lazy("同一单据号已以不同内容结算 / 已冲正")),
    422: OpenApiResponse(RefusalSerializer, description=gettext_lazy("拒绝结算：原因与依据条款")),
}


def refusal_response(error: services.ClaimError | ParameterError) -> Response:
    """A refusal as its 4xx; a policy error (a figure not set, a citation missing) as a 422 naming it."""
    if isinstance(error, ParameterError):
        error = services.refusal_of(error)
    return Response(error.as_dict(), status=error.status)


def institution_code(request, code: str | None) -> str:
    """The institution a request settles for: an institution client only ever its own."""
    client = api_client_of(request.user)
    if client is not None:
        if client.kind != client.Kind.INSTITUTION or not client.organisation_code:
            raise services.NotYourInstitution("institution_code", _("该外部系统不是定点医药机构"), "")
        if code and code != client.organisation_code:
            raise services.NotYourInstitution(
                "institution_code", _("只能以本机构（%(code)s）结算") % {"code": client.organisation_code}, ""
            )
        code = client.organisation_code
    if not code:
        raise services.SettlementRefused("institution_code", _("须填写机构编码"), "", reason="missing")
    return code


def resolve_parties(request, data: dict) -> tuple[Institution, Person]:
    """The bill's institution and insured person (with the enrolments their status needs), in one round trip."""
    code = institution_code(request, data.get("institution_code"))
    with together():
        institution = queue_one(Institution, '"code" = %s', [code])
        person = queue_person(id_number=normalise_id_number(data["id_number"]))
    institution, person = institution(), person()
    if person is None:
        raise services.SettlementRefused("id_number", _("未找到该证件号码的参保人"), "", reason="not_insured")
    if institution is None:
        raise services.SettlementRefused(
            "institution_code",
            _("机构编码 %(code)s 未登记为定点医药机构") % {"code": code},
            region_of(person.region).article("claims.designated"),
            reason="institution",
        )
    return institution, person


def may_see(request, settlement: Settlement) -> bool:
    if is_clerk(request.user):
        return True
    client = api_client_of(request.user)
    return bool(
        client and settlement.institution_id and settlement.institution.code == client.organisation_code
    )


class SettlementCreateView(APIView):
    """Real-time settlement (实时结算) of a bill, keyed by institution + bill number.

    The same key with the same body returns the first result (200); another body under
    the same key is a 409. Bills of a person are applied in the order received: a bill
    dated before the latest settled one is settled on the current year-to-date state.
    """

    permission_classes = [HasApiScope]
    required_scope = "settlement"

    @extend_schema(
        request=SettlementRequestSerializer,
        responses={201: SettlementResponseSerializer, 200: SettlementResponseSerializer, **REFUSALS},
        summary=gettext_lazy("实时结算"),
    )
    def post(self, request):
        serializer = SettlementRequestSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        try:
            institution, person = resolve_parties(request, data)
            settlement, created = services.settle(
                person=person,
                institution=institution,
                bill=serializer.bill(),
                body=request.data,
                user=request.user,
            )
        except (services.ClaimError, ParameterError) as error:
            return refusal_response(error)
        return Response(
            services.response_of(settlement),
            status=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
        )


class SettlementTrialView(APIView):
    """Trial settlement (预结算) of an enrolled person's bill on the stored state: nothing is written."""

    permission_classes = [HasApiScope]
    required_scopes = ("trial_settlement", "settlement")

    @extend_schema(
        request=SettlementRequestSerializer,
        responses={200: SettlementTrialResponseSerializer, **REFUSALS},
        summary=gettext_lazy("参保人预结算"),
    )
    def post(self, request):
        serializer = SettlementRequestSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        try:
            institution, person = resolve_parties(request, data)
            body = services.trial(person=person, institution=institution, bill=serializer.bill())
        except (services.ClaimError, ParameterError) as error:
            return refusal_response(error)
        return Response(translated_data(body))  # nothing stored: in the caller's language, lines too


class SettlementDetailView(APIView):
    """A settlement as it was answered (the institution's own, or any for a clerk)."""

    permission_classes = [HasApiScope]
    required_scope = "settlement"

    @extend_schema(responses={200: SettlementResponseSerializer}, summary=gettext_lazy("查询结算"))
    def get(self, request, pk: int):
        settlement = get_object_or_404(Settlement.objects.select_related("institution"), pk=pk)
        if not may_see(request, settlement):
            raise Http404
        return Response(services.response_of(settlement))


class ReversalView(APIView):
    """Reversal (冲正): the negative of every amount; accounts returned; accumulators restored.

    The reversed settlement's own delta is subtracted from the CURRENT accumulators;
    later settlements of the year are not recomputed, the next one sees the restored
    state. A settlement is reversed once; again is a 409.
    """

    permission_classes = [HasApiScope]
    required_scope = "settlement"

    @extend_schema(
        request=None, responses={201: SettlementResponseSerializer, **REFUSALS}, summary=gettext_lazy("冲正")
    )
    def post(self, request, pk: int):
        settlement = get_object_or_404(Settlement.objects.select_related("institution"), pk=pk)
        if not may_see(request, settlement):
            raise Http404
        try:
            reversal = services.reverse(settlement=settlement, user=request.user)
        except (services.ClaimError, ParameterError) as error:
            return refusal_response(error)
        return Response(services.response_of(reversal), status=status.HTTP_201_CREATED)


def _statement_response(settlement: Settlement) -> FileResponse:
    """The stored statement, rendered on its first request; a render that fails is a 404 to try again later."""
    from .tasks import statement_file

    try:
        statement = statement_file(settlement.pk)
    except Exception:
        raise Http404(_("结算单暂未生成，请稍后再试"))
    return FileResponse(
        statement.file.open("rb"), content_type="application/pdf", filename=f"statement-{settlement.pk}.pdf"
    )


def statement_pdf(request, pk: int):
    """The statement PDF: to the insured person it belongs to, or to a clerk; rendered now if not ready."""
    settlement = get_object_or_404(Settlement.objects.select_related("person"), pk=pk)
    user = request.user
    own = user.is_authenticated and getattr(getattr(user, "person", None), "pk", None) == settlement.person_id
    if not (own or is_clerk(user)):
        raise Http404
    return _statement_response(settlement)


class SettlementStatementView(APIView):
    """The statement (结算单) PDF of the institution's own settlement (any for a clerk): rendered on the
    first request, kept, and served from storage afterwards; the same document every time."""

    permission_classes = [HasApiScope]
    required_scope = "settlement"

    @extend_schema(
        responses={
            (200, "application/pdf"): OpenApiTypes.BINARY,
            404: OpenApiResponse(description=gettext_lazy("无此结算")),
        },
        summary=gettext_lazy("结算单 PDF"),
    )
    def get(self, request, pk: int):
        settlement = get_object_or_404(Settlement.objects.select_related("institution"), pk=pk)
        if not may_see(request, settlement):
            raise Http404
        return _statement_response(settlement)
