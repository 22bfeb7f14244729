"""Contribution years and the retirement check (杭州 art. 18–21; 舟山 art. 11).

Periods of different kinds count once: months are merged, never added twice (杭州 art.
18, 19: "不重复计算"). Months are calendar months (a period covers every month it touches).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from policy.amount import RuleInputError, money, percent, whole, yuan
from policy.explain import Line
from policy.money import ZERO, round_yuan
from policy.parameters import ParameterView

# kind -> (counts as local actual years, counts toward the total, 杭州 article)
PERIOD_KINDS = {
    "local_serious_illness": (True, True, "杭州 第十九条第(一)项"),  # 本市城镇企业职工大病住院基本医疗保险
    "local_actual": (
        True,
        True,
        "杭州 第十九条第(二)项",
    ),  # 本市各辖区和省本级职工医保实际缴费（含补缴，第十七条第(三)项）
    "military": (True, True, "杭州 第十九条第(三)项"),  # 在部队参加医保
    "transferred": (False, True, "杭州 第十八条第(一)项"),  # 外地职工医保实际缴费（转入）
    "deemed": (False, True, "杭州 第十八条第(二)项"),  # 视同缴费年限
    "continuous_service": (False, True, "杭州 第十八条第(三)项"),  # 2002-12-31 前连续工龄
    "university": (False, True, "杭州 第十八条第(四)项"),  # 在杭就读期间大学生医保
    "other": (False, True, "杭州 第十八条第(五)项"),
}
# 舟山 art. 11: only actual contribution years count, military service deemed actual; no local minimum
ACTUAL_KINDS = ("local_serious_illness", "local_actual", "military", "transferred")
KIND_NAMES = {
    "local_serious_illness": "本市大病住院基本医疗保险缴费",
    "local_actual": "本市职工医保实际缴费",
    "military": "部队医保缴费",
    "transferred": "外地职工医保实际缴费",
    "deemed": "视同缴费",
    "continuous_service": "2002年12月31日前连续工龄",
    "university": "在杭大学生医保",
    "other": "其他符合规定的年限",
}


@dataclass(frozen=True)
class Period:
    """A span of insurance (first and last day, both included) and what kind of span it is."""

    start: dt.date
    end: dt.date
    kind: str


@dataclass(frozen=True)
class ContributionYears:
    local_actual_months: int
    total_months: int
    lines: tuple[Line, ...]


@dataclass(frozen=True)
class RetirementCheck:
    """`eligible`: the years are met now. Otherwise `may_top_up` says whether art. 20 lets the person
    pay up to the years (monthly, or once: `lump_sum`), and `refused` carries art. 21's refusal."""

    eligible: bool
    missing_local_months: int
    missing_total_months: int
    lump_sum: Decimal
    lines: tuple[Line, ...]
    may_top_up: bool = False
    refused: bool = False
    top_up_months: int = (
        0  # months to pay, monthly (at the flexible workers' standard, 杭州 art. 20) or at once
    )


def _months(period: Period, cutoff: dt.date | None = None) -> set[int]:
    end = min(period.end, cutoff) if cutoff else period.end
    if end < period.start:
        return set()
    first = period.start.year * 12 + period.start.month - 1
    last = end.year * 12 + end.month - 1
    return set(range(first, last + 1))


def contribution_months(*, params: ParameterView, periods: Iterable[Period]) -> ContributionYears:
    """Local actual and total contribution months, overlaps merged (杭州 art. 18, 19; 舟山 art. 11)."""
    periods = list(periods)
    # 舟山 art. 11: only actual contribution years count (a region declaring `retirement.actual_years`)
    actual_only = params.declares("retirement.actual_years")
    cutoff = None if actual_only else params["retirement.continuous_service_cutoff"]
    local: set[int] = set()
    total: set[int] = set()
    lines: list[Line] = []
    for index, period in enumerate(periods):
        if period.kind not in PERIOD_KINDS:
            raise RuleInputError(
                f"periods[{index}].kind",
                f"未知的年限类别 {period.kind!r}，应为 {', '.join(PERIOD_KINDS)} 之一",
            )
        if period.end < period.start:
            raise RuleInputError(f"periods[{index}].end", "结束日期早于开始日期")
        is_local, counts, article = PERIOD_KINDS[period.kind]
        if actual_only:
            counts = period.kind in ACTUAL_KINDS
            is_local = counts
            article = params.article("retirement.actual_years")
        months = _months(period, cutoff if period.kind == "continuous_service" else None)
        new = len(months - total) if counts else 0
        if counts:
            total |= months
        if is_local:
            local |= months
        text = (
            f"{KIND_NAMES[period.kind]} {period.start.isoformat()}–{period.end.isoformat()}："
            f"{len(months)} 个月，其中不与其他年限重复的 {new} 个月"
        )
        if not counts:
            text = f"{KIND_NAMES[period.kind]} {period.start.isoformat()}–{period.end.isoformat()}：本地区不计入缴费年限"
        elif period.kind == "continuous_service" and cutoff is not None and period.end > cutoff:
            text += f"（连续工龄只计至 {cutoff.isoformat()}）"
        lines.append(Line(article, text, ZERO))
    return ContributionYears(local_actual_months=len(local), total_months=len(total), lines=tuple(lines))


