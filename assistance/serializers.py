"""API shapes of assistance (all in the OpenAPI schema)."""

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from .models import PostHocApplication, PostHocItem, SpecialCase


class PaidQuerySerializer(serializers.Serializer):
    id_number = serializers.CharField(label=_("证件号码"), max_length=32)
    year = serializers.IntegerField(label=_("年度"), min_value=2000, max_value=2100)


class PaidSerializer(serializers.Serializer):
    """Assistance paid to a person in a calendar year, from the fund book, by channel (yuan)."""

    id_number = serializers.CharField()
    name = serializers.CharField()
    year = serializers.IntegerField()
    immediate = serializers.DecimalField(max_digits=14, decimal_places=2, help_text=_("即时救助"))
    posthoc = serializers.DecimalField(max_digits=14, decimal_places=2, help_text=_("事后救助"))
    special = serializers.DecimalField(max_digits=14, decimal_places=2, help_text=_("特殊救助（联席会议）"))
    total = serializers.DecimalField(max_digits=14, decimal_places=2)
    recipient_kind = serializers.CharField(allow_null=True, help_text=_("年末（或今天）的救助对象类别"))
    article = serializers.CharField(allow_blank=True)


class PostHocRequestSerializer(serializers.Serializer):
    id_number = serializers.CharField(max_length=32)
    period_start = serializers.DateField()
    period_end = serializers.DateField()
    note = serializers.CharField(max_length=200, required=False, allow_blank=True)


class PostHocItemSerializer(serializers.ModelSerializer):
    bill_number = serializers.CharField(source="settlement.bill_number")

    class Meta:
        model = PostHocItem
        fields = [
            "bill_number",
            "bill_date",
            "year_key",
            "certificate_kind",
            "burden",
            "ratio",
            "already",
            "amount",
            "lines",
        ]


class PostHocApplicationSerializer(serializers.ModelSerializer):
    items = PostHocItemSerializer(many=True, read_only=True)

    class Meta:
        model = PostHocApplication
        fields = ["id", "period_start", "period_end", "status", "preview_total", "total", "paid_on", "items"]


class SpecialCaseSerializer(serializers.ModelSerializer):
    class Meta:
        model = SpecialCase
        fields = [
            "id",
            "region",
            "district",
            "year",
            "certificate_kind",
            "applicant",
            "reason",
            "amount_requested",
            "status",
            "applied_at",
            "review_note",
            "meeting_date",
            "minutes_number",
            "amount_approved",
            "refusal_reason",
            "paid_on",
        ]


class AssistanceRefusalSerializer(serializers.Serializer):
    """A refusal: field → messages (each naming the article where one applies)."""

    errors = serializers.DictField(child=serializers.ListField(child=serializers.CharField()))
