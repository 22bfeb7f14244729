"""Contributions: employee, flexible worker, resident, catastrophic premium, back payment.

Hangzhou art. 13, 17, 31, 32, 41 (settlement-rules §10); Zhoushan art. 9, 27, 36–37.
Pure functions: the caller passes the `ParameterView` of the date the contribution is
for (its month, or for residents the settlement year's first day); every figure comes
from it, and each amount is rounded once to the fen (§1).

Where the regions differ in structure (Zhoushan's employer rate has no separate
maternity part; its flexible workers' certificates are not subsidised by art. 9), the
rule follows what the region's file declares, and says so in a line.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from policy.amount import Amount, NotInRegion, RuleInputError, declared, money, percent, whole, yuan
from policy.explain import Line
from policy.money import ZERO, clamp, round_yuan
from policy.parameters import ParameterView
from policy.settlement.types import CERTIFICATE_NAMES as CERTIFICATE_CARD_NAMES
from policy.settlement.types import CERTIFICATES

CERTIFICATE_KINDS = CERTIFICATES
CERTIFICATE_NAMES = {
    **CERTIFICATE_CARD_NAMES,
    "orphanage": "收养人员",
    "entitled_veteran_dependant": "享受定期抚恤补助的优抚对象",
    "other_hardship": "其他特殊困难人员",
}
RESIDENT_CATEGORY_NAMES = {
    "child": "少儿医保",
    "student": "大学生医保",
    "adult_tier1": "其他城乡居民一档",
    "adult_tier2": "其他城乡居民二档",
    "adult_tier3": "其他城乡居民三档",
    "minor": "未成年人",
    "adult": "成年人",
}


@dataclass(frozen=True)
class ContributionResult:
    """One contribution (monthly for employees and flexible workers, yearly for residents).

    Always: employer + personal + government_share == total, and
    personal_payable + personal_subsidy == personal. `personal_subsidy` is the part of the
    personal amount someone else pays (`subsidy_payer`: government, or the unemployment
    fund for the unemployed on benefit); `employer_subsidy` the part of the employer's
    amount the government pays (disabled veterans, art. 13(3)). `government_share` is the
    fiscal part of a resident's financing (art. 31), zero for employees.
    """

    base: Decimal
    employer: Decimal
    employer_maternity: Decimal
    personal: Decimal
    personal_subsidy: Decimal
    personal_payable: Decimal
    total: Decimal
    lines: tuple[Line, ...]
    employer_subsidy: Decimal = ZERO
    government_share: Decimal = ZERO
    subsidy_payer: str = ""


@dataclass(frozen=True)
class PremiumResult:
    """A catastrophic-insurance premium: `personal` (from the account or the resident contribution) and `other`."""

    total: Decimal
    personal: Decimal
    other: Decimal
    lines: tuple[Line, ...]


# --- bases ---------------------------------------------------------------------------


def provincial_average(params: ParameterView) -> tuple[Decimal, Line]:
    """The prior-year provincial average monthly wage (省平工资) registered for the year in use."""
    wage = round_yuan(Decimal(params["provincial_average_monthly_wage"]))
    line = Line(params.article("provincial_average_monthly_wage"), f"上年度省平工资（月）{yuan(wage)}", wage)
    return wage, line


def employee_base(params: ParameterView, monthly_wage: Decimal) -> tuple[Decimal, list[Line]]:
    """Last year's average monthly wage clamped to [floor, cap] × 省平工资 (杭州 art. 13(1)(2); 舟山 art. 9(2))."""
    wage = money(monthly_wage, "monthly_wage")
    average, average_line = provincial_average(params)
    floor_ratio, cap_ratio = params["employee.base_floor"], params["employee.base_cap"]
    floor, cap = round_yuan(average * floor_ratio), round_yuan(average * cap_ratio)
    base = round_yuan(clamp(wage, floor, cap))
    article = params.article("employee.base_floor")
    if wage < floor:
        text = f"本人上年度月平均工资 {yuan(wage)} 低于省平工资的 {percent(floor_ratio)}，按 {yuan(floor)} 核定缴费基数"
    elif wage > cap:
        text = f"本人上年度月平均工资 {yuan(wage)} 高于省平工资的 {percent(cap_ratio)}，按 {yuan(cap)} 核定缴费基数"
    else:
        text = f"本人上年度月平均工资 {yuan(wage)} 在省平工资 {percent(floor_ratio)}–{percent(cap_ratio)} 之间，作为缴费基数"
    return base, [average_line, Line(article, text, base)]


