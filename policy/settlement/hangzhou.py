"""Hangzhou (杭州市基本医疗保障办法 2021): settlement-rules.md §3–§8, one plain function per rule.

Each rule reads its figures from the parameter view (`params[name]`, cited with
`params.article(name)`), works on the bill's and the person's plain values, and writes its
line on the working bill (`Work`). `settle` applies them in the order of the rules.
"""

from __future__ import annotations

from decimal import Decimal
from functools import lru_cache

from policy.money import ZERO, round_yuan

from .common import LEVEL_NAMES, Work, cents, percent, yuan
from .types import CERTIFICATE_NAMES, INPATIENT_KINDS, Balances, Bill, PersonProfile, YearState

# citations of rules without a figure: keys of the `articles:` section of hangzhou.yaml
ART_DEDUCTIBLE = {
    "employee": "settlement.inpatient_deductible.employee",
    "resident": "settlement.inpatient_deductible.resident",
}
ART_SPECIFIED = "settlement.specified_disease"
ART_CATASTROPHIC_SCOPE = "settlement.catastrophic_scope"
ART_CURRENT_FUNDS = "settlement.current_funds"
ART_HISTORICAL_FUNDS = "settlement.historical_funds"
ART_CASH = "settlement.cash"
OFFSITE_NAMES = {
    "reimbursed_in_province": "省内异地就医未直接结算",
    "reimbursed_out_of_province": "省外就医",
    "non_designated_in_referral_area": "转诊地非定点医疗机构就医",
    "abroad_temporary": "回国临时就医（未撤销备案）",
    "unfiled_self_referral": "未备案自行外出就医",
}


def settle(person: PersonProfile, bill: Bill, state: YearState, balances: Balances, params) -> Work:
    """One bill through the rules, in order: §5 off-site share, §3 or §4 the basic fund, §6, §7, §8."""
    work = Work(bill)
    if bill.settlement not in ("local", "direct_offsite"):
        offsite_self_pay_share(bill, work, params)
    if bill.kind in INPATIENT_KINDS:
        deductible = inpatient_deductible(person, bill, state, work, params)
        inpatient_fund(person, bill, state, work, params, deductible)
        # 杭州 art. 42(1)(2): the co-pay under the annual limit and the eligible amount above it
        work.qualifying = work.eligible - work.basic_fund_paid
    else:
        eligible = current_funds_first(person, balances, work, params)
        outpatient_fund(person, bill, state, work, params, eligible)
    if bill.special_drug:
        work.qualifying += bill.special_drug  # 杭州 art. 42(3)(4): special drugs
    if work.qualifying > ZERO:
        catastrophic(person, state, work, params)
    if person.certificate:
        assistance(person.certificate, bill, state, work, params)
    personal_share(person, balances, work, params)
    return work


# --- 规程 §5: bills treated away from the city --------------------------------------------


def offsite_self_pay_share(bill: Bill, work: Work, params) -> None:
    """规程 §5 (杭州 art. 65–67): a share of the eligible amount is borne first, before any other rule."""
    if bill.settlement == "unfiled_self_referral":
        name = "offsite.unfiled_self_referral_share"
        ratio = params[name]
    else:
        name = "offsite.self_pay_share"
        ratio = params[name][bill.settlement]
    share = round_yuan(work.eligible * ratio)
    work.eligible -= share
    work.spf += share
    work.line(
        params.article(name), f"{OFFSITE_NAMES[bill.settlement]}：合规费用的 {percent(ratio)} 先行自理", share
    )


# --- 规程 §3: inpatient and specified diseases --------------------------------------------


def inpatient_deductible(person: PersonProfile, bill: Bill, state: YearState, work: Work, params) -> Decimal:
    """杭州 art. 28(1): one deductible a year, at the highest level admitted to (a higher level tops it up).

    Specified-disease outpatient bills are settled as inpatient with no deductible (杭州 art. 36).
    """
    if bill.kind == "specified_disease":
        work.line(params.article(ART_SPECIFIED), "规定病种门诊按住院结算，不设起付标准", ZERO)
        return ZERO
    table = params["inpatient.deductible"]
    level = bill.institution_level
    highest = state.inpatient_highest_level
    if highest is None or Decimal(table[level]) > Decimal(table[highest]):
        highest = level
    amount = Decimal(table[highest])
    paid = state.inpatient_deductible_paid
    owed = amount - paid
    deductible = min(owed, work.eligible) if owed > ZERO else ZERO
    text = f"住院起付标准 {LEVEL_NAMES[highest]} {amount} 元"
    if paid:
        text += f"，本年度已付 {yuan(paid)} 元，按最高等级补差"
    work.line(params.article(ART_DEDUCTIBLE[person.scheme]), text, deductible)
    work.deductible = deductible
    state.inpatient_highest_level = highest
    state.inpatient_deductible_paid = paid + deductible
    return deductible


