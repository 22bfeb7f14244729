"""What was paid, and on whose behalf (杭州 art. 13, 17–20, 31, 32, 41; 舟山 art. 9–11, 27–29, 36).

Every amount here is computed by `policy.contributions` and stored with its explanation
lines (`lines`: a list of {article, text, amount}); nothing is typed in by hand.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from enrollment.models import Employer, Enrolment, Person

MONEY = {"max_digits": 14, "decimal_places": 2}


class BaseDeclaration(models.Model):
    """Yearly base declaration of an employee (缴费基数申报, 杭州 art. 13(1)(2), 14)."""

    person = models.ForeignKey(
        Person, on_delete=models.PROTECT, related_name="base_declarations", verbose_name=_("参保人")
    )
    employer = models.ForeignKey(
        Employer, on_delete=models.PROTECT, related_name="base_declarations", verbose_name=_("用人单位")
    )
    year = models.PositiveSmallIntegerField(_("申报年度"))
    declared_monthly_wage = models.DecimalField(_("本人上年度月平均工资"), **MONEY)
    base = models.DecimalField(_("核定缴费基数"), **MONEY)
    lines = models.JSONField(_("计算说明"), default=list)
    declared_on = models.DateField(_("申报日期"))
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("缴费基数申报")
        verbose_name_plural = _("缴费基数申报")
        ordering = ["-year", "person_id"]
        constraints = [
            models.UniqueConstraint(fields=["person", "employer", "year"], name="one_base_per_year")
        ]

    def __str__(self):
        return gettext("%(person)s %(year)s年 基数 %(base)s") % {
            "person": self.person,
            "year": self.year,
            "base": self.base,
        }


class ContributionRecord(models.Model):
    """One month's employee-scheme contribution of one person (杭州 art. 13; 舟山 art. 9)."""

    class Kind(models.TextChoices):
        EMPLOYEE = "employee", _("单位职工")
        FLEXIBLE = "flexible", _("灵活就业人员")
        UNEMPLOYED = "unemployed", _("失业保险基金代缴")
        BACK_PAYMENT = "back_payment", _("补缴")
        RETIREMENT_TOP_UP = "retirement_top_up", _("退休补足年限（按月）")

    class Source(models.TextChoices):
        TAX_BUREAU = "tax_bureau", _("税务部门")
        COUNTER = "counter", _("经办窗口")

    person = models.ForeignKey(
        Person, on_delete=models.PROTECT, related_name="contributions", verbose_name=_("参保人")
    )
    enrolment = models.ForeignKey(
        Enrolment,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="contributions",
        verbose_name=_("参保登记"),
    )
    employer = models.ForeignKey(
        Employer,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="contributions",
        verbose_name=_("用人单位"),
    )
    month = models.DateField(_("缴费所属期"), help_text=_("所属月份的第一天"))
    kind = models.CharField(_("缴费类型"), max_length=20, choices=Kind.choices)
    base = models.DecimalField(_("缴费基数"), **MONEY)
    employer_amount = models.DecimalField(_("单位缴费"), **MONEY)
    employer_maternity = models.DecimalField(_("其中生育保险"), **MONEY)
    personal = models.DecimalField(_("个人应缴"), **MONEY)
    personal_subsidy = models.DecimalField(_("个人部分补贴"), **MONEY)
    personal_payable = models.DecimalField(_("个人实缴"), **MONEY)
    employer_subsidy = models.DecimalField(_("单位部分政府补贴"), default=0, **MONEY)
    subsidy_payer = models.CharField(_("补贴支付方"), max_length=24, blank=True)
    total = models.DecimalField(_("合计"), **MONEY)
    certificate = models.CharField(_("持证类别"), max_length=24, blank=True)
    lines = models.JSONField(_("计算说明"), default=list)
    paid_on = models.DateField(_("到账日期"))
    is_back_payment = models.BooleanField(
        _("补缴"),
        default=False,
        help_text=_("补缴时段计为实际缴费年限，不享受该时段待遇（条款依参保人所属统筹地区的医保办法）"),
    )
    source = models.CharField(_("来源"), max_length=16, choices=Source.choices, default=Source.COUNTER)
    external_id = models.CharField(_("税务记录号"), max_length=64, null=True, blank=True, unique=True)
    created = models.DateTimeField(_("记录时间"), auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("职工医保缴费记录")
        verbose_name_plural = _("职工医保缴费记录")
        ordering = ["person_id", "month"]
        constraints = [
            models.UniqueConstraint(fields=["person", "month"], name="one_contribution_per_person_month")
        ]
        indexes = [models.Index(fields=["month"])]

    def __str__(self):
        return f"{self.person} {self.month:%Y-%m} {self.get_kind_display()} {self.total}"


class ResidentPayment(models.Model):
    """A resident's yearly contribution (杭州 art. 31, 32, 34, 35; 舟山 art. 27–29)."""

    class Source(models.TextChoices):
        TAX_BUREAU = "tax_bureau", _("税务部门")
        COUNTER = "counter", _("经办窗口")

    person = models.ForeignKey(
        Person, on_delete=models.PROTECT, related_name="resident_payments", verbose_name=_("参保人")
    )
    enrolment = models.OneToOneField(
        Enrolment, on_delete=models.PROTECT, related_name="resident_payment", verbose_name=_("参保登记")
    )
    year = models.PositiveSmallIntegerField(_("结算年度"))
    category = models.CharField(_("参保类别"), max_length=16)
    subsidy_reason = models.CharField(_("补贴原因"), max_length=32, blank=True)
    total = models.DecimalField(_("筹资标准"), **MONEY)
    personal = models.DecimalField(_("个人应缴"), **MONEY)
    government_share = models.DecimalField(_("政府补贴"), **MONEY)
    personal_subsidy = models.DecimalField(_("个人部分补贴"), **MONEY)
    personal_payable = models.DecimalField(_("个人实缴"), **MONEY)
    lines = models.JSONField(_("计算说明"), default=list)
    paid_on = models.DateField(_("缴费日期"))
    source = models.CharField(_("来源"), max_length=16, choices=Source.choices, default=Source.COUNTER)
    external_id = models.CharField(_("税务记录号"), max_length=64, null=True, blank=True, unique=True)
    created = models.DateTimeField(_("记录时间"), auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("城乡居民医保缴费")
        verbose_name_plural = _("城乡居民医保缴费")
        ordering = ["-year", "person_id"]

    def __str__(self):
        return gettext("%(person)s %(year)s年 %(category)s %(amount)s") % {
            "person": self.person,
            "year": self.year,
            "category": self.category,
            "amount": self.personal_payable,
        }


class CatastrophicPremium(models.Model):
    """The year's catastrophic-insurance premium of a person (杭州 art. 41; 舟山 art. 36)."""

    person = models.ForeignKey(
        Person, on_delete=models.PROTECT, related_name="catastrophic_premiums", verbose_name=_("参保人")
    )
    year = models.PositiveSmallIntegerField(_("年度"))
    scheme = models.CharField(_("险种"), max_length=16)
    total = models.DecimalField(_("筹资标准"), **MONEY)
    personal = models.DecimalField(_("个人缴纳"), **MONEY)
    other = models.DecimalField(_("其他来源"), **MONEY)
    lines = models.JSONField(_("计算说明"), default=list)
    created = models.DateTimeField(_("记录时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("大病保险费")
        verbose_name_plural = _("大病保险费")
        constraints = [
            models.UniqueConstraint(fields=["person", "year"], name="one_catastrophic_premium_per_year")
        ]

    def __str__(self):
        return gettext("%(person)s %(year)s年 大病保险 %(total)s") % {
            "person": self.person,
            "year": self.year,
            "total": self.total,
        }


class BackPayment(models.Model):
    """补缴 (杭州 art. 17): months insured-but-unpaid, paid later; years yes, benefits no."""

    class Identity(models.TextChoices):
        EMPLOYEE = "employee", _("单位职工身份")
        FLEXIBLE = "flexible", _("灵活就业人员身份")

    person = models.ForeignKey(
        Person, on_delete=models.PROTECT, related_name="back_payments", verbose_name=_("参保人")
    )
    employer = models.ForeignKey(
        Employer, null=True, blank=True, on_delete=models.PROTECT, verbose_name=_("用人单位")
    )
    identity = models.CharField(_("补缴身份"), max_length=16, choices=Identity.choices)
    first_month = models.DateField(_("补缴起始月"))
    last_month = models.DateField(_("补缴终止月"))
    months = models.PositiveSmallIntegerField(_("本年度月数"))
    earlier_months = models.PositiveSmallIntegerField(_("以前年度月数"), default=0)
    base = models.DecimalField(_("缴费基数"), **MONEY)
    employer_amount = models.DecimalField(_("单位补缴"), **MONEY)
    personal = models.DecimalField(_("个人补缴"), **MONEY)
    total = models.DecimalField(_("合计"), **MONEY)
    lines = models.JSONField(_("计算说明"), default=list)
    paid_on = models.DateField(_("补缴日期"))
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("补缴")
        verbose_name_plural = _("补缴")
        ordering = ["-paid_on"]

    def __str__(self):
        return gettext("%(person)s 补缴 %(first)s–%(last)s %(total)s") % {
            "person": self.person,
            "first": f"{self.first_month:%Y-%m}",
            "last": f"{self.last_month:%Y-%m}",
            "total": self.total,
        }


class CreditedPeriod(models.Model):
    """Periods that count as contribution years without local payment records (杭州 art. 18, 19).

    Local actual payments and university-student enrolments are read from their own
    records; these rows hold the rest. Months are counted as a set, so overlaps between
    kinds never count twice (art. 18, 19: 不重复计算).
    """

    class Kind(models.TextChoices):
        DEEMED = "deemed", _("视同缴费年限")
        CONTINUOUS_SERVICE = "continuous_service", _("2002年12月31日前连续工龄")
        TRANSFERRED = "transferred", _("外地转入缴费年限")
        MILITARY = "military", _("部队参保缴费年限")
        LEGACY_LOCAL = "legacy_local", _("本市城镇企业职工大病住院基本医疗保险缴费年限")
        OTHER = "other", _("其他符合规定的年限")

    # kinds that are actual local years (杭州 art. 19)
    LOCAL_ACTUAL = {Kind.MILITARY, Kind.LEGACY_LOCAL}

    person = models.ForeignKey(
        Person, on_delete=models.PROTECT, related_name="credited_periods", verbose_name=_("参保人")
    )
    kind = models.CharField(_("年限类别"), max_length=24, choices=Kind.choices)
    first_month = models.DateField(_("起始月"))
    last_month = models.DateField(_("终止月"))
    evidence = models.CharField(_("依据/凭证"), max_length=200, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("认定缴费年限")
        verbose_name_plural = _("认定缴费年限")
        ordering = ["person_id", "first_month"]

    def __str__(self):
        return f"{self.get_kind_display()} {self.first_month:%Y-%m}–{self.last_month:%Y-%m}"


class RetirementConfirmation(models.Model):
    """医保退休资格确认 (杭州 art. 20, 21; 舟山 art. 11)."""

    class Method(models.TextChoices):
        QUALIFIED = "qualified", _("年限已满足")
        LUMP_SUM = "lump_sum", _("一次性补缴至规定年限")
        MONTHLY = "monthly", _("按月缴纳至规定年限")

    person = models.OneToOneField(
        Person, on_delete=models.PROTECT, related_name="retirement", verbose_name=_("参保人")
    )
    retirement_date = models.DateField(_("退休/法定退休年龄日期"))
    confirmed_on = models.DateField(_("确认日期"), null=True, blank=True)
    local_actual_months = models.PositiveIntegerField(_("本市实际缴费月数"))
    total_months = models.PositiveIntegerField(_("累计缴费月数"))
    missing_local_months = models.PositiveIntegerField(_("本市实际缴费缺少月数"), default=0)
    missing_total_months = models.PositiveIntegerField(_("累计缴费缺少月数"), default=0)
    method = models.CharField(_("方式"), max_length=16, choices=Method.choices)
    lump_sum = models.DecimalField(_("一次性补缴金额"), default=0, **MONEY)
    lump_sum_premium = models.DecimalField(
        _("一次性补缴大病保险费（个人部分）"),
        default=0,
        help_text=_("补缴年限每年（不足一年按一年）的大病保险费个人部分"),
        **MONEY,
    )
    lines = models.JSONField(_("计算说明"), default=list)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("医保退休资格确认")
        verbose_name_plural = _("医保退休资格确认")

    def __str__(self):
        confirmed = self.confirmed_on or gettext("待确认")
        return f"{self.person} {self.get_method_display()} {confirmed}"


class AgreementPayment(models.Model):
    """协缴 (杭州 art. 13(7)): paid once when the agreement is made, at the standard the city
    government sets (not in the measures: the clerk enters the amount from that standard)."""

    person = models.ForeignKey(
        Person, on_delete=models.PROTECT, related_name="agreement_payments", verbose_name=_("参保人")
    )
    enrolment = models.OneToOneField(
        Enrolment, on_delete=models.PROTECT, related_name="agreement_payment", verbose_name=_("参保登记")
    )
    amount = models.DecimalField(_("一次性协缴金额"), **MONEY)
    standard = models.CharField(_("执行标准（市政府文件）"), max_length=200)
    lines = models.JSONField(_("计算说明"), default=list)
    paid_on = models.DateField(_("缴费日期"))
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("协缴人员一次性缴费")
        verbose_name_plural = _("协缴人员一次性缴费")

    def __str__(self):
        return gettext("%(person)s 协缴 %(amount)s") % {"person": self.person, "amount": self.amount}
