"""Personal accounts: monthly credits, the year's preset, year-end interest, retirement-year deductible.

Hangzhou art. 22, 23, 29(2) (settlement-rules §9); Zhoushan art. 17–18.
Pure functions; the caller passes the `ParameterView` of the month credited (or of the
year-end day for interest) and the person's age in that month (`age_in_month`).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from policy.amount import Amount, NotInRegion, RuleInputError, declared, money, percent, whole, yuan
from policy.explain import Line
from policy.money import ZERO, round_yuan
from policy.parameters import ParameterView

CATEGORIES = ("active", "flexible", "unemployed", "agreement", "retired")
# Who is credited, and into which fund (杭州 art. 23; 舟山 art. 17): the one declaration the monthly
# credit, the opening preset and the year-end rollover all read. Current-fund categories are also
# preset (art. 22(2)(3)) and pay the catastrophic premium from current funds (art. 41); agreement
# payers are credited into historical funds only (art. 23(3)). Credits stop per art. 27.
CURRENT_FUND_CATEGORIES = ("active", "flexible", "unemployed", "retired")
HISTORICAL_FUND_CATEGORIES = ("agreement",)
CATEGORY_NAMES = {
    "active": "在职职工",
    "flexible": "灵活就业人员",
    "unemployed": "领取失业保险金人员",
    "agreement": "协缴人员",
    "retired": "退休人员",
}

__all__ = [
    "Amount",
    "CATEGORIES",
    "CURRENT_FUND_CATEGORIES",
    "HISTORICAL_FUND_CATEGORIES",
    "age_in_month",
    "annual_preset",
    "credit_fund",
    "monthly_credit",
    "retirement_year_outpatient_deductible",
    "retirement_year_refund",
    "year_end_interest",
]


def age_in_month(birth_date: dt.date, year: int, month: int) -> int:
    """Age in whole years reached in the month credited (the birthday month counts at the new age)."""
    return year - birth_date.year - (1 if month < birth_date.month else 0)


def credit_fund(category: str) -> str:
    """Which fund a monthly credit goes to: agreement payers' credit goes to historical funds (杭州 art. 23(3))."""
    if category not in CATEGORIES:
        raise RuleInputError("category", f"应为 {', '.join(CATEGORIES)} 之一，收到 {category!r}")
    return "historical" if category == "agreement" else "current"


def _age_band(params: ParameterView, threshold_name: str, rate_name: str, age: int) -> tuple[Decimal, str]:
    threshold = params[threshold_name]
    rates = params[rate_name]
    if age <= threshold:
        return Decimal(rates["young"]), f"{age} 周岁（{threshold} 周岁（含）以下）"
    return Decimal(rates["older"]), f"{age} 周岁（{threshold} 周岁以上）"


