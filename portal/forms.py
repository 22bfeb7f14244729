"""Forms of the insured person's pages: every bad input is reported on its field, with the reason."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import MutualAidGrant
from core.identity import validate_resident_id
from enrollment.models import default_region
from policy.regions import region_of
from policy.wording import cited


def _amount(label, *, required=False):
    return forms.DecimalField(
        label=label,
        required=required,
        min_value=Decimal("0"),
        max_digits=14,
        decimal_places=2,
        initial=Decimal("0.00") if not required else None,
        widget=forms.NumberInput(attrs={"step": "0.01", "min": "0", "inputmode": "decimal"}),
    )


class EstimateForm(forms.Form):
    """A hypothetical bill (kind, institution level, amounts, date) to settle on the person's own profile."""

    KINDS = [
        ("inpatient", _("住院")),
        ("outpatient", _("普通门诊")),
        ("pharmacy", _("药店购药")),
    ]
    LEVELS = [
        ("level3", _("三级医疗机构")),
        ("other", _("其他医疗机构")),
        ("community", _("社区卫生服务机构")),
    ]

    kind = forms.ChoiceField(label=_("费用类别"), choices=KINDS, initial="inpatient")
    institution_level = forms.ChoiceField(label=_("医疗机构等级"), choices=LEVELS, initial="level3")
    date = forms.DateField(
        label=_("就医（出院）日期"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text=_("住院按出院日期结算"),
    )
    eligible = _amount(_("政策范围内费用（合规费用）"), required=True)
    self_pay_first = _amount(_("先行自理费用（乙类自理部分）"))
    out_of_scope = _amount(_("政策范围外费用（自费）"))
    special_drug = _amount(_("大病特殊药品费用"))
    at_contracted_centre = forms.BooleanField(label=_("在本人签约的社区卫生服务机构就诊"), required=False)
    referred_by_contracted_centre = forms.BooleanField(label=_("经签约社区卫生服务机构转诊"), required=False)

    def __init__(self, *args, status=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.status = status
        self.region = region_of(getattr(status, "region", None) or default_region())
        self.fields["date"].initial = timezone.localdate()
        self.fields["date"].help_text = _("住院按出院日期结算（%(article)s）") % {
            "article": cited(self.region.article("claims.inpatient_by_discharge"))
        }

    def clean_date(self):
        value = self.cleaned_data["date"]
        today = timezone.localdate()
        if value.year < today.year - 1 or value > today + dt.timedelta(days=366):
            raise ValidationError(_("测算日期须在上一年初至一年之内"))
        return value

    def clean(self):
        data = super().clean()
        contracted = bool(getattr(self.status, "contracted_gp", False))
        student = getattr(self.status, "category", None) == "student"
        if data.get("at_contracted_centre"):
            if not (contracted or student):
                self.add_error(
                    "at_contracted_centre",
                    _("您当前没有有效的家庭医生签约（%(article)s）")
                    % {"article": cited(self.region.article("enrollment.gp_contract"))},
                )
            elif data.get("institution_level") != "community" and not student:
                self.add_error("at_contracted_centre", _("签约就诊仅适用于社区卫生服务机构"))
        if data.get("referred_by_contracted_centre") and not contracted:
            self.add_error(
                "referred_by_contracted_centre",
                _("您当前没有有效的家庭医生签约（%(article)s）")
                % {"article": cited(self.region.article("claims.gp_referral"))},
            )
        for name in ("self_pay_first", "out_of_scope", "special_drug"):
            if name in data and data[name] is None:
                data[name] = Decimal("0.00")
        return data


class MutualAidForm(forms.Form):
    """A close relative to grant the use of historical funds to (杭州 第二十六条第(六)项)."""

    name = forms.CharField(label=_("近亲属姓名"), max_length=100)
    id_number = forms.CharField(label=_("近亲属居民身份证号码"), max_length=18)
    relation = forms.ChoiceField(label=_("与本人关系"), choices=MutualAidGrant.Relation.choices)

    def clean_name(self):
        value = self.cleaned_data["name"].strip()
        if not value:
            raise ValidationError(_("请填写近亲属姓名"))
        return value

    def clean_id_number(self):
        return validate_resident_id(self.cleaned_data["id_number"])
