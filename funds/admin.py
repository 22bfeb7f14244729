"""Funds in the admin: the journal (read only), monthly figures with the report page, the year's accounts."""

import datetime as dt

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from policy.parameters import REGIONS

from . import posting, reports, services, tasks
from .models import (
    DeficitShare,
    FundMonth,
    FundYear,
    JournalEntry,
    PostingMark,
    ReformDraft,
    SimulationRun,
    YearClose,
)
from .simulation import start_run, validate_changes
from .simulation.summary import MEASURES, deciles_svg


class ReadOnlyAdmin(admin.ModelAdmin):
    """Rows written only by the posting run or the year close: clerks read them."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(JournalEntry)
class JournalEntryAdmin(ReadOnlyAdmin):
    list_display = (
        "posted_on",
        "region",
        "district",
        "from_book",
        "to_book",
        "amount",
        "source_kind",
        "source_id",
        "component",
    )
    list_filter = ("region", "year", "from_book", "to_book", "source_kind")
    search_fields = ("source_id", "district")
    date_hierarchy = "posted_on"
    show_full_result_count = False


class ReportForm(forms.Form):
    region = forms.ChoiceField(label=_("统筹地区"), choices=[(r, r) for r in REGIONS])
    year = forms.IntegerField(label=_("年度"), min_value=2000, max_value=2100)
    district = forms.CharField(label=_("辖区（空为全部）"), required=False, max_length=40)


@admin.register(FundMonth)
class FundMonthAdmin(ReadOnlyAdmin):
    list_display = (
        "year",
        "month",
        "region",
        "fund",
        "district",
        "income",
        "expenditure",
        "balance",
        "entries",
    )
    list_filter = ("region", "year", "fund", "district")
    change_list_template = "admin/funds/fundmonth/change_list.html"

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("report/", view(self.report_view), name="funds_report"),
            path("post/", view(self.post_view), name="funds_post"),
        ] + super().get_urls()

    def report_view(self, request):
        """基金收支报表: monthly income, expenditure and balance per fund, chart, CSV and XLSX."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        form = ReportForm(request.GET or {"region": REGIONS[0], "year": dt.date.today().year - 1})
        rows, yearly = [], []
        if form.is_valid():
            region, year = form.cleaned_data["region"], form.cleaned_data["year"]
            district = form.cleaned_data["district"] or None
            export = request.GET.get("export")
            if export == "csv":
                response = HttpResponse(
                    reports.as_csv(region=region, year=year), content_type="text/csv; charset=utf-8"
                )
                response["Content-Disposition"] = f'attachment; filename="funds-{region}-{year}.csv"'
                return response
            if export == "xlsx":
                response = HttpResponse(
                    reports.as_xlsx(region=region, year=year),
                    content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                )
                response["Content-Disposition"] = f'attachment; filename="funds-{region}-{year}.xlsx"'
                return response
            rows = reports.monthly_figures(region=region, year=year, district=district)
            yearly = reports.yearly_figures(region=region, year=year) if not district else []
        context = {
            **self.admin_site.each_context(request),
            "title": _("基金收支报表"),
            "opts": self.model._meta,
            "form": form,
            "rows": rows,
            "yearly": yearly,
            "chart": reports.chart_svg(yearly) if yearly else "",
            "query": request.GET.urlencode(),
        }
        return TemplateResponse(request, "admin/funds/report.html", context)

    def post_view(self, request):
        """Post the records not yet in the journal (the nightly job, on demand)."""
        if request.method != "POST" or not request.user.has_perm("funds.add_yearclose"):
            raise PermissionDenied
        written = posting.post_all()
        messages.success(request, _("已记账 %(n)s 笔凭证") % {"n": sum(written.values())})
        return redirect(reverse("admin:funds_fundmonth_changelist"))


@admin.register(PostingMark)
class PostingMarkAdmin(ReadOnlyAdmin):
    list_display = ("source_kind", "last_id", "posted", "updated")


class FundYearInline(admin.TabularInline):
    model = FundYear
    extra = 0
    can_delete = False
    fields = readonly_fields = ("fund", "district", "opening", "income", "expenditure", "closing", "covered")

    def has_add_permission(self, request, obj=None):
        return False


class DeficitShareInline(admin.TabularInline):
    model = DeficitShare
    extra = 0
    can_delete = False
    fields = readonly_fields = ("fund", "district", "text", "amount", "article")

    def has_add_permission(self, request, obj=None):
        return False


class CloseYearForm(forms.ModelForm):
    """决算: the clerk names the region and year; the service computes everything else."""

    class Meta:
        model = YearClose
        fields = ("region", "year")
        widgets = {"region": forms.Select(choices=[(r, r) for r in REGIONS])}

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.result = None

    def clean(self):
        data = super().clean()
        if self.errors:
            return data
        try:
            self.result = services.close_year(region=data["region"], year=data["year"], closed_by=self.user)
        except ValidationError as error:
            for field, errors in error.message_dict.items():
                self.add_error(field if field in self.fields else None, errors)
        return data

    def _post_clean(self):  # the service wrote and validated the record; nothing half-filled to check
        if self.result is None and not self.errors:
            super()._post_clean()

    def save(self, commit=True):
        return self.result


