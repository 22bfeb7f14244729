"""The monthly credit of one account: credits follow contributions (art. 22(3), 23, 27;
coverage-rules readings 11–13, 16).

Month M is due once it is paid for (a contributor), once it is inside a paid agreement period
(an agreement payer, art. 23(3)), or while a retired enrolment covers it (a retiree, art. 23(4)),
unless a dated art. 27 stop covers it. Crediting starts from the first month paid for, whatever
the benefit status: neither the first paid month nor a waiting period stops credits; an unpaid
month gets nothing; a back-paid month is credited when back-paid (art. 17(5)). What is due is read
from the records as of the month, never from when a batch ran, so the batches may run in any
order and any number of times: a rerun credits what an earlier one refused for a reason since
gone, and skips only what is already credited.

Where the money goes: a month of the account's current year is recorded against the preset
(bucket `credited`, settled at year end, art. 22(5)); a month of an earlier year goes to
historical funds; an agreement payer's month goes to historical funds (art. 23(3)). A month of
a year whose year end has not run yet is refused (next year's figures may be missing) and
credited by a later run.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.db.models import F, Sum
from django.utils.translation import gettext as _

from policy import accounts as rules
from policy.money import ZERO
from policy.parameters import ParameterError, parameters_for
from policy.regions import article, region_of

from ..models import Account, CreditStop, LedgerEntry
from .ledger import CURRENT_FUND_CATEGORIES, AccountError, _entry, _lock, _post


def first_of(year: int, month: int) -> dt.date:
    return dt.date(year, month, 1)


def add_months(month: dt.date, count: int) -> dt.date:
    index = month.year * 12 + month.month - 1 + count
    return dt.date(index // 12, index % 12 + 1, 1)


def months_between(first: dt.date, last: dt.date) -> int:
    return (last.year - first.year) * 12 + last.month - first.month + 1


# --- The profile credit: what presets are computed from ---------------------------------------


def credit_for_month(account: Account, year: int, month: int, params=None) -> rules.Amount | None:
    """One month's credit at the account's stored profile (category, base, pension) and the age
    reached that month (art. 23): what a preset counts on (art. 22(2)(3)). None for a
    category not credited into current funds."""
    if account.category not in CURRENT_FUND_CATEGORIES:
        return None
    params = params or parameters_for(account.region, first_of(year, month))
    kwargs = {}
    if account.category == "retired":
        kwargs = {"pension": account.pension}
    else:
        kwargs = {"base": account.credit_base}
    return rules.monthly_credit(
        params=params,
        category=account.category,
        age=rules.age_in_month(account.birth_date, year, month),
        **kwargs,
    )


def _preset_months(account: Account, year: int, first_month: int) -> Decimal:
    return sum(
        (credit.amount for m in range(first_month, 13) if (credit := credit_for_month(account, year, m))),
        ZERO,
    )


def _credits_apply(account: Account) -> bool:
    """Current funds are preset and the premium taken (art. 22(2)(3), 41): an open account of a
    current-fund category (`policy.accounts.CURRENT_FUND_CATEGORIES`) whose credits are not stopped
    (art. 27). The year-end rollover applies the same condition in SQL."""
    return (
        account.status == Account.Status.OPEN
        and account.category in CURRENT_FUND_CATEGORIES
        and not account.credits_stopped
    )


def monthly_credit_applies(account: Account) -> bool:
    """Whether the account can receive credits at all (open). Which months are due: `due_credits`."""
    return account.status == Account.Status.OPEN


# --- What is due -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Due:
    """One month's credit due (art. 23): the month, the credit, and what it was credited as."""

    month: dt.date
    category: str
    amount: rules.Amount
    back_payment: bool = False

    @property
    def period(self) -> str:
        return f"{self.month:%Y-%m}"


def stopped(stops, month: dt.date) -> bool:
    """Whether a dated art. 27 stop (`CreditStop` rows or (first, last) pairs) covers the month."""
    for stop in stops:
        first, last = (stop.first_month, stop.last_month) if hasattr(stop, "first_month") else stop
        if first <= month and (last is None or month <= last):
            return True
    return False


