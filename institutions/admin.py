"""Clerk admin (Chinese) of chapter 9: agreements and breaches, clearings, DRG tables and budgets, the DRG year-end, supervision."""

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from core.admin_base import ServiceAddAdminMixin

from . import agreements, clearing, drg, supervision, tables
from .forms import AgreementForm, BreachForm, DrawUpForm, PaymentForm, TableImportForm, YearEndForm
from .models import (
    Agreement,
    Breach,
    BudgetTable,
    Clearing,
    ClearingDeduction,
    DistrictBudget,
    DrgTable,
    DrgWeight,
    DrgYear,
    DrgYearLine,
    Flag,
    Rule,
)


def with_request(form_class, request):
    """The form class bound to the request (the service records who acted)."""

    class Bound(form_class):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, request=request, **kwargs)

    Bound.__name__ = form_class.__name__
    return Bound


class BreachInline(admin.TabularInline):
    model = Breach
    fields = (
        "found_on",
        "sanction",
        "amount",
        "services",
        "starts_on",
        "ends_on",
        "lifted_on",
        "description",
    )
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Agreement)
class AgreementAdmin(SimpleHistoryAdmin):
    form = AgreementForm
    list_display = (
        "number",
        "institution",
        "district",
        "start_date",
        "end_date",
        "services_display",
        "state",
        "signed_on",
    )
    list_filter = ("state", "district", "institution__region")
    search_fields = ("number", "institution__code", "institution__name")
    list_select_related = ("institution",)
    autocomplete_fields = ()
    inlines = [BreachInline]
    actions = ["sign_selected", "suspend_selected", "resume_selected"]

    @admin.display(description=_("服务范围"))
    def services_display(self, obj):
        return obj.services_display

    def _each(self, request, queryset, action, done):
        for agreement in queryset:
            try:
                action(agreement)
            except Exception as error:  # a ValidationError names the reason
                self.message_user(
                    request, f"{agreement.number}: {getattr(error, 'messages', [error])[0]}", messages.ERROR
                )
            else:
                self.message_user(request, f"{agreement.number}: {done}")

    @admin.action(description=_("签订所选协议"), permissions=["change"])
    def sign_selected(self, request, queryset):
        self._each(
            request, queryset, lambda a: agreements.sign(agreement=a, on=timezone.localdate()), _("已签订")
        )

    @admin.action(description=_("暂停所选协议（调查期间）"), permissions=["change"])
    def suspend_selected(self, request, queryset):
        self._each(
            request,
            queryset,
            lambda a: agreements.suspend_agreement(agreement=a, reason=_("涉嫌违规，调查处理期间")),
            _("已暂停"),
        )

    @admin.action(description=_("恢复所选协议"), permissions=["change"])
    def resume_selected(self, request, queryset):
        self._each(request, queryset, lambda a: agreements.resume_agreement(agreement=a), _("已恢复"))


@admin.register(Breach)
class BreachAdmin(ServiceAddAdminMixin, SimpleHistoryAdmin):
    add_form = BreachForm
    list_display = (
        "agreement",
        "found_on",
        "sanction",
        "amount",
        "services_display",
        "starts_on",
        "ends_on",
        "lifted_on",
    )
    list_filter = ("sanction", "agreement__institution")
    search_fields = ("agreement__number", "description")
    list_select_related = ("agreement",)
    readonly_fields = (
        "agreement",
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
        "recorded_by",
        "recorded_at",
    )
    actions = ["lift_selected"]

    @admin.display(description=_("暂停的服务"))
    def services_display(self, obj):
        return obj.services_display

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)
        return with_request(form, request) if obj is None else form

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.action(description=_("解除暂停 / 放行暂停拨付"), permissions=["change"])
    def lift_selected(self, request, queryset):
        for breach in queryset:
            try:
                agreements.lift(breach=breach, on=timezone.localdate())
            except Exception as error:
                self.message_user(
                    request, f"{breach}: {getattr(error, 'messages', [error])[0]}", messages.ERROR
                )
            else:
                self.message_user(request, _("%(breach)s 已解除") % {"breach": breach})


# --- clearings ---------------------------------------------------------------------------------


def _error_text(error) -> str:
    messages_ = getattr(error, "messages", None)
    return "；".join(str(m) for m in messages_) if messages_ else str(error)


class ReadOnlyMixin:
    def has_add_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def get_readonly_fields(self, request, obj=None):
        return [field.name for field in self.model._meta.fields]


class DeductionInline(admin.TabularInline):
    model = ClearingDeduction
    fields = ("kind", "amount", "breach")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Clearing)