def monthly_credit(
    *,
    params: ParameterView,
    category: str,
    age: int,
    base: Decimal | None = None,
    pension: Decimal | None = None,
    provincial_average_monthly_wage: Decimal | None = None,
    agreement_payment: Decimal | None = None,
    agreement_months: int | None = None,
    agreement_month_index: int | None = None,
    own_contribution: Decimal | None = None,
) -> Amount:
    """One month's credit to the personal account (杭州 art. 23; 舟山 art. 17).

    杭州: active employees base × 2% (their own contribution) + base × 0.5% (age ≤ 45) or
    0.8% (> 45); flexible workers and the unemployed on benefit only the 0.5% / 0.8% part;
    retirees max(last year's pension, 省平工资) × 5.8% (age ≤ 70) or 6.8% (> 70); agreement
    payers 50% of their lump-sum payment spread over the agreement months, into historical
    funds (`credit_fund`). `own_contribution` is what an active employee actually paid for the
    month (reading 12: a disabled veteran who pays nothing gets only the age part); without it,
    base × the personal rate. Each component is rounded to the fen; an agreement payer's last
    month takes the remainder so the months add up to the share exactly.
    舟山: in-work persons base × the art. 17(1) ratio; retirees the art. 17(2) amount.
    """
    credit_fund(category)
    whole(age, "age", low=0, high=150)
    name = CATEGORY_NAMES[category]
    # 舟山 art. 17: a ratio of the base; retirees a fixed sum (a region declaring the fixed sum)
    if params.declares("account.retired_monthly_credit"):
        return _monthly_credit_fixed_for_retirees(params, category, name, base)
    lines: list[Line] = []
    if category in ("active", "flexible", "unemployed"):
        base = money(base, "base")
        if category == "active":
            if own_contribution is None:
                personal_rate = params["employee.personal_rate"]
                own = round_yuan(base * personal_rate)
                own_text = f"{name}个人缴纳的职工医保费 = 缴费基数 {yuan(base)} × {percent(personal_rate)}"
            else:
                own = money(own_contribution, "own_contribution")
                own_text = f"{name}本月个人实际缴纳的职工医保费 {yuan(own)}"
            lines.append(Line(params.article("account.own_contribution_credited"), own_text, own))
        rate, band = _age_band(params, "account.age_threshold_active", "account.credit_rate_active", age)
        part = round_yuan(base * rate)
        article = params.article("account.credit_rate_active")
        lines.append(Line(article, f"{name}{band}：缴费基数 {yuan(base)} × {percent(rate)}", part))
    elif category == "retired":
        if provincial_average_monthly_wage is None:
            provincial_average_monthly_wage = params["provincial_average_monthly_wage"]
        average = money(provincial_average_monthly_wage, "provincial_average_monthly_wage")
        pension = money(pension, "pension")
        basis = max(pension, average)
        article = params.article("account.credit_rate_retired")
        if pension < average:
            basis_text = (
                f"上年度基本养老金 {yuan(pension)} 低于上年度省平工资，以省平工资 {yuan(average)} 为基数"
            )
        else:
            basis_text = f"以本人上年度基本养老金 {yuan(pension)} 为基数"
        rate, band = _age_band(params, "account.age_threshold_retired", "account.credit_rate_retired", age)
        part = round_yuan(basis * rate)
        lines.append(Line(article, f"{name}{band}：{basis_text} × {percent(rate)}", part))
    else:  # agreement payers, 杭州 art. 23(3)
        payment = money(agreement_payment, "agreement_payment")
        months = whole(agreement_months, "agreement_months", low=1)
        index = whole(
            agreement_month_index if agreement_month_index is not None else 1, "agreement_month_index", low=1
        )
        if index > months:
            raise RuleInputError("agreement_month_index", f"应在 1–{months} 之间，收到 {index}")
        ratio = params["account.agreement_payer_share"]
        share = round_yuan(payment * ratio)
        each = round_yuan(share / months)
        part = share - each * (months - 1) if index == months else each
        lines.append(
            Line(
                params.article("account.agreement_payer_share"),
                f"协缴一次性缴费 {yuan(payment)} × {percent(ratio)} = {yuan(share)}，分 {months} 个月划入历年资金（第 {index} 个月）",
                part,
            )
        )
    return Amount(sum((line.amount for line in lines), ZERO), tuple(lines))


def _monthly_credit_fixed_for_retirees(
    params: ParameterView, category: str, name: str, base: Decimal | None
) -> Amount:
    """舟山 art. 17(1): in-work persons base × the ratio; (2) retirees a fixed monthly amount."""
    if category in ("active", "flexible", "unemployed"):
        base = money(base, "base")
        rate = params["account.credit_rate_active"]
        amount = round_yuan(base * rate)
        text = f"{name}：本人缴费基数 {yuan(base)} × {percent(rate)}"
        return Amount(amount, (Line(params.article("account.credit_rate_active"), text, amount),))
    if category == "retired":
        amount = round_yuan(Decimal(params["account.retired_monthly_credit"]))
        return Amount(
            amount, (Line(params.article("account.retired_monthly_credit"), f"{name}每月计入", amount),)
        )
    raise NotInRegion(params.region, f"{name}个人账户划入")


