"""Clerk admin (Chinese): institutions, settlements (read-only; reversal action; counter reimbursement), accumulators, statements."""

from django.contrib import admin, messages
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from policy.parameters import ParameterError

from . import services
from .forms import CounterReimbursementForm
from .models import Accumulator, Institution, InstitutionSuspension, Settlement, SettlementLine, Statement


class InstitutionSuspensionInline(admin.TabularInline):
    """Suspension periods (reading 25): add one to suspend, set its end to lift it; rows stay as history."""

    model = InstitutionSuspension
    fields = ("start", "end", "reason")
    extra = 0
    can_delete = False


@admin.register(Institution)
class InstitutionAdmin(SimpleHistoryAdmin):
    list_display = (
        "code",
        "name",
        "level",
        "kind",
        "designated",
        "networked",
        "location",
        "agreement_status",
        "suspended_today",
    )
    list_filter = ("region", "level", "kind", "designated", "networked", "location", "agreement_status")
    search_fields = ("code", "name")
    inlines = [InstitutionSuspensionInline]

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("suspensions")

    @admin.display(description=_("今日暂停结算"), boolean=True)
    def suspended_today(self, obj):
        return obj.suspension_on(timezone.localdate()) is not None


@admin.register(InstitutionSuspension)
class InstitutionSuspensionAdmin(SimpleHistoryAdmin):
    list_display = ("institution", "start", "end", "reason")
    list_filter = ("end",)
    search_fields = ("institution__code", "institution__name")
    list_select_related = ("institution",)


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class SettlementLineInline(admin.TabularInline):
    model = SettlementLine
    fields = ("position", "article", "text", "amount")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


def statement_link(settlement: Settlement):
    statement = getattr(settlement, "statement", None)
    url = reverse("claims-statement-pdf", args=[settlement.pk])
    if statement is None:  # rendered on the first request (STATEMENTS_RENDER_EAGERLY off)
        return format_html('<a href="{}">{}</a>', url, _("生成并下载"))
    if statement.status == Statement.Status.READY:
        return format_html('<a href="{}">{}</a>', url, _("下载PDF"))
    return format_html('{} · <a href="{}">{}</a>', statement.get_status_display(), url, _("生成并下载"))


