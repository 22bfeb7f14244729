"""Clerk admin (Chinese) of chapter 9: agreements and breaches, clearings, DRG tables and budgets, the DRG year-end, supervision."""

from django.contrib import admin, messages
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from core.admin_base import ServiceAddAdminMixin

from . import agreements
from .forms import AgreementForm, BreachForm
from .models import Agreement, Breach


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
