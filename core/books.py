"""One design for every fund book (基金分账核算, 杭州 art. 95, 舟山 art. 75).

An app that pays or takes money for a fund (assistance, maternity, ...) keeps its own book
as a concrete subclass of `FundPosting`: one row per movement, written in the same
transaction as the business record it comes from, never changed afterwards (a correction
is a new row with the opposite sign). `funds/` reads every book the same way to make the
year's accounts.
"""

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Fund(models.TextChoices):
    """The funds the agency keeps separate books for."""

    EMPLOYEE_POOLED = "employee_pooled", _("职工医保统筹基金")
    RESIDENT = "resident", _("城乡居民医保基金")
    STUDENT = "student", _("大学生医保基金")
    PERSONAL_ACCOUNTS = "personal_accounts", _("个人账户")
    CATASTROPHIC = "catastrophic", _("大病保险")
    ASSISTANCE = "assistance", _("医疗救助基金")
    MATERNITY = "maternity", _("生育保险")


def pooled_fund(scheme: str, category: str) -> str:
    """The pooled fund a benefit is paid from (杭州 art. 95(1)(2)): employee, resident, or the students' own.

    Art. 75: a settlement's channel follows the scheme of the benefits enjoyed on the bill's date
    (`benefit_status`), which across a switch (art. 73) is not always the enrolment of that day.
    """
    # the values of Fund.EMPLOYEE_POOLED, Fund.STUDENT, Fund.RESIDENT (a str, as a CharField stores it)
    if scheme == "employee":
        return "employee_pooled"
    return "student" if category == "student" else "resident"


class FundPosting(models.Model):
    """A movement of one fund: income positive, expenditure negative, in yuan to the fen."""

    fund = models.CharField(_("基金"), max_length=24, choices=Fund.choices)
    district = models.CharField(_("辖区"), max_length=40)
    posted_on = models.DateField(_("记账日期"))
    amount = models.DecimalField(_("金额"), max_digits=14, decimal_places=2)
    source_kind = models.CharField(_("来源类型"), max_length=24)
    source_id = models.CharField(_("来源编号"), max_length=64)
    article = models.CharField(_("依据条款"), max_length=200)
    text = models.CharField(_("摘要"), max_length=200)
    created_at = models.DateTimeField(_("写入时间"), default=timezone.now)

    class Meta:
        abstract = True
        ordering = ("posted_on", "id")
        verbose_name = _("基金记账")
        verbose_name_plural = _("基金记账")

    def __str__(self):
        return f"{self.get_fund_display()} {self.district} {self.posted_on} {self.amount}"
