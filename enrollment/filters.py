import django_filters
from django.utils.translation import gettext_lazy as _

from .models import Enrolment, Person


class PersonFilter(django_filters.FilterSet):
    name = django_filters.CharFilter(lookup_expr="icontains", label=_("姓名"))
    id_number = django_filters.CharFilter(label=_("证件号码（完整）"))
    scheme = django_filters.CharFilter(field_name="enrolments__scheme", distinct=True, label=_("险种"))
    category = django_filters.CharFilter(
        field_name="enrolments__category", distinct=True, label=_("参保类别")
    )
    district = django_filters.CharFilter(
        field_name="enrolments__district", distinct=True, label=_("参保辖区")
    )

    class Meta:
        model = Person
        fields = ["name", "id_number", "region", "hukou_local", "scheme", "category", "district"]


class EnrolmentFilter(django_filters.FilterSet):
    active_on = django_filters.DateFilter(method="filter_active_on", label=_("某日有效"))
    id_number = django_filters.CharFilter(field_name="person__id_number", label=_("证件号码（完整）"))

    class Meta:
        model = Enrolment
        fields = ["person", "region", "scheme", "category", "district", "employer", "id_number"]

    def filter_active_on(self, queryset, name, value):
        return queryset.filter(start_date__lte=value).exclude(end_date__lt=value)
