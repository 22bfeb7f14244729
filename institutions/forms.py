"""Admin forms: the services an agreement covers (checkboxes), a breach entered through its service."""

from django import forms
from django.utils.translation import gettext_lazy as _

from core.admin_base import ServiceForm
from policy.regions import region_choices

from . import agreements
from .models import Agreement, Breach, Service


class ServicesField(forms.MultipleChoiceField):
    widget = forms.CheckboxSelectMultiple

    def __init__(self, **kwargs):
        super().__init__(choices=Service.choices, **kwargs)

    def prepare_value(self, value):
        return list(value or [])


class AgreementForm(forms.ModelForm):
    services = ServicesField(label=_("服务范围"))

    class Meta:
        model = Agreement
        fields = [
            "institution",
            "number",
            "district",
            "start_date",
            "end_date",
            "services",
            "terms",
            "state",
            "signed_on",
            "terminated_on",
            "state_reason",
        ]


class BreachForm(ServiceForm):
    """Recording a breach applies its sanction (termination ends the agreement; amounts go to the next clearing)."""

    services = ServicesField(label=_("暂停的服务"), required=False, help_text=_("仅“暂停部分服务结算”需要"))

    class Meta:
        model = Breach
        fields = [
            "agreement",
            "found_on",
            "description",
            "clause",
            "sanction",
            "amount",
            "services",
            "starts_on",
            "ends_on",
        ]

    def __init__(self, *args, request=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.request = request
        self.fields["starts_on"].required = False
        self.fields["amount"].required = False

    def call(self, data):
        return agreements.record_breach(
            agreement=data["agreement"],
            found_on=data["found_on"],
            description=data["description"],
            clause=data.get("clause") or "",
            sanction=data["sanction"],
            amount=data.get("amount") or 0,
            services=data.get("services") or [],
            starts_on=data.get("starts_on"),
            ends_on=data.get("ends_on"),
            user=getattr(self.request, "user", None),
        )


class TableImportForm(forms.Form):
    """A DRG weight table or a district budget table, as CSV or XLSX; checked row by row, loaded whole or not at all."""

    region = forms.ChoiceField(label=_("统筹地区"), choices=region_choices)
    year = forms.IntegerField(label=_("年度"), min_value=2000, max_value=2100)
    effective_from = forms.DateField(label=_("生效日期"))
    file = forms.FileField(label=_("文件（CSV 或 XLSX）"))
    note = forms.CharField(label=_("说明"), max_length=200, required=False)


class DrawUpForm(forms.Form):
    month = forms.DateField(label=_("清算月份"), help_text=_("该月任一日期，如 2024-03-01"))


class PaymentForm(forms.Form):
    paid_on = forms.DateField(label=_("拨付日期"))
    payment_reference = forms.CharField(label=_("拨付凭证号"), max_length=64)


class YearEndForm(forms.Form):
    region = forms.ChoiceField(label=_("统筹地区"), choices=region_choices)
    year = forms.IntegerField(label=_("年度"), min_value=2000, max_value=2100)
