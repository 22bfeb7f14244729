"""Clerk admin (Chinese): applications (counter intake), the review queue, decisions, payments, the fund book.

A counter clerk (柜员) enters an application through the same service as the API; a review
clerk (审核, `change` permission) approves or refuses from the queue (actions) or on the
application's own page (核定). Decisions, payments and postings are read-only records.
"""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from core.admin_base import ServiceAddAdminMixin, ServiceForm

from . import services
from .assessment import MaternityError
from .models import Application, AwaitingReview, Decision, LumpSumGrant, MaternityPosting, Payment

# service field names -> the admin form's fields
FORM_FIELDS = {"id_number": "person", "employer_credit_code": "employer"}


class ApplicationForm(ServiceForm):
    """窗口受理: the clerk enters the application; `maternity.services.submit` checks and records it."""

    class Meta:
        model = Application
        fields = [
            "person",
            "employer",
            "employer_reference",
            "event_kind",
            "event_date",
            "babies",
            "difficult_birth",
            "child_order",
            "pregnancy_months",
        ]

    def __init__(self, *args, request=None, **kwargs):
        self.request = request
        super().__init__(*args, **kwargs)

    def call(self, data):
        try:
            application, _created = services.submit(
                person=data["person"],
                employer=data.get("employer"),
                employer_reference=data.get("employer_reference") or "",
                event_kind=data["event_kind"],
                event_date=data["event_date"],
                babies=data.get("babies") or 1,
                difficult_birth=bool(data.get("difficult_birth")),
                child_order=data.get("child_order") or 1,
                pregnancy_months=data.get("pregnancy_months"),
                source=Application.Source.COUNTER,
                user=getattr(self.request, "user", None),
            )
        except MaternityError as error:
            raise ValidationError({FORM_FIELDS.get(error.field, error.field): error.message})
        return application


def lines_table(lines):
    if not lines:
        return "-"
    rows = format_html_join(
        "",
        "<tr><td>{}</td><td>{}</td><td class='num'>{}</td></tr>",
        ((line.get("article", ""), line.get("text", ""), line.get("amount", "")) for line in lines),
    )
    return format_html(
        "<table><thead><tr><th>{}</th><th>{}</th><th>{}</th></tr></thead><tbody>{}</tbody></table>",
        _("依据条款"),
        _("说明"),
        _("金额/数值"),
        rows,
    )


def letter_link(decision):
    if decision is None:
        return "-"
    url = reverse("maternity-letter-pdf", args=[decision.pk])
    label = (
        _("下载核定通知书")
        if decision.letter_status == Decision.LetterStatus.READY
        else _("生成并下载核定通知书")
    )
    return format_html('<a class="letter-download" href="{}">{}</a>', url, label)


class DecideForm(forms.Form):
    outcome = forms.ChoiceField(
        label=_("核定结果"), choices=Decision.Outcome.choices, widget=forms.RadioSelect
    )
    reason = forms.CharField(
        label=_("不予核准理由"), required=False, max_length=300, help_text=_("留空则按审核意见（不符合原因）")
    )


def _decide(request, application, outcome, reason=""):
    if outcome == Decision.Outcome.APPROVED:
        return services.approve(application=application, user=request.user)
    return services.refuse(application=application, user=request.user, reason=reason)


class DecisionActions:
    """Queue actions for review clerks (the 审核 group's `change` permission)."""

    actions = ["approve_selected", "refuse_selected"]

    def _run(self, request, queryset, outcome):
        if not request.user.has_perm("maternity.change_application"):
            self.message_user(request, _("没有审核权限"), messages.ERROR)
            return
        for application in queryset.order_by("id"):
            try:
                decision = _decide(request, application, outcome)
            except MaternityError as error:
                self.message_user(request, f"{_('申请')} {application.pk}: {error.message}", messages.ERROR)
            else:
                self.message_user(
                    request,
                    f"{_('申请')} {application.pk}: {decision.get_outcome_display()} {decision.amount} {_('元')}",
                )

    @admin.action(description=_("核准所选申请（拨付并记账）"), permissions=["view"])
    def approve_selected(self, request, queryset):
        self._run(request, queryset, Decision.Outcome.APPROVED)

    @admin.action(description=_("不予核准所选申请（按审核意见）"), permissions=["view"])
    def refuse_selected(self, request, queryset):
        self._run(request, queryset, Decision.Outcome.REFUSED)