def flexible_base(params: ParameterView) -> tuple[Decimal, list[Line]]:
    """省平工资 × the flexible workers' base ratio (杭州 art. 13(5); 舟山 art. 9(4))."""
    average, average_line = provincial_average(params)
    ratio = params["flexible.base_ratio"]
    base = round_yuan(average * ratio)
    line = Line(
        params.article("flexible.base_ratio"), f"灵活就业人员缴费基数 = 省平工资 × {percent(ratio)}", base
    )
    return base, [average_line, line]


def _certificate_subsidy(
    params: ParameterView, personal: Decimal, certificate: str | None, table: str
) -> tuple[Decimal, list[Line]]:
    if not certificate:
        return ZERO, []
    if not declared(params, table):
        return ZERO, [
            Line(
                params.article("flexible.rate"),
                f"持证（{CERTIFICATE_NAMES.get(certificate, certificate)}）：本地区办法未规定该类人员个人缴费补贴",
                ZERO,
            )
        ]
    ratios = params[table]
    if certificate not in ratios:
        raise RuleInputError("certificate", f"未知的证件类别 {certificate!r}，应为 {', '.join(ratios)} 之一")
    ratio = Decimal(ratios[certificate])
    subsidy = round_yuan(personal * ratio)
    text = f"{CERTIFICATE_NAMES.get(certificate, certificate)}：个人应缴部分由政府补贴 {percent(ratio)}"
    return subsidy, [Line(params.article(table), text, subsidy)]


# --- employees and flexible workers --------------------------------------------------


def employee_contribution(
    *,
    params: ParameterView,
    monthly_wage: Decimal,
    certificate: str | None = None,
    disabled_veteran: bool = False,
    disability_allowance: Decimal | None = None,
) -> ContributionResult:
    """A month's contribution of an employed person (杭州 art. 13(1)(2)(3)(4); 舟山 art. 9(1)(2)(3)).

    The clamped base is both the person's base and their share of the employer's payroll
    base. A certificate does not subsidise an employee: 杭州 art. 13(5) subsidises flexible
    workers' personal share only. A disabled veteran of grade 6 or above pays nothing and
    the government pays the employer's share (杭州 art. 13(3)). A worker disabled at work
    who left the job but not the employer contributes on the disability allowance
    (`disability_allowance`, not clamped: 杭州 art. 13(4), 舟山 art. 9(3)); `monthly_wage`
    is then ignored.
    """
    if disability_allowance is not None:
        base = round_yuan(money(disability_allowance, "disability_allowance"))
        lines = [
            Line(
                params.article("employee.injured_worker_base"),
                f"工伤职工以伤残津贴 {yuan(base)} 为缴费基数",
                base,
            )
        ]
    else:
        base, lines = employee_base(params, monthly_wage)
    employer_rate = params["employee.employer_rate"]
    employer = round_yuan(base * employer_rate)
    lines.append(
        Line(
            params.article("employee.employer_rate"),
            f"单位缴费 = 缴费基数 × {percent(employer_rate)}",
            employer,
        )
    )
    employer_maternity = ZERO
    if declared(params, "employee.employer_maternity_rate"):
        maternity_rate = params["employee.employer_maternity_rate"]
        employer_maternity = round_yuan(base * maternity_rate)
        lines.append(
            Line(
                params.article("employee.employer_maternity_rate"),
                f"其中生育保险 = 缴费基数 × {percent(maternity_rate)}",
                employer_maternity,
            )
        )
    personal_rate = params["employee.personal_rate"]
    employer_subsidy = ZERO
    subsidy_payer = ""
    if disabled_veteran:
        if not declared(params, "employee.disabled_veteran_exempt"):
            raise RuleInputError("disabled_veteran", "本地区办法未规定退役残疾军人免缴职工医保费")
        article = params.article("employee.disabled_veteran_exempt")
        personal = ZERO
        employer_subsidy = employer
        subsidy_payer = "government"
        lines.append(Line(article, "退役六级及以上残疾军人：个人不缴纳职工医保费", ZERO))
        lines.append(Line(article, "单位应缴部分由政府全额补贴", employer_subsidy))
    else:
        personal = round_yuan(base * personal_rate)
        lines.append(
            Line(
                params.article("employee.personal_rate"),
                f"个人缴费 = 缴费基数 × {percent(personal_rate)}",
                personal,
            )
        )
    if certificate:
        lines.append(
            Line(
                params.article("flexible.rate"),
                f"持证（{CERTIFICATE_NAMES.get(certificate, certificate)}）：个人缴费补贴仅适用于灵活就业人员，在职职工不予补贴",
                ZERO,
            )
        )
    total = employer + personal
    return ContributionResult(
        base=base,
        employer=employer,
        employer_maternity=employer_maternity,
        personal=personal,
        personal_subsidy=ZERO,
        personal_payable=personal,
        total=total,
        lines=tuple(lines),
        employer_subsidy=employer_subsidy,
        subsidy_payer=subsidy_payer,
    )


