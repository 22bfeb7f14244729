"""Opening an account and keeping its credit profile (杭州 art. 22(3), 23, 27)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db import transaction
from django.utils.translation import gettext as _

from policy.money import ZERO

from ..models import Account, LedgerEntry
from .crediting import _credits_apply, credit_for_month
from .ledger import AccountError, _entry, _lock, _money, _post, article


def _preset_months(account: Account, year: int, first_month: int) -> Decimal:
    return sum((credit_for_month(account, year, m).amount for m in range(first_month, 13)), ZERO)


@transaction.atomic
def open_account(
    *,
    person,
    on: dt.date,
    category: str,
    base: Decimal = ZERO,
    pension: Decimal = ZERO,
) -> Account:
    """Open the person's account and preset current funds for the rest of the year (杭州 art. 22(3)).

    A person who already has an open account gets it back unchanged (a retry opens nothing twice).
    """
    if category not in Account.Category.values and category != "unemployed":
        raise AccountError({"category": _("划账类别无效：%(value)s") % {"value": category}})
    existing = Account.objects.select_for_update().filter(person=person).first()
    if existing is not None:
        if existing.status != Account.Status.OPEN:
            raise AccountError(
                {
                    "person": _("该参保人的个人账户已销户（%(status)s）")
                    % {"status": existing.get_status_display()}
                }
            )
        return existing
    account = Account.objects.create(
        person=person,
        region=person.region,
        opened_on=on,
        birth_date=person.birth_date,
        category="flexible" if category == "unemployed" else category,
        credit_base=_money(base, "base"),
        pension=_money(pension, "pension"),
        preset_year=on.year,
        preset_amount=ZERO,
        credited_year=on.year,
        credited_total=ZERO,
    )
    if _credits_apply(account):
        preset = _preset_months(account, on.year, on.month)
        if preset:
            months = 13 - on.month
            _post(
                account,
                [
                    _entry(
                        account,
                        kind=LedgerEntry.Kind.PRESET,
                        bucket=LedgerEntry.Bucket.CURRENT,
                        amount=preset,
                        on=on,
                        period=f"{on.year:04d}",
                        text=f"参保当月预设当年资金：{on.month}–12 月共 {months} 个月划账额",
                        article_text=article(account.region, "preset"),
                    )
                ],
            )
            Account.objects.filter(pk=account.pk).update(preset_amount=preset)
            account.preset_amount = preset
    return account


@transaction.atomic
def set_profile(
    *,
    account: Account,
    category: str | None = None,
    base: Decimal | None = None,
    pension: Decimal | None = None,
    credits_stopped: bool | None = None,
    stop_reason: str = "",
    historical_pays_personal_share: bool | None = None,
) -> Account:
    """Change what the monthly credit and the next preset are computed from (category, base, pension, stop).

    The current year's preset is not changed: the difference between preset and actual
    credits is settled at year end (杭州 art. 22(5)).
    """
    account = _lock(account)
    if category is not None:
        if category == "unemployed":
            category = "flexible"
        if category not in Account.Category.values:
            raise AccountError({"category": _("划账类别无效：%(value)s") % {"value": category}})
        account.category = category
    if base is not None:
        account.credit_base = _money(base, "base")
    if pension is not None:
        account.pension = _money(pension, "pension")
    if credits_stopped is not None:
        if credits_stopped and not stop_reason:
            raise AccountError(
                {
                    "stop_reason": _("停止划账须写明原因（%(article)s）")
                    % {"article": article(account.region, "stop")}
                }
            )
        account.credits_stopped = credits_stopped
        account.stop_reason = stop_reason if credits_stopped else ""
    if historical_pays_personal_share is not None:  # 杭州 art. 25: the holder may opt out
        account.historical_pays_personal_share = historical_pays_personal_share
    account.save(
        update_fields=[
            "category",
            "credit_base",
            "pension",
            "credits_stopped",
            "stop_reason",
            "historical_pays_personal_share",
        ]
    )
    return account


CATEGORY_FROM_ENROLMENT = {
    "active": "active",
    "flexible": "flexible",
    "unemployed": "flexible",
    "retired": "retired",
    "agreement": "agreement",  # 杭州 art. 23(3): 50% of the lump sum, monthly, into historical funds
}


def profile_from_status(status, latest_base, account: Account) -> tuple[str, bool, str, Decimal]:
    """(category, benefit suspended, reason, credit base) from a `benefit_status` (杭州 art. 23, 27)."""
    category = getattr(status, "enrolment_category", None) or getattr(status, "category", None) or ""
    scheme = getattr(status, "scheme", None) or ""
    mapped = CATEGORY_FROM_ENROLMENT.get(str(category), "none") if str(scheme) in ("employee", "") else "none"
    suspended = not bool(getattr(status, "eligible", False))
    reason = ""
    if suspended:
        reason = str(getattr(status, "reason", "") or _("待遇暂停或终止"))[:200]
    base = account.credit_base if latest_base is None else latest_base
    return mapped, suspended, reason, base


def refresh_from_enrolment(*, account: Account, on: dt.date) -> Account:
    """Bring the stored category and the art. 27 suspension flag up to date from the enrolment records."""
    from enrollment.selectors import benefit_status

    status = benefit_status(person=account.person, on=on)
    mapped, suspended, reason, base = profile_from_status(status, _latest_base(account, on), account)
    changed = (
        mapped != account.category or suspended != account.benefit_suspended or base != account.credit_base
    )
    if changed or reason != account.suspension_reason:
        Account.objects.filter(pk=account.pk).update(
            category=mapped, benefit_suspended=suspended, suspension_reason=reason, credit_base=base
        )
        account.category, account.benefit_suspended, account.suspension_reason = mapped, suspended, reason
        account.credit_base = base
    return account


def _latest_base(account: Account, on: dt.date) -> Decimal | None:
    """The contribution base of the latest month paid up to `on` (杭州 art. 23: 本人缴费基数)."""
    try:
        from contributions.models import ContributionRecord
    except ImportError:  # pragma: no cover - contributions app absent
        return None
    record = (
        ContributionRecord.objects.filter(person_id=account.person_id, month__lte=on, is_back_payment=False)
        .order_by("-month")
        .values_list("base", flat=True)
        .first()
    )
    return record