class ClearingAdmin(ReadOnlyMixin, SimpleHistoryAdmin):
    list_display = (
        "month_label",
        "institution",
        "state",
        "settlements",
        "reversals",
        "gross",
        "withheld",
        "recovered",
        "released",
        "net",
        "pdf_link",
    )
    list_filter = ("state", "month", "region")
    search_fields = ("institution__code", "institution__name")
    list_select_related = ("institution",)
    inlines = [DeductionInline]
    actions = ["approve_selected", "render_pdf_again"]
    change_list_template = "admin/institutions/clearing/change_list.html"
    change_form_template = "admin/institutions/clearing/change_form.html"

    @admin.display(description=_("清算月份"), ordering="month")
    def month_label(self, obj):
        return obj.month_label

    @admin.display(description=_("清算单"))
    def pdf_link(self, obj):
        if obj.state == Clearing.State.DRAFT:
            return "-"
        url = reverse("admin:institutions_clearing_pdf", args=[obj.pk])
        return format_html(
            '<a href="{}">{}</a>', url, _("下载PDF") if obj.pdf_status == "ready" else _("生成并下载")
        )

    @admin.action(description=_("审核通过所选清算"), permissions=["approve"])
    def approve_selected(self, request, queryset):
        for each in queryset.order_by("pk"):
            try:
                clearing.approve(clearing=each, user=request.user)
            except ValidationError as error:
                self.message_user(
                    request, f"{each.month_label} {each.institution}: {_error_text(error)}", messages.ERROR
                )
            else:
                self.message_user(
                    request,
                    _("%(month)s %(inst)s 已审核通过")
                    % {"month": each.month_label, "inst": each.institution},
                )

    def has_approve_permission(self, request):
        return request.user.has_perm("institutions.change_clearing")

    @admin.action(description=_("重新生成清算单"), permissions=["approve"])
    def render_pdf_again(self, request, queryset):
        for each in queryset.exclude(state=Clearing.State.DRAFT):
            clearing.queue_pdf(each.pk)
        self.message_user(request, _("已提交生成"))

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("draw-up/", view(self.draw_up_view), name="institutions_clearing_draw_up"),
            path("queue/", view(self.queue_view), name="institutions_queue"),
            path("<int:pk>/pay/", view(self.pay_view), name="institutions_clearing_pay"),
            path("<int:pk>/pdf/", view(self.pdf_view), name="institutions_clearing_pdf"),
        ] + super().get_urls()

    def _page(self, request, title, form, template="admin/institutions/form.html", **extra):
        context = {
            **self.admin_site.each_context(request),
            "title": title,
            "form": form,
            "opts": self.model._meta,
            **extra,
        }
        return TemplateResponse(request, template, context)

    def draw_up_view(self, request):
        if not request.user.has_perm("institutions.add_clearing"):
            raise PermissionDenied
        form = DrawUpForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                drafts = clearing.draw_up(month=form.cleaned_data["month"])
            except ValidationError as error:
                form.add_error("month", _error_text(error))
            else:
                messages.success(request, _("已生成 %(n)s 份待审核清算") % {"n": len(drafts)})
                return redirect("admin:institutions_clearing_changelist")
        return self._page(request, _("生成月度清算"), form)

    def pay_view(self, request, pk: int):
        if not request.user.has_perm("institutions.change_clearing"):
            raise PermissionDenied
        each = get_object_or_404(Clearing, pk=pk)
        form = PaymentForm(request.POST or None, initial={"paid_on": timezone.localdate()})
        if request.method == "POST" and form.is_valid():
            try:
                clearing.record_payment(
                    clearing=each,
                    paid_on=form.cleaned_data["paid_on"],
                    reference=form.cleaned_data["payment_reference"],
                    user=request.user,
                )
            except ValidationError as error:
                form.add_error(None, _error_text(error))
            else:
                messages.success(request, _("已登记拨付"))
                return redirect("admin:institutions_clearing_change", pk)
        return self._page(
            request, _("登记拨付：%(m)s %(i)s") % {"m": each.month_label, "i": each.institution}, form
        )

    def pdf_view(self, request, pk: int):
        each = get_object_or_404(Clearing, pk=pk)
        if each.state == Clearing.State.DRAFT:
            raise Http404(_("清算尚未审核"))
        if each.pdf_status != Clearing.PdfStatus.READY or not each.pdf:
            from .tasks import render

            render(each.pk)
            each.refresh_from_db()
        return FileResponse(
            each.pdf.open("rb"), content_type="application/pdf", filename=f"clearing-{each.pk}.pdf"
        )

    def queue_view(self, request):
        """What awaits a clerk: clearings to approve or pay, flags to review, DRG years to approve, drafts to sign."""
        rows = [
            (
                _("待审核的月度清算"),
                Clearing.objects.filter(state=Clearing.State.DRAFT).count(),
                reverse("admin:institutions_clearing_changelist") + "?state__exact=draft",
            ),
            (
                _("已审核待拨付的月度清算"),
                Clearing.objects.filter(state=Clearing.State.APPROVED).count(),
                reverse("admin:institutions_clearing_changelist") + "?state__exact=approved",
            ),
            (
                _("待审核的监管疑点"),
                Flag.objects.filter(state=Flag.State.OPEN).count(),
                reverse("admin:institutions_flag_changelist") + "?state__exact=open",
            ),
            (
                _("待审核的 DRG 年终清算"),
                DrgYear.objects.filter(state=DrgYear.State.CALCULATED).count(),
                reverse("admin:institutions_drgyear_changelist") + "?state__exact=calculated",
            ),
            (
                _("草拟待签订的协议"),
                Agreement.objects.filter(state=Agreement.State.DRAFT).count(),
                reverse("admin:institutions_agreement_changelist") + "?state__exact=draft",
            ),
            (
                _("暂停中的协议"),
                Agreement.objects.filter(state=Agreement.State.SUSPENDED).count(),
                reverse("admin:institutions_agreement_changelist") + "?state__exact=suspended",
            ),
        ]
        context = {
            **self.admin_site.each_context(request),
            "title": _("定点机构管理待办"),
            "rows": rows,
            "opts": self.model._meta,
        }
        return TemplateResponse(request, "admin/institutions/queue.html", context)

    def changelist_view(self, request, extra_context=None):
        extra_context = {
            **(extra_context or {}),
            "draw_up_url": reverse("admin:institutions_clearing_draw_up"),
            "queue_url": reverse("admin:institutions_queue"),
        }
        return super().changelist_view(request, extra_context)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        extra_context = {
            **(extra_context or {}),
            "pay_url": reverse("admin:institutions_clearing_pay", args=[object_id]),
        }
        return super().change_view(request, object_id, form_url, extra_context)


