"""Maternity insurance (生育保险): allowance applications, decisions, payments and the fund book.

An application (杭州 art. 60, 舟山 art. 52) comes from an employer's system, a counter clerk
or a flexible worker on the portal. `maternity.services.submit` checks it and records the
assessment (eligibility and amount with their explanation lines, `maternity.assessment`); a
review clerk approves or refuses it (`Decision`); an approval writes the `Payment` and its
`MaternityPosting` in the same transaction. The same event of a person is paid once: the
payment is unique on (person, event group, event date), whichever way it came in.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from core.books import Fund, FundPosting
from enrollment.models import Employer, Person

MONEY = {"max_digits": 14, "decimal_places": 2}


class EventKind(models.TextChoices):
    """The events of 杭州 art. 59 (舟山 art. 49 pays births and miscarriages)."""

    BIRTH = "birth", _("生育")
    MISCARRIAGE_BEFORE_4_MONTHS = "miscarriage_before_4_months", _("怀孕不满4个月流产")
    MISCARRIAGE_FROM_4_MONTHS = "miscarriage_from_4_months", _("怀孕满4个月流产")
    IUD_INSERTION = "iud_insertion", _("放置宫内节育器")
    IUD_REMOVAL = "iud_removal", _("取宫内节育器")
    VASECTOMY = "vasectomy", _("输精管结扎")
    TUBAL_LIGATION = "tubal_ligation", _("单纯输卵管结扎")
    POSTPARTUM_TUBAL_LIGATION = "postpartum_tubal_ligation", _("产后结扎输卵管")


PREGNANCY_EVENTS = {
    EventKind.BIRTH,
    EventKind.MISCARRIAGE_BEFORE_4_MONTHS,
    EventKind.MISCARRIAGE_FROM_4_MONTHS,
}


def event_group(kind: str) -> str:
    """What "the same event" means: one pregnancy ends once on a date (birth or miscarriage); a surgery is its kind."""
    return "pregnancy" if kind in PREGNANCY_EVENTS else kind


class AllowanceKind(models.TextChoices):
    MATERNITY = "maternity", _("生育津贴")
    FAMILY_PLANNING = "family_planning", _("计划生育手术津贴")


def allowance_kind(kind: str) -> str:
    return AllowanceKind.MATERNITY if kind in PREGNANCY_EVENTS else AllowanceKind.FAMILY_PLANNING


class Application(models.Model):
    """生育津贴 / 计划生育手术津贴申请 (杭州 art. 60; 舟山 art. 52)."""

    class Source(models.TextChoices):
        API = "api", _("用人单位接口")
        COUNTER = "counter", _("经办窗口")
        PORTAL = "portal", _("个人网上申请")

    class Status(models.TextChoices):
        SUBMITTED = "submitted", _("待审核")
        APPROVED = "approved", _("已核准")
        REFUSED = "refused", _("不予核准")

    allowance_kind = models.CharField(_("津贴类别"), max_length=20, choices=AllowanceKind.choices)
    person = models.ForeignKey(
        Person, on_delete=models.PROTECT, related_name="maternity_applications", verbose_name=_("参保人")
    )
    employer = models.ForeignKey(
        Employer,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="maternity_applications",
        verbose_name=_("用人单位"),
        help_text=_("灵活就业人员本人申请时为空"),
    )
    employer_reference = models.CharField(
        _("单位申请编号"),
        max_length=64,
        blank=True,
        help_text=_("用人单位系统中的申请编号；同一编号只受理一次"),
    )
    event_kind = models.CharField(_("事件"), max_length=32, choices=EventKind.choices)
    event_group = models.CharField(_("事件归类"), max_length=32, editable=False)
    event_date = models.DateField(_("生育/流产/手术日期"))
    babies = models.PositiveSmallIntegerField(_("婴儿数"), default=1)
    difficult_birth = models.BooleanField(_("难产"), default=False)
    child_order = models.PositiveSmallIntegerField(
        _("孩次"), default=1, help_text=_("按孩次计发天数的地区填写（一孩、二孩、三孩）")
    )
    pregnancy_months = models.PositiveSmallIntegerField(_("怀孕月数"), null=True, blank=True)
    region = models.CharField(_("统筹地区"), max_length=16, editable=False)
    district = models.CharField(_("辖区"), max_length=40, editable=False)
    source = models.CharField(_("来源"), max_length=16, choices=Source.choices)
    status = models.CharField(_("状态"), max_length=16, choices=Status.choices, default=Status.SUBMITTED)
    # the assessment made at submission (re-made at the decision)
    eligible = models.BooleanField(_("符合享受条件"), default=False)
    continuous_months = models.PositiveSmallIntegerField(_("连续缴费月数（不含补缴）"), default=0)
    missing_months = models.PositiveSmallIntegerField(_("缺少月数"), default=0)
    average_wage = models.DecimalField(_("计发基数（月）"), null=True, blank=True, **MONEY)
    days = models.PositiveSmallIntegerField(_("计发天数"), null=True, blank=True)
    amount = models.DecimalField(_("应计发津贴"), null=True, blank=True, **MONEY)
    reason = models.CharField(_("不符合原因"), max_length=300, blank=True)
    reason_article = models.CharField(_("不符合依据"), max_length=120, blank=True)
    lines = models.JSONField(_("计算说明"), default=list)
    submitted_by = models.CharField(_("提交人"), max_length=150, blank=True)
    submitted_at = models.DateTimeField(_("提交时间"), auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("生育津贴申请")
        verbose_name_plural = _("生育津贴申请")
        ordering = ["-submitted_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["employer", "employer_reference"],
                condition=~Q(employer_reference=""),
                name="maternity_one_application_per_employer_reference",
            ),
            models.UniqueConstraint(
                fields=["person", "event_group", "event_date"],
                condition=~Q(status="refused"),
                name="maternity_one_open_application_per_event",
            ),
        ]
        indexes = [models.Index(fields=["status", "submitted_at"])]

    def __str__(self):
        return f"{self.person} {self.get_event_kind_display()} {self.event_date}"


class AwaitingReview(Application):
    """The review queue: applications not yet decided."""

    class Meta:
        proxy = True
        verbose_name = _("待审核申请")
        verbose_name_plural = _("待审核申请（审核队列）")


class Decision(models.Model):
    """核定: the review clerk's approval or refusal; its letter (核定通知书) is a PDF rendered by Celery."""

    class Outcome(models.TextChoices):
        APPROVED = "approved", _("核准")
        REFUSED = "refused", _("不予核准")

    class LetterStatus(models.TextChoices):
        PENDING = "pending", _("待生成")
        READY = "ready", _("已生成")
        FAILED = "failed", _("生成失败")

    application = models.OneToOneField(
        Application, on_delete=models.PROTECT, related_name="decision", verbose_name=_("申请")
    )
    outcome = models.CharField(_("核定结果"), max_length=16, choices=Outcome.choices)
    amount = models.DecimalField(_("核定金额"), default=0, **MONEY)
    reason = models.CharField(_("理由"), max_length=300, blank=True)
    article = models.CharField(_("依据条款"), max_length=200, blank=True)
    lines = models.JSONField(_("计算说明"), default=list)
    decided_by = models.CharField(_("审核人"), max_length=150)
    decided_on = models.DateField(_("核定日期"))
    created = models.DateTimeField(_("记录时间"), auto_now_add=True)
    letter = models.FileField(_("核定通知书"), upload_to="maternity/letters/%Y/%m/", blank=True)
    letter_status = models.CharField(
        _("通知书状态"), max_length=16, choices=LetterStatus.choices, default=LetterStatus.PENDING
    )
    letter_error = models.TextField(_("生成错误"), blank=True)
    # the outbox mark: when the render was last sent to the broker (empty: never; the sweep sends it)
    letter_queued = models.DateTimeField(_("送交生成时间"), null=True, blank=True)
    history = HistoricalRecords(excluded_fields=["letter", "letter_status", "letter_error", "letter_queued"])

    class Meta:
        verbose_name = _("核定")
        verbose_name_plural = _("核定")
        ordering = ["-created"]

    def __str__(self):
        return f"{self.application} {self.get_outcome_display()} {self.amount}"


