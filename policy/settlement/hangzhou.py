"""Hangzhou (杭州市基本医疗保障办法 2021): settlement-rules.md §3–§8 as arithmetic."""

from __future__ import annotations

from decimal import Decimal

from policy.money import ZERO, round_yuan

from .common import LEVEL_NAMES, UsedParameters, Work, band_payment, banded, percent, yuan
from .types import INPATIENT_KINDS, Balances, Bill, PersonProfile, YearState

ART_DEDUCTIBLE = {"employee": "杭州 第二十八条第(一)项", "resident": "杭州 第三十九条第(一)项"}
ART_SPECIFIED = "杭州 第三十九条、第七十条（规程 §3.2）"
ART_CATASTROPHIC_SCOPE = "杭州 第四十二条"
ART_CURRENT_FUNDS = "杭州 第二十四条（规程 §4.1）"
ART_HISTORICAL_FUNDS = "杭州 第二十五条（规程 §8）"
ART_CASH = "规程 §8"
OFFSITE_NAMES = {
    "reimbursed_in_province": "省内异地就医未直接结算",
    "reimbursed_out_of_province": "省外就医",
    "non_designated_in_referral_area": "转诊地非定点医疗机构就医",
    "abroad_temporary": "回国临时就医（未撤销备案）",
    "unfiled_self_referral": "未备案自行外出就医",
}
CERTIFICATE_NAMES = {
    "extreme_poverty": "特困人员救助供养证",
    "minimum_living": "最低生活保障家庭证",
    "low_income_edge": "最低生活保障边缘家庭证",
    "disability_living": "残疾人基本生活保障证",
    "disability_grade2": "二级及以上残疾人证",
}


def settle(
    person: PersonProfile, bill: Bill, state: YearState, balances: Balances, P: UsedParameters
) -> Work:
    work = Work(spf=bill.self_pay_first, eligible=bill.eligible)
    _offsite_share(bill, work, P)
    if bill.kind in INPATIENT_KINDS:
        _inpatient(person, bill, state, work, P)
        # 杭州 art. 42(1)(2): co-pay under the limit and eligible above it
        work.qualifying = work.eligible - work.basic_fund_paid
    else:
        _outpatient(person, bill, state, balances, work, P)
    if bill.special_drug:
        work.qualifying += bill.special_drug  # 杭州 art. 42(3)(4)
    _catastrophic(person, state, work, P)
    _assistance(person, bill, state, work, P)
    _personal_share(person, bill, balances, work)
    return work


def _offsite_share(bill: Bill, work: Work, P: UsedParameters) -> None:
    """规程 §5: the share borne first moves from eligible to self_pay_first before any other rule."""
    kind = bill.settlement
    if kind == "local" or kind == "direct_offsite":
        return
    if kind == "unfiled_self_referral":
        name = "offsite.unfiled_self_referral_share"
        ratio = P[name]
    else:
        name = "offsite.self_pay_share"
        ratio = P[name][kind]
    share = round_yuan(work.eligible * ratio)
    work.eligible -= share
    work.spf += share
    work.line(P.article(name), f"{OFFSITE_NAMES[kind]}：合规费用的 {percent(ratio)} 先行自理", share)


