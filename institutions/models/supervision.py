"""Intelligent supervision (智能监管, 杭州 art. 99, 舟山 art. 71, 77): rules as data, flags for review.

A flag never blocks payment: it asks a clerk to look. Confirmed, it leads to a recovery
on the institution's agreement (`Breach` of sanction `recover`).
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

MONEY = {"max_digits": 14, "decimal_places": 2}


class Rule(models.Model):
    class Kind(models.TextChoices):
        SAME_DAY_INPATIENT = "same_day_inpatient", _("同日在两家机构住院结算")
        OVERLAPPING_STAYS = "overlapping_stays", _("住院时间重叠")
        VOLUME_SPIKE = "volume_spike", _("机构日结算量远超其90日中位数")
        JUST_UNDER_THRESHOLD = "just_under_threshold", _("药店费用多次略低于限额")
        AFTER_DEATH = "after_death", _("死亡后发生费用")

    kind = models.CharField(_("规则"), max_length=32, choices=Kind.choices, unique=True)
    name = models.CharField(_("名称"), max_length=100)
    enabled = models.BooleanField(_("启用"), default=True)
    thresholds = models.JSONField(_("阈值"), default=dict, blank=True)
    article = models.CharField(
        _("依据条款"), max_length=200, blank=True, help_text=_("空：按参保地参数文件的智能监管条款")
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("监管规则")
        verbose_name_plural = _("监管规则")
        ordering = ["kind"]

    def __str__(self):
        return self.name


class Flag(models.Model):
    class State(models.TextChoices):
        OPEN = "open", _("待审核")
        DISMISSED = "dismissed", _("已排除")
        CONFIRMED = "confirmed", _("已确认违规")

    rule = models.ForeignKey(Rule, on_delete=models.PROTECT, related_name="flags", verbose_name=_("规则"))
    settlement = models.ForeignKey(
        "claims.Settlement",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("结算"),
        db_index=False,  # (settlement, rule) is unique, so indexed
    )
    institution = models.ForeignKey(
        "claims.Institution", on_delete=models.PROTECT, related_name="+", verbose_name=_("定点医药机构")
    )
    person = models.ForeignKey(
        "enrollment.Person",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("参保人"),
        db_index=False,
    )
    day = models.DateField(_("费用日期"))
    detail = models.CharField(_("疑点说明"), max_length=300)
    article = models.CharField(_("依据条款"), max_length=200)
    amount = models.DecimalField(_("涉及统筹基金"), default=0, **MONEY)
    state = models.CharField(_("状态"), max_length=16, choices=State.choices, default=State.OPEN)
    created = models.DateTimeField(_("发现时间"), auto_now_add=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("审核人"),
    )
    reviewed_at = models.DateTimeField(_("审核时间"), null=True, blank=True)
    review_note = models.CharField(_("审核意见"), max_length=300, blank=True)
    breach = models.ForeignKey(
        "institutions.Breach",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="flags",
        verbose_name=_("违约处理（追回）"),
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("监管疑点")
        verbose_name_plural = _("监管疑点")
        ordering = ["-day", "-id"]
        constraints = [models.UniqueConstraint(fields=["settlement", "rule"], name="institutions_flag_once")]
        indexes = [models.Index(fields=["state", "day"], name="institutions_flag_state")]

    def __str__(self):
        return f"{self.rule} {self.settlement_id}"
