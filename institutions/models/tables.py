"""Tables the agency loads (杭州 art. 90, 舟山 art. 73): DRG weights and district inpatient budgets.

Both are dated and versioned: a year has one or more versions, each imported whole from a
CSV or XLSX file (`institutions.tables`); the year-end settlement uses the newest version
of the year in force on the day it runs. Rows are never edited: a correction is a new version.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from policy.regions import region_choices

MONEY = {"max_digits": 14, "decimal_places": 2}


class VersionedTable(models.Model):
    region = models.CharField(_("统筹地区"), max_length=16, choices=region_choices)
    year = models.PositiveSmallIntegerField(_("年度"))
    version = models.PositiveSmallIntegerField(_("版本"))
    effective_from = models.DateField(_("生效日期"))
    source_name = models.CharField(_("导入文件"), max_length=200, blank=True)
    note = models.CharField(_("说明"), max_length=200, blank=True)
    imported_at = models.DateTimeField(_("导入时间"), auto_now_add=True)
    imported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("导入人"),
    )

    class Meta:
        abstract = True
        ordering = ["region", "-year", "-version"]

    def __str__(self):
        return gettext("%(region)s %(year)s 第%(version)s版") % {
            "region": self.get_region_display(),
            "year": self.year,
            "version": self.version,
        }


class DrgTable(VersionedTable):
    history = HistoricalRecords()

    class Meta(VersionedTable.Meta):
        verbose_name = _("DRG 权重表")
        verbose_name_plural = _("DRG 权重表")
        constraints = [
            models.UniqueConstraint(
                fields=["region", "year", "version"], name="institutions_drgtable_version"
            )
        ]


class DrgWeight(models.Model):
    """One DRG group: its weight (基准点数 per case) and average cost per case (住院均次费用, for outliers)."""

    table = models.ForeignKey(
        DrgTable, on_delete=models.CASCADE, related_name="weights", verbose_name=_("权重表")
    )
    code = models.CharField(_("DRG 编码"), max_length=16)
    name = models.CharField(_("病组名称"), max_length=200, blank=True)
    weight = models.DecimalField(_("权重（点数）"), max_digits=10, decimal_places=4)
    average_cost = models.DecimalField(_("均次费用"), **MONEY)

    class Meta:
        verbose_name = _("DRG 病组")
        verbose_name_plural = _("DRG 病组")
        ordering = ["table", "code"]
        constraints = [
            models.UniqueConstraint(fields=["table", "code"], name="institutions_drgweight_code"),
            models.CheckConstraint(condition=models.Q(weight__gte=0), name="institutions_drgweight_weight"),
        ]

    def __str__(self):
        return f"{self.code} {self.weight}"


class BudgetTable(VersionedTable):
    history = HistoricalRecords()

    class Meta(VersionedTable.Meta):
        verbose_name = _("住院总额预算表")
        verbose_name_plural = _("住院总额预算表")
        constraints = [
            models.UniqueConstraint(
                fields=["region", "year", "version"], name="institutions_budgettable_version"
            )
        ]


class DistrictBudget(models.Model):
    """A district's inpatient budget of the basic fund for the year (以收定支, 杭州 art. 90)."""

    table = models.ForeignKey(
        BudgetTable, on_delete=models.CASCADE, related_name="budgets", verbose_name=_("预算表")
    )
    district = models.CharField(_("辖区"), max_length=40)
    inpatient_budget = models.DecimalField(_("住院统筹基金预算"), **MONEY)

    class Meta:
        verbose_name = _("辖区住院预算")
        verbose_name_plural = _("辖区住院预算")
        ordering = ["table", "district"]
        constraints = [
            models.UniqueConstraint(fields=["table", "district"], name="institutions_budget_district"),
        ]

    def __str__(self):
        return f"{self.district} {self.inpatient_budget}"
