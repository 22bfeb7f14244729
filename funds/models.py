"""The fund books (基金分账核算, 杭州 art. 95 last paragraph, 舟山 art. 75) and the year's accounts.

`JournalEntry` is a double-entry journal kept one movement a row: money goes from one book
(`from_book`) to another (`to_book`), a positive amount, so every row balances by
construction and the database refuses one that would not (CHECK constraints). A book is a
fund (`core.books.Fund`) or an outside party (`Party`). Entries are posted from the records
the other apps already keep by `funds.posting` (set-based, idempotent on the source, resumable),
never typed in. `FundMonth` is the pre-aggregated monthly income and expenditure of each
fund and district, rebuilt from the journal by the same posting run; reports read only it.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from core.books import Fund

MONEY = {"max_digits": 14, "decimal_places": 2}
BIG_MONEY = {"max_digits": 18, "decimal_places": 2}  # a year's totals of a city


class Party(models.TextChoices):
    """The books outside the funds that money comes from or goes to."""

    CONTRIBUTORS = "contributors", _("缴费单位和个人")
    GOVERNMENT = "government", _("政府补贴")
    INTEREST = "interest", _("存款利息")
    DONORS = "donors", _("社会捐赠")
    INSTITUTIONS = "institutions", _("定点医药机构")
    PERSONS = "persons", _("参保人（报销、津贴）")
    EMPLOYERS = "employers", _("用人单位（生育津贴）")
    FINANCE = "finance", _("财政（赤字承担）")


BOOK_CHOICES = list(Fund.choices) + list(Party.choices)
FUNDS = tuple(Fund.values)


# The journal's columns a posting writes, in the order the set-based and the row-by-row posting give them.
ENTRY_FIELDS = (
    "posted_on",
    "year",
    "month",
    "region",
    "district",
    "from_book",
    "to_book",
    "amount",
    "source_kind",
    "source_id",
    "component",
    "article",
)


class JournalEntry(models.Model):
    """One movement between two books (money leaves `from_book`, enters `to_book`)."""

    posted_on = models.DateField(_("记账日期"))
    year = models.PositiveSmallIntegerField(_("年度"))
    month = models.PositiveSmallIntegerField(_("月份"))
    region = models.CharField(_("统筹地区"), max_length=16)
    district = models.CharField(_("辖区"), max_length=40)
    from_book = models.CharField(_("付出方"), max_length=24, choices=BOOK_CHOICES)
    to_book = models.CharField(_("收入方"), max_length=24, choices=BOOK_CHOICES)
    amount = models.DecimalField(_("金额"), **MONEY)
    source_kind = models.CharField(_("来源类型"), max_length=64)
    source_id = models.CharField(_("来源编号"), max_length=64)
    component = models.CharField(_("项目"), max_length=32)
    article = models.CharField(_("依据条款"), max_length=200)

    class Meta:
        verbose_name = _("基金记账凭证")
        verbose_name_plural = _("基金记账凭证")
        ordering = ["posted_on", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["source_kind", "source_id", "component"], name="funds_entry_once_per_source"
            ),
            models.CheckConstraint(condition=models.Q(amount__gt=0), name="funds_entry_amount_positive"),
            models.CheckConstraint(
                condition=~models.Q(from_book=models.F("to_book")), name="funds_entry_two_books"
            ),
        ]
        indexes = [models.Index(fields=["year", "month"], name="funds_entry_period")]

    def __str__(self):
        return f"{self.posted_on} {self.from_book}→{self.to_book} {self.amount}"


class FundMonth(models.Model):
    """A fund's income and expenditure in one district and month (rebuilt from the journal)."""

    region = models.CharField(_("统筹地区"), max_length=16)
    fund = models.CharField(_("基金"), max_length=24, choices=Fund.choices)
    district = models.CharField(_("辖区"), max_length=40)
    year = models.PositiveSmallIntegerField(_("年度"))
    month = models.PositiveSmallIntegerField(_("月份"))
    income = models.DecimalField(_("收入"), default=0, **BIG_MONEY)
    expenditure = models.DecimalField(_("支出"), default=0, **BIG_MONEY)
    entries = models.PositiveIntegerField(_("凭证数"), default=0)

    class Meta:
        verbose_name = _("基金月度收支")
        verbose_name_plural = _("基金月度收支")
        ordering = ["year", "month", "fund", "district"]
        constraints = [
            models.UniqueConstraint(
                fields=["region", "fund", "district", "year", "month"], name="funds_one_month_row"
            )
        ]

    def __str__(self):
        return f"{self.fund} {self.district} {self.year}-{self.month:02d}"

    @property
    def balance(self):
        return self.income - self.expenditure


class PostingMark(models.Model):
    """How far the posting run has read one source (its highest posted id): the resume point."""

    source_kind = models.CharField(_("来源类型"), max_length=64, unique=True)
    last_id = models.BigIntegerField(_("已记账至 ID"), default=0)
    posted = models.PositiveIntegerField(_("已记账凭证数"), default=0)
    updated = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("记账进度")
        verbose_name_plural = _("记账进度")

    def __str__(self):
        return f"{self.source_kind} ≤ {self.last_id}"


