"""Clerk admin (Chinese): persons with today's benefit status, employers, enrolments, certificates, contracts, filings.

Enrolments are checked by the same rules as the service (杭州 art. 11, 12, 20, 30, 73): the
form shows a refusal on the field it concerns, with the article.
"""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.helpers import ActionForm
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from core.admin_base import ServiceAddAdminMixin, ServiceForm
from core.identity import mask_id_number
from policy.wording import translated

from . import services
from .models import (
    Category,
    Certificate,
    Employer,
    Enrolment,
    FamilyRelation,
    Filing,
    GpContract,
    Person,
    Suspension,
    Transfer,
)
from .selectors import benefit_status, benefit_status_text


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class EnrolmentInline(ReadOnlyInline):
    model = Enrolment
    fk_name = "person"
    fields = (
        "scheme",
        "category",
        "district",
        "employer",
        "start_date",
        "end_date",
        "end_reason",
        "first_paid_on",
    )
    readonly_fields = fields


class CertificateInline(ReadOnlyInline):
    model = Certificate
    fields = ("kind", "valid_from", "valid_to", "registered_on", "source")
    readonly_fields = fields


class GpContractInline(ReadOnlyInline):
    model = GpContract
    fields = ("centre_code", "centre_name", "valid_from", "valid_to")
    readonly_fields = fields


class FilingInline(ReadOnlyInline):
    model = Filing
    fields = ("kind", "valid_from", "valid_to", "destination", "disease")
    readonly_fields = fields


@admin.register(Person)
class PersonAdmin(SimpleHistoryAdmin):
    list_display = (
        "name",
        "masked_id",
        "sex",
        "birth_date",
        "hukou_local",
        "hukou_district",
        "region",
        "current_scheme",
    )
    list_filter = (
        "region",
        "hukou_local",
        "id_type",
        "enrolments__scheme",
        "enrolments__category",
        ("enrolments__district", admin.AllValuesFieldListFilter),
    )
    search_fields = ("name", "=id_number")
    readonly_fields = ("status_today", "created")
    raw_id_fields = ("user",)
    fieldsets = (
        (_("身份"), {"fields": ("name", "id_type", "id_number", "birth_date", "sex")}),
        (_("户籍与居住"), {"fields": ("hukou_local", "hukou_district", "residence_district", "region")}),
        (_("联系方式"), {"fields": ("phone", "address", "user")}),
        (_("待遇状态"), {"fields": ("status_today", "death_date", "created")}),
    )
    inlines = [EnrolmentInline, CertificateInline, GpContractInline, FilingInline]

    @admin.display(description=_("证件号码"), ordering="id_number")
    def masked_id(self, person):
        return mask_id_number(person.id_number)

    @admin.display(description=_("当前险种"))
    def current_scheme(self, person):
        today = timezone.localdate()
        for enrolment in person.enrolments.all():
            if enrolment.covers(today):
                return f"{enrolment.get_scheme_display()}·{enrolment.get_category_display()}"
        return "-"

    @admin.display(description=_("今日待遇状态（系统依记录推算）"))
    def status_today(self, person):
        if not person.pk:
            return "-"
        today = timezone.localdate()
        status = benefit_status(person=person, on=today)
        if status.eligible:
            text = _("可享受待遇：%(scheme)s / %(category)s，辖区 %(district)s") % {
                "scheme": status.scheme,
                "category": status.category,
                "district": status.district,
            }
            colour = "status-ok"
        else:
            text = _("不可享受待遇：%(reason)s") % {"reason": translated(status.reason)}
            colour = "status-no"
        extras = []
        if status.certificate:
            extras.append(_("持证：%s") % status.certificate)
        if status.contracted_gp:
            extras.append(_("签约机构：%s") % status.contracted_centre_code)
        if status.filings:
            extras.append(_("备案：%s") % "、".join(status.filings))
        return format_html(
            '<strong class="{}">{}</strong><br>{}<br><small>{} {}</small>',
            colour,
            text,
            "；".join(str(e) for e in extras),
            today.isoformat(),
            status.article,
        )

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("enrolments")


