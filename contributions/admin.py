"""Clerk admin (Chinese): contributions are computed (read-only with their explanation); bases,
credited periods are entered through forms that call the services."""

import datetime as dt

from django import forms
from django.contrib import admin, messages
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from core.admin_base import ServiceAddAdminMixin, ServiceForm
from core.identity import mask_id_number
from policy import contributions as rules
from policy.amount import RuleInputError
from policy.parameters import ParameterError, parameters_for

from . import services
from .models import (
    AgreementPayment,
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
        "<tr><td>{}</td><td>{}</td><td class='num'>{}</td></tr>",
        ((line["article"], line["text"], line["amount"]) for line in obj.lines),
    )
    return format_html(
        "<table><tr><th>{}</th><th>{}</th><th>{}</th></tr>{}</table>", _("条款"), _("计算"), _("金额"), rows
    )


explanation.short_description = _("计算说明")


class ComputedAdmin(ServiceAddAdminMixin, SimpleHistoryAdmin):
    """Computed records: clerks read them; they are written only by the services.

    With an `add_form`, the clerk enters what the service needs and the service computes the rest.
    """

    def has_add_permission(self, request):
        return self.add_form is not None and super().has_add_permission(request)

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description=_("证件号码"))
    def masked_id(self, obj):
        return mask_id_number(obj.person.id_number)


class CounterPaymentForm(ServiceForm):
    """窗口缴费: a month's employee-scheme contribution, computed by the person's category that month."""

    monthly_wage = forms.DecimalField(
        label=_("本人上年度月平均工资（在职职工；已申报基数可不填）"),
        required=False,
        max_digits=14,
        decimal_places=2,
    )
    disabled_veteran = forms.BooleanField(
        label=_("退役六级及以上残疾军人（个人缴费由财政资助，地区有此规定的）"), required=False
    )
    disability_allowance = forms.DecimalField(
        label=_("伤残津贴（工伤职工以伤残津贴为基数缴费，不设上下限）"),
        required=False,
        min_value=0,
        max_digits=14,
        decimal_places=2,
    )

    class Meta:
        model = ContributionRecord
        fields = ("person", "month", "paid_on")

    def call(self, data):
        return services.record_monthly_contribution(
            person=data["person"],
            month=data["month"],
            paid_on=data["paid_on"],
            monthly_wage=data.get("monthly_wage"),
            disabled_veteran=bool(data.get("disabled_veteran")),
            disability_allowance=data.get("disability_allowance"),
        )


class ResidentPaymentForm(ServiceForm):
    subsidy_reason = forms.ChoiceField(
        label=_("补贴原因（不选则按缴费日有效的持证认定）"),
        required=False,
        choices=[
            ("", "—"),
            ("orphanage", _("收养人员")),
            ("entitled_veteran_dependant", _("享受定期抚恤补助的优抚对象")),
        ]
        + [(kind, name) for kind, name in rules.CERTIFICATE_NAMES.items() if kind in rules.CERTIFICATE_KINDS],
    )

    class Meta:
        model = ResidentPayment
        fields = ("enrolment", "paid_on")

    def call(self, data):
        return services.record_resident_payment(
            enrolment=data["enrolment"],
            paid_on=data["paid_on"],
            subsidy_reason=data.get("subsidy_reason") or None,
        )


class BackPaymentForm(ServiceForm):
    class Meta:
        model = BackPayment
        fields = ("person", "identity", "employer", "first_month", "last_month", "paid_on")

    def call(self, data):
        return services.record_back_payment(
            person=data["person"],
            identity=data["identity"],
            employer=data.get("employer"),
            first_month=data["first_month"],
            last_month=data["last_month"],
            paid_on=data["paid_on"],
        )


class RetirementForm(ServiceForm):
    method = forms.ChoiceField(
        label=_("年限不足时的方式"),
        required=False,
        choices=[("", _("年限已满足")), ("lump_sum", _("一次性补缴")), ("monthly", _("按月缴纳"))],
    )

    class Meta:
        model = RetirementConfirmation
        fields = ("person", "retirement_date", "confirmed_on")

    def call(self, data):
        return services.confirm_retirement(
            person=data["person"],
            retirement_date=data["retirement_date"],
            confirmed_on=data.get("confirmed_on") or timezone.localdate(),
            method=data.get("method") or None,
        )


class AgreementPaymentForm(ServiceForm):
    class Meta:
        model = AgreementPayment
        fields = ("enrolment", "amount", "standard", "paid_on")

    def call(self, data):
        return services.record_agreement_payment(
            enrolment=data["enrolment"],
            amount=data["amount"],
            paid_on=data["paid_on"],
            standard=data["standard"],
        )


@admin.register(AgreementPayment)
class AgreementPaymentAdmin(ComputedAdmin):
    list_display = ("person", "masked_id", "amount", "standard", "paid_on")
    search_fields = ("person__name", "=person__id_number")
    readonly_fields = [explanation]
    exclude = ("lines",)
    add_form = AgreementPaymentForm
    raw_id_fields = ("enrolment",)


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
    add_form = CounterPaymentForm
    raw_id_fields = ("person",)
    actions = ["run_arrears_check"]

    @admin.action(description=_("执行欠费检查（按今日，暂停欠缴人员次月起的待遇）"))
    def run_arrears_check(self, request, queryset):
        """Starts the batch job 欠费检查 of today (chunks, progress on the batch-jobs page)."""
        result = services.start_arrears_job(on=timezone.localdate())
        jobs = reverse("admin:accounts_batchjob_changelist") + "?kind__exact=arrears_check"
        if result.ready():  # run eagerly (no broker: the demo, tests)
            message = format_html(
                gettext("欠费检查完成：新增暂停 {n} 条，见<a href='{url}'>批处理任务</a>"),
                n=result.get()["created"],
                url=jobs,
            )
        else:
            message = format_html(gettext("欠费检查已开始，进度见<a href='{url}'>批处理任务</a>"), url=jobs)
        self.message_user(request, message, messages.INFO)


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
    add_form = ResidentPaymentForm
    raw_id_fields = ("enrolment",)


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
    add_form = BackPaymentForm
    raw_id_fields = ("person", "employer")


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
    add_form = RetirementForm
    raw_id_fields = ("person",)


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
