"""Hangzhou (杭州市基本医疗保障办法 2021): settlement-rules.md §3–§8, one plain function per rule.

Each rule works on the bill's and the person's plain values and writes its line on the
working bill (`Work`). Its figures come from the parameter view (`params[name]`, cited with
`params.article(name)`); those it needs with their words (ratio, limit, citation, band name)
are gathered by a `*_figures` function, worked out once per view (`per_view`). `settle`
applies the rules in their order.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache

from policy.money import ZERO, round_yuan

from .common import LEVEL_NAMES, Work, cents, per_view, percent, yuan
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


@dataclass(frozen=True)
class Figure:
    """A figure (a ratio or an amount) with its citation and the words of its line."""

    value: Decimal
    article: str
    words: str


@per_view
def offsite_figures(params, settlement: str) -> Figure:
    """杭州 art. 65–67: the share borne first for a way of settling away from the city."""
    if settlement == "unfiled_self_referral":
        name = "offsite.unfiled_self_referral_share"
        ratio = params[name]
    else:
        name = "offsite.self_pay_share"
        ratio = params[name][settlement]
    return Figure(
        ratio, params.article(name), f"{OFFSITE_NAMES[settlement]}：合规费用的 {percent(ratio)} 先行自理"
    )


def offsite_self_pay_share(bill: Bill, work: Work, params) -> None:
    """规程 §5 (杭州 art. 65–67): a share of the eligible amount is borne first, before any other rule."""
    share_first = offsite_figures(params, bill.settlement)
    share = round_yuan(work.eligible * share_first.value)
    work.eligible -= share
    work.spf += share
    work.line(share_first.article, share_first.words, share)


# --- 规程 §3: inpatient and specified diseases --------------------------------------------


def inpatient_deductible(person: PersonProfile, bill: Bill, state: YearState, work: Work, params) -> Decimal:
    """杭州 art. 28(1): one deductible a year, at the highest level admitted to (a higher level tops it up).

    Specified-disease outpatient bills are settled as inpatient with no deductible (杭州 art. 36).
    """
    if bill.kind == "specified_disease":
        work.line(params.article(ART_SPECIFIED), "规定病种门诊按住院结算，不设起付标准", ZERO)
        return ZERO
    level = bill.institution_level
    highest = state.inpatient_highest_level
    if highest is None or inpatient_deductible_at(params, level) > inpatient_deductible_at(params, highest):
        highest = level
    amount = inpatient_deductible_at(params, highest)
    text = f"住院起付标准 {LEVEL_NAMES[highest]} {amount} 元"
    paid = state.inpatient_deductible_paid
    owed = amount - paid
    deductible = min(owed, work.eligible) if owed > ZERO else ZERO
    if paid:
        text += f"，本年度已付 {yuan(paid)} 元，按最高等级补差"
    work.line(params.article(ART_DEDUCTIBLE[person.scheme]), text, deductible)
    work.deductible = deductible
    state.inpatient_highest_level = highest
    state.inpatient_deductible_paid = paid + deductible
    return deductible


@per_view
def inpatient_deductible_at(params, level: str) -> Decimal:
    """杭州 art. 28(1): the inpatient deductible at an institution level."""
    return Decimal(params["inpatient.deductible"][level])


Band = tuple[Decimal, Decimal, Decimal]  # lower, upper, ratio


def inpatient_bands(
    scheme: str, is_retired: bool, level: str, params
) -> tuple[str, tuple[Band, ...], str, Decimal]:
    """The fund's bands on the year's cumulative eligible amount: (ratio parameter, bands, limit parameter, limit).

    Employees (杭州 art. 30): two bands split at `band1_upper`, ratios by active/retired and level.
    Residents (杭州 art. 31): one band, ratio by level. Each band is (lower, upper, ratio).
    """
    if scheme == "employee":
        ratio_name, limit_name = "inpatient.employee.ratio", "inpatient.employee.annual_limit"
        ratios = params[ratio_name]
        status = "retired" if is_retired else "active"
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


@dataclass(frozen=True)
class InpatientBand:
    """One band of the fund's inpatient payment: the part of the year's eligible amount in it, at `ratio`."""

    lower: Decimal
    upper: Decimal
    ratio: Decimal
    name: str  # the band's words (`inpatient_band_name`)
    percent: str


@dataclass(frozen=True)
class InpatientFund:
    """杭州 art. 30, 31: a person's bands at one level, the annual limit, their citations and words."""

    bands: tuple[InpatientBand, ...]
    ratio_article: str
    limit: Decimal
    limit_article: str
    above_limit_words: str


@per_view
def inpatient_fund_figures(params, scheme: str, is_retired: bool, level: str) -> InpatientFund:
    """The figures of `inpatient_bands` with their citations and words, for one kind of person and level."""
    ratio_name, bands, limit_name, limit = inpatient_bands(scheme, is_retired, level, params)
    return InpatientFund(
        bands=tuple(
            InpatientBand(lower, upper, ratio, inpatient_band_name(level, lower, upper), percent(ratio))
            for lower, upper, ratio in bands
        ),
        ratio_article=params.article(ratio_name),
        limit=limit,
        limit_article=params.article(limit_name),
        above_limit_words=f"超过年度最高限额 {yuan(limit)} 元的合规费用，统筹基金不予支付（纳入大病保险）",
    )


