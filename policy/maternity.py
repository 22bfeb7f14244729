"""Maternity and family-planning allowances (杭州 art. 56, 58, 59; 舟山 art. 48–51).

Allowance = the employer's average monthly wage of last year ÷ 30 × the days for the
event, rounded once. Eligibility: 12 continuous months of contributions at the event,
back payments not counted (杭州 art. 56(2)).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal

from policy.amount import Amount, RuleInputError, money, whole, yuan
from policy.explain import Line
from policy.money import ZERO, round_yuan
from policy.parameters import ParameterView

HANGZHOU_EVENTS = {
    "birth": "生育",
    "miscarriage_before_4_months": "怀孕不满 4 个月流产",
    "miscarriage_from_4_months": "怀孕满 4 个月流产",
    "iud_insertion": "放置宫内节育器",
    "iud_removal": "取宫内节育器",
    "vasectomy": "输精管结扎",
    "tubal_ligation": "单纯输卵管结扎",
    "postpartum_tubal_ligation": "产后结扎输卵管",
}
ZHOUSHAN_EVENTS = {"birth": "生育", "miscarriage": "流产"}
LUMP_SUMS = {
    "resident": ("maternity.resident_lump_sum", "城乡居民医保参保人员符合规定生育，生育医疗费用定额补助"),
    "unemployed_spouse": (
        "maternity.unemployed_spouse_lump_sum",
        "参加生育保险男职工的未就业配偶符合规定生育，定额补助",
    ),
}


# Who may have which event (杭州 art. 59(2): a vasectomy is the one family-planning surgery for men).
MALE_EVENTS = frozenset({"vasectomy"})
SURGERIES = frozenset(
    {"iud_insertion", "iud_removal", "vasectomy", "tubal_ligation", "postpartum_tubal_ligation"}
)


@dataclass(frozen=True)
class Eligibility:
    eligible: bool
    continuous_months: int
    lines: tuple[Line, ...]
    required_months: int = 0
    missing_months: int = 0
    # the month that ended the run, and why ("back_payment" or "unpaid"); None when eligible
    stopped_at: tuple[int, int] | None = None
    stopped_by: str = ""


def allowance_days(
    *,
    params: ParameterView,
    event: str,
    difficult_birth: bool = False,
    extra_babies: int = 0,
    child_order: int = 1,
    pregnancy_months: int | None = None,
) -> tuple[int, list[Line]]:
    """The days an event is paid for, with a line per part (杭州 art. 59; 舟山 art. 49)."""
    whole(extra_babies, "extra_babies", high=10)
    table = params["maternity.allowance_days"]
    article = params.article("maternity.allowance_days")
    lines: list[Line] = []
    # 舟山 art. 49: births by child order, miscarriages by the months of pregnancy (a region declaring
    # `maternity.miscarriage_threshold_months`); 杭州 art. 59: days by event
    by_months = params.declares("maternity.miscarriage_threshold_months")
    events = ZHOUSHAN_EVENTS if by_months else HANGZHOU_EVENTS
    if event not in events:
        raise RuleInputError("event", f"本地区生育津贴没有 {event!r} 一项，应为 {', '.join(events)} 之一")
    if event != "birth" and (difficult_birth or extra_babies):
        raise RuleInputError("difficult_birth", "难产、多胞胎增加天数只适用于生育")
    if event == "birth":
        if by_months:
            whole(child_order, "child_order", low=1)
            if child_order > 3:
                raise RuleInputError(
                    "child_order", "第四孩及以上不属于本办法规定的生育津贴计发范围（舟山 第四十九条）"
                )
            key = "first_child" if child_order == 1 else "second_third_child"
            days = table[key]
            lines.append(
                Line(
                    article,
                    f"{'一孩' if child_order == 1 else '二孩、三孩'}生育津贴 {days} 天",
                    Decimal(days),
                )
            )
        else:
            days = table["birth"]
            lines.append(Line(article, f"符合规定生育，产假 {days} 天（含奖励假）", Decimal(days)))
        if difficult_birth:
            days += table["difficult_birth_extra"]
            lines.append(
                Line(
                    article,
                    f"难产增加 {table['difficult_birth_extra']} 天",
                    Decimal(table["difficult_birth_extra"]),
                )
            )
        if extra_babies:
            extra = table["extra_baby"] * extra_babies
            days += extra
            lines.append(
                Line(
                    article,
                    f"多胞胎每多生育 1 个婴儿增加 {table['extra_baby']} 天 × {extra_babies}",
                    Decimal(extra),
                )
            )
        return days, lines
    if by_months:  # miscarriage, by the months of pregnancy
        if pregnancy_months is None:
            raise RuleInputError("pregnancy_months", "流产须提供怀孕月数")
        whole(pregnancy_months, "pregnancy_months", high=10)
        threshold = params["maternity.miscarriage_threshold_months"]
        key = "miscarriage_before" if pregnancy_months < threshold else "miscarriage_after"
        days = table[key]
        band = f"不满 {threshold} 个月" if key == "miscarriage_before" else f"满 {threshold} 个月"
        lines.append(Line(article, f"怀孕{band}流产，{days} 天", Decimal(days)))
        return days, lines
    days = table[event]
    lines.append(Line(article, f"{HANGZHOU_EVENTS[event]}，{days} 天", Decimal(days)))
    return days, lines


def maternity_allowance(
    *,
    params: ParameterView,
    employer_average_monthly_wage: Decimal,
    event: str,
    difficult_birth: bool = False,
    extra_babies: int = 0,
    child_order: int = 1,
    pregnancy_months: int | None = None,
) -> Amount:
    """The maternity or family-planning allowance (杭州 art. 58, 59; 舟山 art. 49, 50).

    杭州: the employer's average monthly wage of last year (art. 58(2)) ÷ 30 × days.
    舟山: the employer's average monthly contribution base of last year (a flexible
    worker: that class's monthly base) ÷ the art. 50 divisor × days; `child_order` picks
    the first-child or second/third-child days, `pregnancy_months` the miscarriage band.
    """
    wage = money(employer_average_monthly_wage, "employer_average_monthly_wage")
    days, lines = allowance_days(
        params=params,
        event=event,
        difficult_birth=difficult_birth,
        extra_babies=extra_babies,
        child_order=child_order,
        pregnancy_months=pregnancy_months,
    )
    divisor = params["maternity.days_per_month"]
    amount = round_yuan(wage * days / divisor)
    lines.append(
        Line(
            params.article("maternity.days_per_month"),
            f"应计发津贴 = 上年度月平均工资 {yuan(wage)} ÷ {divisor} × {days} 天",
            amount,
        )
    )
    return Amount(amount, tuple(lines))


def _month_index(year: int, month: int) -> int:
    return year * 12 + month - 1


def maternity_eligibility(
    *,
    params: ParameterView,
    event_date: dt.date,
    paid_months: Mapping[tuple[int, int], str],
    registered_locally: bool = True,
) -> Eligibility:
    """Were contributions continuous for the required months at the event (杭州 art. 56(2); 舟山 art. 48)?

    `paid_months` maps (year, month) to 'normal' or 'back_payment'. Counting goes back
    from the event month (or the month before, if the event month is not yet paid);
    a back payment or a gap ends the run: back payments are not counted.
    """
    required = params["maternity.continuous_months"]
    article = params.article("maternity.continuous_months")
    for key, kind in paid_months.items():
        if kind not in ("normal", "back_payment"):
            raise RuleInputError("paid_months", f"{key} 的缴费类别应为 normal 或 back_payment，收到 {kind!r}")
    if not registered_locally:
        line = Line(article, "生育或手术时用人单位未在本市为其办理参保登记", ZERO)
        return Eligibility(False, 0, (line,))
    normal = {_month_index(y, m) for (y, m), kind in paid_months.items() if kind == "normal"}
    cursor = _month_index(event_date.year, event_date.month)
    if cursor not in normal:
        cursor -= 1
    count = 0
    while cursor in normal:
        count += 1
        cursor -= 1
    eligible = count >= required
    text = f"至生育或手术时连续缴费（不含补缴）{count} 个月，{'已满' if eligible else '未满'} {required} 个月"
    stopped_at, stopped_by = None, ""
    if not eligible:
        stopped_at = divmod(cursor, 12)
        stopped_at = (stopped_at[0], stopped_at[1] + 1)
        stopped_by = "back_payment" if paid_months.get(stopped_at) == "back_payment" else "unpaid"
        why = "为补缴，不计入" if stopped_by == "back_payment" else "未缴费"
        text += f"，缺少 {required - count} 个月（{stopped_at[0]}年{stopped_at[1]:02d}月{why}）"
    return Eligibility(
        eligible,
        count,
        (Line(article, text, ZERO),),
        required_months=required,
        missing_months=max(required - count, 0),
        stopped_at=stopped_at,
        stopped_by=stopped_by,
    )


def rule_event(
    *, params: ParameterView, kind: str, pregnancy_months: int | None = None
) -> tuple[str, int | None]:
    """The region's art. 59 / 49 event for an application's event kind, with the months of pregnancy it needs.

    Kinds are those of 杭州 art. 59; a region paying miscarriages by months of pregnancy
    (舟山 art. 49) takes `pregnancy_months` when given, else the band the kind names.
    """
    if kind not in HANGZHOU_EVENTS:
        raise RuleInputError("event_kind", f"没有 {kind!r} 这一事件，应为 {', '.join(HANGZHOU_EVENTS)} 之一")
    if not params.declares("maternity.miscarriage_threshold_months"):
        return kind, None
    if kind == "birth":
        return "birth", None
    if kind in ("miscarriage_before_4_months", "miscarriage_from_4_months"):
        if pregnancy_months is None:
            threshold = params["maternity.miscarriage_threshold_months"]
            pregnancy_months = threshold - 1 if kind == "miscarriage_before_4_months" else threshold
        return "miscarriage", pregnancy_months
    raise RuleInputError(
        "event_kind",
        f"{HANGZHOU_EVENTS[kind]}：本地区办法未规定计划生育手术津贴（{params.article('maternity.allowance_days')}）",
    )


def event_fits_sex(kind: str, sex: str) -> bool:
    """A birth, a miscarriage and the women's surgeries are for women; a vasectomy for men (杭州 art. 59)."""
    return (kind in MALE_EVENTS) == (sex == "M")


