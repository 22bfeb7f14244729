from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from core.identity import mask_id_number

from .models import ContributionRecord, ResidentPayment


class ContributionRecordSerializer(serializers.ModelSerializer):
    person_name = serializers.CharField(source="person.name", read_only=True)
    person_id_number = serializers.SerializerMethodField(label=_("证件号码（脱敏）"))

    class Meta:
        model = ContributionRecord
        fields = [
            "id",
            "person",
            "person_name",
            "person_id_number",
            "month",
            "kind",
            "employer",
            "base",
            "employer_amount",
            "employer_maternity",
            "personal",
            "personal_subsidy",
            "personal_payable",
            "total",
            "certificate",
            "paid_on",
            "is_back_payment",
            "source",
            "external_id",
            "lines",
        ]

    def get_person_id_number(self, record) -> str:
        return mask_id_number(record.person.id_number)


class ResidentPaymentSerializer(serializers.ModelSerializer):
    person_id_number = serializers.SerializerMethodField(label=_("证件号码（脱敏）"))

    class Meta:
        model = ResidentPayment
        fields = [
            "id",
            "person",
            "person_id_number",
            "year",
            "category",
            "subsidy_reason",
            "total",
            "personal",
            "government_share",
            "personal_subsidy",
            "personal_payable",
            "paid_on",
            "external_id",
            "lines",
        ]

    def get_person_id_number(self, payment) -> str:
        return mask_id_number(payment.person.id_number)


class ContributionIntakeRecordSerializer(serializers.Serializer):
    """One record from the tax bureau (documentation of the body; the service validates each record)."""

    id = serializers.CharField(help_text=_("税务记录号（幂等键）"))
    kind = serializers.ChoiceField(choices=["employee", "flexible", "unemployed", "resident"])
    id_number = serializers.CharField(help_text=_("参保人证件号码"))
    paid_on = serializers.DateField(help_text=_("到账日期"))
    month = serializers.CharField(required=False, help_text=_("缴费所属期 YYYY-MM（职工医保）"))
    employer_credit_code = serializers.CharField(
        required=False, help_text=_("用人单位统一社会信用代码（在职职工）")
    )
    monthly_wage = serializers.DecimalField(
        max_digits=14, decimal_places=2, required=False, help_text=_("本人上年度月平均工资（未申报基数时）")
    )
    disability_allowance = serializers.DecimalField(
        max_digits=14,
        decimal_places=2,
        required=False,
        help_text=_(
            "工伤职工伤残津贴（月），按津贴缴费、不设基数上下限（本市办法规定的伤残津贴缴费，见 docs/coverage.md 阅读 19）"
        ),
    )
    year = serializers.IntegerField(required=False, help_text=_("参保年度（城乡居民）"))
    subsidy_reason = serializers.CharField(
        required=False, help_text=_("补贴原因（城乡居民，默认按有效持证）")
    )
    total = serializers.DecimalField(
        max_digits=14,
        decimal_places=2,
        required=False,
        help_text=_("税务实收金额：职工为合计，居民为个人实缴；与系统计算不符则拒收"),
    )


class ContributionIntakeSerializer(serializers.Serializer):
    records = ContributionIntakeRecordSerializer(many=True)