# --- DRG tables, budgets, the year end ---------------------------------------------------------


class WeightInline(admin.TabularInline):
    model = DrgWeight
    fields = ("code", "name", "weight", "average_cost")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


class BudgetInline(admin.TabularInline):
    model = DistrictBudget
    fields = ("district", "inpatient_budget")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


class ImportAdmin(ReadOnlyMixin, SimpleHistoryAdmin):
    """Tables come only from a file (导入), checked row by row; a version is never edited."""

    importer = None
    list_display = ("__str__", "region", "year", "version", "effective_from", "source_name", "imported_at")
    list_filter = ("region", "year")
    change_list_template = "admin/institutions/import_change_list.html"

    def has_change_permission(self, request, obj=None):
        return False

    def get_urls(self):
        info = self.model._meta.app_label, self.model._meta.model_name
        return [
            path("import/", self.admin_site.admin_view(self.import_view), name="{}_{}_import".format(*info))
        ] + super().get_urls()

    def import_view(self, request):
        if not request.user.has_perm(f"institutions.add_{self.model._meta.model_name}"):
            raise PermissionDenied
        form = TableImportForm(request.POST or None, request.FILES or None)
        row_errors = []
        if request.method == "POST" and form.is_valid():
            upload = form.cleaned_data["file"]
            try:
                table = type(self).importer(
                    region=form.cleaned_data["region"],
                    year=form.cleaned_data["year"],
                    effective_from=form.cleaned_data["effective_from"],
                    content=upload.read(),
                    filename=upload.name,
                    user=request.user,
                    note=form.cleaned_data["note"],
                )
            except tables.TableRefused as error:
                row_errors = [str(e) for e in error.errors]
                form.add_error("file", _("文件有 %(n)s 处错误，未导入任何数据") % {"n": len(row_errors)})
            except ValidationError as error:
                form.add_error(None, _error_text(error))
            else:
                messages.success(request, _("已导入 %(table)s") % {"table": table})
                return redirect(f"admin:institutions_{self.model._meta.model_name}_change", table.pk)
        context = {
            **self.admin_site.each_context(request),
            "title": _("导入%(name)s") % {"name": self.model._meta.verbose_name},
            "form": form,
            "row_errors": row_errors,
            "opts": self.model._meta,
            "multipart": True,
        }
        return TemplateResponse(request, "admin/institutions/form.html", context)

    def changelist_view(self, request, extra_context=None):
        info = self.model._meta.app_label, self.model._meta.model_name
        extra_context = {**(extra_context or {}), "import_url": reverse("admin:{}_{}_import".format(*info))}
        return super().changelist_view(request, extra_context)