def flexible_contribution(
    *,
    params: ParameterView,
    certificate: str | None = None,
    unemployed_on_benefit: bool = False,
) -> ContributionResult:
    """A month's contribution of a flexible worker (杭州 art. 13(5)(6); 舟山 art. 9(4)(5)).

    The whole amount is the person's. Certificate holders' share is subsidised (杭州: 100%,
    低边 50%); the unemployed on benefit have theirs paid by the unemployment fund.
    """
    base, lines = flexible_base(params)
    rate = params["flexible.rate"]
    personal = round_yuan(base * rate)
    lines.append(
        Line(params.article("flexible.rate"), f"灵活就业人员缴费 = 缴费基数 × {percent(rate)}", personal)
    )
    subsidy_payer = ""
    if unemployed_on_benefit:
        subsidy = personal
        subsidy_payer = "unemployment_fund"
        article = params.article("flexible.unemployed_paid_by_fund")
        lines.append(
            Line(article, "领取失业保险金期间，按灵活就业人员标准缴纳的职工医保费由失业保险基金支付", subsidy)
        )
    else:
        subsidy, subsidy_lines = _certificate_subsidy(
            params, personal, certificate, "certificate.personal_subsidy"
        )
        lines.extend(subsidy_lines)
        if subsidy:
            subsidy_payer = "government"
    payable = personal - subsidy
    lines.append(Line(params.article("flexible.rate"), "个人实际缴纳", payable))
    return ContributionResult(
        base=base,
        employer=ZERO,
        employer_maternity=ZERO,
        personal=personal,
        personal_subsidy=subsidy,
        personal_payable=payable,
        total=personal,
        lines=tuple(lines),
        subsidy_payer=subsidy_payer,
    )


# --- residents -----------------------------------------------------------------------


def resident_contribution(
    *, params: ParameterView, category: str, subsidy_reason: str | None = None
) -> ContributionResult:
    """A resident's yearly contribution (杭州 art. 31, 32; 舟山 art. 27).

    `category`: 杭州 child, student, adult_tier1, adult_tier2, adult_tier3; 舟山 minor,
    student, adult. `subsidy_reason`: a certificate kind, 'orphanage' or
    'entitled_veteran_dependant' (杭州 art. 32; 低边 half, the others in full).
    """
    table = params["resident.contribution"]
    if category not in table:
        raise RuleInputError("category", f"未知的居民参保类别 {category!r}，应为 {', '.join(table)} 之一")
    standard = table[category]
    total, personal = round_yuan(Decimal(standard["total"])), round_yuan(Decimal(standard["personal"]))
    government = total - personal
    article = params.article("resident.contribution")
    name = RESIDENT_CATEGORY_NAMES.get(category, category)
    lines = [
        Line(article, f"{name}年筹资标准", total),
        Line(article, f"{name}个人缴纳", personal),
        Line(article, f"{name}政府补贴", government),
    ]
    subsidy = ZERO
    if subsidy_reason:
        ratios = params["resident.personal_subsidy"]
        if subsidy_reason not in ratios:
            raise RuleInputError(
                "subsidy_reason", f"未知的补贴原因 {subsidy_reason!r}，应为 {', '.join(ratios)} 之一"
            )
        ratio = Decimal(ratios[subsidy_reason])
        subsidy = round_yuan(personal * ratio)
        lines.append(
            Line(
                params.article("resident.personal_subsidy"),
                f"{CERTIFICATE_NAMES.get(subsidy_reason, subsidy_reason)}：个人应缴部分由政府补贴 {percent(ratio)}",
                subsidy,
            )
        )
    payable = personal - subsidy
    lines.append(Line(article, "个人实际缴纳", payable))
    return ContributionResult(
        base=ZERO,
        employer=ZERO,
        employer_maternity=ZERO,
        personal=personal,
        personal_subsidy=subsidy,
        personal_payable=payable,
        total=total,
        lines=tuple(lines),
        government_share=government,
        subsidy_payer="government" if subsidy else "",
    )


