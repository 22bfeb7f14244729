"""The clerks' assistance admin (Chinese, with history): the fund book and its report, post-hoc
applications, special cases and their queue. Every write goes through `assistance.services`."""

from __future__ import annotations

import datetime as dt

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from policy import assistance as rules

from . import reports, selectors, services
from .forms import (
    DecisionForm,
    PaymentForm,
    PostHocForm,
    ReviewForm,
    SpecialApplicationForm,
    add_service_error,
)
from .models import AssistancePosting, CaseAttachment, PostHocApplication, PostHocItem, SpecialCase


class ReadOnlyMixin:
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


def _articles(*keys: str) -> str:
    """The regions' citations of figure-less rules, from their parameter files."""
    from policy.regions import all_regions

    return "；".join(region.article(key) for region in all_regions() for key in keys if region.has(key))


def _kind_label(kind: str) -> str:
    return rules.KIND_NAMES.get(kind, kind or "-")


@admin.register(AssistancePosting)
class AssistancePostingAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = ("posted_on", "channel", "person", "district", "kind_label", "amount", "article", "text")
    list_filter = ("channel", "region", "district", "certificate_kind", "posted_on")
    search_fields = ("person__name", "person__id_number", "source_id", "text")
    date_hierarchy = "posted_on"
    list_select_related = ("person",)
    change_list_template = "admin/assistance/assistanceposting/change_list.html"

    @admin.display(description=_("救助对象类别"))
    def kind_label(self, obj):
        return _kind_label(obj.certificate_kind)

    def has_view_permission(self, request, obj=None):
        return request.user.has_perm("assistance.view_assistanceposting")

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("report/", view(self.report_view), name="assistance_report"),
            path("report.csv", view(self.report_csv), name="assistance_report_csv"),
            path("report.xlsx", view(self.report_xlsx), name="assistance_report_xlsx"),
        ] + super().get_urls()

    def _check(self, request):
        if not request.user.has_perm("assistance.view_assistanceposting"):
            raise PermissionDenied

    def report_view(self, request):
        """Assistance paid by month, district, recipient kind and channel, with a chart and exports."""
        self._check(request)
        if request.method == "POST":
            written = services.post_immediate()
            messages.success(request, _("即时救助入账：新增 %(n)s 笔") % {"n": written})
            return redirect(f"{reverse('admin:assistance_report')}?{request.GET.urlencode()}")
        query = reports.ReportQuery.from_request(request.GET)
        rows = selectors.report(start=query.start, end=query.end, by=query.by)
        balance = selectors.book_balance()
        context = {
            **self.admin_site.each_context(request),
            "title": _("医疗救助统计"),
            "opts": self.model._meta,
            "query": query,
            "dimensions": reports.DIMENSION_LABELS,
            "rows": rows,
            "totals": reports.totals(rows),
            "chart": reports.svg_chart(rows),
            "balance": balance,
            "params": request.GET.urlencode(),
        }
        return TemplateResponse(request, "admin/assistance/report.html", context)

    def report_csv(self, request):
        self._check(request)
        query = reports.ReportQuery.from_request(request.GET)
        return reports.csv_response(selectors.report(start=query.start, end=query.end, by=query.by), query)

    def report_xlsx(self, request):
        self._check(request)
        query = reports.ReportQuery.from_request(request.GET)
        return reports.xlsx_response(selectors.report(start=query.start, end=query.end, by=query.by), query)


class PostHocItemInline(admin.TabularInline):
    model = PostHocItem
    extra = 0
    can_delete = False
    fields = ("bill_date", "settlement", "kind_label", "burden", "ratio", "already", "amount", "explained")
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    @admin.display(description=_("救助对象类别"))
    def kind_label(self, obj):
        return _kind_label(obj.certificate_kind)

    @admin.display(description=_("计算说明"))
    def explained(self, obj):
        return format_html(
            "<br>".join("{} {} {}" for _line in obj.lines),
            *[part for line in obj.lines for part in (line["article"], line["text"], line["amount"])],
        )


