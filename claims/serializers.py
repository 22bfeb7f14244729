"""Request and response shapes of the settlement API (the trial-settlement bill fields, plus who and which bill)."""

import copy

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers, status
from rest_framework.exceptions import APIException

from core.serializers import RefuseUnknownFields
from enrollment.models import Person
from policy.money import MAX_AMOUNT, parse_amount
from policy.plausibility import date_error, plausibility_error
from policy.regions import default_region

from .models import Institution, Settlement
from .services import EXCLUSIONS, BillInput

AMOUNTS = ("out_of_scope", "self_pay_first", "eligible", "special_drug")
DATES = ("date", "admission_date", "discharge_date", "period_start")


def _max_length(model, field: str) -> int:
    return model._meta.get_field(field).max_length


class BillImplausible(APIException):
    """422: the bill's total is past its kind's plausibility limit (a policy parameter); shaped as a refusal."""

    status_code = status.HTTP_422_UNPROCESSABLE_ENTITY
    default_code = "implausible"


@extend_schema_field(
    {"type": "string", "format": "decimal", "pattern": r"^\d+(\.\d{1,2})?$", "example": "50000.00"}
)
class AmountField(serializers.Field):
    """A money amount as a decimal string: ≥ 0, at most two places, never a float."""

    def to_internal_value(self, data):
        try:
            return parse_amount(data)
        except ValueError as error:
            raise serializers.ValidationError(str(error))

    def to_representation(self, value):
        return f"{value:.2f}"


class SettlementRequestSerializer(RefuseUnknownFields, serializers.Serializer):
    id_number = serializers.CharField(label=_("证件号码"), max_length=_max_length(Person, "id_number"))
    bill_number = serializers.CharField(label=_("单据号"), max_length=_max_length(Settlement, "bill_number"))
    institution_code = serializers.CharField(
        label=_("机构编码"),
        max_length=_max_length(Institution, "code"),
        required=False,
        help_text=_("机构调用时可省略（取令牌所属机构）；经办人员调用时必填"),
    )
    date = serializers.DateField(label=_("费用日期"), required=False, help_text=_("住院可省略：取出院日期"))
    kind = serializers.ChoiceField(label=_("费用类别"), choices=Settlement.BillKind.choices)
    admission_date = serializers.DateField(label=_("入院日期"), required=False, allow_null=True)
    discharge_date = serializers.DateField(
        label=_("出院日期"), required=False, allow_null=True, help_text=_("中途结算时为本段结算截止日期")
    )
    interim = serializers.BooleanField(
        label=_("中途结算"),
        required=False,
        default=False,
        help_text=_("连续住院满一年尚未出院时结算一次（按参保地办法）"),
    )
    period_start = serializers.DateField(
        label=_("本段起始日期"),
        required=False,
        allow_null=True,
        help_text=_("长期住院中途结算后续算：上一段截止日期的次日"),
    )
    institution_level = serializers.ChoiceField(
        label=_("机构等级"),
        choices=["level3", "other", "community"],
        required=False,
        help_text=_("以机构登记的等级为准"),
    )
    settlement = serializers.ChoiceField(
        label=_("结算方式"),
        choices=[Settlement.Mode.LOCAL, Settlement.Mode.DIRECT_OFFSITE],
        required=False,
        help_text=_("以机构所在地为准：本市 local，市外 direct_offsite"),
    )
    at_contracted_centre = serializers.BooleanField(
        label=_("在签约社区就诊"), required=False, default=False, help_text=_("以参保人签约记录为准")
    )
    referred_by_contracted_centre = serializers.BooleanField(
        label=_("签约社区转诊"), required=False, default=False
    )
    out_of_scope = AmountField(label=_("自费"), required=False)
    self_pay_first = AmountField(label=_("自理"), required=False)
    eligible = AmountField(label=_("合规费用"))
    special_drug = AmountField(label=_("大病特殊药品"), required=False)
    diagnosis_codes = serializers.ListField(
        label=_("诊断编码"),
        child=serializers.CharField(max_length=32),
        required=False,
        default=list,
        help_text=_(
            "ICD-10 编码。规定病种门诊必填；精神和行为障碍（F00–F99）的医疗费用，"
            "持精神残疾人证的医疗救助对象按地区办法全额救助（依据见结算明细）"
        ),
    )
    drg_code = serializers.RegexField(
        r"^[A-Za-z0-9.\-]{1,16}$",
        label=_("DRG 分组编码"),
        required=False,
        allow_blank=True,
        help_text=_("住院费用可选：医院分组器给出的 DRG 编码，年终按总额预算下的点数清算"),
    )
    exclusion = serializers.ChoiceField(
        label=_("基金不予支付情形"), choices=list(EXCLUSIONS), required=False, allow_blank=True
    )
    third_party_unpaid = serializers.BooleanField(
        label=_("第三人不支付或无法确定"), required=False, default=False
    )
    maternity = serializers.ChoiceField(
        label=_("生育/计划生育医疗费"),
        choices=Settlement.Maternity.choices,
        required=False,
        allow_blank=True,
        default="",
        help_text=_(
            "生育（含产前检查）或计划生育手术的医疗费：按基本医保规定结算，单独统计（依据见结算明细）"
        ),
    )

    def get_fields(self):
        """The declared fields, each built anew from its own arguments.

        DRF deep-copies every declared field for each request, its labels, help texts and
        choices included (about 120 copies a bill, a twentieth of a settlement's time).
        Calling each field's class with the arguments it was declared with gives the same
        unbound fields; a field given as an argument (a list's `child`) is still copied,
        since binding changes it.
        """
        return {
            name: type(field)(
                *field._args,
                **{
                    key: copy.deepcopy(value) if isinstance(value, serializers.Field) else value
                    for key, value in field._kwargs.items()
                },
            )
            for name, field in self._declared_fields.items()
        }

    def validate(self, attrs):
        region = default_region()
        today = timezone.localdate()
        errors = {}
        for name in DATES:
            if attrs.get(name) and (reason := date_error(region, attrs[name], today=today)):
                errors[name] = reason
        end = attrs.get("discharge_date") or attrs.get("date")
        if attrs.get("admission_date") and end and attrs["admission_date"] > end:
            errors["admission_date"] = _("入院日期晚于费用（出院）日期")
        total = sum((attrs.get(name) or 0 for name in AMOUNTS), parse_amount("0"))
        if total == 0:
            errors["eligible"] = _("费用合计为零，没有可结算的费用")
        elif total > MAX_AMOUNT:
            errors["eligible"] = _("费用合计 %(total)s 超出金额上限 %(max)s") % {
                "total": total,
                "max": MAX_AMOUNT,
            }
        if errors:
            raise serializers.ValidationError(errors)
        on = end or today
        refused = plausibility_error(region, attrs["kind"], total, on)
        if refused:
            message, article = refused
            raise BillImplausible(
                {
                    "detail": message,
                    "reason": "implausible",
                    "article": article,
                    "errors": {"eligible": message},
                }
            )
        stay = attrs["kind"] in (Settlement.BillKind.INPATIENT, Settlement.BillKind.HOME_BED)
        if stay and not attrs.get("discharge_date"):
            raise serializers.ValidationError({"discharge_date": _("住院费用按出院结算，须填写出院日期")})
        if attrs.get("drg_code") and attrs["kind"] != Settlement.BillKind.INPATIENT:
            raise serializers.ValidationError({"drg_code": _("DRG 分组编码仅适用于住院费用")})
        if not stay and not attrs.get("date"):
            raise serializers.ValidationError({"date": _("须填写费用日期")})
        return attrs

    def bill(self) -> BillInput:
        return BillInput.from_data(self.validated_data)


