from rest_framework import serializers

from enrollment.identity import mask_id_number

from .models import ContributionRecord, ResidentPayment


class ContributionRecordSerializer(serializers.ModelSerializer):
    person_name = serializers.CharField(source="person.name", read_only=True)
    person_id_number = serializers.SerializerMethodField(label="证件号码（脱敏）")

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
    person_id_number = serializers.SerializerMethodField(label="证件号码（脱敏）")

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