def inpatient_fund(
    person: PersonProfile, bill: Bill, state: YearState, work: Work, params, deductible: Decimal
) -> None:
    """杭州 art. 30, 31: the fund pays each band's ratio on the part of the year's eligible amount in it.

    The year's cumulative eligible amount counts the deductible; above the annual limit the fund
    pays nothing (that part goes to catastrophic insurance).
    """
    figures = inpatient_fund_figures(params, person.scheme, person.is_retired, bill.institution_level)
    before = state.inpatient_eligible
    start = before + deductible
    end = before + work.eligible
    raw = ZERO
    if end > start:
        for band in figures.bands:
            portion = min(end, band.upper) - max(start, band.lower)
            if portion > ZERO:
                raw += portion * band.ratio
                work.line(
                    figures.ratio_article,
                    f"{band.name} {yuan(portion)} × {band.percent}",
                    round_yuan(portion * band.ratio),
                )
        above = end - max(start, figures.limit)
        if above > ZERO:
            work.line(figures.limit_article, figures.above_limit_words, above)
    fund = round_yuan(raw)
    work.basic_fund_paid = fund
    work.line(figures.ratio_article, "基本医疗保险统筹基金支付", fund)
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


@per_view
def outpatient_deductible_figures(params, scheme: str, group: str) -> tuple[Decimal, str]:
    """杭州 art. 29(1)–(3), 40(1): (the year's outpatient deductible of a group, its citation)."""
    name = f"outpatient.{scheme}.deductible"
    return cents(params[name][group] if scheme == "employee" else params[name]), params.article(name)


@per_view
def gp_reduction_figures(params) -> Figure:
    """杭州 art. 29(5), 40(3)(4): the once-a-year reduction of the outpatient deductible."""
    name = "outpatient.gp_deductible_reduction"
    reduction = cents(params[name])
    return Figure(
        reduction,
        params.article(name),
        f"签约社区首诊或转诊（大学生：校内定点医疗机构），本年度门诊起付标准减免 {yuan(reduction)} 元（每年一次）",
    )


def outpatient_deductible(
    person: PersonProfile, bill: Bill, state: YearState, work: Work, params, eligible: Decimal, group: str
) -> Decimal:
    """杭州 art. 29(1)–(3), 40(1): the year's outpatient deductible, less the GP-contract reduction.

    杭州 art. 29(5), 40(3)(4): a first visit at the contracted centre (or referred by it) reduces
    the year's deductible, once a year. Returns what this bill pays toward the deductible.
    """
    annual, article = outpatient_deductible_figures(params, person.scheme, group)
    if not state.gp_reduction and contracted_gp_condition(person, bill):
        state.gp_reduction = True
        reduction = gp_reduction_figures(params)
        work.line(reduction.article, reduction.words, reduction.value)
    if state.gp_reduction:
        reduction = gp_reduction_figures(params)
        annual = annual - reduction.value if annual > reduction.value else ZERO
    paid_before = state.outpatient_deductible_paid
    owed = annual - paid_before
    deductible = min(owed, eligible) if owed > ZERO else ZERO
    if eligible > ZERO or deductible:
        work.line(article, f"门诊起付标准 {yuan(annual)} 元，本年度已付 {yuan(paid_before)} 元", deductible)
    state.outpatient_deductible_paid = paid_before + deductible
    work.deductible = deductible
    return deductible


@dataclass(frozen=True)
class Rate:
    """A ratio with its citation, where or to whom it applies (in words) and its percentage in words."""

    ratio: Decimal
    article: str
    place: str
    percent: str


@per_view
def outpatient_ratio(
    params, scheme: str, group: str, pharmacy: bool, level: str, at_contracted_centre: bool
) -> Rate:
    """杭州 art. 29(4), 40(2), 64(4)(5): the fund's outpatient ratio by group and institution level.

    A pharmacy pays at the ratio of `outpatient.pharmacy_level`; at the contracted centre the
    ratio rises by `outpatient.gp_ratio_increase`.
    """
    name = f"outpatient.{scheme}.ratio"
    table = params[name][group]
    if pharmacy:
        ratio, place = table[params["outpatient.pharmacy_level"]], "定点零售药店（按其他医疗机构比例）"
    else:
        ratio, place = table[level], LEVEL_NAMES[level]
        if at_contracted_centre:
            ratio = ratio + params["outpatient.gp_ratio_increase"]
            place += "，签约机构提高比例"
    return Rate(ratio, params.article(name), place, percent(ratio))