@admin.register(PostHocApplication)
class PostHocApplicationAdmin(SimpleHistoryAdmin):
    list_display = (
        "id",
        "person",
        "period_start",
        "period_end",
        "status",
        "preview_total",
        "total",
        "paid_on",
    )
    list_filter = ("status",)
    search_fields = ("person__name", "person__id_number")
    inlines = [PostHocItemInline]
    readonly_fields = (
        "person",
        "period_start",
        "period_end",
        "status",
        "preview_total",
        "total",
        "note",
        "created",
        "created_by",
        "paid_on",
        "paid_by",
    )
    actions = ["pay_selected"]
    change_form_template = "admin/assistance/steps_change_form.html"

    def has_delete_permission(self, request, obj=None):
        return False

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("<int:pk>/pay/", view(self.pay_view), name="assistance_posthoc_pay"),
        ] + super().get_urls()

    def add_view(self, request, form_url="", extra_context=None):
        """事后救助受理: the clerk picks the person and the period; the service refuses what it must."""
        if not self.has_add_permission(request):
            raise PermissionDenied
        form = PostHocForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            data = form.cleaned_data
            try:
                application = services.create_posthoc(
                    person=data["person"],
                    period_start=data["period_start"],
                    period_end=data["period_end"],
                    note=data["note"],
                    user=request.user,
                )
            except services.AssistanceError as error:
                add_service_error(form, error)
            else:
                messages.success(
                    request, _("已受理，测算救助金额 %(t)s 元") % {"t": application.preview_total}
                )
                return redirect("admin:assistance_posthocapplication_change", application.pk)
        return _step_page(
            self,
            request,
            form,
            _("事后救助受理"),
            _("选择参保人和费用期间：按费用日期顺序测算已结算但未享受救助的费用，在年度限额内补足")
            + f"（{_articles('assistance.posthoc', 'assistance.recipients')}）。",
            _("测算并受理"),
        )

    def change_view(self, request, object_id, form_url="", extra_context=None):
        application = get_object_or_404(PostHocApplication, pk=object_id)
        steps = []
        if application.status == PostHocApplication.Status.PENDING and request.user.has_perm(
            "assistance.change_posthocapplication"
        ):
            steps.append((reverse("admin:assistance_posthoc_pay", args=[application.pk]), _("支付")))
        extra_context = {**(extra_context or {}), "steps": steps}
        return super().change_view(request, object_id, form_url, extra_context)

    def pay_view(self, request, pk):
        application = get_object_or_404(PostHocApplication, pk=pk)
        if request.method != "POST":
            return _confirm_page(self, request, _("支付事后救助"), application, _("确认支付"))
        try:
            application = services.pay_posthoc(application=application, user=request.user)
        except services.AssistanceError as error:
            messages.error(request, "；".join(m for ms in error.message_dict.values() for m in ms))
        else:
            messages.success(request, _("已支付 %(t)s 元") % {"t": application.total})
        return redirect("admin:assistance_posthocapplication_change", application.pk)

    @admin.action(description=_("支付所选事后救助申请"))
    def pay_selected(self, request, queryset):
        for application in queryset:
            try:
                services.pay_posthoc(application=application, user=request.user)
            except (services.AssistanceError, PermissionDenied) as error:
                messages.error(request, f"{application}: {error}")


class CaseAttachmentInline(admin.TabularInline):
    model = CaseAttachment
    extra = 0
    can_delete = False
    fields = ("download", "content_type", "size", "uploaded_at")
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    @admin.display(description=_("文件"))
    def download(self, obj):
        return format_html(
            '<a href="{}">{}</a>', reverse("admin:assistance_attachment", args=[obj.pk]), obj.name
        )


class QueueFilter(admin.SimpleListFilter):
    title = _("待办队列")
    parameter_name = "queue"

    def lookups(self, request, model_admin):
        return [("review", _("待审核")), ("meeting", _("待联席会议决定")), ("pay", _("待支付"))]

    def queryset(self, request, queryset):
        wanted = {
            "review": SpecialCase.Status.APPLIED,
            "meeting": SpecialCase.Status.UNDER_REVIEW,
            "pay": SpecialCase.Status.APPROVED,
        }.get(self.value())
        return queryset.filter(status=wanted) if wanted else queryset