@admin.register(Employer)
class EmployerAdmin(SimpleHistoryAdmin):
    list_display = ("name", "credit_code", "district", "region", "joined_on")
    list_filter = ("region", "district")
    search_fields = ("name", "=credit_code")


class EnrolmentForm(forms.ModelForm):
    """A new enrolment is checked as the service checks it; a refusal lands on its field.

    An employee enrolment opens the personal account and presets it (杭州 art. 22(3)): the
    clerk enters the monthly contribution base (a retiree: the monthly pension).
    """

    credit_base = forms.DecimalField(
        label=_("缴费基数（月）"),
        required=False,
        min_value=0,
        max_digits=12,
        decimal_places=2,
        help_text=_("职工医保：建立个人账户并按参保当月起预设当年资金"),
    )
    pension = forms.DecimalField(
        label=_("基本养老金（月）"), required=False, min_value=0, max_digits=12, decimal_places=2
    )

    class Meta:
        model = Enrolment
        fields = (
            "person",
            "scheme",
            "category",
            "district",
            "employer",
            "school",
            "school_level",
            "parent",
            "eligible_since",
            "start_date",
            "end_date",
            "end_reason",
            "note",
        )

    def clean(self):
        data = super().clean()
        person, category, start = data.get("person"), data.get("category"), data.get("start_date")
        if self.instance.pk or not (person and category and start):
            return data
        try:
            scheme = services._scheme_of(category)
            if data.get("scheme") and data["scheme"] != scheme:
                raise services.EnrolmentError({"scheme": [_("险种与参保类别不符")]})
            services.check_eligibility(
                person=person,
                category=category,
                district=data.get("district") or "",
                start_date=start,
                employer=data.get("employer"),
                school=data.get("school") or "",
                school_level=data.get("school_level") or "",
                parent=data.get("parent"),
                local_actual_months=services._local_actual_months(person)
                if category == "flexible" and not person.hukou_local
                else None,
            )
            services._check_single_scheme(person, start, data.get("end_date"))
        except services.EnrolmentError as error:
            for field, messages in error.message_dict.items():
                self.add_error(field if field in self.fields else None, messages)
        return data


class SwitchActionForm(ActionForm):
    """险种转换 (杭州 art. 73): the new category, its district and the day the new scheme starts."""

    category = forms.ChoiceField(
        label=_("转换后参保类别"), choices=[("", "—"), *Category.choices], required=False
    )
    district = forms.CharField(label=_("参保辖区"), required=False, max_length=40)
    on = forms.DateField(label=_("转换日期"), required=False, widget=forms.DateInput(attrs={"type": "date"}))