@admin.register(Settlement)
class SettlementAdmin(ReadOnlyAdmin):
    list_display = (
        "id",
        "bill_number",
        "masked_person",
        "institution_display",
        "bill_kind",
        "bill_date",
        "year_key",
        "total",
        "basic_fund_paid",
        "catastrophic_paid",
        "assistance_paid",
        "mutual_aid_paid",
        "cash_paid",
        "kind",
        "status",
        "statement_download",
    )
    list_filter = (
        "status",
        "kind",
        "source",
        "bill_kind",
        "maternity",
        "settlement_mode",
        "year_key",
        "institution",
    )
    search_fields = ("bill_number", "person__name", "person__id_number")
    list_select_related = ("person", "institution", "statement")
    date_hierarchy = "bill_date"
    inlines = [SettlementLineInline]
    actions = ["reverse_selected"]
    readonly_fields = ("masked_person", "statement_download")
    exclude = ("request", "response", "state_before", "state_delta", "person")
    change_list_template = "admin/claims/settlement/change_list.html"

    @admin.display(description=_("参保人"), ordering="person__name")
    def masked_person(self, obj):
        return str(obj.person)

    @admin.display(description=_("就医机构"))
    def institution_display(self, obj):
        return obj.institution.name if obj.institution else obj.institution_name

    @admin.display(description=_("结算单"))
    def statement_download(self, obj):
        return statement_link(obj)

    @admin.action(description=_("冲正所选结算"), permissions=["view"])
    def reverse_selected(self, request, queryset):
        if not request.user.has_perm("claims.change_settlement"):
            self.message_user(request, _("没有冲正权限"), messages.ERROR)
            return
        for settlement in queryset.order_by("id"):
            try:
                reversal = services.reverse(settlement=settlement, user=request.user)
            except services.ClaimError as error:
                self.message_user(request, f"{settlement.bill_number}: {error.text}", messages.ERROR)
            except ParameterError as error:  # a figure or citation missing: a message, never a 500
                self.message_user(request, f"{settlement.bill_number}: {error}", messages.ERROR)
            else:
                self.message_user(
                    request,
                    _("%(number)s 已冲正（冲正记录 %(id)s）")
                    % {"number": settlement.bill_number, "id": reversal.pk},
                )

    def get_urls(self):
        return [
            path(
                "reimburse/",
                self.admin_site.admin_view(self.reimburse_view),
                name="claims_settlement_reimburse",
            )
        ] + super().get_urls()

    def reimburse_view(self, request):
        """事后报销: the same service as the API, source `counter`, with the art. 65 deadline."""
        if not request.user.has_perm("claims.add_settlement"):
            messages.error(request, _("没有事后报销权限"))
            return redirect("admin:claims_settlement_changelist")
        form = CounterReimbursementForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                settlement, created = services.reimburse(
                    person=form.person,
                    institution=form.institution,
                    bill=form.bill(),
                    body=form.body(),
                    user=request.user,
                )
            except services.ClaimError as error:
                field_name = error.field_name if error.field_name in form.fields else None
                form.add_error(field_name, error.text + (f"（{error.article}）" if error.article else ""))
            except ParameterError as error:  # a figure or citation missing: a message, never a 500
                form.add_error(None, str(error))
            else:
                if created:
                    messages.success(
                        request,
                        _("已报销：基金支付 %(fund)s 元，合计 %(total)s 元")
                        % {"fund": settlement.basic_fund_paid, "total": settlement.total},
                    )
                else:
                    messages.warning(request, _("该票据已报销过，显示原结算"))
                return redirect("admin:claims_settlement_change", settlement.pk)
        person = getattr(form, "person", None)
        context = {
            **self.admin_site.each_context(request),
            "title": _("事后报销（窗口）"),
            "form": form,
            "deadlines": counter_deadlines(person.region if person else None),
            "opts": self.model._meta,
        }
        return TemplateResponse(request, "admin/claims/settlement/reimburse.html", context)

    def changelist_view(self, request, extra_context=None):
        extra_context = {
            **(extra_context or {}),
            "reimburse_url": reverse("admin:claims_settlement_reimburse"),
        }
        return super().changelist_view(request, extra_context)


@admin.register(Accumulator)
class AccumulatorAdmin(ReadOnlyAdmin):
    list_display = ("person", "region", "year_key", "year_start", "year_end", "settlements", "updated")
    list_filter = ("region", "year_key")
    search_fields = ("person__name", "person__id_number")
    list_select_related = ("person",)
    readonly_fields = (
        "person",
        "region",
        "year_key",
        "year_start",
        "year_end",
        "state",
        "settlements",
        "updated",
    )


@admin.register(Statement)
class StatementAdmin(ReadOnlyAdmin):
    list_display = ("settlement", "status", "attempts", "rendered", "error", "download")
    list_filter = ("status",)
    search_fields = ("settlement__bill_number",)
    actions = ["render_again"]

    @admin.display(description=_("下载"))
    def download(self, obj):
        return statement_link(obj.settlement)

    @admin.action(description=_("重新生成结算单"), permissions=["view"])
    def render_again(self, request, queryset):
        for statement in queryset:
            statement.status = Statement.Status.PENDING
            statement.save(update_fields=["status"])
            services.queue_render(statement.settlement_id)
        self.message_user(request, _("已提交重新生成"))


def counter_deadlines(region: str | None) -> list[dict]:
    """The deadline of a bill paid in full, as the person's region's file words it (every region's before a
    person is named): its name, its words and its article, in the reader's language."""
    from policy.claims import counter_deadline_rule
    from policy.regions import REGIONS, display_name
    from policy.wording import cited

    shown = []
    for code in [region] if region else REGIONS:
        article, text = counter_deadline_rule(code)
        if article:
            shown.append({"region": display_name(code), "text": text, "article": cited(article)})
    return shown
