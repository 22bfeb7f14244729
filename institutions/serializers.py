"""API shapes: an institution's agreements (with breaches) and its clearings."""

from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from core.serializers import MonthField

from .models import Agreement, Breach, Clearing, DrgYearLine, Service


class BreachSerializer(serializers.ModelSerializer):
    class Meta:
        model = Breach
        fields = [
            "found_on",
            "description",
            "clause",
            "article",
            "sanction",
            "amount",
            "services",
            "starts_on",
            "ends_on",
            "lifted_on",
        ]


class AgreementSerializer(serializers.ModelSerializer):
    institution_code = serializers.CharField(source="institution.code", label=_("机构编码"))
    services = serializers.ListField(
        child=serializers.ChoiceField(choices=Service.choices), label=_("服务范围")
    )
    breaches = BreachSerializer(many=True, read_only=True)

    class Meta:
        model = Agreement
        fields = [
            "number",
            "institution_code",
            "district",
            "start_date",
            "end_date",
            "services",
            "terms",
            "state",
            "signed_on",
            "terminated_on",
            "state_reason",
            "breaches",
        ]


class ClearingLineSerializer(serializers.Serializer):
    article = serializers.CharField(label=_("依据条款"))
    text = serializers.CharField(label=_("说明"))
    amount = serializers.CharField(label=_("金额"))


class ClearingSerializer(serializers.ModelSerializer):
    institution_code = serializers.CharField(source="institution.code", label=_("机构编码"))
    month = MonthField(label=_("清算月份"))
    lines = ClearingLineSerializer(many=True, read_only=True)
    statement_url = serializers.SerializerMethodField(label=_("清算单 PDF"))

    class Meta:
        model = Clearing
        fields = [
            "id",
            "institution_code",
            "month",
            "state",
            "settlements",
            "reversals",
            "pooled",
            "catastrophic",
            "assistance",
            "personal_accounts",
            "gross",
            "withheld",
            "released",
            "recovered",
            "net",
            "lines",
            "approved_at",
            "paid_on",
            "payment_reference",
            "statement_url",
        ]

    def get_statement_url(self, obj) -> str:
        return reverse("institutions-clearing-pdf", args=[obj.pk])


class DrgYearLineSerializer(serializers.ModelSerializer):
    year = serializers.IntegerField(source="drg_year.year", label=_("年度"))
    state = serializers.CharField(source="drg_year.state", label=_("状态"))

    class Meta:
        model = DrgYearLine
        fields = [
            "year",
            "state",
            "district",
            "cases",
            "points",
            "point_value",
            "due",
            "paid",
            "balance",
            "explanation",
        ]