@admin.register(Enrolment)
class EnrolmentAdmin(SimpleHistoryAdmin):
    form = EnrolmentForm
    action_form = SwitchActionForm
    actions = ["switch_scheme"]
    list_display = (
        "person",
        "scheme",
        "category",
        "district",
        "employer",
        "start_date",
        "end_date",
        "first_paid_on",
    )
    list_filter = ("region", "scheme", "category", "district", "end_reason")
    search_fields = ("person__name", "=person__id_number", "employer__name")
    raw_id_fields = ("person", "employer", "parent")
    readonly_fields = ("first_paid_on", "region")
    date_hierarchy = "start_date"

    def save_model(self, request, obj, form, change):
        if change:
            super().save_model(request, obj, form, change)
            return
        data = form.cleaned_data
        created = services.enrol(
            person=data["person"],
            category=data["category"],
            district=data["district"],
            start_date=data["start_date"],
            end_date=data.get("end_date"),
            employer=data.get("employer"),
            school=data.get("school") or "",
            school_level=data.get("school_level") or "",
            parent=data.get("parent"),
            eligible_since=data.get("eligible_since"),
            note=data.get("note") or "",
            credit_base=data.get("credit_base"),
            pension=data.get("pension"),
        )
        obj.pk = created.pk
        obj.refresh_from_db()

    @admin.action(description=_("险种转换（选一条参保登记，填写转换后类别、辖区和日期）"))
    def switch_scheme(self, request, queryset):
        """The service ends the enrolment the day before and enrols in the new scheme; the waits of
        art. 73 follow from the records (benefit_status), shown to the clerk with the article."""
        data = request.POST
        if queryset.count() != 1:
            self.message_user(request, _("请只选择一条参保登记"), messages.ERROR)
            return
        enrolment = queryset.get()
        # the action form's own fields (its `action` choices are set by the changelist, not here)
        fields = SwitchActionForm.base_fields
        try:
            category = fields["category"].clean(data.get("category"))
            on = fields["on"].clean(data.get("on"))
            district = fields["district"].clean(data.get("district"))
        except forms.ValidationError:
            category = on = None
        if not category or not on:
            self.message_user(request, _("请填写转换后参保类别和转换日期"), messages.ERROR)
            return
        try:
            created = services.switch_scheme(
                person=enrolment.person,
                category=category,
                district=district or enrolment.district,
                on=on,
            )
        except services.EnrolmentError as error:
            for field, texts in error.message_dict.items():
                self.message_user(request, f"{field}: {'；'.join(texts)}", messages.ERROR)
            return
        status = benefit_status(person=enrolment.person, on=on)
        self.message_user(
            request,
            _("已转换为 %(new)s（%(on)s 起）。%(status)s")
            % {"new": created, "on": on.isoformat(), "status": benefit_status_text(status)},
            messages.SUCCESS,
        )


class CertificateForm(ServiceForm):
    class Meta:
        model = Certificate
        fields = ("person", "kind", "number", "valid_from", "valid_to", "registered_on", "source")

    def call(self, data):
        return services.record_certificate(
            person=data["person"],
            kind=data["kind"],
            number=data.get("number") or "",
            valid_from=data["valid_from"],
            valid_to=data.get("valid_to"),
            registered_on=data.get("registered_on"),
            source=data.get("source") or Certificate.Source.COUNTER,
        )


@admin.register(Certificate)
class CertificateAdmin(ServiceAddAdminMixin, SimpleHistoryAdmin):
    add_form = CertificateForm
    list_display = ("person", "kind", "valid_from", "valid_to", "registered_on", "source")
    list_filter = ("kind", "source")
    search_fields = ("person__name", "=person__id_number", "number")
    raw_id_fields = ("person",)


class GpContractForm(ServiceForm):
    class Meta:
        model = GpContract
        fields = ("person", "centre_code", "centre_name", "valid_from", "valid_to")

    def call(self, data):
        return services.record_gp_contract(
            person=data["person"],
            centre_code=data["centre_code"],
            centre_name=data.get("centre_name") or "",
            valid_from=data["valid_from"],
            valid_to=data.get("valid_to"),
        )


@admin.register(GpContract)
class GpContractAdmin(ServiceAddAdminMixin, SimpleHistoryAdmin):
    add_form = GpContractForm
    list_display = ("person", "centre_code", "centre_name", "valid_from", "valid_to")
    search_fields = ("person__name", "=person__id_number", "centre_code")
    raw_id_fields = ("person",)


class FilingForm(ServiceForm):
    class Meta:
        model = Filing
        fields = ("person", "kind", "valid_from", "valid_to", "destination", "disease", "note")

    def call(self, data):
        return services.record_filing(
            person=data["person"],
            kind=data["kind"],
            valid_from=data["valid_from"],
            valid_to=data.get("valid_to"),
            destination=data.get("destination") or "",
            disease=data.get("disease") or "",
            note=data.get("note") or "",
        )


@admin.register(Filing)
class FilingAdmin(ServiceAddAdminMixin, SimpleHistoryAdmin):
    add_form = FilingForm
    list_display = ("person", "kind", "valid_from", "valid_to", "destination", "disease")
    list_filter = ("kind",)
    search_fields = ("person__name", "=person__id_number")
    raw_id_fields = ("person",)