class LineSerializer(serializers.Serializer):
    article = serializers.CharField()
    text = serializers.CharField()
    amount = serializers.CharField()


class SettlementResponseSerializer(serializers.Serializer):
    """The stored response of a settlement or reversal (documentation of the shape)."""

    settlement_id = serializers.IntegerField()
    reverses = serializers.IntegerField(required=False)
    bill_number = serializers.CharField()
    institution = serializers.CharField()
    person = serializers.CharField(help_text=_("证件号码（脱敏）"))
    date = serializers.DateField(required=False)
    year = serializers.CharField()
    settlement = serializers.CharField(required=False)
    status = serializers.CharField()
    total = serializers.CharField()
    current_funds_paid = serializers.CharField()
    deductible = serializers.CharField()
    basic_fund_paid = serializers.CharField()
    catastrophic_paid = serializers.CharField()
    assistance_paid = serializers.CharField()
    historical_funds_paid = serializers.CharField()
    cash_paid = serializers.CharField()
    lines = LineSerializer(many=True)


class SettlementTrialResponseSerializer(serializers.Serializer):
    """A trial settlement's answer (documentation of the shape): the settlement's amounts, nothing stored."""

    trial = serializers.BooleanField()
    bill_number = serializers.CharField()
    person = serializers.CharField(help_text=_("证件号码（脱敏）"))
    date = serializers.DateField()
    year = serializers.CharField()
    settlement = serializers.CharField(required=False)
    total = serializers.CharField()
    current_funds_paid = serializers.CharField()
    deductible = serializers.CharField()
    basic_fund_paid = serializers.CharField()
    catastrophic_paid = serializers.CharField()
    assistance_paid = serializers.CharField()
    historical_funds_paid = serializers.CharField()
    cash_paid = serializers.CharField()
    lines = LineSerializer(many=True)


class RefusalSerializer(serializers.Serializer):
    detail = serializers.CharField()
    reason = serializers.CharField()
    article = serializers.CharField()
    errors = serializers.DictField()