Band = tuple[Decimal, Decimal, Decimal]  # lower, upper, ratio


def inpatient_bands(person: PersonProfile, level: str, params) -> tuple[str, tuple[Band, ...], str, Decimal]:
    """The fund's bands on the year's cumulative eligible amount: (ratio parameter, bands, limit parameter, limit).

    Employees (杭州 art. 30): two bands split at `band1_upper`, ratios by active/retired and level.
    Residents (杭州 art. 31): one band, ratio by level. Each band is (lower, upper, ratio).
    """
    if person.scheme == "employee":
        ratio_name, limit_name = "inpatient.employee.ratio", "inpatient.employee.annual_limit"
        ratios = params[ratio_name]
        status = "retired" if person.is_retired else "active"
        limit = cents(params[limit_name])
        band1_upper = cents(params["inpatient.employee.band1_upper"])
        bands: tuple[Band, ...] = (
            (ZERO, band1_upper, ratios["band1"][status][level]),
            (band1_upper, limit, ratios["band2"][status][level]),
        )
    else:
        ratio_name, limit_name = "inpatient.resident.ratio", "inpatient.resident.annual_limit"
        limit = cents(params[limit_name])
        bands = ((ZERO, limit, params[ratio_name][level]),)
    return ratio_name, bands, limit_name, limit


@lru_cache(maxsize=256)
def inpatient_band_name(level: str, lower: Decimal, upper: Decimal) -> str:
    """The words of an inpatient band: where, from the deductible or `lower`, to `upper`."""
    from_text = "起付标准以上" if lower == 0 else f" {yuan(lower)} "
    return f"统筹基金 {LEVEL_NAMES[level]} 累计合规费用{from_text}至 {yuan(upper)} 元段"


def inpatient_fund(
    person: PersonProfile, bill: Bill, state: YearState, work: Work, params, deductible: Decimal
) -> None:
    """杭州 art. 30, 31: the fund pays each band's ratio on the part of the year's eligible amount in it.

    The year's cumulative eligible amount counts the deductible; above the annual limit the fund
    pays nothing (that part goes to catastrophic insurance).
    """
    level = bill.institution_level
    ratio_name, bands, limit_name, limit = inpatient_bands(person, level, params)
    ratio_article = params.article(ratio_name)
    before = state.inpatient_eligible
    start = before + deductible
    end = before + work.eligible
    raw = ZERO
    if end > start:
        for lower, upper, ratio in bands:
            portion = min(end, upper) - max(start, lower)
            if portion > ZERO:
                raw += portion * ratio
                work.line(
                    ratio_article,
                    f"{inpatient_band_name(level, lower, upper)} {yuan(portion)} × {percent(ratio)}",
                    round_yuan(portion * ratio),
                )
        above = end - max(start, limit)
        if above > ZERO:
            work.line(
                params.article(limit_name),
                f"超过年度最高限额 {yuan(limit)} 元的合规费用，统筹基金不予支付（纳入大病保险）",
                above,
            )
    fund = round_yuan(raw)
    work.basic_fund_paid = fund
    work.line(ratio_article, "基本医疗保险统筹基金支付", fund)
    state.inpatient_eligible = end
    state.basic_fund_paid += fund


# --- 规程 §4: general outpatient and pharmacy ---------------------------------------------


def current_funds_first(person: PersonProfile, balances: Balances, work: Work, params) -> Decimal:
    """杭州 art. 24: an employee's current-year account pays first (self-pay-first, then eligible).

    What it pays counts toward no deductible. Returns the eligible amount left for the fund.
    """
    if person.scheme != "employee":
        return work.eligible
    paid = min(balances.current_funds, work.spf + work.eligible)
    if paid <= ZERO:
        return work.eligible
    work.current_funds_paid = paid
    work.line(
        params.article(ART_CURRENT_FUNDS), "个人账户当年资金支付（先自理、后合规费用），不计入起付标准", paid
    )
    return work.eligible - (paid - work.spf) if paid > work.spf else work.eligible