@admin.register(DrgTable)
class DrgTableAdmin(ImportAdmin):
    importer = staticmethod(tables.import_drg_table)
    inlines = [WeightInline]


@admin.register(BudgetTable)
class BudgetTableAdmin(ImportAdmin):
    importer = staticmethod(tables.import_budget_table)
    inlines = [BudgetInline]


class YearLineInline(admin.TabularInline):
    model = DrgYearLine
    fields = ("institution", "district", "cases", "points", "point_value", "due", "paid", "balance")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(DrgYear)
class DrgYearAdmin(ReadOnlyMixin, SimpleHistoryAdmin):
    list_display = ("year", "region", "state", "drg_table", "budget_table", "calculated_at", "approved_at")
    list_filter = ("region", "state")
    inlines = [YearLineInline]
    actions = ["approve_selected"]
    change_list_template = "admin/institutions/drgyear/change_list.html"

    def get_urls(self):
        return [
            path("run/", self.admin_site.admin_view(self.run_view), name="institutions_drgyear_run")
        ] + super().get_urls()

    def run_view(self, request):
        if not request.user.has_perm("institutions.add_drgyear"):
            raise PermissionDenied
        form = YearEndForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                result = drg.run_year_end(
                    region=form.cleaned_data["region"], year=form.cleaned_data["year"], user=request.user
                )
            except ValidationError as error:
                form.add_error(None, _error_text(error))
            else:
                messages.success(request, _("已测算 %(y)s") % {"y": result})
                return redirect("admin:institutions_drgyear_change", result.pk)
        context = {
            **self.admin_site.each_context(request),
            "title": _("DRG 年终清算测算"),
            "form": form,
            "opts": self.model._meta,
        }
        return TemplateResponse(request, "admin/institutions/form.html", context)

    def changelist_view(self, request, extra_context=None):
        extra_context = {**(extra_context or {}), "run_url": reverse("admin:institutions_drgyear_run")}
        return super().changelist_view(request, extra_context)

    @admin.action(description=_("审核通过所选年终清算"), permissions=["approve"])
    def approve_selected(self, request, queryset):
        for each in queryset:
            try:
                drg.approve_year(drg_year=each, user=request.user)
            except ValidationError as error:
                self.message_user(request, f"{each}: {_error_text(error)}", messages.ERROR)
            else:
                self.message_user(request, _("%(y)s 已审核") % {"y": each})

    def has_approve_permission(self, request):
        return request.user.has_perm("institutions.change_drgyear")


# --- supervision -------------------------------------------------------------------------------


@admin.register(Rule)
class RuleAdmin(SimpleHistoryAdmin):
    list_display = ("name", "kind", "enabled", "thresholds", "article")
    list_editable = ("enabled",)
    readonly_fields = ("kind",)

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def changelist_view(self, request, extra_context=None):
        supervision.ensure_rules()
        return super().changelist_view(request, extra_context)


@admin.register(Flag)
class FlagAdmin(ReadOnlyMixin, SimpleHistoryAdmin):
    list_display = ("day", "rule", "institution", "settlement", "amount", "detail", "state", "reviewed_by")
    list_filter = ("state", "rule", "day")
    search_fields = ("institution__code", "institution__name", "detail")
    list_select_related = ("rule", "institution", "reviewed_by")
    actions = ["dismiss_selected", "confirm_selected"]

    def _review(self, request, queryset, decision):
        for flag in queryset:
            try:
                supervision.review(flag=flag, decision=decision, user=request.user)
            except ValidationError as error:
                self.message_user(request, f"{flag}: {_error_text(error)}", messages.ERROR)
            else:
                self.message_user(
                    request, _("%(flag)s：%(state)s") % {"flag": flag, "state": Flag.State(decision).label}
                )

    @admin.action(description=_("排除所选疑点"), permissions=["approve"])
    def dismiss_selected(self, request, queryset):
        self._review(request, queryset, Flag.State.DISMISSED)

    @admin.action(description=_("确认违规并按协议追回统筹基金"), permissions=["approve"])
    def confirm_selected(self, request, queryset):
        self._review(request, queryset, Flag.State.CONFIRMED)

    def has_approve_permission(self, request):
        return request.user.has_perm("institutions.change_flag")
