"""Personal accounts (个人账户: art. 22–27, 41 of the measures; each region's citations come from policy).

An account holds two buckets of money: current funds (当年资金, the year's credits,
preset at the start of the year, art. 22(2)) and historical funds (历年资金, carried
over from earlier years, art. 22(4)). Every movement is a `LedgerEntry`, written once
and never changed; the balances stored on `Account` exist for row locking and speed
and always equal the sum of the ledger (checked by `selectors.audit_balances`).

The columns `category`, `birth_date`, `credit_base`, `pension` and `credits_stopped`
are a precomputed profile: the monthly credit task and the profile service keep them
current, so the year-end rollover can compute every account's preset in SQL without
touching the enrolment tables (规程 §9).
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from enrollment.models import default_region

MONEY = {"max_digits": 14, "decimal_places": 2}


class Account(models.Model):
    class Status(models.TextChoices):
        OPEN = "open", _("正常")
        TRANSFERRED = "transferred", _("已转出")
        CLEARED = "cleared", _("已清算")
        DECEASED = "deceased", _("死亡待继承")
        INHERITED = "inherited", _("已继承")

    class Category(models.TextChoices):
        ACTIVE = "active", _("在职职工")
        FLEXIBLE = "flexible", _("灵活就业人员")
        RETIRED = "retired", _("退休人员")
        # art. 23(3): 50% of the lump sum, monthly over the agreement period, into historical funds
        AGREEMENT = "agreement", _("协缴人员")
        NONE = "none", _("不划账")

    person = models.OneToOneField(
        "enrollment.Person", on_delete=models.PROTECT, related_name="account", verbose_name=_("参保人")
    )
    region = models.CharField(_("统筹区"), max_length=16, default=default_region)
    status = models.CharField(_("状态"), max_length=16, choices=Status.choices, default=Status.OPEN)
    opened_on = models.DateField(_("建账日期"))
    closed_on = models.DateField(_("销户日期"), null=True, blank=True)

    current = models.DecimalField(_("当年资金"), default=0, **MONEY)
    historical = models.DecimalField(_("历年资金"), default=0, **MONEY)

    historical_pays_personal_share = models.BooleanField(
        _("历年资金支付个人负担"),
        default=True,
        help_text=_("历年资金支付个人负担的自费、自理、自付费用；本人可申请不使用"),
    )

    # Precomputed profile for the monthly credit and the rollover's preset (规程 §9).
    category = models.CharField(_("划账类别"), max_length=16, choices=Category.choices, default=Category.NONE)
    birth_date = models.DateField(_("出生日期"))
    credit_base = models.DecimalField(_("缴费基数（月）"), default=0, **MONEY)
    pension = models.DecimalField(_("上年度基本养老金（月）"), default=0, **MONEY)
    credits_stopped = models.BooleanField(
        _("停止划账"), default=False, help_text=_("欠缴、停发养老金、暂停或终止待遇时停止划账")
    )
    stop_reason = models.CharField(_("停止划账原因"), max_length=200, blank=True)
    benefit_suspended = models.BooleanField(
        _("待遇暂停或终止"),
        default=False,
        help_text=_("按月划账时依参保登记刷新，供经办人员查看；划账按缴费记录"),
    )
    suspension_reason = models.CharField(_("暂停原因"), max_length=200, blank=True)

    # The year's preset and actual credits (art. 22(2)(3)(5)).
    preset_year = models.PositiveIntegerField(_("预设年度"), null=True, blank=True)
    preset_amount = models.DecimalField(_("当年资金预设额"), default=0, **MONEY)
    credited_year = models.PositiveIntegerField(_("实际划入年度"), null=True, blank=True)
    credited_total = models.DecimalField(_("当年实际划入额"), default=0, **MONEY)

    # Year-end rollover marker and the components of the last rollover (written by the
    # same UPDATE that moves the money, then copied into the ledger).
    rolled_over_year = models.PositiveIntegerField(_("已结转年度"), null=True, blank=True)
    last_interest = models.DecimalField(_("上次结转利息"), default=0, **MONEY)
    last_carry_over = models.DecimalField(_("上次结转当年资金"), default=0, **MONEY)
    last_reconciliation = models.DecimalField(_("上次预设差额"), default=0, **MONEY)
    last_premium = models.DecimalField(_("上次大病保险费"), default=0, **MONEY)
    last_offset = models.DecimalField(_("上次历年资金冲抵"), default=0, **MONEY)

    history = HistoricalRecords(
        excluded_fields=[
            "benefit_suspended",
            "suspension_reason",
            "current",
            "historical",
            "preset_year",
            "preset_amount",
            "credited_year",
            "credited_total",
            "rolled_over_year",
            "last_interest",
            "last_carry_over",
            "last_reconciliation",
            "last_premium",
            "last_offset",
        ]
    )

    class Meta:
        verbose_name = _("个人账户")
        verbose_name_plural = _("个人账户")
        permissions = [
            ("run_batch", _("可运行划账/结转批处理")),
            ("audit_balance", _("可核对余额")),
            ("transferin_account", _("办理个人账户转入")),
            ("close_account", _("办理个人账户转出、清算、死亡销户与继承")),
        ]

    def __str__(self):
        return gettext("%(person)s 个人账户") % {"person": self.person}

    def delete(self, *args, **kwargs):
        raise ValidationError({"id": _("个人账户不能删除；销户以转出、清算或继承办理")})


class LedgerEntry(models.Model):
    """One movement of money in or out of one bucket. Append-only: never updated or deleted."""

    class Kind(models.TextChoices):
        PRESET = "preset", _("当年资金预设")
        CREDIT = "credit", _("按月实际划入")
        INTEREST = "interest", _("年度结转利息")
        CARRY_OVER = "carry_over", _("当年资金结转历年资金")
        RECONCILIATION = "reconciliation", _("预设与实际划入差额")
        CATASTROPHIC_PREMIUM = "catastrophic_premium", _("大病保险费个人部分")
        OUTPATIENT = "outpatient", _("当年资金支付")
        HISTORICAL_PAYMENT = "historical_payment", _("历年资金支付")
        MUTUAL_AID = "mutual_aid", _("家庭共济支付")
        TRANSFER_IN = "transfer_in", _("转入")
        TRANSFER_OUT = "transfer_out", _("转出")
        CLEARING = "clearing", _("清算发还")
        OVERDRAFT_OFFSET = "overdraft_offset", _("历年资金冲抵透支")
        OVERDRAFT_REPAID = "overdraft_repaid", _("本人补足透支")
        WRITE_OFF = "write_off", _("统筹基金核销透支")
        INHERITANCE = "inheritance", _("继承")
        RETIREMENT_REFUND = "retirement_refund", _("退休当年多付门诊起付标准划入")
        REVERSAL = "reversal", _("冲正")

    class Bucket(models.TextChoices):
        CURRENT = "current", _("当年资金")
        HISTORICAL = "historical", _("历年资金")
        # The actual monthly credit is recorded here: the money is already in current
        # funds through the preset (art. 22(2)(5)); this bucket is not a balance.
        CREDITED = "credited", _("实际划入记录（不计余额）")
        # One movement between the two buckets, one row (art. 22(4)): the amount leaves
        # current funds and enters historical funds.
        CURRENT_TO_HISTORICAL = "cur_to_hist", _("当年资金转入历年资金")

    BALANCE_BUCKETS = (Bucket.CURRENT, Bucket.HISTORICAL)
    # What an entry of each bucket does to (current funds, historical funds), per unit of amount.
    BUCKET_EFFECT = {
        Bucket.CURRENT: (1, 0),
        Bucket.HISTORICAL: (0, 1),
        Bucket.CREDITED: (0, 0),
        Bucket.CURRENT_TO_HISTORICAL: (-1, 1),
    }

    # No database-level FK check: the rollover writes ~5 entries per account for a million
    # accounts in bulk, and per-row RI triggers were 40% of its time. Entries are written only
    # by `services` and `rollover`, which take account ids from the account table itself in
    # the same statement; accounts are never deleted (PROTECT, and `Account.delete` refuses).
    account = models.ForeignKey(
        Account,
        on_delete=models.PROTECT,
        related_name="entries",
        verbose_name=_("账户"),
        db_index=False,
        db_constraint=False,
    )
    kind = models.CharField(_("类型"), max_length=24, choices=Kind.choices)
    bucket = models.CharField(_("资金"), max_length=12, choices=Bucket.choices)
    amount = models.DecimalField(_("金额"), **MONEY)
    entry_date = models.DateField(_("记账日期"))
    year = models.PositiveIntegerField(_("结算年度"))
    period = models.CharField(_("所属期"), max_length=7, blank=True, help_text=_("划账月份 YYYY-MM"))
    text = models.CharField(_("说明"), max_length=200)
    article = models.CharField(_("依据条款"), max_length=120)
    source_type = models.CharField(_("来源类型"), max_length=40, blank=True)
    source_id = models.CharField(_("来源编号"), max_length=64, blank=True)
    reverses = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("冲正对象"),
        db_index=False,
        db_constraint=False,
    )
    created_at = models.DateTimeField(_("写入时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("账户明细")
        verbose_name_plural = _("账户明细")
        ordering = ["account_id", "id"]
        indexes = [
            models.Index(fields=["account", "year"], name="accounts_entry_account_year"),
            models.Index(
                fields=["reverses"], name="accounts_entry_reverses", condition=Q(reverses__isnull=False)
            ),
            models.Index(
                fields=["source_type", "source_id"],
                name="accounts_entry_source",
                condition=~Q(source_type=""),
            ),
        ]
        constraints = [
            # Once per account per month, whatever the retries (art. 23).
            models.UniqueConstraint(
                fields=["account", "kind", "period"],
                condition=Q(kind="credit"),
                name="accounts_entry_one_credit_per_month",
            ),
            # A bill is paid from the account once (art. 24, 25): a retry cannot pay twice.
            models.UniqueConstraint(
                fields=["source_type", "source_id", "kind"],
                condition=Q(kind__in=["outpatient", "historical_payment"], reverses__isnull=True),
                name="accounts_entry_one_payment_per_source",
            ),
            models.CheckConstraint(
                condition=Q(bucket__in=["current", "historical", "credited", "cur_to_hist"]),
                name="accounts_entry_bucket",
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} {self.get_bucket_display()} {self.amount}"

    def save(self, *args, **kwargs):
        if self.pk is not None and not kwargs.get("force_insert"):
            raise ValidationError({"id": _("账户明细只能新增，不能修改（只追加账本）")})
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValidationError({"id": _("账户明细不能删除；错误的记账以冲正处理")})


class MutualAidGrant(models.Model):
    """The holder lets historical funds pay a close relative's personal share (art. 26(6))."""

    class Relation(models.TextChoices):
        SPOUSE = "spouse", _("配偶")
        CHILD = "child", _("子女")
        PARENT = "parent", _("父母")

    class Channel(models.TextChoices):
        COUNTER = "counter", _("窗口")
        PORTAL = "portal", _("网上")

    holder = models.ForeignKey(
        "enrollment.Person",
        on_delete=models.PROTECT,
        related_name="mutual_aid_given",
        verbose_name=_("账户持有人"),
    )
    relative = models.ForeignKey(
        "enrollment.Person",
        on_delete=models.PROTECT,
        related_name="mutual_aid_received",
        verbose_name=_("近亲属"),
    )
    relation = models.CharField(_("关系"), max_length=8, choices=Relation.choices)
    channel = models.CharField(_("办理渠道"), max_length=8, choices=Channel.choices, default=Channel.COUNTER)
    granted_on = models.DateField(_("授权日期"))
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("办理人"),
    )
    revoked_on = models.DateField(_("撤销日期"), null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("撤销办理人"),
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("家庭共济授权")
        verbose_name_plural = _("家庭共济授权")
        constraints = [
            models.UniqueConstraint(
                fields=["holder", "relative"],
                condition=Q(revoked_on__isnull=True),
                name="accounts_one_live_grant",
            ),
        ]

    def __str__(self):
        return f"{self.holder} → {self.relative}（{self.get_relation_display()}）"

    @property
    def is_active(self) -> bool:
        return self.revoked_on is None


class CreditStop(models.Model):
    """A dated stop of the monthly credits (art. 27: pension stopped, benefits suspended or ended
    by a sentence or death, other cases the administration sets). Credits of the months from
    `first_month` to `last_month` (open when empty) are not due, whenever a batch runs (reading 16)."""

    account = models.ForeignKey(
        Account, on_delete=models.PROTECT, related_name="credit_stops", verbose_name=_("账户")
    )
    first_month = models.DateField(_("停止划账起始月"), help_text=_("所属月份的第一天"))
    last_month = models.DateField(_("停止划账终止月"), null=True, blank=True, help_text=_("空：尚未恢复"))
    reason = models.CharField(_("原因"), max_length=200)
    article = models.CharField(_("依据条款"), max_length=120)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("停止划账")
        verbose_name_plural = _("停止划账")
        ordering = ["account_id", "first_month"]

    def __str__(self):
        end = f"{self.last_month:%Y-%m}" if self.last_month else "…"
        return f"{self.account} {self.first_month:%Y-%m}–{end}"


class Inheritance(models.Model):
    """What a deceased holder's heir received (art. 26(5))."""

    account = models.OneToOneField(
        Account, on_delete=models.PROTECT, related_name="inheritance", verbose_name=_("账户")
    )
    heir_name = models.CharField(_("继承人/受遗赠人"), max_length=60)
    heir_id_number = models.CharField(_("继承人证件号码"), max_length=18)
    amount = models.DecimalField(_("继承金额"), **MONEY)
    settled_on = models.DateField(_("办理日期"))
    settled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("办理人"),
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("账户继承")
        verbose_name_plural = _("账户继承")

    def __str__(self):
        return f"{self.account} → {self.heir_name}"


class BatchJob(models.Model):
    """A long batch (monthly credits, year-end rollover, the arrears check, the profile refresh) and how far it got.

    Each chunk commits together with `done` (and `last_id`, the highest account id of a
    committed chunk). The monthly credit batch runs its chunks in id order and resumes after
    `last_id`; the year-end rollover runs chunks on several connections at once and records
    each in `BatchChunk`, so a resumed run skips the recorded ones.
    """

    class Kind(models.TextChoices):
        CREDIT_MONTH = "credit_month", _("按月划账")
        YEAR_END_ROLLOVER = "year_end_rollover", _("年度结转")
        ARREARS_CHECK = "arrears_check", _("欠费检查")
        PROFILE_REFRESH = "profile_refresh", _("账户档案更新")

    class Status(models.TextChoices):
        PENDING = "pending", _("待运行")
        RUNNING = "running", _("运行中")
        FAILED = "failed", _("失败（可续跑）")
        DONE = "done", _("已完成")

    kind = models.CharField(_("类型"), max_length=24, choices=Kind.choices)
    period = models.CharField(_("年度/月份"), max_length=7)
    status = models.CharField(_("状态"), max_length=12, choices=Status.choices, default=Status.PENDING)
    total = models.PositiveIntegerField(_("总数"), default=0)
    done = models.PositiveIntegerField(_("已处理"), default=0)
    last_id = models.BigIntegerField(_("已处理至账户 ID"), default=0)
    chunk_size = models.PositiveIntegerField(_("每批账户数"), default=100_000)
    started_at = models.DateTimeField(_("开始时间"), null=True, blank=True)
    finished_at = models.DateTimeField(_("结束时间"), null=True, blank=True)
    errors = models.TextField(_("错误"), blank=True)
    result = models.JSONField(_("结果"), default=dict, blank=True)

    class Meta:
        verbose_name = _("批处理任务")
        verbose_name_plural = _("批处理任务")
        ordering = ["-id"]
        constraints = [models.UniqueConstraint(fields=["kind", "period"], name="accounts_one_job_per_period")]

    def __str__(self):
        return f"{self.get_kind_display()} {self.period}"

    @property
    def percent(self) -> int:
        if not self.total:
            return 100 if self.status == self.Status.DONE else 0
        return min(100, int(self.done * 100 / self.total))


class BatchChunk(models.Model):
    """One committed chunk of a batch job: accounts with lo <= id < hi (per-chunk progress).

    Chunks of the year-end rollover run on several database connections at once, so the job's
    progress is the set of its chunks, not one `last_id`; a resumed run skips the chunks
    recorded here. Written in the chunk's own transaction.
    """

    job = models.ForeignKey(
        BatchJob, on_delete=models.CASCADE, related_name="chunks", verbose_name=_("批处理任务")
    )
    lo = models.BigIntegerField(_("起始账户 ID（含）"))
    hi = models.BigIntegerField(_("结束账户 ID（不含）"))
    accounts = models.PositiveIntegerField(_("处理账户数"), default=0)
    entries = models.PositiveIntegerField(_("写入明细数"), default=0)
    worker = models.PositiveSmallIntegerField(_("工作连接"), default=1)
    seconds = models.DecimalField(_("耗时（秒）"), max_digits=9, decimal_places=3, default=0)
    finished_at = models.DateTimeField(_("完成时间"))

    class Meta:
        verbose_name = _("批处理分块")
        verbose_name_plural = _("批处理分块")
        ordering = ["job_id", "lo"]
        constraints = [models.UniqueConstraint(fields=["job", "lo", "hi"], name="accounts_one_chunk_record")]

    def __str__(self):
        return f"{self.job} [{self.lo}, {self.hi})"