READONLY = (
    "allowance_kind",
    "person",
    "employer",
    "employer_reference",
    "event_kind",
    "event_date",
    "babies",
    "difficult_birth",
    "child_order",
    "pregnancy_months",
    "region",
    "district",
    "source",
    "status",
    "eligible",
    "continuous_months",
    "missing_months",
    "average_wage",
    "days",
    "amount",
    "reason",
    "reason_article",
    "computation",
    "submitted_by",
    "submitted_at",
    "review",
)


@admin.register(Application)
class ApplicationAdmin(DecisionActions, ServiceAddAdminMixin, SimpleHistoryAdmin):
    add_form = ApplicationForm
    list_display = (
        "id",
        "person",
        "employer",
        "employer_reference",
        "event_kind",
        "event_date",
        "source",
        "status",
        "eligible",
        "amount",
        "submitted_at",
    )
    list_filter = ("status", "allowance_kind", "event_kind", "source", "eligible", "region", "district")
    search_fields = (
        "person__name",
        "person__id_number",
        "employer__name",
        "employer__credit_code",
        "employer_reference",
    )
    list_select_related = ("person", "employer")
    date_hierarchy = "event_date"
    raw_id_fields = ("person", "employer")
    readonly_fields = READONLY
    exclude = ("lines", "event_group")

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)
        if obj is None:

            class WithRequest(form):
                def __init__(self, *args, **inner):
                    super().__init__(*args, request=request, **inner)

            return WithRequest
        return form

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description=_("计算说明"))
    def computation(self, obj):
        return lines_table(obj.lines)

    @admin.display(description=_("审核"))
    def review(self, obj):
        if obj.pk is None:
            return "-"
        decision = getattr(obj, "decision", None)
        if decision is not None:
            return format_html(
                "{} {} {} · {}",
                decision.get_outcome_display(),
                decision.amount,
                _("元"),
                letter_link(decision),
            )
        return format_html(
            '<a class="button" href="{}">{}</a>',
            reverse("admin:maternity_application_decide", args=[obj.pk]),
            _("核定"),
        )

    def get_urls(self):
        return [
            path(
                "<int:pk>/decide/",
                self.admin_site.admin_view(self.decide_view),
                name="maternity_application_decide",
            )
        ] + super().get_urls()

    def decide_view(self, request, pk):
        """核定: approve (payment and posting) or refuse with a reason."""
        application = get_object_or_404(Application.objects.select_related("person", "employer"), pk=pk)
        if not request.user.has_perm("maternity.change_application"):
            raise PermissionDenied
        form = DecideForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                decision = _decide(
                    request, application, form.cleaned_data["outcome"], form.cleaned_data.get("reason", "")
                )
            except MaternityError as error:
                form.add_error(None, error.message)
            else:
                messages.success(request, f"{decision.get_outcome_display()} {decision.amount} {_('元')}")
                return redirect("admin:maternity_application_change", application.pk)
        context = {
            **self.admin_site.each_context(request),
            "title": _("核定生育津贴申请"),
            "form": form,
            "application": application,
            "computation": lines_table(application.lines),
            "opts": self.model._meta,
        }
        return TemplateResponse(request, "admin/maternity/application/decide.html", context)


