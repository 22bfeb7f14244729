"""Opening an account and keeping its credit profile (art. 22(3), 23, 27)."""

from __future__ import annotations

import datetime as dt
import logging
from decimal import Decimal

from django.db import transaction
from django.db.models import Sum
from django.utils.translation import gettext as _

from policy.money import ZERO
from policy.parameters import ParameterError
from policy.regions import article, region_of

from ..models import Account, CreditStop, LedgerEntry
from .crediting import _credits_apply, _preset_months, add_months
from .ledger import AccountError, _entry, _lock, _money, _post

log = logging.getLogger(__name__)


def premium_entry(account: Account, year: int, on: dt.date) -> LedgerEntry | None:
    """The year's catastrophic premium, personal part, from current funds (art. 41; reading 14),
    unless the year's premium was already taken or the region takes none from the account."""
    region = region_of(account.region)
    if not region.has("account.premium_from_current_funds"):
        return None
    taken = (
        LedgerEntry.objects.filter(
            account=account, kind=LedgerEntry.Kind.CATASTROPHIC_PREMIUM, year=year
        ).aggregate(total=Sum("amount"))["total"]
        or ZERO
    )
    if taken < 0:
        return None
    premium = Decimal(region.parameters(on)["catastrophic.premium"]["employee"]["personal"]).quantize(
        Decimal("0.01")
    )
    if not premium:
        return None
    return _entry(
        account,
        kind=LedgerEntry.Kind.CATASTROPHIC_PREMIUM,
        bucket=LedgerEntry.Bucket.CURRENT,
        amount=-premium,
        on=on,
        year=year,
        text=f"{year}年度大病保险费个人部分 {premium} 元从当年资金扣缴",
        article_text=region.article("account.premium_from_current_funds"),
    )


def preset_rest_of_year(account: Account, on: dt.date) -> list[LedgerEntry]:
    """Preset current funds from the month of `on` to December and take the year's premium, once a
    year (art. 22(3), 41; reading 14): for the opening year and for a re-enrolment on an account
    that already exists. Nothing for a category not credited into current funds, or when stopped.
    The account row is locked by the caller."""
    if not _credits_apply(account):
        return []
    year = on.year
    entries = []
    if not LedgerEntry.objects.filter(account=account, kind=LedgerEntry.Kind.PRESET, year=year).exists():
        preset = _preset_months(account, year, on.month)
        if preset:
            months = 13 - on.month
            entries.append(
                _entry(
                    account,
                    kind=LedgerEntry.Kind.PRESET,
                    bucket=LedgerEntry.Bucket.CURRENT,
                    amount=preset,
                    on=on,
                    period=f"{year:04d}",
                    text=f"参（续）保当月预设当年资金：{on.month}–12 月共 {months} 个月划账额",
                    article_text=article(account.region, "account.opening_preset"),
                )
            )
            amount = preset + (account.preset_amount if account.preset_year == year else ZERO)
            credited = account.credited_total if account.credited_year == year else ZERO
            Account.objects.filter(pk=account.pk).update(
                preset_year=year, preset_amount=amount, credited_year=year, credited_total=credited
            )
            account.preset_year, account.preset_amount = year, amount
            account.credited_year, account.credited_total = year, credited
    # the premium comes out of the year's preset current funds: none while nothing is preset (a profile
    # without a base yet; the year end takes it with the next preset)
    preset_made = (
        bool(entries)
        or LedgerEntry.objects.filter(account=account, kind=LedgerEntry.Kind.PRESET, year=year).exists()
    )
    premium = premium_entry(account, year, on) if preset_made else None
    if premium is not None:
        entries.append(premium)
    return _post(account, entries)