class Payment(models.Model):
    """The allowance paid: to the employer (杭州 art. 60), or to the flexible worker herself (舟山 art. 48)."""

    class Payee(models.TextChoices):
        EMPLOYER = "employer", _("用人单位")
        PERSON = "person", _("参保人本人")

    application = models.OneToOneField(
        Application, on_delete=models.PROTECT, related_name="payment", verbose_name=_("申请")
    )
    decision = models.OneToOneField(
        Decision, on_delete=models.PROTECT, related_name="payment", verbose_name=_("核定")
    )
    person = models.ForeignKey(
        Person, on_delete=models.PROTECT, related_name="maternity_payments", verbose_name=_("参保人")
    )
    event_group = models.CharField(_("事件归类"), max_length=32)
    event_date = models.DateField(_("事件日期"))
    payee = models.CharField(_("拨付对象"), max_length=16, choices=Payee.choices)
    employer = models.ForeignKey(
        Employer,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="maternity_payments",
        verbose_name=_("用人单位"),
    )
    region = models.CharField(_("统筹地区"), max_length=16)
    district = models.CharField(_("辖区"), max_length=40)
    amount = models.DecimalField(_("拨付金额"), **MONEY)
    paid_on = models.DateField(_("拨付日期"))
    article = models.CharField(_("依据条款"), max_length=200)
    lines = models.JSONField(_("计算说明"), default=list)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("生育津贴拨付")
        verbose_name_plural = _("生育津贴拨付")
        ordering = ["-paid_on", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["person", "event_group", "event_date"], name="maternity_event_paid_once"
            ),
            models.CheckConstraint(condition=Q(amount__gte=0), name="maternity_payment_not_negative"),
        ]
        indexes = [models.Index(fields=["paid_on"])]

    def __str__(self):
        return f"{self.person} {self.paid_on} {self.amount}"