def contracted_gp_condition(person: PersonProfile, bill: Bill) -> bool:
    """杭州 art. 29(5), 40(3)(4): first visit at the contracted centre or referred by it; students: campus clinic."""
    if bill.kind == "pharmacy":
        return False
    if person.is_student:
        return bill.at_contracted_centre
    return person.contracted_gp and (bill.at_contracted_centre or bill.referred_by_contracted_centre)


def outpatient_group(person: PersonProfile) -> str:
    """杭州 art. 29, 40: employees by active/retired, residents by their category."""
    if person.scheme == "employee":
        return "retired" if person.is_retired else "active"
    return person.category


def outpatient_deductible(
    person: PersonProfile, bill: Bill, state: YearState, work: Work, params, eligible: Decimal
) -> Decimal:
    """杭州 art. 29(1)–(3), 40(1): the year's outpatient deductible, less the GP-contract reduction.

    杭州 art. 29(5), 40(3)(4): a first visit at the contracted centre (or referred by it) reduces
    the year's deductible, once a year. Returns what this bill pays toward the deductible.
    """
    scheme = person.scheme
    name = f"outpatient.{scheme}.deductible"
    annual = cents(params[name][outpatient_group(person)] if scheme == "employee" else params[name])
    reduction_name = "outpatient.gp_deductible_reduction"
    if not state.gp_reduction and contracted_gp_condition(person, bill):
        state.gp_reduction = True
        reduction = cents(params[reduction_name])
        work.line(
            params.article(reduction_name),
            f"签约社区首诊或转诊（大学生：校内定点医疗机构），本年度门诊起付标准减免 {yuan(reduction)} 元（每年一次）",
            reduction,
        )
    if state.gp_reduction:
        reduction = cents(params[reduction_name])
        annual = annual - reduction if annual > reduction else ZERO
    paid_before = state.outpatient_deductible_paid
    owed = annual - paid_before
    deductible = min(owed, eligible) if owed > ZERO else ZERO
    if eligible > ZERO or deductible:
        work.line(
            params.article(name),
            f"门诊起付标准 {yuan(annual)} 元，本年度已付 {yuan(paid_before)} 元",
            deductible,
        )
    state.outpatient_deductible_paid = paid_before + deductible
    work.deductible = deductible
    return deductible


def outpatient_ratio(person: PersonProfile, bill: Bill, params) -> tuple[str, Decimal, str]:
    """杭州 art. 29(4), 40(2), 64(4)(5): (ratio parameter, ratio, where) by group and institution level.

    A pharmacy pays at the ratio of `outpatient.pharmacy_level`; at the contracted centre the
    ratio rises by `outpatient.gp_ratio_increase`.
    """
    name = f"outpatient.{person.scheme}.ratio"
    table = params[name][outpatient_group(person)]
    if bill.kind == "pharmacy":
        return name, table[params["outpatient.pharmacy_level"]], "定点零售药店（按其他医疗机构比例）"
    ratio, place = table[bill.institution_level], LEVEL_NAMES[bill.institution_level]
    if bill.at_contracted_centre:
        ratio = ratio + params["outpatient.gp_ratio_increase"]
        place += "，签约机构提高比例"
    return name, ratio, place


def outpatient_fund(
    person: PersonProfile, bill: Bill, state: YearState, work: Work, params, eligible: Decimal
) -> None:
    """杭州 art. 29, 40: the fund pays the ratio on the eligible amount above the year's deductible."""
    ratio_name, ratio, place = outpatient_ratio(person, bill, params)
    base = eligible - outpatient_deductible(person, bill, state, work, params, eligible)
    if base > ZERO:
        fund = round_yuan(base * ratio)
        work.line(
            params.article(ratio_name), f"门诊统筹基金支付 {place} {yuan(base)} × {percent(ratio)}", fund
        )
        work.basic_fund_paid = fund
        state.basic_fund_paid += fund


# --- 规程 §6: catastrophic insurance --------------------------------------------------------


def catastrophic_groups(person: PersonProfile) -> tuple[str, str]:
    """杭州 art. 44: (deductible group, ratio group): certificate holders, retired employees, the others."""
    if person.certificate:
        return "certificate", "certificate"
    if person.is_retired:
        return "retired", person.scheme
    return "other", person.scheme


