"""Medical assistance (杭州 chapter 5, art. 46–53; 舟山 chapter 5, art. 40–45).

- `AssistancePosting`: the assistance fund's book (杭州 art. 46, 48, 51; 舟山 art. 40), one row per
  payment (negative: money out of the fund) or return (positive: a reversed settlement), from a
  settlement (immediate), a post-hoc application or a special case.
- `PostHocApplication` / `PostHocItem`: post-hoc assistance (事后救助, 杭州 art. 50(2); 舟山 art. 42),
  one item per settled bill, a bill at most once.
- `SpecialCase` / `CaseAttachment`: special assistance through the joint meeting (杭州 art. 53;
  舟山 art. 45).

The yearly caps (杭州 art. 49(2); 舟山 art. 42(6)) are counted on the person's year row in
claims (`Accumulator.state`: `assistance_paid`, `assistance_outpatient_paid`), the row every
settlement of the person locks: the immediate and the post-hoc paths add to the same figures
under the same lock, so neither can pay past a cap.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from core.books import Fund, FundPosting

MONEY = {"max_digits": 14, "decimal_places": 2}


class Channel(models.TextChoices):
    IMMEDIATE = "immediate", _("即时救助")
    POSTHOC = "posthoc", _("事后救助")
    SPECIAL = "special", _("特殊救助（联席会议）")


class AssistancePosting(FundPosting):
    """One movement of the assistance fund (医疗救助基金): never changed, corrected by a new row."""

    class SourceKind(models.TextChoices):
        SETTLEMENT = "settlement", _("医疗费结算")
        APPLICATION = "application", _("事后救助申请")
        SPECIAL_CASE = "special_case", _("特殊救助个案")

    channel = models.CharField(_("救助方式"), max_length=16, choices=Channel.choices)
    person = models.ForeignKey(
        "enrollment.Person", on_delete=models.PROTECT, related_name="+", verbose_name=_("参保人")
    )
    region = models.CharField(_("统筹地区"), max_length=16)
    year_key = models.CharField(_("结算年度"), max_length=16)
    certificate_kind = models.CharField(_("救助对象类别"), max_length=24, blank=True)
    outpatient = models.BooleanField(_("普通门诊"), default=False)
    settlement = models.OneToOneField(
        "claims.Settlement",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("来源结算"),
    )
    application = models.ForeignKey(
        "PostHocApplication",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="postings",
        verbose_name=_("来源事后救助申请"),
    )
    case = models.OneToOneField(
        "SpecialCase",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="posting",
        verbose_name=_("来源特殊救助个案"),
    )

    class Meta(FundPosting.Meta):
        verbose_name = _("医疗救助基金记账")
        verbose_name_plural = _("医疗救助基金记账")
        constraints = [
            models.UniqueConstraint(fields=["source_kind", "source_id"], name="assistance_posting_source"),
        ]
        indexes = [
            models.Index(fields=["person", "year_key"], name="assistance_posting_person_year"),
            models.Index(fields=["posted_on"], name="assistance_posting_date"),
        ]

    def save(self, *args, **kwargs):
        self.fund = Fund.ASSISTANCE
        super().save(*args, **kwargs)

    @property
    def paid(self):
        """Assistance paid (the positive of the fund's expenditure)."""
        return -self.amount


class PostHocApplication(models.Model):
    """A post-hoc assistance application (事后救助申请): a person and a period, paid once.

    Created `pending` with the preview of what it would pay; `pay_posthoc` pays it (once: a second
    run of the same application, or a concurrent one for the same person, pays nothing more).
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("待支付")
        PAID = "paid", _("已支付")

    person = models.ForeignKey(
        "enrollment.Person", on_delete=models.PROTECT, related_name="+", verbose_name=_("参保人")
    )
    period_start = models.DateField(_("费用期间起"))
    period_end = models.DateField(_("费用期间止"))
    status = models.CharField(_("状态"), max_length=16, choices=Status.choices, default=Status.PENDING)
    preview_total = models.DecimalField(_("测算救助金额"), default=0, **MONEY)
    total = models.DecimalField(_("实际支付救助金额"), default=0, **MONEY)
    note = models.CharField(_("备注"), max_length=200, blank=True)
    created = models.DateTimeField(_("受理时间"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("受理人"),
    )
    paid_on = models.DateField(_("支付日期"), null=True, blank=True)
    paid_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("支付经办人"),
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("事后救助申请")
        verbose_name_plural = _("事后救助申请")
        ordering = ["-created", "-id"]

    def __str__(self):
        return f"{self.person} {self.period_start}–{self.period_end} {self.get_status_display()}"


class PostHocItem(models.Model):
    """One settled bill assisted post hoc: its burden, the ratio, the amount, the article."""

    application = models.ForeignKey(
        PostHocApplication, on_delete=models.PROTECT, related_name="items", verbose_name=_("事后救助申请")
    )
    settlement = models.OneToOneField(
        "claims.Settlement", on_delete=models.PROTECT, related_name="+", verbose_name=_("结算")
    )
    bill_date = models.DateField(_("费用日期"))
    year_key = models.CharField(_("结算年度"), max_length=16)
    certificate_kind = models.CharField(_("救助对象类别"), max_length=24)
    outpatient = models.BooleanField(_("普通门诊"), default=False)
    burden = models.DecimalField(_("个人负担（救助范围内）"), **MONEY)
    ratio = models.DecimalField(_("救助比例"), max_digits=5, decimal_places=4)
    already = models.DecimalField(_("已即时救助"), **MONEY)
    amount = models.DecimalField(_("本次救助"), **MONEY)
    lines = models.JSONField(_("计算说明"), default=list)

    class Meta:
        verbose_name = _("事后救助明细")
        verbose_name_plural = _("事后救助明细")
        ordering = ["bill_date", "id"]

    def __str__(self):
        return f"{self.bill_date} {self.amount}"


class SpecialCase(models.Model):
    """Special assistance (特殊救助) decided by the joint meeting (杭州 art. 53; 舟山 art. 45).

    applied → under_review (审核上报联席会议) or rejected (审核不予上报) → approved or refused
    (联席会议决定) → paid (approved only). Each move is its own service and permission.
    """

    class Status(models.TextChoices):
        APPLIED = "applied", _("已申请")
        UNDER_REVIEW = "under_review", _("审核上报，待联席会议研究")
        REJECTED = "rejected", _("审核不予上报")
        APPROVED = "approved", _("联席会议同意")
        REFUSED = "refused", _("联席会议不同意")
        PAID = "paid", _("已支付")

    class Applicant(models.TextChoices):
        PORTAL = "portal", _("本人网上申请")
        COUNTER = "counter", _("窗口代为申请")

    # the moves the articles allow: from -> allowed targets
    MOVES = {
        Status.APPLIED: {Status.UNDER_REVIEW, Status.REJECTED},
        Status.UNDER_REVIEW: {Status.APPROVED, Status.REFUSED},
        Status.APPROVED: {Status.PAID},
    }

    person = models.ForeignKey(
        "enrollment.Person", on_delete=models.PROTECT, related_name="+", verbose_name=_("参保人")
    )
    region = models.CharField(_("统筹地区"), max_length=16)
    district = models.CharField(_("辖区"), max_length=40, blank=True)
    year = models.PositiveSmallIntegerField(_("年度"))
    certificate_kind = models.CharField(_("救助对象类别"), max_length=24)
    applicant = models.CharField(_("申请渠道"), max_length=16, choices=Applicant.choices)
    reason = models.TextField(_("申请理由"))
    amount_requested = models.DecimalField(_("申请金额"), **MONEY)
    status = models.CharField(
        _("状态"), max_length=16, choices=Status.choices, default=Status.APPLIED, db_index=True
    )
    applied_at = models.DateTimeField(_("申请时间"), auto_now_add=True)
    applied_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("申请经办人"),
    )
    # 审核: the person's year as the review clerk saw it
    review_note = models.TextField(_("审核意见"), blank=True)
    review_summary = models.JSONField(_("审核时年度情况"), default=dict, blank=True)
    reviewed_at = models.DateTimeField(_("审核时间"), null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("审核人"),
    )
    # 联席会议决定
    meeting_date = models.DateField(_("联席会议日期"), null=True, blank=True)
    minutes_number = models.CharField(_("会议纪要编号"), max_length=64, blank=True)
    amount_approved = models.DecimalField(_("核定救助金额"), null=True, blank=True, **MONEY)
    refusal_reason = models.TextField(_("不予救助理由"), blank=True)
    decided_at = models.DateTimeField(_("决定录入时间"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("决定录入人"),
    )
    # 支付
    paid_on = models.DateField(_("支付日期"), null=True, blank=True)
    paid_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("支付经办人"),
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("特殊救助个案")
        verbose_name_plural = _("特殊救助个案")
        ordering = ["-applied_at", "-id"]
        permissions = [
            ("apply_specialcase", _("受理特殊救助申请")),
            ("review_specialcase", _("审核特殊救助并上报联席会议")),
            ("decide_specialcase", _("录入联席会议决定")),
            ("pay_specialcase", _("支付特殊救助")),
        ]

    def __str__(self):
        return f"{self.person} {self.year} {self.get_status_display()}"

    def may_move_to(self, target) -> bool:
        return target in self.MOVES.get(self.status, set())


def attachment_path(instance, filename):
    return f"assistance/cases/{instance.case_id}/{filename}"


class CaseAttachment(models.Model):
    """A file attached to a special case (PDF or JPEG, checked by content, size-limited)."""

    case = models.ForeignKey(
        SpecialCase, on_delete=models.PROTECT, related_name="attachments", verbose_name=_("特殊救助个案")
    )
    file = models.FileField(_("文件"), upload_to=attachment_path)
    name = models.CharField(_("文件名"), max_length=200)
    content_type = models.CharField(_("文件类型"), max_length=40)
    size = models.PositiveIntegerField(_("大小（字节）"))
    uploaded_at = models.DateTimeField(_("上传时间"), auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("申请材料")
        verbose_name_plural = _("申请材料")
        ordering = ["id"]

    def __str__(self):
        return self.name
