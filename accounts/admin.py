"""Admin for clerks: accounts with their ledger (read-only), batch jobs with progress, mutual-aid grants."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from core.identity import mask_id_number

from . import selectors, services
from .admin_actions import AccountLifeAdminMixin
from .models import Account, BatchChunk, BatchJob, Inheritance, LedgerEntry, MutualAidGrant


def _errors(error: ValidationError) -> str:
    if hasattr(error, "message_dict"):
        return "；".join(
            f"{field}：{'，'.join(messages_)}" for field, messages_ in error.message_dict.items()
        )
    return "；".join(error.messages)


class AccountForm(forms.ModelForm):
    class Meta:
        model = Account
        fields = (
            "person",
            "opened_on",
            "category",
            "credit_base",
            "pension",
            "credits_stopped",
            "stop_reason",
        )

    def clean(self):
        cleaned = super().clean()
        person = cleaned.get("person")
        if self.instance.pk is None and person is not None and Account.objects.filter(person=person).exists():
            raise ValidationError({"person": _("该参保人已有个人账户")})
        return cleaned


class MutualAidGrantForm(forms.ModelForm):
    class Meta:
        model = MutualAidGrant
        fields = ("holder", "relative", "relation")

    def clean(self):
        cleaned = super().clean()
        if self.instance.pk is None:
            errors = services.mutual_aid_errors(
                holder=cleaned.get("holder"),
                relative=cleaned.get("relative"),
                relation=cleaned.get("relation") or "",
                on=timezone.localdate(),
            )
            if errors:
                raise ValidationError(errors)
        return cleaned


class LedgerEntryInline(admin.TabularInline):
    model = LedgerEntry
    fk_name = "account"
    extra = 0
    can_delete = False
    ordering = ("-id",)
    fields = ("entry_date", "year", "kind", "bucket", "amount", "text", "article", "source_type", "source_id")
    readonly_fields = fields
    show_change_link = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Account)
class AccountAdmin(AccountLifeAdminMixin, SimpleHistoryAdmin):
    form = AccountForm
    list_display = (
        "person_name",
        "masked_id",
        "region",
        "status",
        "category",
        "current",
        "historical",
        "credits_state",
        "rolled_over_year",
    )
    list_filter = ("region", "status", "category", "credits_stopped", "benefit_suspended", "rolled_over_year")
    search_fields = ("person__name", "=person__id_number")
    list_select_related = ("person",)
    raw_id_fields = ("person",)
    actions = ["audit_selected"]
    inlines = [LedgerEntryInline]
    readonly_fields = (
        "region",
        "status",
        "closed_on",
        "current",
        "historical",
        "birth_date",
        "benefit_suspended",
        "suspension_reason",
        "preset_year",
        "preset_amount",
        "credited_year",
        "credited_total",
        "rolled_over_year",
        "last_interest",
        "last_carry_over",
        "last_reconciliation",
        "last_premium",
    )
    fieldsets = (
        (_("账户"), {"fields": ("person", "region", "status", "opened_on", "closed_on")}),
        (_("余额"), {"fields": ("current", "historical")}),
        (
            _("划账依据（按月划账、停止划账）"),
            {
                "fields": (
                    "category",
                    "birth_date",
                    "credit_base",
                    "pension",
                    "credits_stopped",
                    "stop_reason",
                    "benefit_suspended",
                    "suspension_reason",
                    "historical_pays_personal_share",
                )
            },
        ),
        (
            _("预设与结转"),
            {
                "fields": (
                    "preset_year",
                    "preset_amount",
                    "credited_year",
                    "credited_total",
                    "rolled_over_year",
                    "last_interest",
                    "last_carry_over",
                    "last_reconciliation",
                    "last_premium",
                )
            },
        ),
    )

    def get_inlines(self, request, obj=None):
        return [] if obj is None else self.inlines

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return ("region", "status", "closed_on", "current", "historical", "birth_date")
        return self.readonly_fields + ("person", "opened_on")

    def get_fieldsets(self, request, obj=None):
        if obj is None:
            return (
                (
                    _("开户（参保当月预设当年资金）"),
                    {"fields": ("person", "opened_on", "category", "credit_base", "pension")},
                ),
            )
        return self.fieldsets

    @admin.display(description=_("姓名"), ordering="person__name")
    def person_name(self, account):
        return account.person.name

    @admin.display(description=_("证件号码"))
    def masked_id(self, account):
        return mask_id_number(account.person.id_number)

    @admin.display(description=_("划账"))
    def credits_state(self, account):
        if account.credits_stopped:
            return format_html('<span class="status-no">{}</span>', _("停止：%s") % account.stop_reason)
        if account.benefit_suspended:
            return format_html('<span class="status-no">{}</span>', _("暂停：%s") % account.suspension_reason)
        return _("正常")

    def save_model(self, request, obj, form, change):
        try:
            if not change:
                created = services.open_account(
                    person=obj.person,
                    on=obj.opened_on,
                    category=obj.category,
                    base=obj.credit_base,
                    pension=obj.pension,
                )
                obj.pk = created.pk
                obj.refresh_from_db()
            else:
                services.set_profile(
                    account=obj,
                    category=obj.category,
                    base=obj.credit_base,
                    pension=obj.pension,
                    credits_stopped=obj.credits_stopped,
                    stop_reason=obj.stop_reason,
                    historical_pays_personal_share=obj.historical_pays_personal_share,
                )
        except ValidationError as error:
            self.message_user(request, _errors(error), messages.ERROR)

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.action(description=_("核对余额（账本合计与账户余额）"), permissions=["view"])
    def audit_selected(self, request, queryset):
        if queryset.count() > 5000:  # a large selection ("select all"): audit everything, keep the selected
            found = selectors.audit_balances()
            selected = set(queryset.filter(id__in=[m.account_id for m in found]).values_list("id", flat=True))
            mismatches = [m for m in found if m.account_id in selected]
        else:
            mismatches = selectors.audit_balances(account_ids=queryset.values_list("id", flat=True))
        if not mismatches:
            self.message_user(
                request,
                _("已核对 %(count)s 个账户：余额与账本一致。") % {"count": queryset.count()},
                messages.SUCCESS,
            )
            return
        for item in mismatches[:50]:
            self.message_user(
                request,
                _(
                    "账户 %(id)s 不一致：当年资金 余额 %(sc)s / 账本 %(lc)s；历年资金 余额 %(sh)s / 账本 %(lh)s"
                )
                % {
                    "id": item.account_id,
                    "sc": item.stored_current,
                    "lc": item.ledger_current,
                    "sh": item.stored_historical,
                    "lh": item.ledger_historical,
                },
                messages.ERROR,
            )
        self.message_user(request, _("共 %(n)s 个账户不一致。") % {"n": len(mismatches)}, messages.ERROR)


@admin.register(LedgerEntry)
class LedgerEntryAdmin(admin.ModelAdmin):
    """The ledger is append-only: clerks read it; corrections are reversals written by services."""

    list_display = ("id", "account", "entry_date", "year", "kind", "bucket", "amount", "article", "source_id")
    list_filter = ("kind", "bucket", "year")
    search_fields = ("account__person__name", "=account__person__id_number", "=source_id")
    list_select_related = ("account__person",)
    readonly_fields = [field.name for field in LedgerEntry._meta.fields]
    show_full_result_count = False

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class BatchChunkInline(admin.TabularInline):
    """The committed chunks of a job (the rollover runs them on several connections at once)."""

    model = BatchChunk
    extra = 0
    can_delete = False
    ordering = ("-finished_at",)
    fields = ("lo", "hi", "accounts", "entries", "worker", "seconds", "finished_at")
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(BatchJob)
class BatchJobAdmin(admin.ModelAdmin):
    def get_inlines(self, request, obj):
        return [BatchChunkInline] if obj is not None else []

    list_display = (
        "kind",
        "period",
        "status",
        "progress",
        "done",
        "total",
        "started_at",
        "finished_at",
        "short_errors",
    )
    list_filter = ("kind", "status")
    actions = ["run_selected"]
    fields = ("kind", "period", "chunk_size")

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return ()
        return (
            "kind",
            "period",
            "status",
            "total",
            "done",
            "last_id",
            "started_at",
            "finished_at",
            "errors",
            "result",
        )

    def get_fields(self, request, obj=None):
        if obj is None:
            return self.fields
        return self.get_readonly_fields(request, obj) + ("chunk_size",)

    @admin.display(description=_("进度"))
    def progress(self, job):
        return format_html(
            '<progress value="{}" max="100" class="job-progress"></progress> {}%', job.percent, job.percent
        )

    @admin.display(description=_("错误"))
    def short_errors(self, job):
        return (job.errors or "")[:120]

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        """Starting a job: 年度结转 takes a year (YYYY), 按月划账, 欠费检查 and 账户档案更新 a month (YYYY-MM;
        the arrears check runs as of the 1st of that month)."""
        try:
            _parse_period(obj.kind, obj.period)
        except ValueError as error:
            self.message_user(request, str(error), messages.ERROR)
            return
        super().save_model(request, obj, form, change)
        if not change:
            _enqueue(obj)
            self.message_user(request, _("已提交：%(job)s") % {"job": obj}, messages.SUCCESS)

    @admin.action(description=_("运行/续跑所选任务"))
    def run_selected(self, request, queryset):
        for job in queryset:
            if job.status == BatchJob.Status.DONE:
                self.message_user(
                    request, _("%(job)s 已完成，再次运行不会改变任何数据。") % {"job": job}, messages.INFO
                )
            _enqueue(job)
            self.message_user(request, _("已提交：%(job)s") % {"job": job}, messages.SUCCESS)


def _parse_period(kind: str, period: str) -> tuple[int, int | None]:
    try:
        if kind == BatchJob.Kind.YEAR_END_ROLLOVER:
            year = int(period)
            if not 2000 <= year <= timezone.localdate().year:
                raise ValueError
            return year, None
        day = dt.date.fromisoformat(f"{period}-01")
        return day.year, day.month
    except ValueError:
        raise ValueError(
            str(
                _(
                    "年度/月份格式有误：年度结转填 YYYY（已结束的年度），按月划账、欠费检查、账户档案更新填 YYYY-MM"
                )
            )
        )


def _enqueue(job: BatchJob) -> None:
    from . import tasks

    year, month = _parse_period(job.kind, job.period)
    if job.kind == BatchJob.Kind.YEAR_END_ROLLOVER:
        tasks.year_end_rollover.delay(year)
    elif job.kind == BatchJob.Kind.ARREARS_CHECK:
        tasks.arrears_check.delay(dt.date(year, month or 1, 1).isoformat())
    elif job.kind == BatchJob.Kind.PROFILE_REFRESH:
        tasks.profile_refresh.delay(year, month)
    else:
        tasks.credit_month.delay(year, month)


@admin.register(MutualAidGrant)
class MutualAidGrantAdmin(SimpleHistoryAdmin):
    form = MutualAidGrantForm
    list_display = ("holder", "relative", "relation", "channel", "granted_on", "revoked_on", "granted_by")
    list_filter = ("relation", "channel", ("revoked_on", admin.EmptyFieldListFilter))
    search_fields = ("holder__name", "=holder__id_number", "relative__name", "=relative__id_number")
    raw_id_fields = ("holder", "relative")
    actions = ["revoke_selected"]

    def get_fields(self, request, obj=None):
        if obj is None:
            return ("holder", "relative", "relation")
        return (
            "holder",
            "relative",
            "relation",
            "channel",
            "granted_on",
            "granted_by",
            "revoked_on",
            "revoked_by",
        )

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return ()
        return self.get_fields(request, obj)

    def save_model(self, request, obj, form, change):
        if change:
            return
        try:
            grant = services.grant_mutual_aid(
                holder=obj.holder,
                relative=obj.relative,
                relation=obj.relation,
                granted_by=request.user,
                channel=MutualAidGrant.Channel.COUNTER,
            )
            obj.pk = grant.pk
            obj.refresh_from_db()
        except ValidationError as error:
            self.message_user(request, _errors(error), messages.ERROR)

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.action(description=_("撤销所选共济授权"))
    def revoke_selected(self, request, queryset):
        for grant in queryset.filter(revoked_on__isnull=True):
            services.revoke_mutual_aid(grant=grant, revoked_by=request.user)
        self.message_user(request, _("已撤销。"), messages.SUCCESS)


@admin.register(Inheritance)
class InheritanceAdmin(SimpleHistoryAdmin):
    list_display = ("account", "heir_name", "masked_heir_id", "amount", "settled_on", "settled_by")
    search_fields = ("heir_name", "account__person__name")
    readonly_fields = ("account", "heir_name", "heir_id_number", "amount", "settled_on", "settled_by")

    @admin.display(description=_("继承人证件号码"))
    def masked_heir_id(self, inheritance):
        return mask_id_number(inheritance.heir_id_number)

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