def annual_preset(
    *,
    params: ParameterView,
    category: str,
    ages_by_month: list[int] | None = None,
    birth_date: dt.date | None = None,
    year: int | None = None,
    base: Decimal | None = None,
    pension: Decimal | None = None,
    provincial_average_monthly_wage: Decimal | None = None,
) -> Amount:
    """Next year's current funds preset at year end: 12 monthly credits at next year's age and category (杭州 art. 22(2), 规程 §9).

    Give either `ages_by_month` (12 ages, January to December) or `birth_date` and the
    `year` preset. Consecutive months with the same credit are explained in one line.
    """
    if ages_by_month is None:
        if birth_date is None or year is None:
            raise RuleInputError("ages_by_month", "须提供 12 个月的年龄，或出生日期和预设年度")
        ages_by_month = [age_in_month(birth_date, year, month) for month in range(1, 13)]
    if len(ages_by_month) != 12:
        raise RuleInputError("ages_by_month", f"应为 12 个月的年龄，收到 {len(ages_by_month)} 个")
    if category == "agreement":
        raise RuleInputError("category", "协缴人员划入历年资金，不预设当年资金（杭州 第二十三条第(三)项）")
    credits = [
        monthly_credit(
            params=params,
            category=category,
            age=age,
            base=base,
            pension=pension,
            provincial_average_monthly_wage=provincial_average_monthly_wage,
        )
        for age in ages_by_month
    ]
    article = params.article("account.preset")
    lines: list[Line] = []
    start = 0
    for month in range(1, 13):
        if month == 12 or credits[month].amount != credits[start].amount:
            count = month - start
            span = f"{start + 1}月" if count == 1 else f"{start + 1}–{month}月"
            low, high = ages_by_month[start], ages_by_month[month - 1]
            ages = f"{low} 周岁" if low == high else f"{low}–{high} 周岁"
            text = f"{span}（{ages}）每月 {yuan(credits[start].amount)} × {count} 个月"
            lines.append(Line(article, text, credits[start].amount * count))
            start = month
    total = sum((credit.amount for credit in credits), ZERO)
    return Amount(total, tuple(lines))


def year_end_interest(*, params: ParameterView, balance: Decimal) -> Amount:
    """Interest on the whole balance at year end, at the demand-deposit rate in force that day (杭州 art. 22(1)).

    `params` is the view on the year-end day. An overdrawn (negative) balance earns nothing.
    """
    if isinstance(balance, (bool, float)) or balance is None:
        raise RuleInputError("balance", "应为 Decimal 金额")
    balance = Decimal(balance)
    rate = params["demand_deposit_rate"]
    article = params.article("demand_deposit_rate")
    if balance <= 0:
        return Amount(ZERO, (Line(article, f"结余 {yuan(balance)} 不计息", ZERO),))
    interest = round_yuan(balance * rate)
    return Amount(
        interest,
        (Line(article, f"结余 {yuan(balance)} × 活期存款利率 {percent(rate)}，划入历年资金", interest),),
    )


def retirement_year_outpatient_deductible(
    *, params: ParameterView, months_active: int, months_retired: int
) -> Amount:
    """The outpatient deductible of the year a person retires (杭州 art. 29(2)).

    Worked out by the actual months before and after retirement: active deductible ×
    months_active / 12 + retired deductible × months_retired / 12, rounded once.
    """
    if not declared(params, "account.retirement_year_refund_rate"):
        raise NotInRegion(params.region, "退休当年门诊起付标准分段计算")
    whole(months_active, "months_active", high=12)
    whole(months_retired, "months_retired", high=12)
    if months_active + months_retired != 12:
        raise RuleInputError("months_retired", "退休前后月份之和应为 12")
    deductibles = params["outpatient.employee.deductible"]
    active, retired = Decimal(deductibles["active"]), Decimal(deductibles["retired"])
    article = params.article("account.retirement_year_refund_rate")
    part_active = active * months_active / 12
    part_retired = retired * months_retired / 12
    amount = round_yuan(part_active + part_retired)
    text = (
        f"在职 {yuan(active)} × {months_active}/12 + 退休 {yuan(retired)} × {months_retired}/12"
        "，按退休前后实际月份分别计算后合并"
    )
    return Amount(amount, (Line(article, text, amount),))


def retirement_year_refund(
    *, params: ParameterView, deductible_paid: Decimal, deductible_due: Decimal
) -> Amount:
    """What the person paid above the retirement year's deductible, × 80%, into historical funds (杭州 art. 29(2))."""
    if not declared(params, "account.retirement_year_refund_rate"):
        raise NotInRegion(params.region, "退休当年多付门诊起付标准划入历年资金")
    paid = money(deductible_paid, "deductible_paid")
    due = money(deductible_due, "deductible_due")
    rate = params["account.retirement_year_refund_rate"]
    article = params.article("account.retirement_year_refund_rate")
    excess = paid - due
    if excess <= 0:
        return Amount(
            ZERO, (Line(article, f"实际支付门诊起付标准 {yuan(paid)} 未超过应支付 {yuan(due)}", ZERO),)
        )
    refund = round_yuan(excess * rate)
    text = f"实际支付 {yuan(paid)} 超过应支付 {yuan(due)} 的 {yuan(excess)} × {percent(rate)}，划入历年资金"
    return Amount(refund, (Line(article, text, refund),))
