"""Business actions on personal accounts. Each is one transaction; every movement is a ledger entry.

The stored balances on `Account` change only here (and in the set-based rollover,
`accounts.rollover`), always in the same transaction as the entries that explain them,
with the account row locked (`select_for_update`).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F, Q, Sum
from django.utils.translation import gettext as _

from config.rows import add_to_row, insert_rows
from policy import accounts as rules
from policy.money import ZERO, round_yuan
from policy.parameters import parameters_for

from .models import Account, Inheritance, LedgerEntry, MutualAidGrant

CREDITED_CATEGORIES = {"active", "flexible", "unemployed", "retired"}
ART = {
    "hangzhou": {
        "preset": "杭州 第二十二条第(二)(三)项",
        "credit": "杭州 第二十三条",
        "current_payment": "杭州 第二十四条",
        "historical_payment": "杭州 第二十五条",
        "transfer_out": "杭州 第二十六条第(一)(三)项",
        "clearing": "杭州 第二十六条第(一)(三)项",
        "transfer_in": "杭州 第二十六条第(二)项",
        "overdraft": "杭州 第二十六条第(三)项",
        "inheritance": "杭州 第二十六条第(五)项",
        "mutual_aid": "杭州 第二十六条第(六)项",
        "stop": "杭州 第二十七条",
    },
    "zhoushan": {
        "preset": "舟山 第十八条第(二)项",
        "credit": "舟山 第十七条",
        "current_payment": "舟山 第二十一条",
        "historical_payment": "舟山 第二十一条",
        "transfer_out": "舟山 第十九条第(二)项",
        "clearing": "舟山 第十九条第(二)项",
        "transfer_in": "舟山 第十九条第(一)项",
        "overdraft": "舟山 第十九条第(二)项",
        "inheritance": "舟山 第十九条第(二)项",
        "mutual_aid": "舟山 第二十一条",
        "stop": "舟山 第二十条",
    },
}


class AccountError(ValidationError):
    """A refused account action: a dict of field -> message a clerk can act on."""


def article(region: str, key: str) -> str:
    return ART.get(region, ART["hangzhou"])[key]


def _money(value, field: str) -> Decimal:
    if isinstance(value, (bool, float)) or value is None:
        raise AccountError({field: _("应为 Decimal 金额，不接受浮点数或空值")})
    amount = Decimal(value)
    if not amount.is_finite() or amount < 0:
        raise AccountError({field: _("金额不能为负数")})
    if amount != amount.quantize(Decimal("0.01")):
        raise AccountError({field: _("金额最多保留两位小数")})
    return amount.quantize(Decimal("0.01"))


def _lock(account_or_person) -> Account:
    """The account row, locked until the transaction ends."""
    if isinstance(account_or_person, Account):
        return Account.objects.select_for_update().get(pk=account_or_person.pk)
    account = Account.objects.select_for_update().filter(person=account_or_person).first()
    if account is None:
        raise AccountError({"person": _("该参保人没有个人账户")})
    return account


def _entry(
    account: Account, *, kind, bucket, amount, on, year=None, text, article_text, **extra
) -> LedgerEntry:
    return LedgerEntry(
        account=account,
        kind=kind,
        bucket=bucket,
        amount=amount,
        entry_date=on,
        year=year if year is not None else on.year,
        text=text[:200],
        article=article_text[:120],
        **extra,
    )


def _post(account: Account, entries: list[LedgerEntry]) -> list[LedgerEntry]:
    """Write the entries and move the stored balances by their sums (account row locked by the caller)."""
    effect = LedgerEntry.BUCKET_EFFECT
    current = sum((e.amount * effect[e.bucket][0] for e in entries), ZERO)
    historical = sum((e.amount * effect[e.bucket][1] for e in entries), ZERO)
    # every settlement paid from the account passes here: statements built once (config.rows)
    insert_rows(entries)
    if current or historical:
        add_to_row(Account, account.pk, current=current, historical=historical)
        account.current += current
        account.historical += historical
    return entries


# --- Profile and opening -------------------------------------------------------------


def _provincial_average(params):
    return params["provincial_average_monthly_wage"]


def credit_for_month(account: Account, year: int, month: int, params=None) -> rules.Amount | None:
    """One month's credit at the account's stored category and the age reached that month (杭州 art. 23).

    None for an agreement payer in a month outside the agreement period (art. 23(3)).
    """
    params = params or parameters_for(account.region, dt.date(year, month, 1))
    category = account.category
    kwargs = {}
    if category == "agreement":
        terms = agreement_terms(account, year, month)
        if terms is None:
            return None
        payment, months, index = terms
        kwargs = {"agreement_payment": payment, "agreement_months": months, "agreement_month_index": index}
    elif category == "retired":
        kwargs = {"pension": account.pension, "provincial_average_monthly_wage": _provincial_average(params)}
    else:
        kwargs = {"base": account.credit_base}
    return rules.monthly_credit(
        params=params, category=category, age=rules.age_in_month(account.birth_date, year, month), **kwargs
    )


def agreement_terms(account: Account, year: int, month: int) -> tuple[Decimal, int, int] | None:
    """An agreement payer's lump sum, the months of the agreement period and this month's place in it
    (杭州 art. 23(3): 50% of the lump sum paid when the agreement was made, credited monthly over
    the agreement period). The period is the agreement enrolment's start to end month; None when
    the month is outside it. Refuses when the enrolment has no end date (the months are unknown).
    """
    from contributions.models import AgreementPayment

    first = dt.date(year, month, 1)
    last = (first + dt.timedelta(days=31)).replace(day=1) - dt.timedelta(days=1)
    payment = (
        AgreementPayment.objects.filter(person_id=account.person_id, enrolment__start_date__lte=last)
        .filter(Q(enrolment__end_date__isnull=True) | Q(enrolment__end_date__gte=first))
        .select_related("enrolment")
        .order_by("-enrolment__start_date")
        .first()
    )
    if payment is None:
        return None
    start, end = payment.enrolment.start_date, payment.enrolment.end_date
    if end is None:
        raise AccountError(
            {
                "category": _(
                    "协缴期间未确定（协缴参保登记无终止日期），不能分月划入历年资金（杭州 第二十三条第(三)项）"
                )
            }
        )
    months = (end.year - start.year) * 12 + end.month - start.month + 1
    index = (year - start.year) * 12 + month - start.month + 1
    if not 1 <= index <= months:
        return None
    return payment.amount, months, index


def _preset_months(account: Account, year: int, first_month: int) -> Decimal:
    return sum((credit_for_month(account, year, m).amount for m in range(first_month, 13)), ZERO)


def _credits_apply(account: Account) -> bool:
    """Current funds are preset and credited (杭州 art. 22(2)(3), 23; stopped per art. 27)."""
    return (
        account.status == Account.Status.OPEN
        and account.category in CREDITED_CATEGORIES
        and not account.credits_stopped
        and not account.benefit_suspended
    )


def monthly_credit_applies(account: Account) -> bool:
    """A monthly credit is due (art. 23), agreement payers' into historical funds (art. 23(3)); none
    while stopped (art. 27: arrears, pension stopped, benefits suspended or ended, closed)."""
    return _credits_apply(account) or (
        account.status == Account.Status.OPEN
        and account.category == Account.Category.AGREEMENT
        and not account.credits_stopped
        and not account.benefit_suspended
    )


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


# --- Monthly credit ------------------------------------------------------------------


def credit_entry(account: Account, year: int, month: int, params=None) -> LedgerEntry | None:
    """The unsaved ledger entry of one month's credit (杭州 art. 23), or None when none is due.

    The money of current-fund credits is already in current funds through the year's preset:
    the entry (bucket `credited`) records it against the preset and the difference is settled
    at year end (art. 22(5)). A late credit for a year already rolled over, and an agreement
    payer's credit (art. 23(3)), go to historical funds. The caller has locked the account row.
    """
    period = f"{year:04d}-{month:02d}"
    if not monthly_credit_applies(account):
        return None
    agreement = account.category == Account.Category.AGREEMENT
    if not agreement and account.credited_year is not None and year > account.credited_year:
        raise AccountError(
            {
                "period": _("%(year)s 年度尚未结转，不能划入 %(period)s")
                % {"year": account.credited_year, "period": period}
            }
        )
    credit = credit_for_month(account, year, month, params)
    if credit is None or (agreement and not credit.amount):
        return None
    text = "；".join(line.text for line in credit.lines)
    article_text = credit.lines[0].article if credit.lines else article(account.region, "credit")
    late = not agreement and account.rolled_over_year is not None and year <= account.rolled_over_year
    bucket = LedgerEntry.Bucket.HISTORICAL if late or agreement else LedgerEntry.Bucket.CREDITED
    if late:
        text = f"补划 {period}（该年度已结转，划入历年资金）：{text}"
    return _entry(
        account,
        kind=LedgerEntry.Kind.CREDIT,
        bucket=bucket,
        amount=credit.amount,
        on=dt.date(year, month, 1),
        period=period,
        text=text,
        article_text=article_text,
    )


@transaction.atomic
def credit_month(*, account: Account, year: int, month: int) -> LedgerEntry | None:
    """Record one month's actual credit (杭州 art. 23), once per account and month whatever the retries.

    Stopped per art. 27 (credits stopped by a clerk, or benefits suspended/terminated); see
    `credit_entry` for where the money goes. The batch (`accounts.credits`) does the same in bulk.
    """
    account = _lock(account)
    period = f"{year:04d}-{month:02d}"
    existing = LedgerEntry.objects.filter(
        account=account, kind=LedgerEntry.Kind.CREDIT, period=period
    ).first()
    if existing is not None:
        return None
    entry = credit_entry(account, year, month)
    if entry is None:
        return None
    try:
        with transaction.atomic():
            _post(account, [entry])
    except IntegrityError:  # a concurrent retry wrote it first
        return None
    if entry.bucket == LedgerEntry.Bucket.CREDITED:
        Account.objects.filter(pk=account.pk).update(
            credited_total=F("credited_total") + entry.amount, credited_year=year
        )
    return entry


# --- Retirement year's outpatient deductible (杭州 art. 29(2)) ------------------------------


def retirement_year_months(retired_on: dt.date) -> tuple[int, int]:
    """(months before retirement, months retired) in the year of retirement (杭州 art. 29(2):
    按医保退休前后实际月份分别计算). The month of retirement counts as retired: benefits of a
    retiree apply from the month the retirement takes effect."""
    return retired_on.month - 1, 13 - retired_on.month


@transaction.atomic
def refund_retirement_year_deductible(*, person, year: int, on: dt.date | None = None) -> LedgerEntry | None:
    """What the person paid above the retirement year's outpatient deductible, × 80%, into historical
    funds (杭州 art. 29(2)). None when nothing is (or nothing more is) due.

    The year's deductible is worked out by the months before and after retirement
    (`policy.accounts.retirement_year_outpatient_deductible`); what the person actually paid
    is the year's accumulator (`outpatient_deductible_paid`) kept by the settlements. Run
    after the year has ended (the year-end task does it), and again when a bill of that year
    is settled or reversed later (a counter reimbursement may come until the end of the next
    year, art. 65): the year's refund entries then add up to what is due now. The entry
    posted is the difference; a refund that has become too large is taken back from the
    historical funds, never below zero.
    """
    from claims.models import Accumulator
    from contributions.models import RetirementConfirmation
    from policy.amount import NotInRegion
    from policy.settlement import YearState

    confirmation = RetirementConfirmation.objects.filter(person=person, confirmed_on__isnull=False).first()
    if confirmation is None or confirmation.retirement_date.year != year:
        return None
    account = _lock(person)
    if account.status != Account.Status.OPEN:
        return None
    # what the year's refunds already paid (the account row is locked: retries add nothing)
    refunded = (
        LedgerEntry.objects.filter(
            account=account, kind=LedgerEntry.Kind.RETIREMENT_REFUND, year=year
        ).aggregate(total=Sum("amount"))["total"]
        or ZERO
    )
    params = parameters_for(account.region, dt.date(year, 12, 31))
    months_active, months_retired = retirement_year_months(confirmation.retirement_date)
    try:
        due = rules.retirement_year_outpatient_deductible(
            params=params, months_active=months_active, months_retired=months_retired
        )
    except NotInRegion:  # 舟山 has no such rule
        return None
    state = (
        Accumulator.objects.filter(person=person, year_key=f"{year:04d}")
        .values_list("state", flat=True)
        .first()
    )
    paid = YearState.from_dict(state).outpatient_deductible_paid if state else ZERO
    refund = rules.retirement_year_refund(params=params, deductible_paid=paid, deductible_due=due.amount)
    difference = refund.amount - refunded  # the rule gives zero, never less, when nothing is due
    if difference < 0:
        difference = -min(-difference, max(account.historical, ZERO))
    if not difference:
        return None
    text = f"{year}年退休，门诊起付标准应付 {due.amount}（{due.lines[0].text}）；{refund.lines[0].text}"
    if refunded:
        text = f"{text}；已划入 {refunded}，{'补划' if difference > 0 else '冲回'} {abs(difference)}"
    entry = _entry(
        account,
        kind=LedgerEntry.Kind.RETIREMENT_REFUND,
        bucket=LedgerEntry.Bucket.HISTORICAL,
        amount=difference,
        on=on or dt.date(year, 12, 31),
        year=year,
        text=text,
        article_text=refund.lines[0].article,
        source_type="retirement_year",
        source_id=f"{year:04d}",
    )
    return _post(account, [entry])[0]


def run_retirement_year_refunds(year: int) -> dict:
    """Art. 29(2) for everybody whose retirement took effect in `year` (one transaction each)."""
    from contributions.models import RetirementConfirmation

    done, errors = 0, []
    confirmations = RetirementConfirmation.objects.filter(
        retirement_date__year=year, confirmed_on__isnull=False, person__account__isnull=False
    ).select_related("person")
    for confirmation in confirmations:
        try:
            if refund_retirement_year_deductible(person=confirmation.person, year=year):
                done += 1
        except ValidationError as error:
            errors.append(f"参保人 {confirmation.person_id}：{'；'.join(error.messages)}")
    return {"refunds": done, "errors": errors}


# --- Payments ------------------------------------------------------------------------


def pay_for_settlement(
    *,
    person=None,
    account: Account | None = None,
    on: dt.date,
    current_funds: Decimal,
    historical_funds: Decimal,
    source_type: str,
    source_id: str,
    text: str,
    article: str,
) -> list[LedgerEntry]:
    """Pay a bill's account shares: current funds (杭州 art. 24) and historical funds (art. 25).

    With `person`, the account row is locked here, in a savepoint of the caller's transaction.
    With `account`, the caller has locked the row in its own transaction (`select_for_update`,
    as a settlement does): no second read and no savepoint; a refusal then aborts the
    caller's whole action. Refuses an amount above the balance, and a second payment for the
    same source (the database's `accounts_entry_one_payment_per_source`).
    """
    current_funds = _money(current_funds, "current_funds")
    historical_funds = _money(historical_funds, "historical_funds")
    if not source_type or not source_id:
        raise AccountError({"source_id": _("须注明来源（结算单）")})
    if not current_funds and not historical_funds:
        return []
    payment = dict(
        on=on,
        current_funds=current_funds,
        historical_funds=historical_funds,
        source_type=source_type,
        source_id=source_id,
        text=text,
        article=article,
    )
    if account is not None:
        return _pay(account, **payment)
    with transaction.atomic():
        return _pay(_lock(person), **payment)


def _pay(
    account: Account, *, on, current_funds, historical_funds, source_type, source_id, text, article
) -> list[LedgerEntry]:
    if account.status != Account.Status.OPEN:
        raise AccountError({"person": _("个人账户已销户，不能支付")})
    if current_funds and current_funds > account.current:
        raise AccountError(
            {
                "current_funds": _("当年资金余额 %(balance)s 元，不足支付 %(amount)s 元")
                % {"balance": account.current, "amount": current_funds}
            }
        )
    if historical_funds and historical_funds > account.historical:
        raise AccountError(
            {
                "historical_funds": _("历年资金余额 %(balance)s 元，不足支付 %(amount)s 元")
                % {"balance": account.historical, "amount": historical_funds}
            }
        )
    link = {
        "source_type": source_type,
        "source_id": source_id,
        "on": on,
        "text": text,
        "article_text": article,
    }
    entries = []
    if current_funds:
        entries.append(
            _entry(
                account,
                kind=LedgerEntry.Kind.OUTPATIENT,
                bucket=LedgerEntry.Bucket.CURRENT,
                amount=-current_funds,
                **link,
            )
        )
    if historical_funds:
        entries.append(
            _entry(
                account,
                kind=LedgerEntry.Kind.HISTORICAL_PAYMENT,
                bucket=LedgerEntry.Bucket.HISTORICAL,
                amount=-historical_funds,
                **link,
            )
        )
    try:
        return _post(account, entries)
    except IntegrityError as error:
        # PostgreSQL names the constraint; SQLite names its columns
        if not any(
            name in str(error) for name in ("one_payment_per_source", "accounts_ledgerentry.source_type")
        ):
            raise
        raise AccountError(
            {"source_id": _("该结算单已由个人账户支付：%(source)s") % {"source": source_id}}
        ) from error


def reverse_source(*, source_type: str, source_id: str, on: dt.date) -> list[LedgerEntry]:
    """Write the opposite of every entry of a source (冲正); refuses a second reversal.

    Current funds paid in a year that has since been rolled over come back as historical
    funds: that year's leftover current funds have already moved there (杭州 art. 22(4)).
    """
    with transaction.atomic():
        originals = list(
            LedgerEntry.objects.filter(
                source_type=source_type, source_id=source_id, reverses__isnull=True
            ).order_by("account_id", "id")
        )
        if LedgerEntry.objects.filter(
            source_type=source_type, source_id=source_id, reverses__isnull=False
        ).exists():
            raise AccountError(
                {"source_id": _("该来源已冲正，不能重复冲正：%(source)s") % {"source": source_id}}
            )
        if not originals:  # the source paid nothing from the account: nothing to reverse
            return []
        account_ids = sorted({entry.account_id for entry in originals})
        accounts = {
            a.pk: a for a in Account.objects.select_for_update().filter(pk__in=account_ids).order_by("pk")
        }
        if LedgerEntry.objects.filter(
            source_type=source_type, source_id=source_id, reverses__isnull=False
        ).exists():
            raise AccountError(
                {"source_id": _("该来源已冲正，不能重复冲正：%(source)s") % {"source": source_id}}
            )
        written = []
        for account_id in account_ids:
            account = accounts[account_id]
            entries = []
            for original in (e for e in originals if e.account_id == account_id):
                bucket = original.bucket
                if (
                    bucket == LedgerEntry.Bucket.CURRENT
                    and account.rolled_over_year is not None
                    and original.year <= account.rolled_over_year
                ):
                    bucket = LedgerEntry.Bucket.HISTORICAL
                entries.append(
                    _entry(
                        account,
                        kind=LedgerEntry.Kind.REVERSAL,
                        bucket=bucket,
                        amount=-original.amount,
                        on=on,
                        text=f"冲正：{original.text}",
                        article_text=original.article,
                        source_type=source_type,
                        source_id=source_id,
                        reverses=original,
                    )
                )
            written += _post(account, entries)
        return written


# --- Family mutual aid (杭州 art. 26(6)) -------------------------------------------------


def _insured(person, on: dt.date) -> bool:
    from enrollment.selectors import benefit_status

    status = benefit_status(person=person, on=on)
    return bool(getattr(status, "scheme", None)) or bool(getattr(status, "eligible", False))


def mutual_aid_errors(*, holder, relative, relation: str, on: dt.date) -> dict:
    """Why a grant cannot be made (empty when it can): used by the service and the admin/portal forms."""
    errors = {}
    if relation not in MutualAidGrant.Relation.values:
        errors["relation"] = _("共济仅限配偶、子女和父母（杭州 第二十六条第(六)项）")
    if holder is None or relative is None:
        errors["relative"] = _("请选择授权人和近亲属")
        return errors
    if holder.pk == relative.pk:
        errors["relative"] = _("不能授权给本人")
    account = Account.objects.filter(person=holder).first()
    if account is None or account.status != Account.Status.OPEN:
        errors["holder"] = _("授权人没有正常状态的个人账户")
    if "relative" not in errors and not _insured(relative, on):
        errors["relative"] = _("近亲属须参加本省基本医疗保险（杭州 第二十六条第(六)项）")
    if (
        "relative" not in errors
        and MutualAidGrant.objects.filter(holder=holder, relative=relative, revoked_on__isnull=True).exists()
    ):
        errors["relative"] = _("已有有效的共济授权")
    return errors


@transaction.atomic
def grant_mutual_aid(
    *,
    holder,
    relative,
    relation: str,
    granted_by=None,
    on: dt.date | None = None,
    channel: str = MutualAidGrant.Channel.COUNTER,
) -> MutualAidGrant:
    """The holder lets historical funds pay a close relative's personal share (杭州 art. 26(6)).

    Close relatives only (spouse, child, parent); the relative must be insured in the province.
    """
    on = on or dt.date.today()
    Account.objects.select_for_update().filter(person=holder).first()
    errors = mutual_aid_errors(holder=holder, relative=relative, relation=relation, on=on)
    if errors:
        raise AccountError(errors)
    return MutualAidGrant.objects.create(
        holder=holder,
        relative=relative,
        relation=relation,
        granted_on=on,
        granted_by=granted_by,
        channel=channel,
    )


@transaction.atomic
def revoke_mutual_aid(*, grant: MutualAidGrant, revoked_by=None, on: dt.date | None = None) -> MutualAidGrant:
    grant = MutualAidGrant.objects.select_for_update().get(pk=grant.pk)
    if grant.revoked_on is not None:
        raise AccountError({"grant": _("该共济授权已撤销")})
    grant.revoked_on = on or dt.date.today()
    grant.revoked_by = revoked_by
    grant.save(update_fields=["revoked_on", "revoked_by"])
    return grant


def pay_for_relative(
    *,
    holder,
    relative,
    on: dt.date,
    amount: Decimal,
    source_type: str,
    source_id: str,
    text: str = "",
) -> LedgerEntry | None:
    """Historical funds of the holder pay the relative's personal share, up to the balance (杭州 art. 26(6)).

    Needs a live grant. Returns the entry written (its `-amount` is what was paid), or None
    when there was nothing to pay. Call inside the caller's transaction.
    """
    amount = _money(amount, "amount")
    with transaction.atomic():
        grant = MutualAidGrant.objects.filter(
            holder=holder, relative=relative, revoked_on__isnull=True
        ).first()
        if grant is None or grant.granted_on > on:
            raise AccountError({"relative": _("没有有效的家庭共济授权（杭州 第二十六条第(六)项）")})
        account = _lock(holder)
        if account.status != Account.Status.OPEN:
            raise AccountError({"holder": _("授权人个人账户已销户")})
        paid = min(amount, account.historical)
        if paid <= 0:
            return None
        entry = _entry(
            account,
            kind=LedgerEntry.Kind.MUTUAL_AID,
            bucket=LedgerEntry.Bucket.HISTORICAL,
            amount=-paid,
            on=on,
            text=text
            or f"历年资金共济支付{grant.get_relation_display()} {relative.name}（{relative.masked_id_number}）个人负担",
            article_text=article(account.region, "mutual_aid"),
            source_type=source_type,
            source_id=source_id,
        )
        _post(account, [entry])
        return entry


# --- Transfer, clearing, death and inheritance (杭州 art. 26) ---------------------------


@transaction.atomic
def transfer_in(*, person, amount: Decimal, on: dt.date, other_place: str) -> LedgerEntry:
    """The balance transferred from another place goes wholly into historical funds (杭州 art. 26(2))."""
    amount = _money(amount, "amount")
    if not amount:
        raise AccountError({"amount": _("转入金额须大于 0")})
    account = _lock(person)
    if account.status != Account.Status.OPEN:
        raise AccountError({"person": _("个人账户已销户")})
    entry = _entry(
        account,
        kind=LedgerEntry.Kind.TRANSFER_IN,
        bucket=LedgerEntry.Bucket.HISTORICAL,
        amount=amount,
        on=on,
        text=f"自{other_place}转入个人账户结余，全部划入历年资金",
        article_text=article(account.region, "transfer_in"),
    )
    return _post(account, [entry])[0]


CLOSING_REASONS = {
    "transfer_out": (Account.Status.TRANSFERRED, LedgerEntry.Kind.TRANSFER_OUT, "转出个人账户实际结余"),
    "clearing": (Account.Status.CLEARED, LedgerEntry.Kind.CLEARING, "清算发还个人账户实际结余"),
    "death": (Account.Status.DECEASED, None, ""),
}


@transaction.atomic
def close_account(
    *,
    person,
    reason: str,
    on: dt.date,
    has_open_bills: bool = False,
    overdraft_collected: bool = False,
    other_place: str = "",
) -> list[LedgerEntry]:
    """Transfer out, clear, or close on death (杭州 art. 26(1)(3)).

    Open bills must be settled first (the caller passes what claims reports). A current-
    fund overdraft is offset by historical funds; what remains the person pays
    (`overdraft_collected` confirms the counter took it), or for a deceased person it is
    written off against the pooled fund. On death the balance waits for the heir
    (`settle_inheritance`).
    """
    if reason not in CLOSING_REASONS:
        raise AccountError({"reason": _("销户原因应为转出、清算或死亡")})
    account = _lock(person)
    region = account.region
    if account.status != Account.Status.OPEN:
        raise AccountError(
            {"person": _("个人账户已销户（%(status)s）") % {"status": account.get_status_display()}}
        )
    if has_open_bills:
        raise AccountError(
            {"person": _("须先结清相关医疗费用（%(article)s）") % {"article": article(region, "overdraft")}}
        )
    reconciled = _post(account, _closing_reconciliation(account, on))
    entries = []
    if account.current < 0:
        overdraft = -account.current
        offset = min(overdraft, max(account.historical, ZERO))
        if offset:
            entries += [
                _entry(
                    account,
                    kind=LedgerEntry.Kind.OVERDRAFT_OFFSET,
                    bucket=LedgerEntry.Bucket.HISTORICAL,
                    amount=-offset,
                    on=on,
                    text="历年资金冲抵当年资金透支",
                    article_text=article(region, "overdraft"),
                ),
                _entry(
                    account,
                    kind=LedgerEntry.Kind.OVERDRAFT_OFFSET,
                    bucket=LedgerEntry.Bucket.CURRENT,
                    amount=offset,
                    on=on,
                    text="历年资金冲抵当年资金透支",
                    article_text=article(region, "overdraft"),
                ),
            ]
        rest = overdraft - offset
        if rest:
            if reason == "death":
                entries.append(
                    _entry(
                        account,
                        kind=LedgerEntry.Kind.WRITE_OFF,
                        bucket=LedgerEntry.Bucket.CURRENT,
                        amount=rest,
                        on=on,
                        text="死亡人员当年资金透支，历年资金不足冲抵部分在统筹基金中核销",
                        article_text=article(region, "overdraft"),
                    )
                )
            elif not overdraft_collected:
                raise AccountError(
                    {
                        "overdraft_collected": _(
                            "当年资金透支 %(rest)s 元须由本人补足后方可办理（%(article)s）"
                        )
                        % {"rest": rest, "article": article(region, "overdraft")}
                    }
                )
            else:
                entries.append(
                    _entry(
                        account,
                        kind=LedgerEntry.Kind.OVERDRAFT_REPAID,
                        bucket=LedgerEntry.Bucket.CURRENT,
                        amount=rest,
                        on=on,
                        text="当年资金透支由本人补足",
                        article_text=article(region, "overdraft"),
                    )
                )
    _post(account, entries)
    status, kind, text = CLOSING_REASONS[reason]
    if kind is not None:
        if other_place:
            text = f"{text}（转往{other_place}）"
        out = [
            _entry(
                account,
                kind=kind,
                bucket=bucket,
                amount=-balance,
                on=on,
                text=text,
                article_text=article(region, reason),
            )
            for bucket, balance in (
                (LedgerEntry.Bucket.CURRENT, account.current),
                (LedgerEntry.Bucket.HISTORICAL, account.historical),
            )
            if balance
        ]
        entries += _post(account, out)
    Account.objects.filter(pk=account.pk).update(status=status, closed_on=on)
    account.status, account.closed_on = status, on
    return reconciled + entries


def _closing_reconciliation(account: Account, on: dt.date) -> list[LedgerEntry]:
    """The actual balance (实际结余) on closing mid-year: the preset not yet backed by credits.

    Current funds were preset for the whole year (杭州 art. 22(2)(3)); what is paid out on a
    transfer, clearing or death is the actual balance (art. 26(1)(3)(5)), so the part of the
    preset no monthly credit has backed yet is taken back (a credit above the preset is
    added). What that leaves below zero is the overdraft art. 26(3) then offsets.
    """
    if account.preset_year != on.year:
        return []
    credited = account.credited_total if account.credited_year == on.year else ZERO
    preset = account.preset_amount
    difference = credited - preset
    if not difference:
        return []
    Account.objects.filter(pk=account.pk).update(preset_amount=credited)
    account.preset_amount = credited
    text = f"销户结算：当年资金预设 {preset} 元，实际划入 {credited} 元，按实际结余调整"
    return [
        _entry(
            account,
            kind=LedgerEntry.Kind.RECONCILIATION,
            bucket=LedgerEntry.Bucket.CURRENT,
            amount=difference,
            on=on,
            text=text,
            article_text=article(account.region, "overdraft"),
        )
    ]


@transaction.atomic
def settle_inheritance(
    *, account: Account, heir_name: str, heir_id_number: str, on: dt.date, settled_by=None
) -> Inheritance:
    """The heir or legatee receives the deceased holder's actual balance (杭州 art. 26(5))."""
    account = _lock(account)
    if account.status != Account.Status.DECEASED:
        raise AccountError({"account": _("仅死亡人员的账户可办理继承")})
    if not heir_name.strip():
        raise AccountError({"heir_name": _("请填写继承人或受遗赠人姓名")})
    if not heir_id_number.strip():
        raise AccountError({"heir_id_number": _("请填写继承人证件号码")})
    amount = account.current + account.historical
    entries = [
        _entry(
            account,
            kind=LedgerEntry.Kind.INHERITANCE,
            bucket=bucket,
            amount=-balance,
            on=on,
            text=f"由 {heir_name} 继承个人账户实际结余",
            article_text=article(account.region, "inheritance"),
        )
        for bucket, balance in (
            (LedgerEntry.Bucket.CURRENT, account.current),
            (LedgerEntry.Bucket.HISTORICAL, account.historical),
        )
        if balance
    ]
    _post(account, entries)
    Account.objects.filter(pk=account.pk).update(status=Account.Status.INHERITED)
    return Inheritance.objects.create(
        account=account,
        heir_name=heir_name.strip(),
        heir_id_number=heir_id_number.strip(),
        amount=round_yuan(amount),
        settled_on=on,
        settled_by=settled_by,
    )
