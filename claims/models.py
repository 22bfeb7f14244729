"""Claims (chapters 4 and 7): institutions, settled bills, their lines, year-to-date
accumulators and statements.

A settlement is never edited or deleted: a reversal (冲正) is a second `Settlement`
row of kind `reversal` whose every amount is the negative of the original's.
The accumulators row (`Accumulator`) is the person's year-to-date state of the
policy engine (deductible paid, cumulative eligible, catastrophic and assistance
totals); each settlement keeps the state before it and the delta it added, so a
reversal subtracts exactly its own effect from the current state.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from core.books import Fund
from policy.settlement.types import COMPONENTS

MONEY = {"max_digits": 14, "decimal_places": 2}


def region_choices():
    from policy.regions import region_choices as choices

    return choices()


def default_region() -> str:
    from policy.regions import all_regions

    return all_regions()[0].code


class Institution(models.Model):
    """A medical institution or pharmacy (定点医药机构) and its agreement (医保协议).

    An agreement suspension (HZ art. 88) is a period (`InstitutionSuspension`, with its
    history): while one runs, every submission is refused, whatever the bill date; once it
    is lifted, submissions are accepted again (coverage-rules reading 25). `networked`
    false: no direct settlement; the person pays and claims at the counter (art. 65(2)).
    """

    class Level(models.TextChoices):
        LEVEL3 = "level3", _("三级医疗机构")
        OTHER = "other", _("其他医疗机构")
        COMMUNITY = "community", _("社区卫生服务机构")

    class Kind(models.TextChoices):
        HOSPITAL = "hospital", _("医院")
        COMMUNITY_CENTRE = "community_centre", _("社区卫生服务中心")
        PHARMACY = "pharmacy", _("定点零售药店")
        CAMPUS_CLINIC = "campus_clinic", _("校内医疗机构")

    class Location(models.TextChoices):
        IN_CITY = "in_city", _("本市")
        IN_PROVINCE = "in_province", _("省内市外")
        OUT_OF_PROVINCE = "out_of_province", _("省外")

    class AgreementStatus(models.TextChoices):
        ACTIVE = "active", _("协议有效")
        TERMINATED = "terminated", _("协议终止")

    code = models.CharField(_("机构编码"), max_length=32, unique=True)
    name = models.CharField(_("机构名称"), max_length=100)
    region = models.CharField(_("统筹地区"), max_length=16, choices=region_choices, default=default_region)
    level = models.CharField(_("等级"), max_length=16, choices=Level.choices)
    kind = models.CharField(_("类型"), max_length=20, choices=Kind.choices)
    designated = models.BooleanField(_("定点机构"), default=True)
    networked = models.BooleanField(_("直接联网结算"), default=True)
    location = models.CharField(
        _("所在地"), max_length=20, choices=Location.choices, default=Location.IN_CITY
    )
    agreement_status = models.CharField(
        _("协议状态"), max_length=16, choices=AgreementStatus.choices, default=AgreementStatus.ACTIVE
    )
    # set when the first suspension period is recorded: a settlement reads the periods only then
    has_suspensions = models.BooleanField(_("有暂停结算记录"), default=False, editable=False)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("定点医药机构")
        verbose_name_plural = _("定点医药机构")
        ordering = ["code"]

    def __str__(self):
        return f"{self.name}（{self.code}）"

    def suspension_on(self, day):
        """The agreement suspension running on `day` (a submission date), or None."""
        if self.pk is None or not self.has_suspensions:
            return None
        return next((s for s in self.suspensions.all() if s.runs_on(day)), None)


class InstitutionSuspension(models.Model):
    """A period in which the institution's direct settlement is suspended (HZ art. 88; reading 25).

    Refuses every submission from `start` to `end` (inclusive; open while `end` is empty),
    whatever the bill's date. Lifting it sets `end`; the rows stay as the history.
    """

    institution = models.ForeignKey(
        Institution, on_delete=models.PROTECT, related_name="suspensions", verbose_name=_("定点医药机构")
    )
    start = models.DateField(_("暂停起始日"))
    end = models.DateField(
        _("暂停截止日"), null=True, blank=True, help_text=_("解除暂停时填写；空为仍在暂停")
    )
    reason = models.CharField(_("暂停原因"), max_length=200, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("暂停结算期间")
        verbose_name_plural = _("暂停结算期间")
        ordering = ["institution", "-start"]

    def __str__(self):
        return f"{self.institution_id} {self.start}–{self.end or ''}"

    def save(self, *args, **kwargs):
        super().save(*args, **kwargs)
        Institution.objects.filter(pk=self.institution_id, has_suspensions=False).update(has_suspensions=True)
        self.institution.has_suspensions = True

    def runs_on(self, day) -> bool:
        return self.start <= day and (self.end is None or day <= self.end)


class Accumulator(models.Model):
    """A person's year-to-date accumulators for one settlement year (the engine's YearState).

    Locked with `select_for_update` for the length of each settlement of the person:
    the row is the serialisation point of that person's bills.
    """

    person = models.ForeignKey(
        "enrollment.Person",
        on_delete=models.PROTECT,
        related_name="accumulators",
        verbose_name=_("参保人"),
        db_index=False,  # (person, year_key) is unique, so indexed
    )
    region = models.CharField(_("统筹地区"), max_length=16)
    year_key = models.CharField(_("结算年度"), max_length=16)
    year_start = models.DateField(_("年度起始"))
    year_end = models.DateField(_("年度截止"))
    state = models.JSONField(_("年度累计"), default=dict)
    settlements = models.PositiveIntegerField(_("结算笔数"), default=0)
    updated = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("年度累计")
        verbose_name_plural = _("年度累计")
        constraints = [
            models.UniqueConstraint(fields=["person", "year_key"], name="claims_accumulator_person_year")
        ]

    def __str__(self):
        return f"{self.person_id} {self.year_key}"


class Settlement(models.Model):
    """One settled bill (kind `settlement`) or the reversal of one (kind `reversal`).

    Append-only: no field changes after the insert except `status` (settled → reversed),
    and who did what is on the rows themselves (`created_by`, `created`; the reversal
    row names the reversed one), so no separate history table is kept.

    `idempotency_key` is institution code + bill number for the API (the counter uses
    `counter:` + bill number): the same key with the same request body returns the
    stored `response`; another body under the same key is refused.
    """

    class Kind(models.TextChoices):
        SETTLEMENT = "settlement", _("结算")
        REVERSAL = "reversal", _("冲正")

    class Status(models.TextChoices):
        SETTLED = "settled", _("已结算")
        REVERSED = "reversed", _("已冲正")
        REVERSAL = "reversal", _("冲正记录")

    class Source(models.TextChoices):
        API = "api", _("机构直接结算")
        COUNTER = "counter", _("窗口事后报销")

    class BillKind(models.TextChoices):
        OUTPATIENT = "outpatient", _("普通门诊")
        PHARMACY = "pharmacy", _("药店购药")
        INPATIENT = "inpatient", _("住院")
        SPECIFIED_DISEASE = "specified_disease", _("规定病种门诊")
        HOME_BED = "home_bed", _("家庭病床")

    class Maternity(models.TextChoices):
        """Maternity medical costs (杭州 art. 57; 舟山 art. 51): settled by the employee rules, reported apart."""

        NONE = "", _("否")
        BIRTH = "birth", _("生育医疗费（含产前检查）")
        FAMILY_PLANNING = "family_planning", _("计划生育医疗费")

    class Mode(models.TextChoices):
        LOCAL = "local", _("本地结算")
        DIRECT_OFFSITE = "direct_offsite", _("异地直接结算")
        REIMBURSED_IN_PROVINCE = "reimbursed_in_province", _("省内异地事后报销")
        REIMBURSED_OUT_OF_PROVINCE = "reimbursed_out_of_province", _("省外事后报销")
        NON_DESIGNATED_IN_REFERRAL_AREA = "non_designated_in_referral_area", _("备案地非定点机构")
        ABROAD_TEMPORARY = "abroad_temporary", _("出国（境）备案未撤销期间临时性疾病")
        EMERGENCY_NON_DESIGNATED = "emergency_non_designated", _("非定点机构急诊")
        UNFILED_SELF_REFERRAL = "unfiled_self_referral", _("未备案自行外出就医")

    kind = models.CharField(_("类别"), max_length=16, choices=Kind.choices, default=Kind.SETTLEMENT)
    status = models.CharField(_("状态"), max_length=16, choices=Status.choices, default=Status.SETTLED)
    source = models.CharField(_("来源"), max_length=16, choices=Source.choices, default=Source.API)
    reverses = models.OneToOneField(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="reversal",
        verbose_name=_("被冲正结算"),
    )
    idempotency_key = models.CharField(_("幂等键"), max_length=120)
    request_digest = models.CharField(_("请求摘要"), max_length=64)
    request = models.JSONField(_("请求内容"), default=dict)
    response = models.JSONField(_("应答内容"), default=dict)

    # Every settlement is an INSERT into a table of hundreds of millions of rows: no index
    # that another one already covers (person → (person, bill_date), institution →
    # (institution, bill_number); no LIKE index on the key).
    person = models.ForeignKey(
        "enrollment.Person",
        on_delete=models.PROTECT,
        related_name="settlements",
        verbose_name=_("参保人"),
        db_index=False,
    )
    institution = models.ForeignKey(
        Institution,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="settlements",
        verbose_name=_("定点医药机构"),
        db_index=False,
    )
    institution_name = models.CharField(_("就医机构名称"), max_length=100, blank=True)
    # the person's name as it was when settled: the statement is a record of the settlement
    person_name = models.CharField(_("姓名（结算时）"), max_length=100, blank=True)
    # 杭州 art. 75: the pooled fund pays by the scheme of the benefits enjoyed on the bill's date
    pooled_fund = models.CharField(_("统筹基金列支渠道"), max_length=24, choices=Fund.choices, blank=True)
    bill_number = models.CharField(_("单据号"), max_length=64)
    bill_date = models.DateField(_("费用日期"), db_index=True)
    admission_date = models.DateField(_("入院日期"), null=True, blank=True)
    discharge_date = models.DateField(
        _("出院日期"), null=True, blank=True, help_text=_("中途结算时为本段结算截止日期")
    )
    # HZ art. 64(6): a stay of a year is settled at its 365th day and goes on from the next
    interim = models.BooleanField(_("中途结算"), default=False, help_text=_("连续住院满365天，尚未出院"))
    period_start = models.DateField(
        _("本段起始日期"), null=True, blank=True, help_text=_("上一段中途结算的次日")
    )
    bill_kind = models.CharField(_("费用类别"), max_length=20, choices=BillKind.choices)
    maternity = models.CharField(
        _("生育/计划生育医疗费"), max_length=16, choices=Maternity.choices, blank=True, default=""
    )
    institution_level = models.CharField(_("机构等级"), max_length=16, choices=Institution.Level.choices)
    settlement_mode = models.CharField(_("结算方式"), max_length=40, choices=Mode.choices, default=Mode.LOCAL)
    at_contracted_centre = models.BooleanField(_("在签约社区就诊"), default=False)
    referred_by_contracted_centre = models.BooleanField(_("签约社区转诊"), default=False)
    diagnosis_codes = models.JSONField(_("诊断编码"), default=list, blank=True)
    # 杭州 art. 90: the hospital's grouper assigns an inpatient bill its DRG (institutions/ reads it at year end)
    drg_code = models.CharField(_("DRG 分组"), max_length=16, blank=True)
    region = models.CharField(_("统筹地区"), max_length=16)
    year_key = models.CharField(_("结算年度"), max_length=16)

    out_of_scope = models.DecimalField(_("自费"), **MONEY)
    self_pay_first = models.DecimalField(_("自理"), **MONEY)
    eligible = models.DecimalField(_("合规费用"), **MONEY)
    special_drug = models.DecimalField(_("大病特殊药品"), **MONEY)
    total = models.DecimalField(_("费用总额"), **MONEY)
    current_funds_paid = models.DecimalField(_("当年资金支付"), **MONEY)
    deductible = models.DecimalField(_("起付标准"), **MONEY)
    basic_fund_paid = models.DecimalField(_("基本医保基金支付"), **MONEY)
    catastrophic_paid = models.DecimalField(_("大病保险支付"), **MONEY)
    assistance_paid = models.DecimalField(_("医疗救助支付"), **MONEY)
    historical_funds_paid = models.DecimalField(_("历年资金支付"), **MONEY)
    cash_paid = models.DecimalField(_("现金支付"), **MONEY)
    # 杭州 art. 26(6), 舟山 art. 21: a close relative's historical funds paid part of the personal
    # share under a live grant; not one of the engine's components (`cash_paid` is already net of it)
    mutual_aid_paid = models.DecimalField(_("家庭共济支付"), default=0, **MONEY)

    state_before = models.JSONField(_("结算前年度累计"), default=dict)
    state_delta = models.JSONField(_("本笔年度累计增量"), default=dict)

    created = models.DateTimeField(_("结算时间"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("经办/调用方"),
        db_index=False,  # users are deactivated, not deleted: nothing looks settlements up by it
    )

    class Meta:
        verbose_name = _("医疗费结算")
        verbose_name_plural = _("医疗费结算")
        ordering = ["-created", "-id"]
        indexes = [
            # the person's bills by date: supervision's same-day, overlap and repeated-pharmacy rules, a person's
            # list (a person's year is a range of dates, so no (person, year_key) index is needed besides)
            models.Index(fields=["person", "bill_date"], name="claims_settlement_person_day"),
            models.Index(fields=["institution", "bill_number"]),
            models.Index(fields=["year_key"], name="claims_settlement_year"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["idempotency_key"], name="claims_settlement_idempotency_key"),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} {self.bill_number}"

    COMPONENTS = COMPONENTS  # the engine's result fields, in the contract's order


class SettlementLine(models.Model):
    """One explanation line of a settlement: the article applied, the rule in words, the amount."""

    settlement = models.ForeignKey(
        Settlement,
        on_delete=models.CASCADE,
        related_name="lines",
        verbose_name=_("结算"),
        db_index=False,  # (settlement, position) is unique, so indexed
    )
    position = models.PositiveSmallIntegerField(_("序号"))
    article = models.CharField(_("条款"), max_length=120)
    text = models.CharField(_("说明"), max_length=300)
    amount = models.DecimalField(_("金额"), **MONEY)

    class Meta:
        verbose_name = _("结算明细")
        verbose_name_plural = _("结算明细")
        ordering = ["settlement", "position"]
        constraints = [
            models.UniqueConstraint(fields=["settlement", "position"], name="claims_line_position")
        ]

    def __str__(self):
        return f"{self.article} {self.amount}"


class Statement(models.Model):
    """The PDF statement (结算单) of a settlement, rendered by `claims.tasks.render_statement`.

    A pending row is the outbox `claims.tasks.queue_pending_statements` sends from (`queued`
    says when). A failed render sets `failed` with the error and is retried; it never touches
    the settlement.
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("待生成")
        READY = "ready", _("已生成")
        FAILED = "failed", _("生成失败")

    settlement = models.OneToOneField(
        Settlement, on_delete=models.CASCADE, related_name="statement", verbose_name=_("结算")
    )
    status = models.CharField(_("状态"), max_length=16, choices=Status.choices, default=Status.PENDING)
    file = models.FileField(_("结算单"), upload_to="statements/%Y/%m/", blank=True)
    error = models.TextField(_("错误信息"), blank=True)
    attempts = models.PositiveSmallIntegerField(_("生成次数"), default=0)
    rendered = models.DateTimeField(_("生成时间"), null=True, blank=True)
    queued = models.DateTimeField(_("送交生成时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("结算单")
        verbose_name_plural = _("结算单")

    def __str__(self):
        return f"{self.settlement} {self.get_status_display()}"