# --- catastrophic insurance ----------------------------------------------------------

CATASTROPHIC_SCHEMES = ("employee", "resident", "student")


def catastrophic_premium(*, params: ParameterView, scheme: str, category: str | None = None) -> PremiumResult:
    """The year's catastrophic-insurance premium (杭州 art. 41; 舟山 art. 36–37).

    `scheme` is 'employee' or 'resident' ('student' also accepted); a resident whose
    `category` is 'student' pays the university students' premium. 杭州: employees 100
    (48 personal from current account funds, 52 from the employee contributions),
    residents 90 (40 personal inside the resident contribution, 50 subsidy), students 20
    (all from the resident contribution). 舟山: a total per scheme and a personal share ratio.
    """
    if scheme not in CATASTROPHIC_SCHEMES:
        raise RuleInputError("scheme", f"应为 {', '.join(CATASTROPHIC_SCHEMES)} 之一，收到 {scheme!r}")
    key = "student" if scheme == "student" or (scheme == "resident" and category == "student") else scheme
    table = params["catastrophic.premium"]
    if key not in table:
        raise RuleInputError("scheme", f"本地区大病保险筹资标准没有 {key!r} 一类")
    article = params.article("catastrophic.premium")
    standard = table[key]
    if isinstance(standard, dict):
        total = round_yuan(Decimal(standard["total"]))
        personal = round_yuan(Decimal(standard["personal"]))
        share_line = Line(article, "其中个人缴纳", personal)
    else:  # 舟山: a total, and the personal share as a ratio (art. 36)
        total = round_yuan(Decimal(standard))
        ratio = params["catastrophic.personal_premium_share"]
        personal = round_yuan(total * ratio)
        share_line = Line(
            params.article("catastrophic.personal_premium_share"), f"个人缴费比例 {percent(ratio)}", personal
        )
    if isinstance(standard, dict):
        source = {
            "employee": "个人部分从个人账户当年资金中扣缴，其余从职工医保费中划转",
            "resident": "个人部分从其缴纳的城乡居民医保费中划转，其余由政府补贴",
            "student": "从其缴纳的城乡居民医保费中划转",
        }[key]
    else:  # 舟山 art. 37
        source = {
            "employee": "个人缴费部分从个人账户中划拨，其他部分从职工医保统筹基金中划拨",
            "resident": "从城乡居民医保基金中划拨",
            "student": "从城乡居民医保基金中划拨",
        }[key]
    other = total - personal
    lines = (
        Line(article, f"大病保险年筹资标准（{source}）", total),
        share_line,
        Line(article, "其他部分", other),
    )
    return PremiumResult(total=total, personal=personal, other=other, lines=lines)


# --- back payment --------------------------------------------------------------------

BACK_PAYMENT_IDENTITIES = ("employee", "flexible")


def agreement_payer_fund_subsidy(*, params: ParameterView, persons: int, months: int = 1) -> Amount:
    """The government's subsidy to the employee pooled fund for unemployed agreement-payment persons
    (未就业协缴人员), 杭州 art. 13(7) third sentence: persons × 省平工资 × 2% per head.

    省平工资 is a monthly figure (art. 13(1)), so the per-head standard is per month; `months` is the
    number of months the agency settles at once. `persons` is the number of agreement-payment persons
    not re-employed in that period (those re-employed pay as active employees, art. 13(7) second
    sentence, through `employee_contribution`). The lump sum they pay when signing the agreement
    (first sentence) is set by a city government rule outside the measures: not computed here.
    """
    name = "agreement_payer.subsidy_rate"
    if not declared(params, name):
        raise NotInRegion(params.region, "未就业协缴人员统筹基金补贴（杭州 第十三条第(七)项）")
    count = whole(persons, "persons")
    period = whole(months, "months", low=1)
    average, average_line = provincial_average(params)
    rate = Decimal(params[name])
    per_head = round_yuan(average * rate)
    total = per_head * count * period
    article = params.article(name)
    lines = (
        average_line,
        Line(article, f"人均补贴标准 = 省平工资 {yuan(average)} × {percent(rate)}（每人每月）", per_head),
        Line(article, f"政府补贴统筹基金 = {yuan(per_head)} × {count} 人 × {period} 个月", total),
    )
    return Amount(total, lines)


