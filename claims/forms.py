"""The clerk's counter reimbursement (事后报销, 杭州 art. 65–69): a bill the person paid in full."""

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
    institution_name = forms.CharField(label=_("就医机构名称"), max_length=100)
    institution_level = forms.ChoiceField(label=_("就医机构等级"), choices=Institution.Level.choices)
    settlement = forms.ChoiceField(
        label=_("报销情形"),
        choices=COUNTER_MODES,
        help_text=_(
            "本市非联网或联网故障按本地结算（第六十五条）；省内异地先自理10%、省外先自理20%（第六十九条）；"
            "备案地非定点机构先自理10%（第六十八条）；出国（境）备案未撤销期间临时性疾病先自理10%（第六十六条）"
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
        label=_("除外情形（第七十一条）"),
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
        if data.get("kind") == Settlement.BillKind.INPATIENT and not data.get("discharge_date"):
            self.add_error(
                "discharge_date", _("住院费用按出院结算，须填写出院日期（杭州 第六十四条第(六)项）")
            )
        if data.get("kind") and data.get("kind") != Settlement.BillKind.INPATIENT and not data.get("date"):
            self.add_error("date", _("须填写费用日期"))
        return data

    def bill(self) -> BillInput:
        data = self.cleaned_data
        codes = [code.strip() for code in (data.get("diagnosis_codes") or "").split(",") if code.strip()]
        return BillInput(
            bill_number=data["bill_number"],
            kind=data["kind"],
            date=data.get("date"),
            admission_date=data.get("admission_date"),
            discharge_date=data.get("discharge_date"),
            settlement=data["settlement"],
            out_of_scope=data.get("out_of_scope") or ZERO,
            self_pay_first=data.get("self_pay_first") or ZERO,
            eligible=data["eligible"],
            special_drug=data.get("special_drug") or ZERO,
            diagnosis_codes=codes,
            exclusion=data.get("exclusion") or "",
            third_party_unpaid=bool(data.get("third_party_unpaid")),
            institution_level=data["institution_level"],
            institution_name=data["institution_name"],
            interim=bool(data.get("interim")),
            period_start=data.get("period_start"),
            maternity=data.get("maternity") or "",
        )

    def body(self) -> dict:
        """The entry as plain data (the idempotency digest of a counter bill)."""
        return {
            name: (str(value) if value is not None else None)
            for name, value in sorted(self.cleaned_data.items())
            if not (name == "maternity" and not value)  # digests of earlier counter bills stay as they were
        }
