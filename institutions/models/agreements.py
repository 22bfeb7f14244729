"""Agreements (医保服务协议, 杭州 art. 87–88, 舟山 art. 69–70) and their breaches with sanctions."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

MONEY = {"max_digits": 14, "decimal_places": 2}


class Service(models.TextChoices):
    """The services an agreement covers; a bill needs its kind's service (and off-site for direct off-site bills)."""

    INPATIENT = "inpatient", _("住院")
    OUTPATIENT = "outpatient", _("普通门诊")
    PHARMACY = "pharmacy", _("药店购药")
    SPECIFIED_DISEASE = "specified_disease", _("规定病种门诊")
    OFFSITE = "offsite", _("异地就医直接结算")


def service_labels(codes) -> str:
    labels = dict(Service.choices)
    return "、".join(str(labels.get(code, code)) for code in codes)


class Agreement(models.Model):
    """One service agreement of an institution for a period.

    A bill is covered on its date when a signed (or suspended-but-in-period) agreement's
    period holds the date, the agreement was not terminated before it, and the agreement
    covers the bill's service. A suspended agreement refuses every submission while it is
    suspended; a suspension of some services is a breach's sanction (`Breach`).
    """

    class State(models.TextChoices):
        DRAFT = "draft", _("草拟")
        SIGNED = "signed", _("已签订")
        SUSPENDED = "suspended", _("暂停")
        TERMINATED = "terminated", _("已终止")
        EXPIRED = "expired", _("已到期")

    institution = models.ForeignKey(
        "claims.Institution",
        on_delete=models.PROTECT,
        related_name="agreements",
        verbose_name=_("定点医药机构"),
    )
    number = models.CharField(_("协议编号"), max_length=40, unique=True)
    district = models.CharField(
        _("辖区"), max_length=40, help_text=_("签订协议的经办辖区；住院总额预算按辖区分配")
    )
    start_date = models.DateField(_("协议起始日"))
    end_date = models.DateField(_("协议截止日"))
    services = models.JSONField(
        _("服务范围"), default=list, help_text=_("住院、普通门诊、药店购药、规定病种门诊、异地就医")
    )
    terms = models.TextField(_("协议条款"), blank=True)
    state = models.CharField(_("协议状态"), max_length=16, choices=State.choices, default=State.DRAFT)
    signed_on = models.DateField(_("签订日期"), null=True, blank=True)
    terminated_on = models.DateField(_("终止日期"), null=True, blank=True, help_text=_("自该日起不再结算"))
    state_reason = models.CharField(_("状态说明"), max_length=200, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("医保服务协议")
        verbose_name_plural = _("医保服务协议")
        ordering = ["institution", "-start_date"]
        indexes = [models.Index(fields=["institution", "start_date"], name="institutions_agreement_inst")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(end_date__gte=models.F("start_date")), name="institutions_agreement_period"
            )
        ]

    def __str__(self):
        return f"{self.number}（{self.start_date}—{self.end_date}）"

    @property
    def services_display(self) -> str:
        return service_labels(self.services)


class Breach(models.Model):
    """A breach of an agreement (违约) and the sanction the agreement names for it (杭州 art. 88, 舟山 art. 70).

    - warning: recorded only;
    - withhold: `amount` is withheld from the next clearing drawn up (暂停拨付), until released;
    - suspend_services: `services` refused while the suspension runs (from `starts_on`
      to `ends_on`, or until lifted);
    - terminate: the agreement ends on `starts_on`;
    - recover: `amount` is recovered (追回) by deduction from the next clearing.
    """

    class Sanction(models.TextChoices):
        WARNING = "warning", _("约谈警告")
        WITHHOLD = "withhold", _("暂停拨付")
        SUSPEND_SERVICES = "suspend_services", _("暂停部分服务结算")
        TERMINATE = "terminate", _("解除协议")
        RECOVER = "recover", _("追回费用")

    agreement = models.ForeignKey(
        Agreement, on_delete=models.PROTECT, related_name="breaches", verbose_name=_("医保服务协议")
    )
    found_on = models.DateField(_("认定日期"))
    description = models.TextField(_("违约情形"))
    clause = models.CharField(
        _("协议条款"), max_length=120, blank=True, help_text=_("协议中约定该处理的条款")
    )
    article = models.CharField(_("依据条款"), max_length=200)
    sanction = models.CharField(_("处理方式"), max_length=20, choices=Sanction.choices)
    amount = models.DecimalField(_("金额"), default=0, **MONEY, help_text=_("暂停拨付或追回的金额"))
    services = models.JSONField(_("暂停的服务"), default=list, blank=True)
    starts_on = models.DateField(_("生效日期"))
    ends_on = models.DateField(_("暂停截止日"), null=True, blank=True, help_text=_("空：至解除暂停为止"))
    lifted_on = models.DateField(
        _("解除日期"), null=True, blank=True, help_text=_("暂停解除或暂停拨付的款项放行之日")
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("经办人"),
    )
    recorded_at = models.DateTimeField(_("录入时间"), auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("违约处理")
        verbose_name_plural = _("违约处理")
        ordering = ["-found_on", "-id"]
        constraints = [
            models.CheckConstraint(condition=models.Q(amount__gte=0), name="institutions_breach_amount")
        ]

    def __str__(self):
        return f"{self.agreement.number} {self.get_sanction_display()} {self.found_on}"

    @property
    def services_display(self) -> str:
        return service_labels(self.services)

    def suspends(self, on) -> bool:
        """Whether this breach suspends its services on `on` (a submission date)."""
        if self.sanction != self.Sanction.SUSPEND_SERVICES or on < self.starts_on:
            return False
        if self.ends_on is not None and on > self.ends_on:
            return False
        return self.lifted_on is None or on < self.lifted_on