@admin.register(YearClose)
class YearCloseAdmin(SimpleHistoryAdmin):
    list_display = ("year", "region", "status", "closed_on", "published_on")
    list_filter = ("region", "status")
    inlines = (FundYearInline, DeficitShareInline)
    actions = ("publish",)

    def get_form(self, request, obj=None, **kwargs):
        if obj is None:
            form = CloseYearForm

            class WithUser(form):
                def __init__(self, *args, **kw):
                    super().__init__(*args, user=request.user, **kw)

            return WithUser
        return super().get_form(request, obj, **kwargs)

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return ()
        return ("region", "year", "status", "closed_on", "closed_by", "publication", "published_on")

    def save_model(self, request, obj, form, change):
        if not change:
            return  # the service wrote it
        super().save_model(request, obj, form, change)

    def save_related(self, request, form, formsets, change):
        if change:
            super().save_related(request, form, formsets, change)

    def get_inlines(self, request, obj):
        return self.inlines if obj is not None else ()

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.action(description=_("公布所选年度（生成公布报告 PDF）"), permissions=["change"])
    def publish(self, request, queryset):
        for close in queryset:
            tasks.publish_year.delay(close.pk)
        self.message_user(
            request, _("已提交 %(n)s 个年度的公布报告生成任务") % {"n": queryset.count()}, messages.SUCCESS
        )


class ReformDraftForm(forms.ModelForm):
    """The changes as JSON, checked against the region's declarations (name and shape) before saving."""

    class Meta:
        model = ReformDraft
        fields = ("name", "region", "year", "changes", "note")
        widgets = {"region": forms.Select(choices=[(r, r) for r in REGIONS])}
        help_texts = {
            "changes": _(
                '列表，每项 {"name": 参数名, "effective_from": "YYYY-MM-DD", "value": 与现行参数同形的取值（YAML 写法）}'
            ),
        }

    def clean(self):
        data = super().clean()
        if not self.errors:
            try:
                validate_changes(region=data["region"], changes=data["changes"])
            except ValidationError as error:
                for field, errors in error.message_dict.items():
                    self.add_error(field if field in self.fields else None, errors)
        return data


@admin.register(ReformDraft)
class ReformDraftAdmin(SimpleHistoryAdmin):
    """改革测算方案 (杭州 art. 33): drafted by the administration clerks, run as a batch job."""

    form = ReformDraftForm
    list_display = ("name", "region", "year", "created", "created_by")
    actions = ("run",)

    def save_model(self, request, obj, form, change):
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)

    @admin.action(description=_("运行测算（后台任务，进度见“改革测算运行”）"), permissions=["change"])
    def run(self, request, queryset):
        for draft in queryset:
            try:
                run = start_run(draft=draft)
            except ValidationError as error:
                self.message_user(request, f"{draft}：{'; '.join(error.messages)}", messages.ERROR)
                continue
            tasks.run_simulation.delay(run.pk)
            self.message_user(request, _("已提交测算：%(draft)s") % {"draft": draft}, messages.SUCCESS)


@admin.register(SimulationRun)
class SimulationRunAdmin(ReadOnlyAdmin):
    list_display = ("draft", "status", "percent", "total", "done", "started_at", "finished_at")
    list_filter = ("status",)
    fields = ("draft", "status", "total", "done", "started_at", "finished_at", "error", "report")
    readonly_fields = fields

    def has_change_permission(self, request, obj=None):  # the page is shown read-only
        return False

    @admin.display(description=_("测算结果"))
    def report(self, run):
        from django.utils.html import format_html, format_html_join
        from django.utils.safestring import mark_safe

        result = run.result or {}
        if not result:
            return "-"
        head = format_html_join("", "<th>{}</th>", ((m,) for m in MEASURES))
        blocks = []
        for dimension, rows in result.get("by", {}).items():
            body = format_html_join(
                "",
                "<tr><td>{}</td><td>{}</td>{}</tr>",
                (
                    (
                        row["key"],
                        side,
                        format_html_join("", "<td>{}</td>", ((row[side][m],) for m in MEASURES)),
                    )
                    for row in rows
                    for side in ("live", "draft", "change")
                ),
            )
            blocks.append(
                format_html(
                    "<h3>{}</h3><table><tr><th>{}</th><th></th>{}</tr>{}</table>",
                    dimension,
                    dimension,
                    head,
                    body,
                )
            )
        totals = result["totals"]
        summary = format_html(
            str(
                _(
                    "<p>费用 {} 笔，参保人年度 {} 个；大病保险支付人数 现行 {} → 方案 {}</p>"
                    "<p>基金支付合计变化：统筹 {}，大病 {}，救助 {}；个人现金 {}</p>"
                )
            ),
            result["bills"],
            result["persons"],
            result["catastrophic_persons"]["live"],
            result["catastrophic_persons"]["draft"],
            totals["change"]["basic_fund"],
            totals["change"]["catastrophic"],
            totals["change"]["assistance"],
            totals["change"]["cash"],
        )
        chart = mark_safe(deciles_svg(result))  # built from numbers only, no user text
        return format_html(
            "{}<h3>{}</h3>{}{}",
            summary,
            _("个人负担十分位（灰：现行，蓝：方案）"),
            chart,
            mark_safe("".join(blocks)),
        )