@lru_cache(maxsize=256)
def catastrophic_band_name(lower: Decimal, upper: Decimal | None) -> str:
    """The words of a catastrophic band, from `lower` to `upper` (None: no upper bound)."""
    upper_text = f"{yuan(upper)} 元" if upper is not None else "以上"
    return f"大病保险 累计合规费用 {yuan(lower)} 至 {upper_text}段"


def catastrophic(person: PersonProfile, state: YearState, work: Work, params) -> None:
    """杭州 art. 42, 44: bands on the year's cumulative qualifying amount above the deductible, to the annual cap."""
    qualifying = work.qualifying
    work.line(
        params.article(ART_CATASTROPHIC_SCOPE),
        "大病保险合规费用（住院和规定病种自付及限额以上部分、特殊药品）",
        qualifying,
    )
    deductible_group, ratio_group = catastrophic_groups(person)
    deductible = cents(params["catastrophic.deductible"][deductible_group])
    uppers = [cents(upper) for upper in params["catastrophic.band_uppers"]]
    ratios = params["catastrophic.ratio"][ratio_group]
    start = state.catastrophic_qualifying
    end = start + qualifying
    state.catastrophic_qualifying = end
    if end <= deductible:
        return
    raw = ZERO
    for index, lower in enumerate([deductible, *uppers]):
        upper = uppers[index] if index < len(uppers) else None  # the last band has no upper bound
        ratio = ratios[index]
        portion = (end if upper is None else min(end, upper)) - max(start, lower)
        if portion > ZERO:
            raw += portion * ratio
            work.line(
                params.article("catastrophic.ratio"),
                f"{catastrophic_band_name(lower, upper)} {yuan(portion)} × {percent(ratio)}",
                round_yuan(portion * ratio),
            )
    amount = round_yuan(raw)
    cap = cents(params["catastrophic.annual_cap"])
    room = cap - state.catastrophic_paid
    if amount > room:
        amount = max(room, ZERO)
        work.line(
            params.article("catastrophic.annual_cap"),
            f"大病保险年度最高支付限额 {yuan(cap)} 元，本次以余额为限",
            amount,
        )
    work.line(
        params.article("catastrophic.deductible"), f"大病保险支付（起付标准 {yuan(deductible)} 元）", amount
    )
    work.catastrophic_paid = amount
    state.catastrophic_paid += amount


# --- 规程 §7: medical assistance ---------------------------------------------------------


def assistance(certificate: str, bill: Bill, state: YearState, work: Work, params) -> None:
    """杭州 art. 49: a ratio by certificate on what is left of the in-scope amount after the funds.

    杭州 art. 49(2): general outpatient assistance has a yearly cap by certificate.
    """
    rest = (
        work.spf
        + work.eligible
        + bill.special_drug
        - work.current_funds_paid
        - work.basic_fund_paid
        - work.catastrophic_paid
    )
    if rest <= ZERO:
        return
    inpatient = bill.kind in INPATIENT_KINDS
    ratio = params["assistance.ratio"][certificate]["inpatient" if inpatient else "outpatient"]
    amount = round_yuan(rest * ratio)
    text = f"医疗救助（{CERTIFICATE_NAMES[certificate]}）{yuan(rest)} × {percent(ratio)}"
    if not inpatient:
        caps = params["assistance.outpatient_annual_cap"]
        if certificate in caps:
            cap = cents(caps[certificate])
            room = max(cap - state.assistance_outpatient_paid, ZERO)
            if amount > room:
                amount = room
                text += f"，普通门诊年度救助限额 {yuan(cap)} 元，以余额为限"
        state.assistance_outpatient_paid += amount
    work.line(params.article("assistance.ratio"), text, amount)
    work.assistance_paid = amount
    state.assistance_paid += amount


# --- 规程 §8: the personal share --------------------------------------------------------


def personal_share(person: PersonProfile, balances: Balances, work: Work, params) -> None:
    """杭州 art. 25: historical funds pay the personal share unless the person opted out; cash pays the rest."""
    personal = (
        work.total
        - work.current_funds_paid
        - work.basic_fund_paid
        - work.catastrophic_paid
        - work.assistance_paid
    )
    available = balances.historical_funds
    if person.use_historical_funds and available > ZERO and personal > ZERO:
        historical = min(available, personal)
        work.line(
            params.article(ART_HISTORICAL_FUNDS),
            "个人账户历年资金支付个人负担部分（自费、自理、自付）",
            historical,
        )
        work.historical_funds_paid = historical
        personal -= historical
    work.cash_paid = personal
    work.line(params.article(ART_CASH), "个人现金支付", personal)
