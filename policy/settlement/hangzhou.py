"""Hangzhou (杭州市基本医疗保障办法 2021): settlement-rules.md §3–§8 as arithmetic.

Values a rule needs are resolved from the parameter view once per view (`_rules`), on first
need, so that a missing value is still refused only when a bill needs it.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from policy.explain import Line
from policy.money import CENT, ZERO

from .common import LEVEL_NAMES, UsedParameters, Work, cents, new_tuple, percent, yuan
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


class _Rules(dict):
    """Values derived from one parameter view, built on first need and kept with the view.

    `rules.get(key) or rules.build(key, builder)`: the common case is one dict lookup.
    """

    __slots__ = ("P",)

    def __init__(self, P):
        super().__init__()
        self.P = P

    def build(self, key, builder):
        value = self[key] = builder(self.P, *key[1:])
        return value


def _rules(P) -> _Rules:
    if isinstance(P, UsedParameters):  # tracked (illustrative) path: nothing shared
        return _Rules(P)
    rules = P.__dict__.get("_hangzhou_rules")
    if rules is None:
        rules = P.__dict__["_hangzhou_rules"] = _Rules(P)
    return rules


def settle(person: PersonProfile, bill: Bill, state: YearState, balances: Balances, P) -> Work:
    try:
        rules = P.__dict__["_hangzhou_rules"]
    except (AttributeError, KeyError):
        rules = _rules(P)
    work = Work(bill)
    settlement = bill.settlement
    if settlement != "local" and settlement != "direct_offsite":
        _offsite_share(bill, work, rules)
    if bill.kind in INPATIENT_KINDS:
        _inpatient(person, bill, state, work, rules)
        # 杭州 art. 42(1)(2): co-pay under the limit and eligible above it
        work.qualifying = work.eligible - work.basic_fund_paid
    else:
        _outpatient(person, bill, state, balances, work, rules)
    if bill.special_drug:
        work.qualifying += bill.special_drug  # 杭州 art. 42(3)(4)
    if work.qualifying > ZERO:
        _catastrophic(person, state, work, rules)
    if person.certificate:
        _assistance(person, bill, state, work, rules)
    _personal_share(person, balances, work, rules)
    return work


# --- 规程 §5 ------------------------------------------------------------------------------


def _build_offsite(P, kind):
    if kind == "unfiled_self_referral":
        name = "offsite.unfiled_self_referral_share"
        ratio = P[name]
    else:
        name = "offsite.self_pay_share"
        ratio = P[name][kind]
    return ratio, P.article(name), f"{OFFSITE_NAMES[kind]}：合规费用的 {percent(ratio)} 先行自理"


def _offsite_share(bill: Bill, work: Work, rules: _Rules) -> None:
    """规程 §5: the share borne first moves from eligible to self_pay_first before any other rule."""
    key = ("offsite", bill.settlement)
    ratio, article, text = rules.get(key) or rules.build(key, _build_offsite)
    share = (work.eligible * ratio).quantize(CENT, ROUND_HALF_UP)
    work.eligible -= share
    work.spf += share
    work.lines.append(new_tuple(Line, (article, text, share)))


# --- 规程 §3 ------------------------------------------------------------------------------


def _build_deductibles(P):
    """{level: (deductible, the line's text)}."""
    table = {}
    for level, value in P["inpatient.deductible"].items():
        amount = Decimal(value)
        table[level] = (amount, f"住院起付标准 {LEVEL_NAMES[level]} {amount} 元")
    return table


def _build_bands(P, scheme, status, level):
    """Bands (lower, upper, ratio, label, percent) on cumulative eligible; the limit; articles."""
    if scheme == "employee":
        ratio_name, limit_name = "inpatient.employee.ratio", "inpatient.employee.annual_limit"
        ratios = P[ratio_name]
        limit = cents(P[limit_name])
        upper1 = cents(P["inpatient.employee.band1_upper"])
        raw = (
            (ZERO, upper1, ratios["band1"][status][level]),
            (upper1, limit, ratios["band2"][status][level]),
        )
    else:
        ratio_name, limit_name = "inpatient.resident.ratio", "inpatient.resident.annual_limit"
        limit = cents(P[limit_name])
        raw = ((ZERO, limit, P[ratio_name][level]),)
    bands = []
    for lower, upper, ratio in raw:
        start_text = "起付标准以上" if lower == 0 else f" {yuan(lower)} "
        label = f"统筹基金 {LEVEL_NAMES[level]} 累计合规费用{start_text}至 {yuan(upper)} 元段 "
        bands.append((lower, upper, ratio, label, f" × {percent(ratio)}"))
    limit_text = f"超过年度最高限额 {yuan(limit)} 元的合规费用，统筹基金不予支付（纳入大病保险）"
    return tuple(bands), limit, P.article(ratio_name), P.article(limit_name), limit_text


def _inpatient(person: PersonProfile, bill: Bill, state: YearState, work: Work, rules: _Rules) -> None:
    """规程 §3: one deductible a year at the highest level (补差), bands on the year's cumulative eligible."""
    level = bill.institution_level
    eligible = work.eligible
    lines = work.lines
    if bill.kind == "inpatient":
        table = rules.get(("deductibles",)) or rules.build(("deductibles",), _build_deductibles)
        highest = state.inpatient_highest_level
        if highest is None or table[level][0] > table[highest][0]:
            highest = level
        amount, text = table[highest]
        paid = state.inpatient_deductible_paid
        owed = amount - paid
        deductible = (owed if owed < eligible else eligible) if owed > ZERO else ZERO
        if paid:
            text += f"，本年度已付 {yuan(paid)} 元，按最高等级补差"
        lines.append(new_tuple(Line, (rules.P.article(ART_DEDUCTIBLE[person.scheme]), text, deductible)))
        state.inpatient_highest_level = highest
        if deductible is not ZERO:
            state.inpatient_deductible_paid = paid + deductible
    else:
        deductible = ZERO
        lines.append(
            new_tuple(Line, (rules.P.article(ART_SPECIFIED), "规定病种门诊按住院结算，不设起付标准", ZERO))
        )
    work.deductible = deductible

    status = "retired" if (person.category == "retired" and person.scheme == "employee") else "active"
    key = ("bands", person.scheme, status, level)
    bands, limit, ratio_article, limit_article, limit_text = rules.get(key) or rules.build(key, _build_bands)
    before = state.inpatient_eligible
    start = before + deductible
    end = before + eligible
    raw = ZERO
    if end > start:
        for lower, upper, ratio, label, ratio_text in bands:
            low = start if start > lower else lower
            high = end if end < upper else upper
            if high > low:
                portion = high - low
                product = portion * ratio
                raw += product
                shown = text if (text := str(portion))[-3:-2] == "." else yuan(portion)
                lines.append(
                    new_tuple(
                        Line,
                        (ratio_article, f"{label}{shown}{ratio_text}", product.quantize(CENT, ROUND_HALF_UP)),
                    )
                )
        above = end - (start if start > limit else limit)
        if above > ZERO:
            lines.append(new_tuple(Line, (limit_article, limit_text, above)))
    fund = raw.quantize(CENT, ROUND_HALF_UP)
    work.basic_fund_paid = fund
    lines.append(new_tuple(Line, (ratio_article, "基本医疗保险统筹基金支付", fund)))
    state.inpatient_eligible = end
    if fund:
        state.basic_fund_paid += fund


# --- 规程 §4 ------------------------------------------------------------------------------


def _gp_condition(person: PersonProfile, bill: Bill) -> bool:
    """杭州 art. 29(5), 40(3)(4): first visit at the contracted centre or referred by it; students: campus clinic."""
    if bill.kind == "pharmacy":
        return False
    if person.category == "student" and person.scheme == "resident":
        return bill.at_contracted_centre
    return person.contracted_gp and (bill.at_contracted_centre or bill.referred_by_contracted_centre)


def _build_outpatient(P, scheme, group, place_key, at_centre):
    """(annual deductible, its article, ratio, ratio article, text prefix, percent text) for one case."""
    if scheme == "employee":
        deductible_name, ratio_name = "outpatient.employee.deductible", "outpatient.employee.ratio"
        annual = cents(P[deductible_name][group])
        ratio_table = P[ratio_name][group]
    else:
        deductible_name, ratio_name = "outpatient.resident.deductible", "outpatient.resident.ratio"
        annual = cents(P[deductible_name])
        ratio_table = P[ratio_name][group]
    if place_key == "pharmacy":
        ratio = ratio_table[P["outpatient.pharmacy_level"]]
        place = "定点零售药店（按其他医疗机构比例）"
    else:
        ratio = ratio_table[place_key]
        place = LEVEL_NAMES[place_key]
        if at_centre:
            ratio = ratio + P["outpatient.gp_ratio_increase"]
            place += "，签约机构提高比例"
    return (
        annual,
        P.article(deductible_name),
        ratio,
        P.article(ratio_name),
        f"门诊统筹基金支付 {place} ",
        f" × {percent(ratio)}",
        f"门诊起付标准 {yuan(annual)} 元，本年度已付 ",
    )


def _build_gp(P):
    name = "outpatient.gp_deductible_reduction"
    reduction = cents(P[name])
    text = f"签约社区首诊或转诊（大学生：校内定点医疗机构），本年度门诊起付标准减免 {yuan(reduction)} 元（每年一次）"
    return reduction, P.article(name), text


def _outpatient(
    person: PersonProfile, bill: Bill, state: YearState, balances: Balances, work: Work, rules: _Rules
) -> None:
    """规程 §4: current funds first (employees), then the yearly deductible, then the ratio."""
    spf, eligible = work.spf, work.eligible
    lines = work.lines
    pharmacy = bill.kind == "pharmacy"
    if person.scheme == "employee":
        in_scope = spf + eligible
        current = balances.current_funds
        paid = current if current < in_scope else in_scope
        if paid > ZERO:
            work.current_funds_paid = paid
            lines.append(
                new_tuple(
                    Line,
                    (
                        rules.P.article(ART_CURRENT_FUNDS),
                        "个人账户当年资金支付（先自理、后合规费用），不计入起付标准",
                        paid,
                    ),
                )
            )
            if paid > spf:
                eligible -= paid - spf
        group = "retired" if (person.category == "retired" and person.scheme == "employee") else "active"
    else:
        group = person.category
    key = (
        "outpatient",
        person.scheme,
        group,
        "pharmacy" if pharmacy else bill.institution_level,
        bill.at_contracted_centre and not pharmacy,
    )
    annual, deductible_article, ratio, ratio_article, prefix, ratio_text, annual_text = rules.get(
        key
    ) or rules.build(key, _build_outpatient)
    if not state.gp_reduction and _gp_condition(person, bill):
        state.gp_reduction = True
        reduction, article, text = rules.get(("gp",)) or rules.build(("gp",), _build_gp)
        lines.append(new_tuple(Line, (article, text, reduction)))
    if state.gp_reduction:
        reduction = (rules.get(("gp",)) or rules.build(("gp",), _build_gp))[0]
        annual = annual - reduction if annual > reduction else ZERO
        annual_text = f"门诊起付标准 {yuan(annual)} 元，本年度已付 "
    paid_before = state.outpatient_deductible_paid
    owed = annual - paid_before
    deductible = (owed if owed < eligible else eligible) if owed > ZERO else ZERO
    if eligible > ZERO or deductible:
        shown = text if (text := str(paid_before))[-3:-2] == "." else yuan(paid_before)
        lines.append(new_tuple(Line, (deductible_article, f"{annual_text}{shown} 元", deductible)))
    if deductible is not ZERO:
        state.outpatient_deductible_paid = paid_before + deductible
        work.deductible = deductible
        base = eligible - deductible
    else:
        base = eligible
    if base > ZERO:
        fund = (base * ratio).quantize(CENT, ROUND_HALF_UP)
        shown = text if (text := str(base))[-3:-2] == "." else yuan(base)
        lines.append(new_tuple(Line, (ratio_article, f"{prefix}{shown}{ratio_text}", fund)))
        work.basic_fund_paid = fund
        state.basic_fund_paid += fund


# --- 规程 §6 ------------------------------------------------------------------------------


def _build_catastrophic(P, group, ratio_group):
    deductible = cents(P["catastrophic.deductible"][group])
    uppers = [cents(u) for u in P["catastrophic.band_uppers"]]
    ratios = P["catastrophic.ratio"][ratio_group]
    bands = []
    for index, lower in enumerate([deductible, *uppers]):
        upper = uppers[index] if index < len(uppers) else None
        top = f"{yuan(upper)} 元" if upper is not None else "以上"
        label = f"大病保险 累计合规费用 {yuan(lower)} 至 {top}段 "
        bands.append((lower, upper, ratios[index], label, f" × {percent(ratios[index])}"))
    cap = cents(P["catastrophic.annual_cap"])
    return (
        deductible,
        tuple(bands),
        P.article("catastrophic.ratio"),
        cap,
        P.article("catastrophic.annual_cap"),
        f"大病保险年度最高支付限额 {yuan(cap)} 元，本次以余额为限",
        P.article("catastrophic.deductible"),
        f"大病保险支付（起付标准 {yuan(deductible)} 元）",
    )


def _catastrophic(person: PersonProfile, state: YearState, work: Work, rules: _Rules) -> None:
    """规程 §6: bands on the year's cumulative qualifying amount, deductible by group, annual cap."""
    qualifying = work.qualifying
    lines = work.lines
    lines.append(
        new_tuple(
            Line,
            (
                rules.P.article(ART_CATASTROPHIC_SCOPE),
                "大病保险合规费用（住院和规定病种自付及限额以上部分、特殊药品）",
                qualifying,
            ),
        )
    )
    if person.certificate:
        key = ("catastrophic", "certificate", "certificate")
    elif person.category == "retired" and person.scheme == "employee":
        key = ("catastrophic", "retired", person.scheme)
    else:
        key = ("catastrophic", "other", person.scheme)
    deductible, bands, ratio_article, cap, cap_article, cap_text, deductible_article, paid_text = rules.get(
        key
    ) or rules.build(key, _build_catastrophic)
    start = state.catastrophic_qualifying
    end = start + qualifying
    state.catastrophic_qualifying = end
    if end <= deductible:
        return
    raw = ZERO
    for lower, upper, ratio, label, ratio_text in bands:
        low = start if start > lower else lower
        high = end if upper is None or end < upper else upper
        if high > low:
            portion = high - low
            product = portion * ratio
            raw += product
            shown = text if (text := str(portion))[-3:-2] == "." else yuan(portion)
            lines.append(
                new_tuple(
                    Line,
                    (ratio_article, f"{label}{shown}{ratio_text}", product.quantize(CENT, ROUND_HALF_UP)),
                )
            )
    amount = raw.quantize(CENT, ROUND_HALF_UP)
    room = cap - state.catastrophic_paid
    if amount > room:
        amount = room if room > ZERO else ZERO
        lines.append(new_tuple(Line, (cap_article, cap_text, amount)))
    lines.append(new_tuple(Line, (deductible_article, paid_text, amount)))
    work.catastrophic_paid = amount
    state.catastrophic_paid += amount


# --- 规程 §7 ------------------------------------------------------------------------------


def _build_assistance(P, certificate, inpatient):
    ratio = P["assistance.ratio"][certificate]["inpatient" if inpatient else "outpatient"]
    cap = None
    if not inpatient:
        caps = P["assistance.outpatient_annual_cap"]
        if certificate in caps:
            cap = cents(caps[certificate])
    cap_text = f"，普通门诊年度救助限额 {yuan(cap)} 元，以余额为限" if cap is not None else ""
    return (
        ratio,
        cap,
        P.article("assistance.ratio"),
        f"医疗救助（{CERTIFICATE_NAMES[certificate]}）",
        percent(ratio),
        cap_text,
    )


def _assistance(person: PersonProfile, bill: Bill, state: YearState, work: Work, rules: _Rules) -> None:
    """规程 §7: by certificate valid on the bill date, on what is left of the in-scope amount."""
    # the components a rule left at the shared ZERO are not subtracted (same value, fewer operations)
    rest = work.spf + work.eligible
    if bill.special_drug:
        rest += bill.special_drug
    if (paid := work.current_funds_paid) is not ZERO:
        rest -= paid
    if (paid := work.basic_fund_paid) is not ZERO:
        rest -= paid
    if (paid := work.catastrophic_paid) is not ZERO:
        rest -= paid
    if rest <= ZERO:
        return
    inpatient = bill.kind in INPATIENT_KINDS
    key = ("assistance", person.certificate, inpatient)
    ratio, cap, article, prefix, ratio_text, cap_text = rules.get(key) or rules.build(key, _build_assistance)
    amount = (rest * ratio).quantize(CENT, ROUND_HALF_UP)
    shown = text if (text := str(rest))[-3:-2] == "." else yuan(rest)
    text = f"{prefix}{shown} × {ratio_text}"
    if not inpatient:
        if cap is not None:
            room = cap - state.assistance_outpatient_paid
            if room < ZERO:
                room = ZERO
            if amount > room:
                amount = room
                text += cap_text
        state.assistance_outpatient_paid += amount
    work.lines.append(new_tuple(Line, (article, text, amount)))
    work.assistance_paid = amount
    state.assistance_paid += amount


# --- 规程 §8 ------------------------------------------------------------------------------


def _personal_share(person: PersonProfile, balances: Balances, work: Work, rules: _Rules) -> None:
    """规程 §8: historical funds pay the personal share unless the person opted out; cash the rest."""
    # the bill's total less what the funds paid; components left at the shared ZERO are not subtracted
    personal = work.total
    if (paid := work.current_funds_paid) is not ZERO:
        personal -= paid
    if (paid := work.basic_fund_paid) is not ZERO:
        personal -= paid
    if (paid := work.catastrophic_paid) is not ZERO:
        personal -= paid
    if (paid := work.assistance_paid) is not ZERO:
        personal -= paid
    lines = work.lines
    available = balances.historical_funds
    if person.use_historical_funds and available > ZERO and personal > ZERO:
        historical = available if available < personal else personal
        lines.append(
            new_tuple(
                Line,
                (
                    rules.P.article(ART_HISTORICAL_FUNDS),
                    "个人账户历年资金支付个人负担部分（自费、自理、自付）",
                    historical,
                ),
            )
        )
        work.historical_funds_paid = historical
        personal -= historical
    work.cash_paid = personal
    lines.append(new_tuple(Line, (rules.P.article(ART_CASH), "个人现金支付", personal)))
