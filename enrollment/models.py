"""Who is insured and how (杭州 ch.2–3, 8; 舟山 likewise).

Facts only: persons, employers, enrolments, certificates, GP contracts, filings,
suspensions, transfers. Whether a person may be settled on a date is never stored:
`enrollment.selectors.benefit_status` derives it from these records.
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from .identity import (
    birth_date_from_id,
    mask_id_number,
    normalise_id_number,
    sex_from_id,
    validate_credit_code,
    validate_resident_id,
)


def default_region() -> str:
    return settings.POLICY_DEFAULT_REGION


class Region(models.TextChoices):
    HANGZHOU = "hangzhou", _("杭州")
    ZHOUSHAN = "zhoushan", _("舟山")


class Employer(models.Model):
    """用人单位 (杭州 art. 11(1))."""

    name = models.CharField(_("单位名称"), max_length=200)
    credit_code = models.CharField(_("统一社会信用代码"), max_length=18, unique=True)
    district = models.CharField(_("所属辖区"), max_length=40)
    region = models.CharField(_("统筹地区"), max_length=16, choices=Region.choices, default=default_region)
    created = models.DateTimeField(_("登记时间"), auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("用人单位")
        verbose_name_plural = _("用人单位")
        ordering = ["name"]

    def __str__(self):
        return f"{self.name}（{self.credit_code}）"

    def clean(self):
        try:
            self.credit_code = validate_credit_code(self.credit_code)
        except ValidationError as error:
            raise ValidationError({"credit_code": error.messages})


class Person(models.Model):
    """参保人. Resident ID validated (GB 11643); foreigners and HK/Macao/Taiwan residents by permit (杭州 art. 105)."""

    class IdType(models.TextChoices):
        RESIDENT_ID = "resident_id", _("居民身份证")
        FOREIGN_PERMIT = "foreign_permit", _("外国人永久居留身份证/居留证件")
        HMT_PERMIT = "hmt_permit", _("港澳台居民居住证/通行证")

    class Sex(models.TextChoices):
        MALE = "M", _("男")
        FEMALE = "F", _("女")

    name = models.CharField(_("姓名"), max_length=100)
    id_type = models.CharField(_("证件类型"), max_length=20, choices=IdType.choices, default=IdType.RESIDENT_ID)
    id_number = models.CharField(_("证件号码"), max_length=32, unique=True)
    birth_date = models.DateField(_("出生日期"))
    sex = models.CharField(_("性别"), max_length=1, choices=Sex.choices)
    hukou_local = models.BooleanField(_("本市户籍"), default=True)
    hukou_district = models.CharField(_("户籍所属辖区"), max_length=40, blank=True)
    residence_district = models.CharField(_("居住辖区"), max_length=40, blank=True)
    phone = models.CharField(_("联系电话"), max_length=32, blank=True)
    address = models.CharField(_("联系地址"), max_length=200, blank=True)
    region = models.CharField(_("统筹地区"), max_length=16, choices=Region.choices, default=default_region)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="person",
        verbose_name=_("门户登录账号"),
    )
    death_date = models.DateField(_("死亡日期"), null=True, blank=True)
    created = models.DateTimeField(_("登记时间"), auto_now_add=True)
    history = HistoricalRecords(excluded_fields=["user"])

    class Meta:
        verbose_name = _("参保人")
        verbose_name_plural = _("参保人")
        ordering = ["id"]

    def __str__(self):
        return f"{self.name}（{self.masked_id_number}）"

    @property
    def masked_id_number(self) -> str:
        return mask_id_number(self.id_number)

    def clean(self):
        """Resident IDs are checked and give birth date and sex; permits need both entered (杭州 art. 105)."""
        errors = {}
        self.id_number = normalise_id_number(self.id_number)
        if self.id_type == self.IdType.RESIDENT_ID:
            try:
                self.id_number = validate_resident_id(self.id_number)
            except ValidationError as error:
                errors["id_number"] = error.messages
            else:
                self.birth_date = birth_date_from_id(self.id_number)
                self.sex = sex_from_id(self.id_number)
        else:
            if not self.id_number:
                errors["id_number"] = [_("请填写证件号码（杭州 第一百零五条）。")]
            if not self.birth_date:
                errors["birth_date"] = [_("非居民身份证参保须录入出生日期（杭州 第一百零五条）。")]
            if not self.sex:
                errors["sex"] = [_("非居民身份证参保须录入性别（杭州 第一百零五条）。")]
        if self.hukou_local and not self.hukou_district:
            errors["hukou_district"] = [_("本市户籍人员须填写户籍所属辖区。")]
        if errors:
            raise ValidationError(errors)


class Scheme(models.TextChoices):
    EMPLOYEE = "employee", _("职工医保")
    RESIDENT = "resident", _("城乡居民医保")


class Category(models.TextChoices):
    # 职工医保 (杭州 art. 11, 12, 20)
    ACTIVE = "active", _("在职职工")
    FLEXIBLE = "flexible", _("灵活就业人员")
    UNEMPLOYED = "unemployed", _("领取失业保险金人员")
    AGREEMENT = "agreement", _("协缴人员")
    RETIRED = "retired", _("退休人员")
    # 城乡居民医保 (杭州 art. 30)
    CHILD = "child", _("少年儿童")
    STUDENT = "student", _("大学生")
    ADULT_TIER1 = "adult_tier1", _("其他城乡居民（一档）")
    ADULT_TIER2 = "adult_tier2", _("其他城乡居民（二档）")
    ADULT_TIER3 = "adult_tier3", _("其他城乡居民（三档）")


EMPLOYEE_CATEGORIES = {Category.ACTIVE, Category.FLEXIBLE, Category.UNEMPLOYED, Category.AGREEMENT, Category.RETIRED}
RESIDENT_CATEGORIES = {
    Category.CHILD,
    Category.STUDENT,
    Category.ADULT_TIER1,
    Category.ADULT_TIER2,
    Category.ADULT_TIER3,
}


class Enrolment(models.Model):
    """One basic scheme at a time per person (杭州 art. 73). Open-ended while `end_date` is empty.

    `first_paid_on` is written by the contributions service when the first payment for this
    enrolment is recorded; benefits start the month after enrolment and payment (杭州 art. 15, 34).
    """

    class EndReason(models.TextChoices):
        SWITCH = "switch", _("转换险种")
        TRANSFER_OUT = "transfer_out", _("转出本统筹区")
        STOPPED = "stopped", _("停止参保")
        DEATH = "death", _("死亡")
        YEAR_END = "year_end", _("参保年度结束")

    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="enrolments", verbose_name=_("参保人"))
    region = models.CharField(_("统筹地区"), max_length=16, choices=Region.choices, default=default_region)
    scheme = models.CharField(_("险种"), max_length=16, choices=Scheme.choices)
    category = models.CharField(_("参保类别"), max_length=16, choices=Category.choices)
    district = models.CharField(_("参保辖区"), max_length=40)
    employer = models.ForeignKey(
        Employer, null=True, blank=True, on_delete=models.PROTECT, related_name="enrolments", verbose_name=_("用人单位")
    )
    school = models.CharField(_("就读学校"), max_length=200, blank=True)
    start_date = models.DateField(_("参保开始日期"))
    end_date = models.DateField(_("参保终止日期"), null=True, blank=True)
    end_reason = models.CharField(_("终止原因"), max_length=16, choices=EndReason.choices, blank=True)
    first_paid_on = models.DateField(_("首次缴费到账日期"), null=True, blank=True, editable=False)
    note = models.CharField(_("备注"), max_length=200, blank=True)
    created = models.DateTimeField(_("登记时间"), auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("参保登记")
        verbose_name_plural = _("参保登记")
        ordering = ["person_id", "start_date"]
        indexes = [models.Index(fields=["person", "start_date"])]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(end_date__isnull=True) | models.Q(end_date__gte=models.F("start_date")),
                name="enrolment_end_after_start",
            )
        ]

    def __str__(self):
        return f"{self.person} {self.get_scheme_display()}·{self.get_category_display()} {self.start_date}起"

    def covers(self, on) -> bool:
        return self.start_date <= on and (self.end_date is None or on <= self.end_date)
