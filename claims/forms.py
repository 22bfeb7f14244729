"""The clerk's counter reimbursement (事后报销): a bill the person paid in full.

The bill is its issuer's: a registered institution (by code) or the name as entered
(reading 23). The service cites the person's region's articles.
"""

from django import forms
from django.utils.translation import gettext_lazy as _

from core.identity import normalise_id_number
from enrollment.models import Person
from policy.money import ZERO

from .models import Institution, Settlement
from .services import EXCLUSIONS, BillInput

COUNTER_MODES = [
    (mode.value, mode.label)
    for mode in (
        Settlement.Mode.LOCAL,
        Settlement.Mode.REIMBURSED_IN_PROVINCE,
        Settlement.Mode.REIMBURSED_OUT_OF_PROVINCE,
        Settlement.Mode.NON_DESIGNATED_IN_REFERRAL_AREA,
        Settlement.Mode.ABROAD_TEMPORARY,
        Settlement.Mode.EMERGENCY_NON_DESIGNATED,
        Settlement.Mode.UNFILED_SELF_REFERRAL,
    )
]


class CounterReimbursementForm(forms.Form):
    id_number = forms.CharField(label=_("参保人证件号码"), max_length=32)
    bill_number = forms.CharField(label=_("票据号"), max_length=64)
    institution_code = forms.CharField(
        label=_("定点机构编码"),
        max_length=32,
        required=False,
        help_text=_("已登记的定点医药机构填写编码（同一票据只支付一次）；未登记的机构填写名称"),
    )
    institution_name = forms.CharField(label=_("就医机构名称"), max_length=100, required=False)
    institution_level = forms.ChoiceField(
        label=_("就医机构等级"),
        choices=Institution.Level.choices,
        required=False,
        help_text=_("登记机构以登记等级为准"),
    )
    settlement = forms.ChoiceField(
        label=_("报销情形"),
        choices=COUNTER_MODES,
        help_text=_(
            "本市非联网或联网故障按本地结算；省内异地、省外、备案地非定点机构、出国（境）备案未撤销期间"
            "临时性疾病按参保地办法先行自理后结算（结算明细注明条款）"
        ),
    )
    kind = forms.ChoiceField(label=_("费用类别"), choices=Settlement.BillKind.choices)
    date = forms.DateField(label=_("费用日期"), required=False, help_text=_("住院以出院日期为准"))
    admission_date = forms.DateField(label=_("入院日期"), required=False)
    discharge_date = forms.DateField(
        label=_("出院日期"), required=False, help_text=_("中途结算时为本段截止日期")
    )
    interim = forms.BooleanField(label=_("中途结算（连续住院满365天）"), required=False)
    period_start = forms.DateField(
        label=_("本段起始日期"), required=False, help_text=_("上一段中途结算的次日")
    )
    out_of_scope = forms.DecimalField(
        label=_("自费"), min_value=0, max_digits=14, decimal_places=2, initial=ZERO
    )
    self_pay_first = forms.DecimalField(
        label=_("自理"), min_value=0, max_digits=14, decimal_places=2, initial=ZERO
    )
    eligible = forms.DecimalField(label=_("合规费用"), min_value=0, max_digits=14, decimal_places=2)
    special_drug = forms.DecimalField(
        label=_("大病特殊药品"), min_value=0, max_digits=14, decimal_places=2, initial=ZERO
    )
    diagnosis_codes = forms.CharField(label=_("诊断编码（逗号分隔）"), required=False)
    exclusion = forms.ChoiceField(
        label=_("基金不予支付情形"),
        required=False,
        choices=[("", "—")] + [(code, words) for code, (_item, words) in EXCLUSIONS.items()],
    )
    third_party_unpaid = forms.BooleanField(label=_("第三人不支付或无法确定（先行支付）"), required=False)
    maternity = forms.ChoiceField(
        label=_("生育/计划生育医疗费"),
        required=False,
        choices=Settlement.Maternity.choices,
    )

    def clean_id_number(self):
        number = normalise_id_number(self.cleaned_data["id_number"])
        person = Person.objects.filter(id_number=number).first()
        if person is None:
            raise forms.ValidationError(_("未找到该证件号码的参保人"))
        self.person = person
        return number

    def clean(self):
        data = super().clean()
        stay = data.get("kind") in (Settlement.BillKind.INPATIENT, Settlement.BillKind.HOME_BED)
        if stay and not data.get("discharge_date"):
            self.add_error("discharge_date", _("住院费用按出院结算，须填写出院日期"))
        if data.get("kind") and not stay and not data.get("date"):
            self.add_error("date", _("须填写费用日期"))
        self.institution = None
        code = (data.get("institution_code") or "").strip()
        if code:
            self.institution = Institution.objects.filter(code=code).first()
            if self.institution is None:
                self.add_error("institution_code", _("机构编码 %(code)s 未登记") % {"code": code})
        else:
            if not (data.get("institution_name") or "").strip():
                self.add_error("institution_name", _("须填写就医机构名称或定点机构编码"))
            if not data.get("institution_level"):
                self.add_error("institution_level", _("须填写就医机构等级"))
        return data

    def bill(self) -> BillInput:
        data = self.cleaned_data
        codes = [code.strip() for code in (data.get("diagnosis_codes") or "").split(",") if code.strip()]
        return BillInput.from_data({**data, "diagnosis_codes": codes})

    def body(self) -> dict:
        """The entry as plain data (the idempotency digest of a counter bill)."""
        return {
            name: (str(value) if value is not None else None)
            for name, value in sorted(self.cleaned_data.items())
            if not (name == "maternity" and not value)  # digests of earlier counter bills stay as they were
        }