def retirement_check(
    *,
    params: ParameterView,
    local_actual_months: int,
    total_months: int,
    hukou_local: bool,
    employed_locally: bool = False,
    flexible_locally: bool = False,
    meets_flexible_conditions: bool = False,
    continuous_to_retirement: bool = True,
    pension_locally: bool = True,
    certificate_holder: bool = False,
) -> RetirementCheck:
    """May the person have retiree benefits, and if not, what topping up costs (杭州 art. 20, 21; 舟山 art. 11).

    杭州: 10 years of local actual and 20 years in all. Short of them, those of art. 20(1)–(3)
    may pay monthly (at the flexible workers' standard) or once: 上年度省平工资 × 9.5% × the
    missing months, which is not credited to the personal account; certificate holders pay
    monthly, subsidised. A non-local person neither employed locally nor eligible as a local
    flexible worker has no local retiree benefits (art. 21). 舟山: 20 years of actual
    contribution in all, topped up monthly or once.
    """
    whole(local_actual_months, "local_actual_months")
    whole(total_months, "total_months")
    if local_actual_months > total_months:
        raise RuleInputError("local_actual_months", "本地实际缴费月数不能多于累计缴费月数")
    lines: list[Line] = []
    if params.declares("retirement.actual_years"):  # 舟山 art. 11: actual years in all, no local minimum
        required_local, required_total = 0, params["retirement.actual_years"] * 12
        article = params.article("retirement.actual_years")
        lines.append(
            Line(article, f"实际缴费年限累计应满 {required_total // 12} 年；已缴 {total_months} 个月", ZERO)
        )
    else:
        required_local = params["retirement.local_actual_years"] * 12
        required_total = params["retirement.total_years"] * 12
        article = params.article("retirement.total_years")
        lines.append(
            Line(
                article,
                f"本市实际缴费满 {required_local // 12} 年且累计缴费满 {required_total // 12} 年；"
                f"已有本市实际 {local_actual_months} 个月、累计 {total_months} 个月",
                ZERO,
            )
        )
    missing_local = max(0, required_local - local_actual_months)
    missing_total = max(0, required_total - total_months)
    if not missing_local and not missing_total:
        lines.append(Line(article, "缴费年限已满，办理医保退休资格确认后享受退休人员待遇", ZERO))
        return RetirementCheck(True, 0, 0, ZERO, tuple(lines))
    if params.declares("retirement.non_local_refused"):  # 杭州 art. 20(1)–(3), 21
        # reading 21: a non-local person meeting the flexible-worker conditions (art. 12(2)) is not
        # refused under art. 21; whether they may top up is decided under art. 20
        if (
            not hukou_local
            and not employed_locally
            and not flexible_locally
            and not meets_flexible_conditions
        ):
            refusal = params.article("retirement.non_local_refused")
            lines.append(
                Line(
                    refusal,
                    "非本市户籍，未在本市用人单位就业，也不符合本市灵活就业人员参保条件：不享受本市职工医保退休待遇",
                    ZERO,
                )
            )
            return RetirementCheck(False, missing_local, missing_total, ZERO, tuple(lines), refused=True)
        qualifies = continuous_to_retirement and (
            hukou_local or (employed_locally and pension_locally) or flexible_locally
        )
        if not qualifies:
            lines.append(
                Line(
                    article,
                    "不符合第二十条第二款第(一)至(三)项规定的补缴条件（须在本市连续参保缴费至退休）",
                    ZERO,
                )
            )
            return RetirementCheck(False, missing_local, missing_total, ZERO, tuple(lines))
    # topping up adds local actual months, which count toward the total too
    months = max(missing_local, missing_total)
    if certificate_holder:
        lines.append(
            Line(article, f"持证人员应按月缴纳 {months} 个月至规定年限，应缴部分由政府按规定补贴", ZERO)
        )
        return RetirementCheck(
            False, missing_local, missing_total, ZERO, tuple(lines), may_top_up=True, top_up_months=months
        )
    average = money(params["provincial_average_monthly_wage"], "provincial_average_monthly_wage")
    rate = params["retirement.lump_sum_rate"]
    lump_sum = round_yuan(average * rate * months)
    lines.append(
        Line(
            params.article("retirement.lump_sum_rate"),
            f"可按月缴纳，或一次性补缴：上年度省平工资 {yuan(average)} × {percent(rate)} × {months} 个月"
            "（一次性补缴的医保费不划入个人账户）",
            lump_sum,
        )
    )
    return RetirementCheck(
        False, missing_local, missing_total, lump_sum, tuple(lines), may_top_up=True, top_up_months=months
    )