class MaternityPosting(FundPosting):
    """The maternity fund book (生育保险基金): one row per movement, never changed (core.books)."""

    fund = models.CharField(_("基金"), max_length=24, choices=Fund.choices, default=Fund.MATERNITY)
    region = models.CharField(_("统筹地区"), max_length=16, default="")

    # source kinds as funds/ reads them: an allowance paid to an employer, or to the person herself
    TO_EMPLOYER = "allowance"
    TO_PERSON = "allowance_to_person"

    class Meta(FundPosting.Meta):
        verbose_name = _("生育保险基金记账")
        verbose_name_plural = _("生育保险基金记账")
        constraints = [
            models.UniqueConstraint(
                fields=["source_kind", "source_id"], name="maternity_posting_once_per_source"
            )
        ]


class LumpSumGrant(models.Model):
    """生育医疗费用定额补助 (舟山 art. 51(2)): a resident's birth, or the birth of an insured man's unemployed wife.

    Paid once per birth, to the mother; posted to the book of the fund that pays it (the
    resident fund for a resident, the maternity fund for an employee's spouse).
    """

    class Kind(models.TextChoices):
        RESIDENT = "resident", _("城乡居民医保参保人员生育")
        UNEMPLOYED_SPOUSE = "unemployed_spouse", _("男职工未就业配偶生育")

    person = models.ForeignKey(
        Person, on_delete=models.PROTECT, related_name="maternity_lump_sums", verbose_name=_("生育妇女")
    )
    kind = models.CharField(_("补助类别"), max_length=24, choices=Kind.choices)
    birth_date = models.DateField(_("生育日期"))
    spouse = models.ForeignKey(
        Person,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("参保男职工（配偶）"),
    )
    region = models.CharField(_("统筹地区"), max_length=16, editable=False)
    district = models.CharField(_("辖区"), max_length=40, editable=False)
    fund = models.CharField(_("支付基金"), max_length=24, choices=Fund.choices, editable=False)
    amount = models.DecimalField(_("补助金额"), **MONEY)
    lines = models.JSONField(_("计算说明"), default=list)
    granted_on = models.DateField(_("核发日期"))
    granted_by = models.CharField(_("经办人"), max_length=150, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("生育医疗费定额补助")
        verbose_name_plural = _("生育医疗费定额补助")
        ordering = ["-granted_on", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["person", "birth_date"], name="maternity_one_lump_sum_per_birth")
        ]

    def __str__(self):
        return f"{self.person} {self.get_kind_display()} {self.amount}"
