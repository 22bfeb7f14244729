"""Zhoushan (舟山市医疗保障办法 2022): the same shape, its own structure (art. 23–25, 32–43).

Institution levels map onto the request's keys: community = 二级以下/非营利性基层,
other = 二级及相应 (for outpatient also 其他二级以下), level3 = 三级及相应. Every bill
not settled as `local` is out of the city (市外).
"""

from __future__ import annotations

from decimal import Decimal

from policy.assistance import group_of
from policy.money import ZERO, round_yuan

from .common import UsedParameters, Work, percent, yuan
from .types import INPATIENT_KINDS, Balances, Bill, PersonProfile, YearState

ART_SPECIFIED_EMPLOYEE = "舟山 第二十五条"
ART_SPECIFIED_RESIDENT = "舟山 第三十四条"
ART_RECIPIENT = "舟山 第四十三条"
ART_CATASTROPHIC_SCOPE = "舟山 第三十八条"
ART_ACCOUNT = "舟山 第二十一条"
ART_CASH = "规程 §8"
ART_PRESCRIPTION_EMPLOYEE = "舟山 第二十三条第(四)项"
ART_PRESCRIPTION_RESIDENT = "舟山 第三十二条第(四)项"
RESIDENT_CHRONIC_PLACES = {
    "primary": "市内公立基层医疗机构慢性病门诊",
    "primary_tuberculosis": "市内公立基层医疗机构慢性病门诊（肺结核）",
    "level2_hypertension_diabetes": "市内二级医疗机构高血压、糖尿病（无并发症）门诊",
}
ZS_LEVEL_NAMES = {
    "level3": "三级及相应医疗机构",
    "other": "二级及相应医疗机构",
    "community": "二级以下（基层）医疗机构",
}


def settle(
    person: PersonProfile, bill: Bill, state: YearState, balances: Balances, P: UsedParameters
) -> Work:
    work = Work(bill)
    out_of_city = bill.settlement != "local"
    recipient = person.certificate is not None
    if bill.kind in INPATIENT_KINDS:
        _inpatient(person, bill, state, work, P, out_of_city, recipient)
    else:
        _outpatient(person, bill, state, work, P, out_of_city)
    if person.scheme == "resident":
        _resident_limit(state, work, P)
    state.basic_fund_paid += work.basic_fund_paid
    # 舟山 art. 38: the in-catalogue personal burden of every bill, plus special drugs
    work.qualifying = work.spf + work.eligible - work.basic_fund_paid + bill.special_drug
    _catastrophic(state, work, P, recipient)
    _assistance(person, bill, state, work, P)
    _personal_share(person, bill, balances, work)
    return work


def _ratio_line(work: Work, article: str, place: str, base: Decimal, ratio: Decimal) -> Decimal:
    fund = round_yuan(base * ratio) if base > 0 else ZERO
    if base > 0:
        work.line(article, f"统筹基金支付 {place} {yuan(base)} × {percent(ratio)}", fund)
    return fund