@transaction.atomic
def open_account(
    *,
    person,
    on: dt.date,
    category: str,
    base: Decimal = ZERO,
    pension: Decimal = ZERO,
    preset: bool = True,
) -> Account:
    """Open the person's account, preset current funds for the rest of the year and take the year's
    premium (art. 22(3), 41; reading 14).

    A person who already has an open account keeps it (art. 26(4)): a re-enrolment brings its
    profile up to date and presets the year if it has not been preset yet (a retry writes nothing
    twice).
    """
    if category not in Account.Category.values and category != "unemployed":
        raise AccountError({"category": _("划账类别无效：%(value)s") % {"value": category}})
    category = "flexible" if category == "unemployed" else category
    existing = Account.objects.select_for_update().filter(person=person).first()
    if existing is not None:
        if existing.status != Account.Status.OPEN:
            raise AccountError(
                {
                    "person": _("该参保人的个人账户已销户（%(status)s）")
                    % {"status": existing.get_status_display()}
                }
            )
        changed = {}
        if category != Account.Category.NONE and existing.category != category:
            changed["category"] = category
        if base and existing.credit_base != _money(base, "base"):
            changed["credit_base"] = _money(base, "base")
        if pension and existing.pension != _money(pension, "pension"):
            changed["pension"] = _money(pension, "pension")
        if changed:
            Account.objects.filter(pk=existing.pk).update(**changed)
            for field, value in changed.items():
                setattr(existing, field, value)
        if preset:
            preset_rest_of_year(existing, on)
        return existing
    account = Account.objects.create(
        person=person,
        region=person.region,
        opened_on=on,
        birth_date=person.birth_date,
        category=category,
        credit_base=_money(base, "base"),
        pension=_money(pension, "pension"),
        preset_year=on.year,
        preset_amount=ZERO,
        credited_year=on.year,
        credited_total=ZERO,
    )
    if preset:
        preset_rest_of_year(account, on)
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
    stopped_from: dt.date | None = None,
    historical_pays_personal_share: bool | None = None,
) -> Account:
    """Change what the monthly credit and the next preset are computed from (category, base, pension, stop).

    The current year's preset is not changed: the difference between preset and actual
    credits is settled at year end (art. 22(5)). A stop (art. 27) is dated: credits stop from
    the month of `stopped_from` (default today) and resume from the month a lift is dated.
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
                    % {"article": article(account.region, "account.stop")}
                }
            )
        month = (stopped_from or dt.date.today()).replace(day=1)
        live = CreditStop.objects.filter(account=account, last_month__isnull=True)
        if credits_stopped and not live.exists():
            CreditStop.objects.create(
                account=account,
                first_month=month,
                reason=stop_reason[:200],
                article=article(account.region, "account.stop"),
            )
        elif not credits_stopped:
            for stop in live:
                last = add_months(month, -1)
                if last < stop.first_month:
                    stop.delete()
                else:
                    CreditStop.objects.filter(pk=stop.pk).update(last_month=last)
        account.credits_stopped = credits_stopped
        account.stop_reason = stop_reason if credits_stopped else ""
    if historical_pays_personal_share is not None:  # art. 25: the holder may opt out
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
    "agreement": "agreement",  # art. 23(3): 50% of the lump sum, monthly, into historical funds
}


def profile_from_status(status, latest_base, account: Account) -> tuple[str, bool, str, Decimal]:
    """(category, benefit suspended, reason, credit base) from a `benefit_status` (art. 23, 27)."""
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
    """The contribution base of the latest month paid up to `on` (art. 23: 本人缴费基数)."""
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


def open_for_enrolment(
    enrolment, *, on: dt.date, base: Decimal | None = None, pension: Decimal | None = None
):
    """The account an employee enrolment opens, preset from the month of `on` (art. 22(3); reading 14).

    Registered with `enrollment.account_opening` (AccountsConfig.ready) and called inside the
    enrolment's transaction. A category that has no account (none in the resident scheme) opens
    nothing. A re-enrolment keeps the open account and presets a year not yet preset
    (art. 26(4)); an account already closed (transferred, cleared) is left as it is: its balance
    was paid out and the person's records keep it closed.
    The base is the one given, else the latest paid month's, else the account's.
    """
    category = CATEGORY_FROM_ENROLMENT.get(str(enrolment.category))
    if category is None:
        return None
    existing = Account.objects.filter(person_id=enrolment.person_id).only("status").first()
    if existing is not None and existing.status != Account.Status.OPEN:
        return None
    if base is None:
        base = _latest_base(Account(person_id=enrolment.person_id), on) or ZERO
    opening = dict(
        person=enrolment.person, on=on, category=category, base=base or ZERO, pension=pension or ZERO
    )
    try:
        with transaction.atomic():
            return open_account(**opening)
    except ParameterError as error:
        # a figure the agency has not entered yet (e.g. last year's provincial average wage for a
        # retiree's credit) must not stop the enrolment: the account opens without this year's
        # preset; the monthly credits and the year end's reconciliation (art. 22(5)) make it up
        log.warning("account of enrolment %s opened without preset: %s", enrolment.pk, error)
        return open_account(**opening, preset=False)