def back_payment(
    *,
    params: ParameterView,
    identity: str,
    months: int,
    current_base: Decimal | None = None,
    earlier_months: int = 0,
) -> ContributionResult:
    """Back payment for months insured-but-unpaid (杭州 art. 17), at the standards of the day it is made.

    `params` is the view on the day of the back payment. As an employee: `months` of this
    year at the person's `current_base`, `earlier_months` of earlier years at last year's
    provincial average wage; employer 9.9%, personal 2% (art. 17(1)). As a flexible
    worker: `months` at the current flexible standard; earlier years are refused
    (art. 17(2): not before the year of the back payment). The months count as actual
    contribution years (art. 17(3)); bills in them are not paid (art. 17(4)).
    """
    if identity not in BACK_PAYMENT_IDENTITIES:
        raise RuleInputError("identity", f"应为 {', '.join(BACK_PAYMENT_IDENTITIES)} 之一，收到 {identity!r}")
    whole(months, "months")
    whole(earlier_months, "earlier_months")
    if months + earlier_months == 0:
        raise RuleInputError("months", "补缴月数不能为零")
    rule = f"back_payment.{identity}"
    if not declared(params, rule):
        raise NotInRegion(params.region, f"按身份补缴应保未保期间职工医保费（{identity}）")
    article = params.article(rule)
    if identity == "flexible":
        if earlier_months:
            raise RuleInputError(
                "earlier_months",
                f"以灵活就业人员身份补缴的，补缴起始时间不得早于办理补缴手续当年（{article}）",
            )
        monthly = flexible_contribution(params=params)
        total = monthly.total * months
        flexible_lines = [*monthly.lines[:-1], Line(article, f"按灵活就业人员标准补缴 {months} 个月", total)]
        return ContributionResult(
            base=monthly.base,
            employer=ZERO,
            employer_maternity=ZERO,
            personal=total,
            personal_subsidy=ZERO,
            personal_payable=total,
            total=total,
            lines=tuple(flexible_lines),
        )
    employer_rate = params["employee.employer_rate"]
    personal_rate = params["employee.personal_rate"]
    maternity_rate = (
        params["employee.employer_maternity_rate"]
        if declared(params, "employee.employer_maternity_rate")
        else ZERO
    )
    lines: list[Line] = []
    employer = maternity = personal = ZERO
    base = ZERO
    if months:
        base = round_yuan(money(current_base, "current_base"))
        if base <= 0:
            raise RuleInputError("current_base", "本年度补缴须提供本人当前缴费基数")
        # reading 17: month by month, like the months they replace: each month rounded, then summed
        part_employer = round_yuan(base * employer_rate) * months
        part_maternity = round_yuan(base * maternity_rate) * months
        part_personal = round_yuan(base * personal_rate) * months
        lines += [
            Line(
                article,
                f"本年度 {months} 个月按当前缴费基数 {yuan(base)}：单位 {percent(employer_rate)}",
                part_employer,
            ),
            Line(article, f"本年度 {months} 个月：个人 {percent(personal_rate)}", part_personal),
        ]
        employer, maternity, personal = (
            employer + part_employer,
            maternity + part_maternity,
            personal + part_personal,
        )
    if earlier_months:
        average, average_line = provincial_average(params)
        part_employer = round_yuan(average * employer_rate) * earlier_months
        part_maternity = round_yuan(average * maternity_rate) * earlier_months
        part_personal = round_yuan(average * personal_rate) * earlier_months
        lines += [
            average_line,
            Line(
                article,
                f"以前年度 {earlier_months} 个月按上年度省平工资：单位 {percent(employer_rate)}",
                part_employer,
            ),
            Line(article, f"以前年度 {earlier_months} 个月：个人 {percent(personal_rate)}", part_personal),
        ]
        employer, maternity, personal = (
            employer + part_employer,
            maternity + part_maternity,
            personal + part_personal,
        )
        if not months:
            base = average
    return ContributionResult(
        base=base,
        employer=employer,
        employer_maternity=maternity,
        personal=personal,
        personal_subsidy=ZERO,
        personal_payable=personal,
        total=employer + personal,
        lines=tuple(lines),
    )
