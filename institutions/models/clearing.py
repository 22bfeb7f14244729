"""Monthly clearing (月度清算): what the agency owes an institution for a month, per fund.

Each settlement or reversal is assigned to exactly one clearing (`ClearingEntry`, keyed by
the settlement) when a clearing is drawn up; an approved clearing's entries never change,
so a settlement changed later (a late reversal) is unassigned and falls into the next
clearing drawn up for the institution. Withheld amounts and recoveries of the
institution's breaches are deducted the same way (`ClearingDeduction`, once each).
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

MONEY = {"max_digits": 14, "decimal_places": 2}


class Clearing(models.Model):
    class State(models.TextChoices):
        DRAFT = "draft", _("待审核")
        APPROVED = "approved", _("已审核待拨付")
        PAID = "paid", _("已拨付")

    class PdfStatus(models.TextChoices):
        NONE = "", _("未生成")
        PENDING = "pending", _("待生成")
        READY = "ready", _("已生成")
        FAILED = "failed", _("生成失败")

    institution = models.ForeignKey(
        "claims.Institution",
        on_delete=models.PROTECT,
        related_name="clearings",
        verbose_name=_("定点医药机构"),
    )
    month = models.DateField(_("清算月份"), help_text=_("该月第一日"))
    region = models.CharField(_("统筹地区"), max_length=16)
    state = models.CharField(_("状态"), max_length=16, choices=State.choices, default=State.DRAFT)
    settlements = models.PositiveIntegerField(_("结算笔数"), default=0)
    reversals = models.PositiveIntegerField(_("冲正笔数"), default=0)
    pooled = models.DecimalField(_("基本医保统筹基金"), default=0, **MONEY)
    catastrophic = models.DecimalField(_("大病保险"), default=0, **MONEY)
    assistance = models.DecimalField(_("医疗救助"), default=0, **MONEY)
    personal_accounts = models.DecimalField(_("个人账户"), default=0, **MONEY)
    gross = models.DecimalField(_("应付合计"), default=0, **MONEY)
    withheld = models.DecimalField(_("暂停拨付"), default=0, **MONEY)
    released = models.DecimalField(_("放行前期暂停拨付"), default=0, **MONEY)
    recovered = models.DecimalField(_("追回"), default=0, **MONEY)
    net = models.DecimalField(_("实际拨付"), default=0, **MONEY)
    lines = models.JSONField(_("计算说明"), default=list)
    drawn_up_at = models.DateTimeField(_("生成时间"), auto_now_add=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("审核人"),
    )
    approved_at = models.DateTimeField(_("审核时间"), null=True, blank=True)
    paid_on = models.DateField(_("拨付日期"), null=True, blank=True)
    payment_reference = models.CharField(_("拨付凭证号"), max_length=64, blank=True)
    paid_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("拨付登记人"),
    )
    pdf = models.FileField(_("清算单"), upload_to="clearings/%Y/%m/", blank=True)
    pdf_status = models.CharField(
        _("清算单状态"), max_length=16, choices=PdfStatus.choices, blank=True, default=""
    )
    pdf_error = models.TextField(_("生成错误"), blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("月度清算")
        verbose_name_plural = _("月度清算")
        ordering = ["-month", "institution"]
        constraints = [
            models.UniqueConstraint(fields=["institution", "month"], name="institutions_clearing_month"),
        ]
        indexes = [models.Index(fields=["month", "state"], name="institutions_clearing_state")]

    def __str__(self):
        return f"{self.month_label} {self.institution_id}"

    @property
    def month_label(self) -> str:
        return gettext("%(year)s年%(month)s月") % {"year": self.month.year, "month": self.month.month}


class ClearingEntry(models.Model):
    """A settlement (or reversal) assigned to the clearing that pays it: once, never moved after approval."""

    # A month of a city is a million rows written at once: no foreign-key triggers on them (a
    # settlement is never deleted, a clearing only while a draft, with its entries).
    settlement = models.OneToOneField(
        "claims.Settlement",
        on_delete=models.DO_NOTHING,
        primary_key=True,
        related_name="+",
        verbose_name=_("结算"),
        db_constraint=False,
    )
    # no index of its own either: entries are read a month or a year at a time, joined to the
    # clearings, not one clearing's by index; each index is one more write per row
    clearing = models.ForeignKey(
        Clearing,
        on_delete=models.CASCADE,
        related_name="entries",
        verbose_name=_("月度清算"),
        db_constraint=False,
        db_index=False,
    )

    class Meta:
        verbose_name = _("清算明细")
        verbose_name_plural = _("清算明细")

    def __str__(self):
        return f"{self.settlement_id} → {self.clearing_id}"


class ClearingDeduction(models.Model):
    """A breach's amount deducted (withhold, recover) or given back (release) in one clearing, once."""

    class Kind(models.TextChoices):
        WITHHOLD = "withhold", _("暂停拨付")
        RELEASE = "release", _("放行暂停拨付")
        RECOVER = "recover", _("追回")

    clearing = models.ForeignKey(
        Clearing, on_delete=models.CASCADE, related_name="deductions", verbose_name=_("月度清算")
    )
    breach = models.ForeignKey(
        "institutions.Breach", on_delete=models.PROTECT, related_name="deductions", verbose_name=_("违约处理")
    )
    kind = models.CharField(_("类别"), max_length=16, choices=Kind.choices)
    amount = models.DecimalField(_("金额"), **MONEY, help_text=_("从应付中扣减为正，放行为负"))

    class Meta:
        verbose_name = _("清算扣减")
        verbose_name_plural = _("清算扣减")
        constraints = [models.UniqueConstraint(fields=["breach", "kind"], name="institutions_deduction_once")]

    def __str__(self):
        return f"{self.get_kind_display()} {self.amount}"