class TransferForm(ServiceForm):
    """转入 checks who may bring years (art. 76(1)); 转出 refuses retirees and arrears (art. 76(3)(4))."""

    class Meta:
        model = Transfer
        fields = (
            "person",
            "direction",
            "other_place",
            "transferred_on",
            "from_scheme",
            "continuous_months_before",
            "transferred_months",
            "organisational_transfer",
            "note",
        )

    def call(self, data):
        if data["direction"] == Transfer.Direction.OUT:
            return services.record_transfer_out(
                person=data["person"],
                other_place=data["other_place"],
                transferred_on=data["transferred_on"],
                note=data.get("note") or "",
            )
        return services.record_transfer_in(
            person=data["person"],
            other_place=data["other_place"],
            transferred_on=data["transferred_on"],
            from_scheme=data.get("from_scheme") or "employee",
            continuous_months_before=data.get("continuous_months_before") or 0,
            transferred_months=data.get("transferred_months") or 0,
            organisational_transfer=bool(data.get("organisational_transfer")),
            note=data.get("note") or "",
        )


@admin.register(Transfer)
class TransferAdmin(ServiceAddAdminMixin, SimpleHistoryAdmin):
    add_form = TransferForm
    list_display = (
        "person",
        "direction",
        "other_place",
        "transferred_on",
        "from_scheme",
        "continuous_months_before",
    )
    list_filter = ("direction", "from_scheme")
    search_fields = ("person__name", "=person__id_number")
    raw_id_fields = ("person",)


@admin.register(Suspension)
class SuspensionAdmin(admin.ModelAdmin):
    """Written by the arrears check and by payments; clerks read them."""

    list_display = ("enrolment", "unpaid_month", "suspended_from", "lifted_on", "restored_from", "article")
    list_filter = ("article",)
    search_fields = ("enrolment__person__name", "=enrolment__person__id_number")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class FamilyRelationForm(forms.ModelForm):
    """A clerk records a relation after checking the household register or a certificate; the service checks it."""

    class Meta:
        model = FamilyRelation
        fields = ("person", "relative", "kind", "source", "document_number", "verified_on")

    def clean(self):
        data = super().clean()
        person, relative = data.get("person"), data.get("relative")
        if self.instance.pk is None and person and relative:
            if person.pk == relative.pk:
                self.add_error("relative", _("近亲属不能是本人"))
            elif FamilyRelation.objects.filter(
                person__in=(person, relative), relative__in=(person, relative)
            ).exists():
                self.add_error("relative", _("已登记两人的家庭关系"))
        return data


@admin.register(FamilyRelation)
class FamilyRelationAdmin(SimpleHistoryAdmin):
    """家庭关系: what family mutual aid may be granted on (a household register or a checked certificate)."""

    form = FamilyRelationForm
    list_display = ("person_masked", "kind", "relative_masked", "source", "verified_on", "verified_by")
    list_filter = ("kind", "source")
    search_fields = ("person__name", "=person__id_number", "relative__name", "=relative__id_number")
    raw_id_fields = ("person", "relative")
    readonly_fields = ("verified_by",)

    @admin.display(description=_("参保人"))
    def person_masked(self, relation):
        return f"{relation.person.name}（{mask_id_number(relation.person.id_number)}）"

    @admin.display(description=_("近亲属"))
    def relative_masked(self, relation):
        return f"{relation.relative.name}（{mask_id_number(relation.relative.id_number)}）"

    def get_changeform_initial_data(self, request):
        return {"verified_on": timezone.localdate(), **super().get_changeform_initial_data(request)}

    def save_model(self, request, obj, form, change):
        if change:
            super().save_model(request, obj, form, change)
            return
        data = form.cleaned_data
        created = services.record_family_relation(
            person=data["person"],
            relative=data["relative"],
            kind=data["kind"],
            source=data["source"],
            document_number=data.get("document_number") or "",
            verified_by=request.user,
            verified_on=data.get("verified_on"),
        )
        obj.pk = created.pk
        obj.refresh_from_db()