def _outpatient(person, bill, state, work, P, out_of_city) -> None:
    eligible = work.eligible
    pharmacy = bill.kind == "pharmacy"
    # art. 23(4), 32(4): on an in-city institution's e-prescription, a pharmacy pays at that institution's ratio
    prescribed = bill.prescribed_at if pharmacy and not out_of_city else None
    # art. 23(2), 32(2): chronic-disease visits in the city
    chronic = bill.chronic_disease if not pharmacy and not out_of_city else None
    if person.scheme == "employee":
        status = "retired" if person.is_retired else "active"
        name = "outpatient.employee.deductible"
        annual = Decimal(P[name][status])
        owed = annual - state.outpatient_deductible_paid
        deductible = min(owed, eligible) if owed > 0 else ZERO
        work.line(
            P.article(name),
            f"门诊统筹基金年度起付标准 {yuan(annual)} 元，本年度已付 {yuan(state.outpatient_deductible_paid)} 元",
            deductible,
        )
        state.outpatient_deductible_paid += deductible
        work.deductible = deductible
        if prescribed:
            level = prescribed
            place = f"定点药店（凭{ZS_LEVEL_NAMES[level]}电子外配处方）"
            work.line(ART_PRESCRIPTION_EMPLOYEE, _prescription_text(level), ZERO)
        else:
            level = "level3" if pharmacy else bill.institution_level  # art. 23(2): 定点药店 with level 3
            place = "定点药店" if pharmacy else ZS_LEVEL_NAMES[level]
        ratio_name = "outpatient.employee.ratio"
        ratio = P[ratio_name][level]
        if person.is_retired:
            ratio += P["outpatient.employee.retiree_increase"]
            place += "，退休增加"
        if out_of_city:
            ratio -= P["outpatient.employee.out_of_city_decrease"]
            place += "，市外下降"
        elif bill.at_contracted_centre and not pharmacy:
            ratio += P["outpatient.employee.family_doctor_increase"]
            place += "，家庭医生签约机构提高"
        if chronic and level == "community":
            # art. 23(2) last sentence: chronic-disease visits at in-city non-profit primary institutions
            ratio += P["outpatient.employee.chronic_primary_increase"]
            place += "，基层慢性病门诊增加"
        ratio_article = P.article(ratio_name)
    else:
        ratio_name = "outpatient.resident.ratio"
        ratio_article = P.article(ratio_name)
        table = P[ratio_name]
        case = _resident_chronic_case(chronic, bill.institution_level)
        if out_of_city:
            ratio, place = table["out_of_city"], "市外"
        elif case is not None:
            chronic_name = "outpatient.resident.chronic_ratio"
            ratio, place = P[chronic_name][case], RESIDENT_CHRONIC_PLACES[case]
            ratio_article = P.article(chronic_name)
        elif prescribed == "community":
            ratio, place = table["community"], "定点药店（凭市内公立基层医疗机构电子外配处方）"
        elif bill.institution_level == "community" and not pharmacy:
            ratio, place = table["community"], "市内公立基层医疗机构"
        else:
            ratio, place = table["other"], "其他定点医药机构"
        if prescribed:
            work.line(ART_PRESCRIPTION_RESIDENT, _prescription_text(prescribed), ZERO)
        # art. 32(3): the family-doctor contract (for students the flag means a campus clinic, not a contract)
        if not out_of_city and bill.at_contracted_centre and person.contracted_gp and not pharmacy:
            ratio += P["outpatient.resident.family_doctor_increase"]
            place += "，家庭医生签约机构提高"
        deductible = ZERO
    work.basic_fund_paid = _ratio_line(work, ratio_article, place, eligible - deductible, ratio)


def _prescription_text(level: str) -> str:
    return f"凭市内{ZS_LEVEL_NAMES[level]}电子外配处方在定点零售药店购药，支付比例与出具外配处方的定点医疗机构一致"


def _resident_chronic_case(chronic: str | None, level: str) -> str | None:
    """舟山 art. 32(2): which chronic ratio applies, or None (an ordinary outpatient ratio of art. 32(1)).

    At an in-city public primary institution (community) every chronic disease, tuberculosis at its own
    ratio; at an in-city level-2 institution (other) only hypertension or diabetes without complications.
    """
    if chronic is None:
        return None
    if level == "community":
        return "primary_tuberculosis" if chronic == "tuberculosis" else "primary"
    if level == "other" and chronic == "hypertension_diabetes":
        return "level2_hypertension_diabetes"
    return None


def _inpatient(person, bill, state, work, P, out_of_city, recipient) -> None:
    eligible = work.eligible
    scheme = person.scheme
    level = bill.institution_level
    # art. 43: assistance recipients count one deductible in and out of the city, at local ratios
    local_rules = recipient and out_of_city
    off_city = out_of_city and not recipient
    if bill.kind == "specified_disease":
        deductible = ZERO
        work.line(
            ART_SPECIFIED_EMPLOYEE if scheme == "employee" else ART_SPECIFIED_RESIDENT,
            "特殊病门诊按三级医疗机构住院支付比例，不设年度起付标准",
            ZERO,
        )
        level = "level3"
    elif off_city:
        name = f"inpatient.{scheme}.out_of_city_deductible"
        amount = Decimal(P[name])
        owed = amount - state.offsite_deductible_paid
        deductible = min(owed, eligible) if owed > 0 else ZERO
        work.line(P.article(name), f"市外住院起付标准 {yuan(amount)} 元（年度只计一次）", deductible)
        state.offsite_deductible_paid += deductible
    else:
        name = f"inpatient.{scheme}.deductible"
        table = P[name]
        highest = state.inpatient_highest_level
        if highest is None or table[level] > table[highest]:
            highest = level
        owed = Decimal(table[highest]) - state.inpatient_deductible_paid
        deductible = min(owed, eligible) if owed > 0 else ZERO
        text = f"住院起付标准 {ZS_LEVEL_NAMES[highest]} {table[highest]} 元"
        if state.inpatient_deductible_paid:
            text += f"，本年度已付 {yuan(state.inpatient_deductible_paid)} 元，按最高等级补差"
        work.line(ART_RECIPIENT if local_rules else P.article(name), text, deductible)
        state.inpatient_highest_level = highest
        state.inpatient_deductible_paid += deductible
    work.deductible = deductible

    if scheme == "employee":
        ratio_name = "inpatient.employee.ratio"
        ratio = P[ratio_name][level]
        place = ZS_LEVEL_NAMES[level]
        if person.is_retired:
            ratio += P["inpatient.employee.retiree_increase"]
            place += "，退休增加"
        if off_city:
            ratio -= P["inpatient.employee.out_of_city_decrease"]
            place += "，市外下降"
    else:
        ratio_name = "inpatient.resident.ratio"
        if bill.kind == "specified_disease":
            ratio, place = P[ratio_name]["adult"]["level3"], "成年人市内三级医疗机构比例"
        else:
            group = "minor" if person.category in ("child", "student") else "adult"
            key = "out_of_city" if off_city else level
            ratio = P[ratio_name][group][key]
            place = ("未成年人和大学生 " if group == "minor" else "成年人 ") + (
                "市外" if off_city else ZS_LEVEL_NAMES[level]
            )
    if local_rules:
        place += "（医疗救助对象市外按市内比例）"
    state.inpatient_eligible += eligible
    work.basic_fund_paid = _ratio_line(work, P.article(ratio_name), place, eligible - deductible, ratio)