@admin.register(AwaitingReview)
class AwaitingReviewAdmin(DecisionActions, admin.ModelAdmin):
    """审核队列: undecided applications, oldest first."""

    list_display = (
        "id",
        "person",
        "employer",
        "event_kind",
        "event_date",
        "source",
        "eligible",
        "amount",
        "reason",
        "submitted_at",
        "open_link",
    )
    list_filter = ("eligible", "allowance_kind", "source", "region", "district")
    search_fields = ("person__name", "person__id_number", "employer__name", "employer_reference")
    list_select_related = ("person", "employer")
    list_display_links = None

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .filter(status=Application.Status.SUBMITTED)
            .order_by("submitted_at", "id")
        )

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description=_("办理"))
    def open_link(self, obj):
        return format_html(
            '<a href="{}">{}</a>', reverse("admin:maternity_application_decide", args=[obj.pk]), _("核定")
        )


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Decision)
class DecisionAdmin(ReadOnlyAdmin, SimpleHistoryAdmin):
    list_display = (
        "id",
        "application",
        "outcome",
        "amount",
        "article",
        "decided_by",
        "decided_on",
        "letter_status",
        "download",
    )
    list_filter = ("outcome", "letter_status", "decided_on")
    search_fields = ("application__person__name", "application__person__id_number")
    list_select_related = ("application__person",)
    exclude = ("lines", "letter")
    readonly_fields = ("computation", "download")

    @admin.display(description=_("计算说明"))
    def computation(self, obj):
        return lines_table(obj.lines)

    @admin.display(description=_("核定通知书"))
    def download(self, obj):
        return letter_link(obj)


@admin.register(Payment)
class PaymentAdmin(ReadOnlyAdmin, SimpleHistoryAdmin):
    list_display = ("id", "person", "payee", "employer", "region", "district", "amount", "paid_on", "article")
    list_filter = ("payee", "region", "district", "paid_on")
    search_fields = ("person__name", "person__id_number", "employer__name", "employer__credit_code")
    list_select_related = ("person", "employer")
    date_hierarchy = "paid_on"
    exclude = ("lines",)
    readonly_fields = ("computation",)
    change_list_template = "admin/maternity/payment/change_list.html"

    @admin.display(description=_("计算说明"))
    def computation(self, obj):
        return lines_table(obj.lines)


@admin.register(MaternityPosting)
class MaternityPostingAdmin(ReadOnlyAdmin):
    list_display = ("posted_on", "fund", "district", "amount", "source_kind", "source_id", "article", "text")
    list_filter = ("district", "posted_on")
    search_fields = ("source_id", "text")


class LumpSumForm(ServiceForm):
    """窗口核发生育医疗费定额补助 (舟山 art. 51(2)) through `maternity.services.grant_lump_sum`."""

    class Meta:
        model = LumpSumGrant
        fields = ["person", "kind", "birth_date", "spouse"]

    def __init__(self, *args, request=None, **kwargs):
        self.request = request
        super().__init__(*args, **kwargs)

    def call(self, data):
        try:
            return services.grant_lump_sum(
                person=data["person"],
                kind=data["kind"],
                birth_date=data["birth_date"],
                spouse=data.get("spouse"),
                user=getattr(self.request, "user", None),
            )
        except MaternityError as error:
            raise ValidationError({error.field if error.field in self.fields else "kind": error.message})


@admin.register(LumpSumGrant)
class LumpSumGrantAdmin(ServiceAddAdminMixin, SimpleHistoryAdmin):
    add_form = LumpSumForm
    list_display = (
        "id",
        "person",
        "kind",
        "birth_date",
        "spouse",
        "fund",
        "district",
        "amount",
        "granted_on",
    )
    list_filter = ("kind", "fund", "region", "district", "granted_on")
    search_fields = ("person__name", "person__id_number", "spouse__name", "spouse__id_number")
    list_select_related = ("person", "spouse")
    raw_id_fields = ("person", "spouse")
    readonly_fields = (
        "person",
        "kind",
        "birth_date",
        "spouse",
        "region",
        "district",
        "fund",
        "amount",
        "computation",
        "granted_on",
        "granted_by",
    )
    exclude = ("lines",)

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)
        if obj is None:

            class WithRequest(form):
                def __init__(self, *args, **inner):
                    super().__init__(*args, request=request, **inner)

            return WithRequest
        return form

    def has_change_permission(self, request, obj=None):
        return obj is None and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description=_("计算说明"))
    def computation(self, obj):
        return lines_table(obj.lines)
