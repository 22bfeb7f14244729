import django_filters
from django.utils.translation import gettext_lazy as _

from .models import ContributionRecord, ResidentPayment


class ContributionRecordFilter(django_filters.FilterSet):
    month_from = django_filters.DateFilter(field_name="month", lookup_expr="gte", label=_("所属期起"))
    month_to = django_filters.DateFilter(field_name="month", lookup_expr="lte", label=_("所属期止"))
    id_number = django_filters.CharFilter(field_name="person__id_number", label=_("证件号码（完整）"))
    district = django_filters.CharFilter(field_name="enrolment__district", label=_("参保辖区"))

    class Meta:
        model = ContributionRecord
        fields = ["person", "kind", "employer", "source", "is_back_payment", "id_number", "district"]


class ResidentPaymentFilter(django_filters.FilterSet):
    id_number = django_filters.CharFilter(field_name="person__id_number", label=_("证件号码（完整）"))

    class Meta:
        model = ResidentPayment
        fields = ["person", "year", "category", "id_number"]