def _resident_limit(state: YearState, work: Work, P: UsedParameters) -> None:
    """舟山 art. 35: the resident fund pays at most N × last year's per-capita disposable income a year."""
    if work.basic_fund_paid <= 0:
        return
    name = "inpatient.resident.annual_limit_multiple"
    limit = round_yuan(Decimal(P[name]) * Decimal(P["resident.per_capita_disposable_income"]))
    room = max(ZERO, limit - state.basic_fund_paid)
    if work.basic_fund_paid > room:
        work.basic_fund_paid = room
        work.line(P.article(name), f"城乡居民医保基金年度最高支付限额 {yuan(limit)} 元，本次以余额为限", room)


def _catastrophic(state: YearState, work: Work, P: UsedParameters, recipient: bool) -> None:
    """舟山 art. 38: one band above the deductible on the year's cumulative qualifying amount."""
    qualifying = work.qualifying
    if qualifying <= 0:
        return
    work.line(ART_CATASTROPHIC_SCOPE, "大病保险合规费用（目录内个人负担部分及特殊药品）", qualifying)
    group = "assistance_recipient" if recipient else "standard"
    deductible = Decimal(P["catastrophic.deductible"][group])
    ratio = P["catastrophic.ratio"][group]
    start = state.catastrophic_qualifying
    end = start + qualifying
    state.catastrophic_qualifying = end
    base = end - max(start, deductible)
    if base <= 0:
        return
    amount = round_yuan(base * ratio)
    who = "医疗救助对象" if recipient else ""
    work.line(
        P.article("catastrophic.ratio"),
        f"大病保险 {who}起付标准 {yuan(deductible)} 元以上 {yuan(base)} × {percent(ratio)}",
        amount,
    )
    work.catastrophic_paid = amount
    state.catastrophic_paid += amount


def _assistance(person, bill, state, work, P) -> None:
    """舟山 art. 42: the personal burden within catastrophic scope after basic and catastrophic, capped yearly."""
    certificate = person.certificate
    if not certificate:
        return
    rest = work.spf + work.eligible + bill.special_drug - work.basic_fund_paid - work.catastrophic_paid
    if rest <= 0:
        return
    group = group_of("zhoushan", certificate)  # 舟山 art. 41(4): the other hardship kinds share a ratio
    ratio = P["assistance.ratio"][group]
    amount = round_yuan(rest * ratio)
    text = f"医疗救助 {yuan(rest)} × {percent(ratio)}"
    cap = Decimal(P["assistance.annual_cap"])
    room = max(ZERO, cap - state.assistance_paid)
    if amount > room:
        amount = room
        text += f"，年度救助限额 {yuan(cap)} 元（门诊住院共用），以余额为限"
    work.line(P.article("assistance.ratio"), text, amount)
    work.assistance_paid = amount
    state.assistance_paid += amount
    if bill.kind not in INPATIENT_KINDS:
        state.assistance_outpatient_paid += amount


def _personal_share(person, bill, balances, work) -> None:
    """舟山 art. 21: the personal account (current, then historical funds) pays the personal burden; cash the rest."""
    personal = work.total - work.basic_fund_paid - work.catastrophic_paid - work.assistance_paid
    current = ZERO
    if person.scheme == "employee" and balances.current_funds > 0 and personal > 0:
        current = min(balances.current_funds, personal)
        work.line(ART_ACCOUNT, "个人账户当年资金支付个人负担部分", current)
    work.current_funds_paid = current
    personal -= current
    historical = ZERO
    if person.use_historical_funds and balances.historical_funds > 0 and personal > 0:
        historical = min(balances.historical_funds, personal)
        work.line(ART_ACCOUNT, "个人账户历年资金支付个人负担部分", historical)
    work.historical_funds_paid = historical
    work.cash_paid = personal - historical
    work.line(ART_CASH, "个人现金支付", work.cash_paid)