class YearClose(models.Model):
    """The year's accounts (年度决算) of one region: each fund and district, and the deficits' cover."""

    class Status(models.TextChoices):
        CLOSED = "closed", _("已决算")
        PUBLISHED = "published", _("已公布")

    region = models.CharField(_("统筹地区"), max_length=16)
    year = models.PositiveSmallIntegerField(_("年度"))
    status = models.CharField(_("状态"), max_length=12, choices=Status.choices, default=Status.CLOSED)
    closed_on = models.DateTimeField(_("决算时间"), auto_now_add=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("决算人"),
    )
    publication = models.FileField(_("公布报告"), upload_to="funds/%Y/", blank=True)
    published_on = models.DateTimeField(_("公布时间"), null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("基金年度决算")
        verbose_name_plural = _("基金年度决算")
        ordering = ["-year", "region"]
        constraints = [models.UniqueConstraint(fields=["region", "year"], name="funds_one_close_per_year")]

    def __str__(self):
        return f"{self.region} {self.year}"


class FundYear(models.Model):
    """One fund and district in a closed year: opening, income, expenditure, closing balance."""

    close = models.ForeignKey(
        YearClose, on_delete=models.CASCADE, related_name="funds", verbose_name=_("决算")
    )
    fund = models.CharField(_("基金"), max_length=24, choices=Fund.choices)
    district = models.CharField(_("辖区"), max_length=40)
    opening = models.DecimalField(_("年初结余"), **BIG_MONEY)
    income = models.DecimalField(_("本年收入"), **BIG_MONEY)
    expenditure = models.DecimalField(_("本年支出"), **BIG_MONEY)
    closing = models.DecimalField(_("年末结余（弥补前）"), **BIG_MONEY)
    covered = models.DecimalField(_("赤字弥补"), default=0, **BIG_MONEY)

    class Meta:
        verbose_name = _("基金年度收支")
        verbose_name_plural = _("基金年度收支")
        ordering = ["fund", "district"]
        constraints = [
            models.UniqueConstraint(fields=["close", "fund", "district"], name="funds_one_fund_year")
        ]

    def __str__(self):
        return f"{self.fund} {self.district}"


class DeficitShare(models.Model):
    """Who bears how much of a fund's deficit (杭州 art. 95(1)–(3); 舟山 art. 75)."""

    close = models.ForeignKey(
        YearClose, on_delete=models.CASCADE, related_name="shares", verbose_name=_("决算")
    )
    fund = models.CharField(_("基金"), max_length=24, choices=Fund.choices)
    district = models.CharField(_("辖区"), max_length=40)
    payer = models.CharField(_("承担方"), max_length=80)
    amount = models.DecimalField(_("承担金额"), **BIG_MONEY)
    article = models.CharField(_("依据条款"), max_length=200)
    text = models.CharField(_("说明"), max_length=300)

    class Meta:
        verbose_name = _("赤字承担")
        verbose_name_plural = _("赤字承担")
        ordering = ["fund", "district", "id"]

    def __str__(self):
        return f"{self.fund} {self.district} {self.payer} {self.amount}"


class ReformDraft(models.Model):
    """A draft parameter set for a reform study (杭州 art. 33): parameters changed from a date.

    `changes` has the shape of the agency's overrides: a list of {"name", "effective_from", "value"},
    each value written as in the parameter files. Nothing here touches the live parameters.
    """

    name = models.CharField(_("方案名称"), max_length=100)
    region = models.CharField(_("统筹地区"), max_length=16)
    year = models.PositiveSmallIntegerField(_("测算年度"), help_text=_("用该年度已结算的费用重新测算"))
    changes = models.JSONField(_("参数调整"), default=list)
    note = models.TextField(_("说明"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("拟定人"),
    )
    created = models.DateTimeField(_("拟定时间"), auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("改革测算方案")
        verbose_name_plural = _("改革测算方案")
        ordering = ["-id"]

    def __str__(self):
        return self.name


class SimulationRun(models.Model):
    """One run of a draft over its year's stored bills: progress, then the comparison with the live rules."""

    class Status(models.TextChoices):
        PENDING = "pending", _("待运行")
        RUNNING = "running", _("运行中")
        FAILED = "failed", _("失败")
        DONE = "done", _("已完成")

    draft = models.ForeignKey(
        ReformDraft, on_delete=models.CASCADE, related_name="runs", verbose_name=_("方案")
    )
    status = models.CharField(_("状态"), max_length=12, choices=Status.choices, default=Status.PENDING)
    total = models.PositiveIntegerField(_("费用笔数"), default=0)
    done = models.PositiveIntegerField(_("已测算"), default=0)
    started_at = models.DateTimeField(_("开始时间"), null=True, blank=True)
    finished_at = models.DateTimeField(_("结束时间"), null=True, blank=True)
    error = models.TextField(_("错误"), blank=True)
    result = models.JSONField(_("测算结果"), default=dict, blank=True)

    class Meta:
        verbose_name = _("改革测算运行")
        verbose_name_plural = _("改革测算运行")
        ordering = ["-id"]

    def __str__(self):
        return f"{self.draft} #{self.pk}"

    @property
    def percent(self) -> int:
        if not self.total:
            return 100 if self.status == self.Status.DONE else 0
        return min(100, int(self.done * 100 / self.total))
