"""Admin: the agency's parameter overrides (政策参数调整), and the parameters in force on a date."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.contrib import admin
from django.template.response import TemplateResponse
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from policy.models import ParameterOverride
from policy.parameters import REGIONS, MissingParameter, parameters_for
from policy.regions import default_region, display_name, region_choices


def _show(value) -> str:
    if isinstance(value, bool):
        return str(_("是") if value else _("否"))
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, dict):
        return "{" + ", ".join(f"{key}: {_show(item)}" for key, item in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(_show(item) for item in value) + "]"
    return str(value)


def parameters_in_force(region: str, on: dt.date) -> list[dict]:
    """Each declared parameter of `region`: article, value on `on`, and where the value comes from."""
    view = parameters_for(region, on)
    rows = []
    for name, parameter in sorted(view.declared.items()):
        overridden = [o for o in view.overrides.get(name, ()) if o.effective_from <= on]
        try:
            value = _show(view[name])
            if overridden:
                source = _("调整（自 %(date)s）") % {"date": overridden[-1].effective_from.isoformat()}
            elif view.is_illustrative(name):
                source = _("示例")
            else:
                source = _("参数文件")
        except MissingParameter:
            value, source = "—", _("未设定")
        rows.append(
            {
                "name": name,
                "article": parameter.article,
                "text": parameter.text,
                "unit": parameter.unit,
                "value": value,
                "source": source,
                "illustrative": not overridden and view.is_illustrative(name),
                "missing": value == "—",
            }
        )
    return rows


@admin.register(ParameterOverride)
class ParameterOverrideAdmin(SimpleHistoryAdmin):
    list_display = ("region", "name", "effective_from", "value", "note", "created_by", "created_at")
    list_filter = ("region",)
    search_fields = ("name", "note")
    date_hierarchy = "effective_from"
    readonly_fields = ("created_by", "created_at")
    fields = ("region", "name", "effective_from", "value", "note", "created_by", "created_at")
    change_list_template = "admin/policy/parameteroverride/change_list.html"

    def save_model(self, request, obj, form, change):
        if not change and obj.created_by_id is None:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)

    def get_urls(self):
        extra = [
            path(
                "in-force/",
                self.admin_site.admin_view(self.in_force_view),
                name="policy_parameteroverride_in_force",
            )
        ]
        return extra + super().get_urls()

    def in_force_view(self, request):
        """Read-only: every declared parameter with its article and its value on a date (示例 if illustrative)."""
        region = request.GET.get("region", "")
        if region not in REGIONS:
            region = default_region()
        try:
            on = dt.date.fromisoformat(request.GET.get("on", ""))
        except ValueError:
            on = timezone.localdate()
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": _("%(region)s现行政策参数（%(on)s）")
            % {"region": display_name(region), "on": on.isoformat()},
            "rows": parameters_in_force(region, on),
            "region": region,
            "regions": region_choices(),
            "on": on,
        }
        return TemplateResponse(request, "admin/policy/parameters_in_force.html", context)