def due_months(account: Account, facts, stops, until: dt.date) -> dict[dt.date, tuple]:
    """Month → (category, kwargs for the credit rule, back-paid) for every month due up to `until`.

    A paid month is credited in the category it was paid in (reading 11, 12); an agreement
    payer's months (art. 23(3)) and a retiree's months (art. 23(4)) otherwise. Months before the
    account's opening month are credited only when back-paid (art. 17(5)).
    """
    opened = account.opened_on.replace(day=1)
    out: dict[dt.date, tuple] = {}
    for first, last in facts.retired:
        month = max(first, opened)
        while month <= until and (last is None or month <= last):
            out[month] = ("retired", {"pension": account.pension}, False)
            month = add_months(month, 1)
    for agreement in facts.agreements:
        if agreement.last_month is None:
            continue  # the period's months are unknown: refused in `agreement_open_errors`
        months = months_between(agreement.first_month, agreement.last_month)
        for index in range(1, months + 1):
            month = add_months(agreement.first_month, index - 1)
            if month > until:
                break
            kwargs = {
                "agreement_payment": agreement.amount,
                "agreement_months": months,
                "agreement_month_index": index,
            }
            out[month] = ("agreement", kwargs, False)
    for paid in facts.paid:
        if paid.month > until or (paid.month < opened and not paid.back_payment):
            continue
        kwargs = {"base": paid.base}
        if paid.category == "active":
            kwargs["own_contribution"] = paid.own_contribution
        out[paid.month] = (paid.category, kwargs, paid.back_payment)
    return {month: value for month, value in out.items() if not stopped(stops, month)}


def agreement_open_errors(account: Account, facts) -> list[str]:
    if any(agreement.last_month is None for agreement in facts.agreements):
        return [
            _("协缴期间未确定（协缴参保登记无终止日期），不能分月划入历年资金（%(article)s）")
            % {"article": region_of(account.region).article("account.agreement_payer_share")}
        ]
    return []


def due_credits(account: Account, facts, stops, until: dt.date, *, params_cache=None) -> list[Due]:
    """The credits due up to `until` (oldest first), computed by `policy.accounts.monthly_credit`."""
    params_cache = {} if params_cache is None else params_cache
    due = []
    for month, (category, kwargs, back) in sorted(due_months(account, facts, stops, until).items()):
        key = (account.region, month)
        if key not in params_cache:
            params_cache[key] = parameters_for(account.region, month)
        amount = rules.monthly_credit(
            params=params_cache[key],
            category=category,
            age=rules.age_in_month(account.birth_date, month.year, month.month),
            **kwargs,
        )
        if amount.amount:
            due.append(Due(month, category, amount, back))
    return due


# A month of a year already rolled over goes to historical funds, its text so prefixed (the
# set-based batch, `accounts.batch.credits`, writes the same prefix).
LATE_PREFIX = "补划 {period}（该年度已结转，划入历年资金）："


def not_rolled_over(credited_year: int, period: str) -> str:
    """The refusal of a month whose year's year end has not run (reading 16: a later run credits it)."""
    return _("%(year)s 年度尚未结转，不能划入 %(period)s") % {"year": credited_year, "period": period}


def entry_for(account: Account, due: Due) -> LedgerEntry:
    """The ledger entry of a due credit; refuses a month of a year whose year end has not run."""
    year = due.month.year
    agreement = due.category == "agreement"
    if not agreement and account.credited_year is not None and year > account.credited_year:
        raise AccountError({"period": not_rolled_over(account.credited_year, due.period)})
    text = "；".join(line.text for line in due.amount.lines)
    article_text = (
        due.amount.lines[0].article if due.amount.lines else article(account.region, "account.credit")
    )
    late = not agreement and account.credited_year is not None and year < account.credited_year
    bucket = LedgerEntry.Bucket.HISTORICAL if late or agreement else LedgerEntry.Bucket.CREDITED
    if due.back_payment:
        region = region_of(account.region)
        if region.has("account.back_payment_credit"):
            article_text = f"{region.article('account.back_payment_credit')}、{article_text}"
        text = f"补缴补划 {due.period}：{text}"
    if late:
        text = f"{LATE_PREFIX.format(period=due.period)}{text}"
    return _entry(
        account,
        kind=LedgerEntry.Kind.CREDIT,
        bucket=bucket,
        amount=due.amount.amount,
        on=due.month,
        period=due.period,
        text=text,
        article_text=article_text,
    )


def back_payment_premiums(account: Account, dues: list[Due], premium_years: set[int]) -> list[LedgerEntry]:
    """Art. 17(5): the catastrophic premium the person owes for a back-paid year no premium was
    taken for, deducted with the back-paid credits (from historical funds for an earlier year)."""
    region = region_of(account.region)
    if not region.has("account.premium_from_current_funds"):
        return []
    entries = []
    for year in sorted({d.month.year for d in dues if d.back_payment and d.category != "agreement"}):
        if year in premium_years or (account.credited_year is not None and year > account.credited_year):
            continue
        premium = region.parameters(dt.date(year, 12, 31))["catastrophic.premium"]["employee"]["personal"]
        premium = Decimal(premium).quantize(Decimal("0.01"))
        late = account.credited_year is not None and year < account.credited_year
        entries.append(
            _entry(
                account,
                kind=LedgerEntry.Kind.CATASTROPHIC_PREMIUM,
                bucket=LedgerEntry.Bucket.HISTORICAL if late else LedgerEntry.Bucket.CURRENT,
                amount=-premium,
                on=dt.date(year, 12, 31) if late else dt.date(year, 1, 1),
                year=year,
                text=f"补缴 {year} 年度：扣减应由个人补缴的大病保险费 {premium} 元",
                article_text=region.article("account.back_payment_credit"),
            )
        )
        premium_years.add(year)
    return entries


