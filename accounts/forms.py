"""Counter forms for the account's life (art. 26): what each action asks of the clerk.

The forms check the shape (a date not in the future, an amount with at most two decimals); the
rules of the article (open bills, the overdraft, the status) are the service's, and its refusal
lands on the field it names.
"""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.identity import normalise_id_number
from policy.money import MAX_AMOUNT


class LifeForm(forms.Form):
    on = forms.DateField(label=_("办理日期"), help_text=_("格式 YYYY-MM-DD，不得晚于今天"))

    def clean_on(self):
        on = self.cleaned_data["on"]
        if on > timezone.localdate():
            raise forms.ValidationError(_("办理日期不能晚于今天"))
        return on


def _bills_settled():
    return forms.BooleanField(
        label=_("相关医疗费用已结清"),
        required=False,
        help_text=_("销户前须先结清在院、在途的医疗费用"),
    )


def _overdraft_collected():
    return forms.BooleanField(
        label=_("当年资金透支已由本人补足"),
        required=False,
        help_text=_("历年资金不足冲抵透支时，差额由本人补足后方可办理"),
    )


class TransferInForm(LifeForm):
    amount = forms.DecimalField(
        label=_("转入金额（元）"),
        max_digits=14,
        decimal_places=2,
        min_value=Decimal("0.01"),
        max_value=MAX_AMOUNT,
    )
    other_place = forms.CharField(label=_("转出地"), max_length=60)


class TransferOutForm(LifeForm):
    other_place = forms.CharField(label=_("转入地"), max_length=60)
    bills_settled = _bills_settled()
    overdraft_collected = _overdraft_collected()


class ClearingForm(LifeForm):
    bills_settled = _bills_settled()
    overdraft_collected = _overdraft_collected()


class DeathForm(LifeForm):
    on = forms.DateField(label=_("死亡日期"), help_text=_("格式 YYYY-MM-DD，不得晚于今天"))
    bills_settled = _bills_settled()


class InheritanceForm(LifeForm):
    heir_name = forms.CharField(label=_("继承人或受遗赠人姓名"), max_length=60)
    heir_id_number = forms.CharField(label=_("继承人证件号码"), max_length=18)

    def clean_heir_id_number(self):
        return normalise_id_number(self.cleaned_data["heir_id_number"])


FORMS = {
    "transfer_in": TransferInForm,
    "transfer_out": TransferOutForm,
    "clearing": ClearingForm,
    "death": DeathForm,
    "inheritance": InheritanceForm,
}