def outpatient_fund(
    person: PersonProfile, bill: Bill, state: YearState, work: Work, params, eligible: Decimal
) -> None:
    """杭州 art. 29, 40: the fund pays the ratio on the eligible amount above the year's deductible."""
    group = outpatient_group(person)
    rate = outpatient_ratio(
        params,
        person.scheme,
        group,
        bill.kind == "pharmacy",
        bill.institution_level,
        bill.at_contracted_centre,
    )
    base = eligible - outpatient_deductible(person, bill, state, work, params, eligible, group)
    if base > ZERO:
        fund = round_yuan(base * rate.ratio)
        work.line(rate.article, f"门诊统筹基金支付 {rate.place} {yuan(base)} × {rate.percent}", fund)
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


@dataclass(frozen=True)
class CatastrophicBand:
    lower: Decimal
    upper: Decimal | None  # None: the last band has no upper bound
    ratio: Decimal
    name: str  # the band's words (`catastrophic_band_name`)
    percent: str


@dataclass(frozen=True)
class Catastrophic:
    """杭州 art. 44: a group's deductible and bands, with their citations and words."""

    deductible: Decimal
    bands: tuple[CatastrophicBand, ...]
    ratio_article: str
    deductible_article: str
    paid_words: str


@per_view
def catastrophic_figures(params, deductible_group: str, ratio_group: str) -> Catastrophic:
    """The deductible of `deductible_group` and the bands at the ratios of `ratio_group`."""
    deductible = cents(params["catastrophic.deductible"][deductible_group])
    uppers = [cents(upper) for upper in params["catastrophic.band_uppers"]]
    ratios = params["catastrophic.ratio"][ratio_group]
    bands = []
    for index, lower in enumerate([deductible, *uppers]):
        upper = uppers[index] if index < len(uppers) else None
        ratio = ratios[index]
        bands.append(
            CatastrophicBand(lower, upper, ratio, catastrophic_band_name(lower, upper), percent(ratio))
        )
    return Catastrophic(
        deductible=deductible,
        bands=tuple(bands),
        ratio_article=params.article("catastrophic.ratio"),
        deductible_article=params.article("catastrophic.deductible"),
        paid_words=f"大病保险支付（起付标准 {yuan(deductible)} 元）",
    )


@per_view
def catastrophic_cap_figures(params) -> Figure:
    """杭州 art. 44: the yearly cap of catastrophic insurance."""
    cap = cents(params["catastrophic.annual_cap"])
    return Figure(
        cap,
        params.article("catastrophic.annual_cap"),
        f"大病保险年度最高支付限额 {yuan(cap)} 元，本次以余额为限",
    )


def catastrophic(person: PersonProfile, state: YearState, work: Work, params) -> None:
    """杭州 art. 42, 44: bands on the year's cumulative qualifying amount above the deductible, to the annual cap."""
    qualifying = work.qualifying
    work.line(
        params.article(ART_CATASTROPHIC_SCOPE),
        "大病保险合规费用（住院和规定病种自付及限额以上部分、特殊药品）",
        qualifying,
    )
    figures = catastrophic_figures(params, *catastrophic_groups(person))
    start = state.catastrophic_qualifying
    end = start + qualifying
    state.catastrophic_qualifying = end
    if end <= figures.deductible:
        return
    raw = ZERO
    for band in figures.bands:
        portion = (end if band.upper is None else min(end, band.upper)) - max(start, band.lower)
        if portion > ZERO:
            raw += portion * band.ratio
            work.line(
                figures.ratio_article,
                f"{band.name} {yuan(portion)} × {band.percent}",
                round_yuan(portion * band.ratio),
            )
    amount = round_yuan(raw)
    cap = catastrophic_cap_figures(params)
    room = cap.value - state.catastrophic_paid
    if amount > room:
        amount = max(room, ZERO)
        work.line(cap.article, cap.words, amount)
    work.line(figures.deductible_article, figures.paid_words, amount)
    work.catastrophic_paid = amount
    state.catastrophic_paid += amount


# --- 规程 §7: medical assistance ---------------------------------------------------------


@per_view
def assistance_ratio(params, certificate: str, inpatient: bool) -> Rate:
    """杭州 art. 49: the assistance ratio of a certificate (`place`: the certificate's name)."""
    ratio = params["assistance.ratio"][certificate]["inpatient" if inpatient else "outpatient"]
    return Rate(ratio, params.article("assistance.ratio"), CERTIFICATE_NAMES[certificate], percent(ratio))


@per_view
def assistance_outpatient_cap(params, certificate: str) -> Decimal | None:
    """杭州 art. 49(2): the yearly cap on a certificate's general outpatient assistance (None: no cap)."""
    caps = params["assistance.outpatient_annual_cap"]
    return cents(caps[certificate]) if certificate in caps else None


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
    rate = assistance_ratio(params, certificate, inpatient)
    amount = round_yuan(rest * rate.ratio)
    text = f"医疗救助（{rate.place}）{yuan(rest)} × {rate.percent}"
    if not inpatient:
        cap = assistance_outpatient_cap(params, certificate)
        if cap is not None:
            room = max(cap - state.assistance_outpatient_paid, ZERO)
            if amount > room:
                amount = room
                text += f"，普通门诊年度救助限额 {yuan(cap)} 元，以余额为限"
        state.assistance_outpatient_paid += amount
    work.line(rate.article, text, amount)
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