@admin.register(SpecialCase)
class SpecialCaseAdmin(SimpleHistoryAdmin):
    list_display = (
        "id",
        "person",
        "kind_label",
        "district",
        "status",
        "amount_requested",
        "amount_approved",
        "applicant",
        "applied_at",
        "meeting_date",
        "minutes_number",
    )
    list_filter = (QueueFilter, "status", "region", "district", "applicant")
    search_fields = ("person__name", "person__id_number", "minutes_number")
    inlines = [CaseAttachmentInline]
    change_form_template = "admin/assistance/steps_change_form.html"
    readonly_fields = (
        "person",
        "region_name",
        "district",
        "year",
        "kind_label",
        "applicant",
        "reason",
        "amount_requested",
        "status",
        "applied_at",
        "applied_by",
        "review_note",
        "review_summary",
        "reviewed_at",
        "reviewed_by",
        "meeting_date",
        "minutes_number",
        "amount_approved",
        "refusal_reason",
        "decided_at",
        "decided_by",
        "paid_on",
        "paid_by",
    )

    @admin.display(description=_("救助对象类别"))
    def kind_label(self, obj):
        return _kind_label(obj.certificate_kind)

    @admin.display(description=_("统筹地区"))
    def region_name(self, obj):
        from policy.regions import display_name

        return display_name(obj.region)

    def has_delete_permission(self, request, obj=None):
        return False

    def has_add_permission(self, request):
        return request.user.has_perm("assistance.apply_specialcase")

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("<int:pk>/review/", view(self.review_view), name="assistance_case_review"),
            path("<int:pk>/decide/", view(self.decide_view), name="assistance_case_decide"),
            path("<int:pk>/pay/", view(self.pay_view), name="assistance_case_pay"),
            path("attachment/<int:pk>/", view(self.attachment_view), name="assistance_attachment"),
        ] + super().get_urls()

    def add_view(self, request, form_url="", extra_context=None):
        """窗口代为申请 (杭州 art. 53: the person applies; the counter may take it for them)."""
        if not self.has_add_permission(request):
            raise PermissionDenied
        form = SpecialApplicationForm(request.POST or None, request.FILES or None)
        if request.method == "POST" and form.is_valid():
            data = form.cleaned_data
            try:
                case = services.apply_special(
                    person=data["person"],
                    reason=data["reason"],
                    amount=data["amount"],
                    files=data["attachments"],
                    user=request.user,
                )
            except services.AssistanceError as error:
                add_service_error(form, error)
            else:
                messages.success(request, _("已受理特殊救助申请"))
                return redirect("admin:assistance_specialcase_change", case.pk)
        return _step_page(
            self,
            request,
            form,
            _("特殊救助申请（窗口代办）"),
            _(
                "经医疗救助或其他各类救助后仍存在严重就医困难的救助对象，可申请由医疗救助联席会议研究给予特殊救助"
            )
            + f"（{_articles('assistance.special')}）。",
            _("提交申请"),
            multipart=True,
        )

    def change_view(self, request, object_id, form_url="", extra_context=None):
        case = get_object_or_404(SpecialCase, pk=object_id)
        steps = []
        user = request.user
        if case.status == SpecialCase.Status.APPLIED and user.has_perm("assistance.review_specialcase"):
            steps.append((reverse("admin:assistance_case_review", args=[case.pk]), _("审核")))
        if case.status == SpecialCase.Status.UNDER_REVIEW and user.has_perm("assistance.decide_specialcase"):
            steps.append((reverse("admin:assistance_case_decide", args=[case.pk]), _("录入联席会议决定")))
        if case.status == SpecialCase.Status.APPROVED and user.has_perm("assistance.pay_specialcase"):
            steps.append((reverse("admin:assistance_case_pay", args=[case.pk]), _("支付")))
        summary = selectors.year_summary(
            person=case.person, on=selectors.case_year_day(case, dt.date.today())
        )
        moves = selectors.case_moves(case)
        extra_context = {**(extra_context or {}), "steps": steps, "summary": summary, "moves": moves}
        return super().change_view(request, object_id, form_url, extra_context)

    def _step(self, request, pk, form_class, title, intro, button, call):
        case = get_object_or_404(SpecialCase, pk=pk)
        form = form_class(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                call(case, form.cleaned_data)
            except services.AssistanceError as error:
                add_service_error(form, error)
            else:
                messages.success(request, _("已保存：%(t)s") % {"t": title})
                return redirect("admin:assistance_specialcase_change", case.pk)
        summary = selectors.year_summary(person=case.person, on=dt.date.today())
        return _step_page(self, request, form, title, intro, button, case=case, summary=summary)

    def review_view(self, request, pk):
        def call(case, data):
            services.review_special(case=case, user=request.user, forward=data["forward"], note=data["note"])

        return self._step(
            request,
            pk,
            ReviewForm,
            _("审核"),
            _("核对本年度已享受的医疗救助、个人现金支付和持证情况，情况属实的上报医疗救助联席会议。"),
            _("保存审核结论"),
            call,
        )

    def decide_view(self, request, pk):
        def call(case, data):
            services.decide_special(
                case=case,
                user=request.user,
                approved=data["approved"],
                meeting_date=data["meeting_date"],
                minutes_number=data["minutes_number"],
                amount=data["amount"] if data["approved"] else None,
                refusal_reason=data["refusal_reason"],
            )

        return self._step(
            request,
            pk,
            DecisionForm,
            _("录入联席会议决定"),
            _("按联席会议纪要录入：同意的填写核定金额，不同意的写明理由；均须填写会议日期和纪要编号。"),
            _("保存决定"),
            call,
        )

    def pay_view(self, request, pk):
        def call(case, data):
            services.pay_special(case=case, user=request.user, today=data["paid_on"] or None)

        return self._step(
            request,
            pk,
            PaymentForm,
            _("支付特殊救助"),
            _("支付核定金额，并记入医疗救助基金") + f"（{_articles('assistance.fund')}）。",
            _("确认支付"),
            call,
        )

    def attachment_view(self, request, pk):
        attachment = get_object_or_404(CaseAttachment, pk=pk)
        if not request.user.has_perm("assistance.view_specialcase"):
            raise PermissionDenied
        try:
            handle = attachment.file.open("rb")
        except (FileNotFoundError, ValueError):
            raise Http404 from None
        return FileResponse(handle, content_type=attachment.content_type, filename=attachment.name)


def _step_page(model_admin, request, form, title, intro, button, *, multipart=False, case=None, summary=None):
    context = {
        **model_admin.admin_site.each_context(request),
        "title": title,
        "intro": intro,
        "button": button,
        "form": form,
        "multipart": multipart,
        "case": case,
        "summary": summary,
        "opts": model_admin.model._meta,
    }
    return TemplateResponse(request, "admin/assistance/step.html", context)


def _confirm_page(model_admin, request, title, obj, button):
    context = {
        **model_admin.admin_site.each_context(request),
        "title": title,
        "intro": str(obj),
        "button": button,
        "form": None,
        "opts": model_admin.model._meta,
    }
    return TemplateResponse(request, "admin/assistance/step.html", context)
