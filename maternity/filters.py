import django_filters
from django.utils.translation import gettext_lazy as _

from .models import Application


class ApplicationFilter(django_filters.FilterSet):
    event_date_from = django_filters.DateFilter(
        field_name="event_date", lookup_expr="gte", label=_("事件日期起")
    )
    event_date_to = django_filters.DateFilter(
        field_name="event_date", lookup_expr="lte", label=_("事件日期止")
    )
    id_number = django_filters.CharFilter(field_name="person__id_number", label=_("证件号码（完整）"))

    class Meta:
        model = Application
        fields = [
            "status",
            "allowance_kind",
            "event_kind",
            "eligible",
            "employer_reference",
            "source",
            "id_number",
        ]