def _inpatient(person: PersonProfile, bill: Bill, state: YearState, work: Work, P: UsedParameters) -> None:
    """规程 §3: one deductible a year at the highest level (补差), bands on the year's cumulative eligible."""
    level = bill.institution_level
    eligible = work.eligible
    if bill.kind == "inpatient":
        name = "inpatient.deductible"
        table = P[name]
        article = ART_DEDUCTIBLE[person.scheme]
        highest = state.inpatient_highest_level
        if highest is None or table[level] > table[highest]:
            highest = level
        owed = Decimal(table[highest]) - state.inpatient_deductible_paid
        deductible = min(owed, eligible) if owed > 0 else ZERO
        text = f"住院起付标准 {LEVEL_NAMES[highest]} {table[highest]} 元"
        if state.inpatient_deductible_paid:
            text += f"，本年度已付 {yuan(state.inpatient_deductible_paid)} 元，按最高等级补差"
        work.line(article, text, deductible)
        state.inpatient_highest_level = highest
        state.inpatient_deductible_paid += deductible
    else:
        deductible = ZERO
        work.line(ART_SPECIFIED, "规定病种门诊按住院结算，不设起付标准", ZERO)
    work.deductible = deductible

    start = state.inpatient_eligible + deductible
    end = state.inpatient_eligible + eligible
    if person.scheme == "employee":
        status = "retired" if person.is_retired else "active"
        ratio_name = "inpatient.employee.ratio"
        ratios = P[ratio_name]
        limit = Decimal(P["inpatient.employee.annual_limit"])
        upper1 = Decimal(P["inpatient.employee.band1_upper"])
        bands = (
            (ZERO, upper1, ratios["band1"][status][level]),
            (upper1, limit, ratios["band2"][status][level]),
        )
        limit_name = "inpatient.employee.annual_limit"
    else:
        ratio_name = "inpatient.resident.ratio"
        limit_name = "inpatient.resident.annual_limit"
        limit = Decimal(P[limit_name])
        bands = ((ZERO, limit, P[ratio_name][level]),)

    def label(lower, upper):
        start_text = "起付标准以上" if lower == 0 else f" {yuan(lower)} "
        return f"统筹基金 {LEVEL_NAMES[level]} 累计合规费用{start_text}至 {yuan(upper)} 元段"

    pieces = banded(start, end, bands)
    fund = band_payment(work, P.article(ratio_name), pieces, label)
    above = end - max(start, limit)
    if above > 0:
        work.line(
            P.article(limit_name),
            f"超过年度最高限额 {yuan(limit)} 元的合规费用，统筹基金不予支付（纳入大病保险）",
            above,
        )
    work.basic_fund_paid = fund
    work.line(P.article(ratio_name), "基本医疗保险统筹基金支付", fund)
    state.inpatient_eligible = end
    state.basic_fund_paid += fund


def _gp_condition(person: PersonProfile, bill: Bill) -> bool:
    """杭州 art. 29(5), 40(3)(4): first visit at the contracted centre or referred by it; students: campus clinic."""
    if bill.kind == "pharmacy":
        return False
    if person.is_student:
        return bill.at_contracted_centre
    return person.contracted_gp and (bill.at_contracted_centre or bill.referred_by_contracted_centre)


def _outpatient(
    person: PersonProfile, bill: Bill, state: YearState, balances: Balances, work: Work, P: UsedParameters
) -> None:
    """规程 §4: current funds first (employees), then the yearly deductible, then the ratio."""
    spf, eligible = work.spf, work.eligible
    if person.scheme == "employee":
        in_scope = spf + eligible
        paid = min(balances.current_funds, in_scope)
        if paid > 0:
            work.current_funds_paid = paid
            work.line(ART_CURRENT_FUNDS, "个人账户当年资金支付（先自理、后合规费用），不计入起付标准", paid)
            eligible -= max(ZERO, paid - spf)
        status = "retired" if person.is_retired else "active"
        deductible_name = "outpatient.employee.deductible"
        annual = Decimal(P[deductible_name][status])
        ratio_name = "outpatient.employee.ratio"
        ratio_table = P[ratio_name][status]
    else:
        deductible_name = "outpatient.resident.deductible"
        annual = Decimal(P[deductible_name])
        ratio_name = "outpatient.resident.ratio"
        ratio_table = P[ratio_name][person.category]

    if not state.gp_reduction and _gp_condition(person, bill):
        state.gp_reduction = True
        reduction = Decimal(P["outpatient.gp_deductible_reduction"])
        work.line(
            P.article("outpatient.gp_deductible_reduction"),
            f"签约社区首诊或转诊（大学生：校内定点医疗机构），本年度门诊起付标准减免 {yuan(reduction)} 元（每年一次）",
            reduction,
        )
    if state.gp_reduction:
        annual = max(ZERO, annual - Decimal(P["outpatient.gp_deductible_reduction"]))
    owed = annual - state.outpatient_deductible_paid
    deductible = min(owed, eligible) if owed > 0 else ZERO
    if eligible > 0 or deductible:
        work.line(
            P.article(deductible_name),
            f"门诊起付标准 {yuan(annual)} 元，本年度已付 {yuan(state.outpatient_deductible_paid)} 元",
            deductible,
        )
    state.outpatient_deductible_paid += deductible
    work.deductible = deductible

    if bill.kind == "pharmacy":
        level = P["outpatient.pharmacy_level"]
        place = "定点零售药店（按其他医疗机构比例）"
    else:
        level = bill.institution_level
        place = LEVEL_NAMES[level]
    ratio = ratio_table[level]
    if bill.at_contracted_centre and bill.kind != "pharmacy":
        ratio = ratio + P["outpatient.gp_ratio_increase"]
        place += "，签约机构提高比例"
    base = eligible - deductible
    fund = round_yuan(base * ratio) if base > 0 else ZERO
    if base > 0:
        work.line(P.article(ratio_name), f"门诊统筹基金支付 {place} {yuan(base)} × {percent(ratio)}", fund)
    work.basic_fund_paid = fund
    state.basic_fund_paid += fund