def credit_entries(
    account: Account,
    facts,
    stops,
    until: dt.date,
    credited: set[str],
    premium_years: set[int],
    *,
    params_cache=None,
) -> tuple[list[LedgerEntry], list[str]]:
    """The entries of every credit due up to `until` not yet credited (`credited`: periods), and
    the refusals (the year end not run, a parameter missing). Nothing is written here."""
    errors = agreement_open_errors(account, facts)
    entries, dues = [], []
    try:
        candidates = due_credits(account, facts, stops, until, params_cache=params_cache)
    except (ParameterError, AccountError) as error:
        return [], [*errors, _message(error)]
    for due in candidates:
        if due.period in credited:
            continue
        try:
            entries.append(entry_for(account, due))
        except AccountError as error:
            errors.append(_message(error))
            continue
        dues.append(due)
    try:
        entries += back_payment_premiums(account, dues, premium_years)
    except ParameterError as error:
        errors.append(_message(error))
    return entries, errors


def _message(error) -> str:
    messages = getattr(error, "messages", None)
    return "；".join(str(m) for m in messages) if messages else str(error)


def post_credits(account: Account, entries: list[LedgerEntry]) -> list[LedgerEntry]:
    """Write credit entries (account row locked by the caller) and move `credited_total`."""
    if not entries:
        return []
    _post(account, entries)
    credited = [e for e in entries if e.bucket == LedgerEntry.Bucket.CREDITED]
    if credited:
        total = sum((e.amount for e in credited), ZERO)
        Account.objects.filter(pk=account.pk).update(credited_total=F("credited_total") + total)
        account.credited_total += total
    return entries


def _credited_periods(account: Account) -> set[str]:
    return set(
        LedgerEntry.objects.filter(account=account, kind=LedgerEntry.Kind.CREDIT).values_list(
            "period", flat=True
        )
    )


def _premium_years(account: Account) -> set[int]:
    return set(
        LedgerEntry.objects.filter(account=account, kind=LedgerEntry.Kind.CATASTROPHIC_PREMIUM)
        .values("year")
        .annotate(total=Sum("amount"))
        .filter(total__lt=0)
        .values_list("year", flat=True)
    )


def month_end(month: dt.date) -> dt.date:
    return add_months(month, 1) - dt.timedelta(days=1)


@transaction.atomic
def credit_due(*, account: Account, year: int, month: int) -> list[LedgerEntry]:
    """Credit every month due up to (year, month) not yet credited (art. 23; reading 11, 16).

    Refuses (`AccountError`, nothing written for the refused months) when a month cannot be
    credited yet; the months that can are written.
    """
    from contributions.selectors import credit_facts

    account = _lock(account)
    if account.status != Account.Status.OPEN:
        return []
    until = first_of(year, month)
    facts = credit_facts(person_ids=[account.person_id], until=month_end(until))[account.person_id]
    stops = list(CreditStop.objects.filter(account=account))
    entries, errors = credit_entries(
        account, facts, stops, until, _credited_periods(account), _premium_years(account)
    )
    try:
        with transaction.atomic():
            post_credits(account, entries)
    except IntegrityError:  # a concurrent run wrote a month first: the next run picks up the rest
        return []
    if errors and not entries:
        raise AccountError({"period": "；".join(errors)})
    return entries


@transaction.atomic
def credit_month(*, account: Account, year: int, month: int) -> LedgerEntry | None:
    """Credit the one month (year, month) if it is due and not yet credited (art. 23), once
    whatever the retries. See `credit_due` for every month due up to a month."""
    from contributions.selectors import credit_facts

    account = _lock(account)
    if account.status != Account.Status.OPEN:
        return None
    period = f"{year:04d}-{month:02d}"
    if LedgerEntry.objects.filter(account=account, kind=LedgerEntry.Kind.CREDIT, period=period).exists():
        return None
    target = first_of(year, month)
    facts = credit_facts(person_ids=[account.person_id], until=month_end(target))[account.person_id]
    stops = list(CreditStop.objects.filter(account=account))
    due = [d for d in due_credits(account, facts, stops, target) if d.month == target]
    if not due:
        return None
    entry = entry_for(account, due[0])
    entries = [entry, *back_payment_premiums(account, due, _premium_years(account))]
    try:
        with transaction.atomic():
            post_credits(account, entries)
    except IntegrityError:  # a concurrent retry wrote it first
        return None
    return entry
