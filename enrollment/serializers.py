"""API representations; ID numbers are always masked (first 6 + last 4)."""

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from core.identity import mask_id_number

from .models import Certificate, Enrolment, Person


class PersonSerializer(serializers.ModelSerializer):
    id_number = serializers.SerializerMethodField(label=_("证件号码（脱敏）"))

    class Meta:
        model = Person
        fields = [
            "id",
            "name",
            "id_type",
            "id_number",
            "birth_date",
            "sex",
            "hukou_local",
            "hukou_district",
            "residence_district",
            "region",
        ]

    def get_id_number(self, person) -> str:
        return mask_id_number(person.id_number)


class EnrolmentSerializer(serializers.ModelSerializer):
    person_name = serializers.CharField(source="person.name", read_only=True)
    person_id_number = serializers.SerializerMethodField(label=_("证件号码（脱敏）"))
    employer_name = serializers.CharField(source="employer.name", read_only=True, default=None)

    class Meta:
        model = Enrolment
        fields = [
            "id",
            "person",
            "person_name",
            "person_id_number",
            "region",
            "scheme",
            "category",
            "district",
            "employer",
            "employer_name",
            "school",
            "start_date",
            "end_date",
            "end_reason",
            "first_paid_on",
        ]

    def get_person_id_number(self, enrolment) -> str:
        return mask_id_number(enrolment.person.id_number)


class CertificateSerializer(serializers.ModelSerializer):
    class Meta:
        model = Certificate
        fields = [
            "id",
            "person",
            "kind",
            "number",
            "valid_from",
            "valid_to",
            "registered_on",
            "source",
            "external_id",
        ]


class BenefitStatusSerializer(serializers.Serializer):
    eligible = serializers.BooleanField()
    region = serializers.CharField()
    scheme = serializers.CharField(allow_null=True)
    category = serializers.CharField(allow_null=True)
    enrolment_category = serializers.CharField(allow_null=True)
    district = serializers.CharField(allow_null=True)
    reason = serializers.CharField(allow_blank=True)
    article = serializers.CharField(allow_blank=True)
    certificate = serializers.CharField(allow_null=True)
    contracted_gp = serializers.BooleanField()
    contracted_centre_code = serializers.CharField(allow_null=True)
    filings = serializers.ListField(child=serializers.CharField())
    benefit_from = serializers.DateField(allow_null=True)


class IntakeSerializer(serializers.Serializer):
    """Bulk intake body: {"records": [...]} (each record validated by the service)."""

    records = serializers.ListField(child=serializers.DictField(), allow_empty=False)


class CertificateIntakeRecordSerializer(serializers.Serializer):
    """One certificate record (documentation of the body; the service validates each record)."""

    id = serializers.CharField(help_text=_("来源系统记录号（幂等键）"))
    id_number = serializers.CharField(help_text=_("持证人证件号码"))
    kind = serializers.ChoiceField(
        choices=[
            "extreme_poverty",
            "minimum_living",
            "low_income_edge",
            "disability_living",
            "disability_grade2",
        ]
    )
    number = serializers.CharField(required=False, help_text=_("证件编号"))
    valid_from = serializers.DateField()
    valid_to = serializers.DateField(required=False, allow_null=True)
    registered_on = serializers.DateField(
        required=False,
        help_text=_(
            "经办机构登记日期，默认收到之日（自登记之日起享受，条款见地区参数 assistance.recipients）"
        ),
    )


class CertificateIntakeSerializer(serializers.Serializer):
    source = serializers.ChoiceField(choices=["civil_affairs", "disability_federation"], required=False)
    records = CertificateIntakeRecordSerializer(many=True)


class IntakeResultSerializer(serializers.Serializer):
    created = serializers.IntegerField()
    unchanged = serializers.IntegerField()
    records = serializers.ListField(child=serializers.DictField())


class IntakeErrorSerializer(serializers.Serializer):
    errors = serializers.DictField(
        child=serializers.CharField(),
        help_text=_('按记录定位的错误，如 {"records[3].id_number": "…"}；整批未写入'),
    )
