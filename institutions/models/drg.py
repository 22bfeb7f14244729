"""The year-end settlement of inpatient care under the global budget with DRG points (杭州 art. 90, 舟山 art. 73)."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

MONEY = {"max_digits": 14, "decimal_places": 2}


class DrgYear(models.Model):
    """One run of the year-end settlement for a region and year: per district a point value, per hospital a line."""

    class State(models.TextChoices):
        CALCULATED = "calculated", _("已测算")
        APPROVED = "approved", _("已审核")

    region = models.CharField(_("统筹地区"), max_length=16)
    year = models.PositiveSmallIntegerField(_("年度"))
    drg_table = models.ForeignKey(
        "institutions.DrgTable", on_delete=models.PROTECT, related_name="+", verbose_name=_("DRG 权重表")
    )
    budget_table = models.ForeignKey(
        "institutions.BudgetTable", on_delete=models.PROTECT, related_name="+", verbose_name=_("预算表")
    )
    state = models.CharField(_("状态"), max_length=16, choices=State.choices, default=State.CALCULATED)
    districts = models.JSONField(_("辖区点值"), default=list)
    parameters = models.JSONField(_("所用参数"), default=dict)
    calculated_at = models.DateTimeField(_("测算时间"), auto_now=True)
    calculated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("测算人"),
    )
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("审核人"),
    )
    approved_at = models.DateTimeField(_("审核时间"), null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("DRG 年终清算")
        verbose_name_plural = _("DRG 年终清算")
        ordering = ["-year", "region"]
        constraints = [models.UniqueConstraint(fields=["region", "year"], name="institutions_drgyear_year")]

    def __str__(self):
        return gettext("%(year)s DRG 年终清算（%(region)s）") % {"year": self.year, "region": self.region}


class DrgYearLine(models.Model):
    """A hospital's year-end figures: points, due at the point value, already paid, the balance (±)."""

    drg_year = models.ForeignKey(
        DrgYear, on_delete=models.CASCADE, related_name="lines", verbose_name=_("年终清算")
    )
    institution = models.ForeignKey(
        "claims.Institution", on_delete=models.PROTECT, related_name="+", verbose_name=_("定点医疗机构")
    )
    district = models.CharField(_("辖区"), max_length=40)
    cases = models.PositiveIntegerField(_("病例数"), default=0)
    points = models.DecimalField(_("总点数"), max_digits=18, decimal_places=4)
    point_value = models.DecimalField(_("点值"), max_digits=18, decimal_places=6)
    due = models.DecimalField(_("应得统筹基金"), **MONEY)
    paid = models.DecimalField(_("月度已拨付"), **MONEY)
    balance = models.DecimalField(_("年终清算（±）"), **MONEY)
    explanation = models.JSONField(_("计算说明"), default=list)

    class Meta:
        verbose_name = _("DRG 年终清算明细")
        verbose_name_plural = _("DRG 年终清算明细")
        ordering = ["drg_year", "district", "institution"]
        constraints = [
            models.UniqueConstraint(
                fields=["drg_year", "institution"], name="institutions_drgline_institution"
            )
        ]

    def __str__(self):
        return f"{self.institution_id} {self.balance}"