def claim_deadline(*, params: ParameterView, event_date: dt.date) -> dt.date:
    """杭州 art. 60: the employer applies by the end of the year after the birth or surgery."""
    years = params["maternity.claim_deadline"]
    return dt.date(event_date.year + years, 12, 31)


def average_base(*, article: str, bases: list[Decimal], month: dt.date, new_employer: bool) -> Amount:
    """The employer's average monthly wage (杭州 art. 58(2); 舟山 art. 50): the month's bases ÷ headcount.

    `month` is December of last year, or for an employer new this year its first month.
    """
    if not bases:
        raise RuleInputError(
            "employer", f"{month:%Y年%m月}没有参保职工缴费基数，无法计算月平均工资（{article}）"
        )
    total = sum((money(b, "bases") for b in bases), ZERO)
    count = len(bases)
    average = round_yuan(total / count)
    which = "当年新参保单位第 1 个月" if new_employer else "上年度 12 月份"
    text = (
        f"{which}（{month:%Y年%m月}）参保职工 {count} 人缴费基数合计 {yuan(total)} ÷ {count} 人 = 月平均工资"
    )
    return Amount(average, (Line(article, text, average),))


def maternity_lump_sum(*, params: ParameterView, kind: str) -> Amount:
    """舟山 art. 51(2): the fixed grant for a resident's birth, or for the unemployed spouse of an insured man."""
    if kind not in LUMP_SUMS:
        raise RuleInputError("kind", f"应为 {', '.join(LUMP_SUMS)} 之一，收到 {kind!r}")
    name, text = LUMP_SUMS[kind]
    if name not in params.declared:
        raise RuleInputError("kind", "本地区办法没有生育定额补助的规定")
    amount = round_yuan(Decimal(params[name]))
    return Amount(amount, (Line(params.article(name), text, amount),))
