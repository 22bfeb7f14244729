"""Forms of the clerks' steps and the portal's application: they collect input, the services decide."""

from django import forms
from django.utils.translation import gettext_lazy as _

from core.identity import normalise_id_number
from enrollment.models import Person


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one field; the service checks each (type by content, size)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault(
            "widget", MultipleFileInput(attrs={"accept": ".pdf,.jpg,.jpeg,application/pdf,image/jpeg"})
        )
        kwargs.setdefault("required", False)
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        if not data:
            return []
        items = data if isinstance(data, list | tuple) else [data]
        return [super(MultipleFileField, self).clean(item, initial) for item in items]


class PersonField(forms.CharField):
    def clean(self, value):
        number = normalise_id_number(super().clean(value))
        person = Person.objects.filter(id_number=number).first()
        if person is None:
            raise forms.ValidationError(_("未找到该证件号码的参保人"))
        return person


class PostHocForm(forms.Form):
    person = PersonField(label=_("参保人证件号码"), max_length=32)
    period_start = forms.DateField(label=_("费用期间起"))
    period_end = forms.DateField(label=_("费用期间止"))
    note = forms.CharField(label=_("备注"), max_length=200, required=False)


class SpecialApplicationForm(forms.Form):
    """The counter's form (with the person's ID number) and, without `person`, the portal's."""

    person = PersonField(label=_("参保人证件号码"), max_length=32)
    reason = forms.CharField(label=_("申请理由"), widget=forms.Textarea(attrs={"rows": 4}))
    amount = forms.CharField(label=_("申请金额（元）"), max_length=20, help_text=_("最多两位小数"))
    attachments = MultipleFileField(label=_("申请材料（PDF、JPEG）"))

    def __init__(self, *args, portal=False, **kwargs):
        super().__init__(*args, **kwargs)
        if portal:
            del self.fields["person"]


class ReviewForm(forms.Form):
    forward = forms.TypedChoiceField(
        label=_("审核结论"),
        choices=[("1", _("情况属实，上报联席会议")), ("0", _("不予上报"))],
        coerce=lambda v: v == "1",
        widget=forms.RadioSelect,
    )
    note = forms.CharField(label=_("审核意见"), widget=forms.Textarea(attrs={"rows": 3}), required=False)


class DecisionForm(forms.Form):
    approved = forms.TypedChoiceField(
        label=_("联席会议决定"),
        choices=[("1", _("同意救助")), ("0", _("不予救助"))],
        coerce=lambda v: v == "1",
        widget=forms.RadioSelect,
    )
    meeting_date = forms.DateField(label=_("联席会议日期"), required=False)
    minutes_number = forms.CharField(label=_("会议纪要编号"), max_length=64, required=False)
    amount = forms.CharField(label=_("核定救助金额（元）"), max_length=20, required=False)
    refusal_reason = forms.CharField(
        label=_("不予救助理由"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )


class PaymentForm(forms.Form):
    paid_on = forms.DateField(label=_("支付日期"), required=False, help_text=_("默认今天"))


def add_service_error(form, error) -> None:
    """Put a service's refusal on the field it names (or on the form)."""
    for field, messages in error.message_dict.items():
        target = field if field in form.fields else None
        if field == "amount_requested" or field == "amount_approved":
            target = "amount" if "amount" in form.fields else None
        for message in messages:
            form.add_error(target, message)
