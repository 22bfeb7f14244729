"""The trial-settlement contract as serializers, for the OpenAPI schema (validation itself lives in
policy.settlement.trial so that HTTP, the command line and Python share it)."""

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from policy.parameters import REGIONS
from policy.settlement import CATEGORIES, CERTIFICATES, KINDS, LEVELS, SCHEMES, SETTLEMENTS

AMOUNT_HELP = _('十进制金额字符串，≥ 0，最多两位小数，如 "12.34"')


class AmountField(serializers.CharField):
    pass


class TrialPersonSerializer(serializers.Serializer):
    scheme = serializers.ChoiceField(choices=SCHEMES, label=_("险种"))
    category = serializers.ChoiceField(
        choices=sorted({c for group in CATEGORIES.values() for c in group}),
        label=_("人员类别"),
        help_text=_("职工: active, retired, flexible；居民: child, student, adult_tier1..3"),
    )
    age = serializers.IntegerField(min_value=0, max_value=150, label=_("年龄（周岁）"))
    certificate = serializers.ChoiceField(
        choices=CERTIFICATES, allow_null=True, required=False, label=_("救助证件")
    )
    contracted_gp = serializers.BooleanField(required=False, default=False, label=_("签约家庭医生"))
    current_funds = AmountField(
        required=False, default="0.00", label=_("个人账户当年资金"), help_text=AMOUNT_HELP
    )
    historical_funds = AmountField(
        required=False, default="0.00", label=_("个人账户历年资金"), help_text=AMOUNT_HELP
    )
    use_historical_funds = serializers.BooleanField(required=False, default=True, label=_("使用历年资金"))


class TrialBillSerializer(serializers.Serializer):
    id = serializers.CharField(max_length=64, required=False, label=_("账单编号"))
    date = serializers.DateField(label=_("费用日期（住院为出院日期）"))
    kind = serializers.ChoiceField(choices=KINDS, label=_("账单类型"))
    institution_level = serializers.ChoiceField(choices=LEVELS, required=False, label=_("医疗机构等级"))
    at_contracted_centre = serializers.BooleanField(
        required=False, default=False, label=_("在签约社区机构就诊")
    )
    referred_by_contracted_centre = serializers.BooleanField(
        required=False, default=False, label=_("由签约机构转诊")
    )
    settlement = serializers.ChoiceField(
        choices=SETTLEMENTS, required=False, default="local", label=_("结算方式")
    )
    out_of_scope = AmountField(required=False, default="0.00", label=_("自费"), help_text=AMOUNT_HELP)
    self_pay_first = AmountField(required=False, default="0.00", label=_("自理"), help_text=AMOUNT_HELP)
    eligible = AmountField(label=_("合规费用"), help_text=AMOUNT_HELP)
    special_drug = AmountField(required=False, default="0.00", label=_("大病特殊药品"), help_text=AMOUNT_HELP)


class TrialSettlementRequestSerializer(serializers.Serializer):
    region = serializers.ChoiceField(choices=REGIONS, label=_("地区"))
    person = TrialPersonSerializer()
    bills = TrialBillSerializer(many=True)


class TrialLineSerializer(serializers.Serializer):
    article = serializers.CharField(label=_("条款"))
    text = serializers.CharField(label=_("规则"))
    amount = serializers.CharField(label=_("金额"))


class TrialBillResultSerializer(serializers.Serializer):
    id = serializers.CharField()
    total = serializers.CharField(label=_("费用总额"))
    current_funds_paid = serializers.CharField(label=_("当年资金支付"))
    deductible = serializers.CharField(label=_("起付标准"))
    basic_fund_paid = serializers.CharField(label=_("统筹基金支付"))
    catastrophic_paid = serializers.CharField(label=_("大病保险支付"))
    assistance_paid = serializers.CharField(label=_("医疗救助支付"))
    historical_funds_paid = serializers.CharField(label=_("历年资金支付"))
    cash_paid = serializers.CharField(label=_("现金支付"))
    settlement_year = serializers.CharField(label=_("结算年度"))
    illustrative = serializers.BooleanField(label=_("使用示例参数"))
    lines = TrialLineSerializer(many=True)


class TrialTotalsSerializer(serializers.Serializer):
    total = serializers.CharField()
    current_funds_paid = serializers.CharField()
    deductible = serializers.CharField()
    basic_fund_paid = serializers.CharField()
    catastrophic_paid = serializers.CharField()
    assistance_paid = serializers.CharField()
    historical_funds_paid = serializers.CharField()
    cash_paid = serializers.CharField()


class TrialSettlementResponseSerializer(serializers.Serializer):
    region = serializers.CharField()
    illustrative = serializers.BooleanField(label=_("使用示例参数（非官方数值）"))
    bills = TrialBillResultSerializer(many=True)
    totals = TrialTotalsSerializer()


class FieldErrorsSerializer(serializers.Serializer):
    errors = serializers.DictField(
        child=serializers.CharField(), help_text=_("字段路径（如 bills[0].eligible）→ 原因")
    )
