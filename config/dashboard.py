"""The clerk's start page (admin index): what is running or failed, what awaits the clerk, today's settlements.

config is the composition root, so this one module may read every app; each entry is a small
function returning tiles, and an app whose model is not installed simply shows nothing. A tile
is shown only to a clerk who may view the model it counts (the group's rights decide).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.apps import apps
from django.db.models import Count, Q, Sum
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class Tile:
    title: str
    value: str
    url: str = ""
    alert: bool = False


def _model(label: str):
    try:
        return apps.get_model(label)
    except LookupError:
        return None


def _changelist(model, query: str = "") -> str:
    try:
        url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
    except NoReverseMatch:
        return ""
    return f"{url}?{query}" if query else url


def _may_view(user, model) -> bool:
    return user.has_perm(f"{model._meta.app_label}.view_{model._meta.model_name}")


def batch_jobs(user) -> list[Tile]:
    tiles = []
    for label in ("accounts.BatchJob", "contributions.BatchJob", "core.BatchJob", "funds.SimulationRun"):
        model = _model(label)
        if model is None or not _may_view(user, model):
            continue
        counts = model.objects.aggregate(
            running=Count("pk", filter=Q(status="running")), failed=Count("pk", filter=Q(status="failed"))
        )
        name = model._meta.verbose_name
        tiles.append(
            Tile(
                _("%(name)s 运行中") % {"name": name},
                str(counts["running"]),
                _changelist(model, "status__exact=running"),
            )
        )
        tiles.append(
            Tile(
                _("%(name)s 失败") % {"name": name},
                str(counts["failed"]),
                _changelist(model, "status__exact=failed"),
                alert=counts["failed"] > 0,
            )
        )
    return tiles


# (model, filter, title): items that wait for a clerk's decision
QUEUES = (
    ("maternity.Application", {"status": "submitted"}, _("生育津贴待审核")),
    ("assistance.SpecialCase", {"status__in": ("submitted", "under_review", "reviewed")}, _("特殊救助待办")),
    ("assistance.PostHocApplication", {"status": "submitted"}, _("事后救助待办")),
    ("institutions.Clearing", {"state": "draft"}, _("月度清算待审批")),
    ("institutions.Flag", {"state": "open"}, _("智能监管疑点待复核")),
    ("claims.Statement", {"status": "failed"}, _("结算单生成失败")),
)


def queues(user) -> list[Tile]:
    tiles = []
    for label, filters, title in QUEUES:
        model = _model(label)
        if model is None or not _may_view(user, model):
            continue
        try:
            count = model.objects.filter(**filters).count()
        except Exception:  # a field named differently in that app: show nothing rather than break the page
            continue
        query = "&".join(
            f"{k.removesuffix('__in')}__exact={v}" for k, v in filters.items() if isinstance(v, str)
        )
        tiles.append(Tile(str(title), str(count), _changelist(model, query), alert=count > 0))
    return tiles


def todays_settlements(user) -> list[Tile]:
    model = _model("claims.Settlement")
    if model is None or not _may_view(user, model):
        return []
    today = timezone.localdate()
    sums = model.objects.filter(created__date=today).aggregate(
        n=Count("pk", filter=Q(kind="settlement")),
        reversed=Count("pk", filter=Q(kind="reversal")),
        fund=Sum("basic_fund_paid"),
        cash=Sum("cash_paid"),
    )
    url = _changelist(model)
    return [
        Tile(_("今日结算笔数"), str(sums["n"]), url),
        Tile(_("今日冲正笔数"), str(sums["reversed"]), url),
        Tile(_("今日统筹基金支付（元）"), f"{sums['fund'] or Decimal('0'):.2f}", url),
        Tile(_("今日个人现金支付（元）"), f"{sums['cash'] or Decimal('0'):.2f}", url),
    ]


SECTIONS = (
    (_("批处理任务"), batch_jobs),
    (_("待我处理"), queues),
    (_("今日结算"), todays_settlements),
)


def dashboard(user) -> list[tuple[str, list[Tile]]]:
    """The start page's sections for `user`, each with its tiles (sections without tiles left out)."""
    sections = []
    for title, provider in SECTIONS:
        tiles = provider(user)
        if tiles:
            sections.append((title, tiles))
    return sections
