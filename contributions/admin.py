"""Clerk admin (Chinese): contributions are computed (read-only with their explanation); bases,
credited periods are entered through forms that call the services."""

import datetime as dt

from django import forms
from django.contrib import admin
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from enrollment.identity import mask_id_number
from policy import contributions as rules
from policy.amount import RuleInputError
from policy.parameters import ParameterError, parameters_for

from . import services
from .models import (
    BackPayment,
    BaseDeclaration,
    CatastrophicPremium,
    ContributionRecord,
    CreditedPeriod,
    ResidentPayment,
    RetirementConfirmation,
)


def explanation(obj):
    """The stored lines: article, text, amount."""
    if not obj or not obj.lines:
        return "-"
    rows = format_html_join(
        "",
        "<tr><td>{}</td><td>{}</td><td style='text-align:right'>{}</td></tr>",
        ((line["article"], line["text"], line["amount"]) for line in obj.lines),
    )
    return format_html("<table><tr><th>条款</th><th>计算</th><th>金额</th></tr>{}</table>", rows)


explanation.short_description = _("计算说明")


class ComputedAdmin(SimpleHistoryAdmin):
    """Computed records: clerks read them; they are written only by the services."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description=_("证件号码"))
    def masked_id(self, obj):
        return mask_id_number(obj.person.id_number)


@admin.register(ContributionRecord)
class ContributionRecordAdmin(ComputedAdmin):
    list_display = (
        "person",
        "masked_id",
        "month",
        "kind",
        "base",
        "employer_amount",
        "personal_payable",
        "total",
        "paid_on",
    )
    list_filter = ("kind", "source", "is_back_payment", "enrolment__district", "enrolment__category")
    search_fields = ("person__name", "=person__id_number", "external_id")
    date_hierarchy = "month"
    readonly_fields = [explanation]
    exclude = ("lines",)


@admin.register(ResidentPayment)
class ResidentPaymentAdmin(ComputedAdmin):
    list_display = (
        "person",
        "masked_id",
        "year",
        "category",
        "total",
        "personal_payable",
        "subsidy_reason",
        "paid_on",
    )
    list_filter = ("year", "category", "subsidy_reason", "enrolment__district")
    search_fields = ("person__name", "=person__id_number", "external_id")
    readonly_fields = [explanation]
    exclude = ("lines",)


@admin.register(CatastrophicPremium)
class CatastrophicPremiumAdmin(ComputedAdmin):
    list_display = ("person", "year", "scheme", "total", "personal", "other")
    list_filter = ("year", "scheme")
    search_fields = ("person__name", "=person__id_number")
    readonly_fields = [explanation]
    exclude = ("lines",)


@admin.register(BackPayment)
class BackPaymentAdmin(ComputedAdmin):
    list_display = (
        "person",
        "identity",
        "first_month",
        "last_month",
        "months",
        "earlier_months",
        "total",
        "paid_on",
    )
    list_filter = ("identity",)
    search_fields = ("person__name", "=person__id_number")
    readonly_fields = [explanation]
    exclude = ("lines",)


@admin.register(RetirementConfirmation)
class RetirementConfirmationAdmin(ComputedAdmin):
    list_display = (
        "person",
        "retirement_date",
        "confirmed_on",
        "method",
        "local_actual_months",
        "total_months",
        "lump_sum",
    )
    list_filter = ("method",)
    search_fields = ("person__name", "=person__id_number")
    readonly_fields = [explanation]
    exclude = ("lines",)


class BaseDeclarationForm(forms.ModelForm):
    class Meta:
        model = BaseDeclaration
        fields = ("person", "employer", "year", "declared_monthly_wage", "declared_on")

    def clean(self):
        """Refuse on the form what the rules would refuse (e.g. no 省平工资 set for the year)."""
        data = super().clean()
        person, year, wage = data.get("person"), data.get("year"), data.get("declared_monthly_wage")
        if person and year and wage is not None:
            try:
                rules.employee_base(parameters_for(person.region, dt.date(year, 1, 1)), wage)
            except RuleInputError as error:
                self.add_error("declared_monthly_wage", error.message)
            except ParameterError as error:
                self.add_error("year", str(error))
        return data


@admin.register(BaseDeclaration)
class BaseDeclarationAdmin(SimpleHistoryAdmin):
    """The clerk enters the wage; the base is clamped by the rules (杭州 art. 13(1)(2))."""

    form = BaseDeclarationForm
    list_display = ("person", "employer", "year", "declared_monthly_wage", "base")
    list_filter = ("year",)
    search_fields = ("person__name", "=person__id_number", "employer__name")
    raw_id_fields = ("person", "employer")
    readonly_fields = ("base", explanation)

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        declaration = services.declare_base(
            person=data["person"],
            employer=data["employer"],
            year=data["year"],
            monthly_wage=data["declared_monthly_wage"],
            declared_on=data["declared_on"],
        )
        obj.pk = declaration.pk
        obj.refresh_from_db()


@admin.register(CreditedPeriod)
class CreditedPeriodAdmin(SimpleHistoryAdmin):
    list_display = ("person", "kind", "first_month", "last_month", "evidence")
    list_filter = ("kind",)
    search_fields = ("person__name", "=person__id_number")
    raw_id_fields = ("person",)