def _catastrophic(person: PersonProfile, state: YearState, work: Work, P: UsedParameters) -> None:
    """规程 §6: bands on the year's cumulative qualifying amount, deductible by group, annual cap."""
    qualifying = work.qualifying
    if qualifying <= 0:
        return
    work.line(
        ART_CATASTROPHIC_SCOPE, "大病保险合规费用（住院和规定病种自付及限额以上部分、特殊药品）", qualifying
    )
    if person.certificate:
        group, ratio_group = "certificate", "certificate"
    elif person.is_retired:
        group, ratio_group = "retired", person.scheme
    else:
        group, ratio_group = "other", person.scheme
    deductible = Decimal(P["catastrophic.deductible"][group])
    start = state.catastrophic_qualifying
    end = start + qualifying
    state.catastrophic_qualifying = end
    if end <= deductible:
        return
    uppers = P["catastrophic.band_uppers"]
    ratios = P["catastrophic.ratio"][ratio_group]
    lowers = [deductible] + [Decimal(u) for u in uppers]
    bands = []
    for index, lower in enumerate(lowers):
        upper = Decimal(uppers[index]) if index < len(uppers) else None
        bands.append((lower, upper, ratios[index]))

    def label(lower, upper):
        top = f"{yuan(upper)} 元" if upper is not None else "以上"
        return f"大病保险 累计合规费用 {yuan(lower)} 至 {top}段"

    amount = band_payment(work, P.article("catastrophic.ratio"), banded(start, end, bands), label)
    cap = Decimal(P["catastrophic.annual_cap"])
    room = cap - state.catastrophic_paid
    if amount > room:
        amount = max(ZERO, room)
        work.line(
            P.article("catastrophic.annual_cap"),
            f"大病保险年度最高支付限额 {yuan(cap)} 元，本次以余额为限",
            amount,
        )
    work.line(P.article("catastrophic.deductible"), f"大病保险支付（起付标准 {yuan(deductible)} 元）", amount)
    work.catastrophic_paid = amount
    state.catastrophic_paid += amount


def _assistance(person: PersonProfile, bill: Bill, state: YearState, work: Work, P: UsedParameters) -> None:
    """规程 §7: by certificate valid on the bill date, on what is left of the in-scope amount."""
    certificate = person.certificate
    if not certificate:
        return
    rest = (
        work.spf
        + work.eligible
        + bill.special_drug
        - work.current_funds_paid
        - work.basic_fund_paid
        - work.catastrophic_paid
    )
    if rest <= 0:
        return
    inpatient = bill.kind in INPATIENT_KINDS
    ratio = P["assistance.ratio"][certificate]["inpatient" if inpatient else "outpatient"]
    amount = round_yuan(rest * ratio)
    text = f"医疗救助（{CERTIFICATE_NAMES[certificate]}）{yuan(rest)} × {percent(ratio)}"
    if not inpatient:
        caps = P["assistance.outpatient_annual_cap"]
        if certificate in caps:
            cap = Decimal(caps[certificate])
            room = max(ZERO, cap - state.assistance_outpatient_paid)
            if amount > room:
                amount = room
                text += f"，普通门诊年度救助限额 {yuan(cap)} 元，以余额为限"
        state.assistance_outpatient_paid += amount
    work.line(P.article("assistance.ratio"), text, amount)
    work.assistance_paid = amount
    state.assistance_paid += amount


def _personal_share(person: PersonProfile, bill: Bill, balances: Balances, work: Work) -> None:
    """规程 §8: historical funds pay the personal share unless the person opted out; cash the rest."""
    personal = (
        bill.total
        - work.current_funds_paid
        - work.basic_fund_paid
        - work.catastrophic_paid
        - work.assistance_paid
    )
    historical = ZERO
    if person.use_historical_funds and balances.historical_funds > 0 and personal > 0:
        historical = min(balances.historical_funds, personal)
        work.line(ART_HISTORICAL_FUNDS, "个人账户历年资金支付个人负担部分（自费、自理、自付）", historical)
    work.historical_funds_paid = historical
    work.cash_paid = personal - historical
    work.line(ART_CASH, "个人现金支付", work.cash_paid)
