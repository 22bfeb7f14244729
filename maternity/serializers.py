"""Request and response shapes of the maternity API (employers' systems, clerks)."""

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from core.serializers import RefuseUnknownFields

from .models import Application, Decision, EventKind, Payment


class ApplicationRequestSerializer(RefuseUnknownFields, serializers.Serializer):
    """An application's body; an unknown key is refused (400 naming it), nothing written."""

    id_number = serializers.CharField(label=_("参保人证件号码"), max_length=32)
    employer_credit_code = serializers.CharField(
        label=_("用人单位统一社会信用代码"),
        max_length=18,
        required=False,
        allow_blank=True,
        help_text=_(
            "用人单位调用时可省略（取令牌所属单位），填写时须为本单位；经办人员调用时留空表示灵活就业人员本人申请"
        ),
    )
    employer_reference = serializers.CharField(
        label=_("单位申请编号"),
        max_length=64,
        required=False,
        allow_blank=True,
        help_text=_("用人单位系统中的申请编号（用人单位调用时必填）：同一编号重复提交返回原申请"),
    )
    event_kind = serializers.ChoiceField(label=_("事件"), choices=EventKind.choices)
    event_date = serializers.DateField(label=_("生育/流产/手术日期"))
    babies = serializers.IntegerField(label=_("婴儿数"), min_value=1, max_value=10, default=1)
    difficult_birth = serializers.BooleanField(label=_("难产"), default=False)
    child_order = serializers.IntegerField(label=_("孩次"), min_value=1, max_value=10, default=1)
    pregnancy_months = serializers.IntegerField(
        label=_("怀孕月数"), min_value=0, max_value=10, required=False, allow_null=True
    )


class DecisionSerializer(serializers.ModelSerializer):
    class Meta:
        model = Decision
        fields = ["outcome", "amount", "reason", "article", "decided_on", "letter_status"]


class PaymentSerializer(serializers.ModelSerializer):
    class Meta:
        model = Payment
        fields = ["amount", "paid_on", "payee", "article"]


class MaternityLineSerializer(serializers.Serializer):
    article = serializers.CharField()
    text = serializers.CharField()
    amount = serializers.CharField()


class ApplicationSerializer(serializers.ModelSerializer):
    masked_id_number = serializers.CharField(source="person.masked_id_number", read_only=True)
    person_name = serializers.CharField(source="person.name", read_only=True)
    employer_credit_code = serializers.CharField(
        source="employer.credit_code", read_only=True, allow_null=True, default=None
    )
    lines = MaternityLineSerializer(many=True, read_only=True)
    decision = DecisionSerializer(read_only=True, allow_null=True, default=None)
    payment = PaymentSerializer(read_only=True, allow_null=True, default=None)

    class Meta:
        model = Application
        fields = [
            "id",
            "allowance_kind",
            "person_name",
            "masked_id_number",
            "employer_credit_code",
            "employer_reference",
            "event_kind",
            "event_date",
            "babies",
            "difficult_birth",
            "child_order",
            "pregnancy_months",
            "source",
            "status",
            "eligible",
            "continuous_months",
            "missing_months",
            "average_wage",
            "days",
            "amount",
            "reason",
            "reason_article",
            "lines",
            "submitted_at",
            "decision",
            "payment",
        ]
        read_only_fields = fields


class MaternityRefusalSerializer(serializers.Serializer):
    field = serializers.CharField(help_text=_("出错的字段"))
    detail = serializers.CharField(help_text=_("原因"))
    article = serializers.CharField(help_text=_("依据条款"), allow_blank=True)


class ReportRowSerializer(serializers.Serializer):
    month = serializers.CharField(help_text=_("拨付月份 YYYY-MM"))
    district = serializers.CharField()
    employer_credit_code = serializers.CharField(allow_blank=True)
    employer_name = serializers.CharField()
    payments = serializers.IntegerField()
    amount = serializers.DecimalField(max_digits=14, decimal_places=2)
