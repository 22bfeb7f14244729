"""Zhoushan (舟山市医疗保障办法 2022): the same shape, its own structure (art. 23–25, 32–43).

Institution levels map onto the request's keys: community = 二级以下/非营利性基层,
other = 二级及相应 (for outpatient also 其他二级以下), level3 = 三级及相应. Every bill
not settled as `local` is out of the city (市外).
"""

from __future__ import annotations

from decimal import Decimal

from policy.assistance import FULL, group_of, is_psychiatric
from policy.money import ZERO, round_yuan

from .common import Work, percent, yuan
from .types import INPATIENT_KINDS, Balances, Bill, PersonProfile, YearState

ART_SPECIFIED_EMPLOYEE = "舟山 第二十五条"
ART_SPECIFIED_RESIDENT = "舟山 第三十四条"
ART_RECIPIENT = "舟山 第四十三条"
ART_CATASTROPHIC_SCOPE = "舟山 第三十八条"
ART_ACCOUNT = "舟山 第二十一条"
ART_CASH = "settlement.cash"
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


def settle(person: PersonProfile, bill: Bill, state: YearState, balances: Balances, params) -> Work:
    """One bill through the rules, in order: the basic fund, art. 35, 38 (catastrophic), 42 (assistance), 21."""
    work = Work(bill)
    out_of_city = bill.settlement != "local"
    recipient = person.certificate is not None
    if bill.kind in INPATIENT_KINDS:
        inpatient(person, bill, state, work, params, out_of_city, recipient)
    else:
        outpatient(person, bill, state, work, params, out_of_city)
    if person.scheme == "resident":
        resident_annual_limit(state, work, params)
    state.basic_fund_paid += work.basic_fund_paid
    # 舟山 art. 38: the in-catalogue personal burden of every bill, plus special drugs
    work.qualifying = work.spf + work.eligible - work.basic_fund_paid + bill.special_drug
    catastrophic(state, work, params, recipient)
    assistance(person, bill, state, work, params)
    personal_share(person, bill, balances, work, params)
    return work


def fund_line(work: Work, article: str, place: str, base: Decimal, ratio: Decimal) -> Decimal:
    """The basic fund's ratio on `base`, with its line (none when nothing is above the deductible)."""
    fund = round_yuan(base * ratio) if base > 0 else ZERO
    if base > 0:
        work.line(article, f"统筹基金支付 {place} {yuan(base)} × {percent(ratio)}", fund)
    return fund


def outpatient(
    person: PersonProfile, bill: Bill, state: YearState, work: Work, params, out_of_city: bool
) -> None:
    """舟山 art. 23 (employees), 32 (residents): the fund pays a ratio of the eligible amount."""
    if person.scheme == "employee":
        deductible = outpatient_deductible_employee(person, state, work, params)
        article, ratio, place = outpatient_ratio_employee(person, bill, work, params, out_of_city)
    else:
        deductible = ZERO  # 舟山 art. 32: no outpatient deductible for residents
        article, ratio, place = outpatient_ratio_resident(person, bill, work, params, out_of_city)
    work.basic_fund_paid = fund_line(work, article, place, work.eligible - deductible, ratio)


def outpatient_deductible_employee(person: PersonProfile, state: YearState, work: Work, params) -> Decimal:
    """舟山 art. 23(1): the year's outpatient deductible, by active or retired."""
    name = "outpatient.employee.deductible"
    annual = Decimal(params[name]["retired" if person.is_retired else "active"])
    paid = state.outpatient_deductible_paid
    owed = annual - paid
    deductible = min(owed, work.eligible) if owed > 0 else ZERO
    work.line(
        params.article(name),
        f"门诊统筹基金年度起付标准 {yuan(annual)} 元，本年度已付 {yuan(paid)} 元",
        deductible,
    )
    state.outpatient_deductible_paid += deductible
    work.deductible = deductible
    return deductible


def outpatient_ratio_employee(
    person: PersonProfile, bill: Bill, work: Work, params, out_of_city: bool
) -> tuple[str, Decimal, str]:
    """舟山 art. 23(2)–(4): (article, ratio, where) for an employee's outpatient or pharmacy bill."""
    pharmacy = bill.kind == "pharmacy"
    # art. 23(4): on an in-city institution's e-prescription, a pharmacy pays at that institution's ratio
    prescribed = bill.prescribed_at if pharmacy and not out_of_city else None
    if prescribed:
        level = prescribed
        place = f"定点药店（凭{ZS_LEVEL_NAMES[level]}电子外配处方）"
        work.line(ART_PRESCRIPTION_EMPLOYEE, prescription_text(level), ZERO)
    else:
        level = "level3" if pharmacy else bill.institution_level  # art. 23(2): 定点药店 with level 3
        place = "定点药店" if pharmacy else ZS_LEVEL_NAMES[level]
    name = "outpatient.employee.ratio"
    ratio = params[name][level]
    if person.is_retired:
        ratio += params["outpatient.employee.retiree_increase"]
        place += "，退休增加"
    if out_of_city:
        ratio -= params["outpatient.employee.out_of_city_decrease"]
        place += "，市外下降"
    elif bill.at_contracted_centre and not pharmacy:
        ratio += params["outpatient.employee.family_doctor_increase"]
        place += "，家庭医生签约机构提高"
    # art. 23(2) last sentence: chronic-disease visits at in-city non-profit primary institutions
    chronic = bill.chronic_disease if not pharmacy and not out_of_city else None
    if chronic and level == "community":
        ratio += params["outpatient.employee.chronic_primary_increase"]
        place += "，基层慢性病门诊增加"
    return params.article(name), ratio, place


def outpatient_ratio_resident(
    person: PersonProfile, bill: Bill, work: Work, params, out_of_city: bool
) -> tuple[str, Decimal, str]:
    """舟山 art. 32(1)–(4): (article, ratio, where) for a resident's outpatient or pharmacy bill."""
    pharmacy = bill.kind == "pharmacy"
    prescribed = bill.prescribed_at if pharmacy and not out_of_city else None  # art. 32(4)
    chronic = bill.chronic_disease if not pharmacy and not out_of_city else None  # art. 32(2)
    name = "outpatient.resident.ratio"
    article = params.article(name)
    table = params[name]
    case = resident_chronic_case(chronic, bill.institution_level)
    if out_of_city:
        ratio, place = table["out_of_city"], "市外"
    elif case is not None:
        chronic_name = "outpatient.resident.chronic_ratio"
        ratio, place = params[chronic_name][case], RESIDENT_CHRONIC_PLACES[case]
        article = params.article(chronic_name)
    elif prescribed == "community":
        ratio, place = table["community"], "定点药店（凭市内公立基层医疗机构电子外配处方）"
    elif bill.institution_level == "community" and not pharmacy:
        ratio, place = table["community"], "市内公立基层医疗机构"
    else:
        ratio, place = table["other"], "其他定点医药机构"
    if prescribed:
        work.line(ART_PRESCRIPTION_RESIDENT, prescription_text(prescribed), ZERO)
    # art. 32(3): the family-doctor contract (for students the flag means a campus clinic, not a contract)
    if not out_of_city and bill.at_contracted_centre and person.contracted_gp and not pharmacy:
        ratio += params["outpatient.resident.family_doctor_increase"]
        place += "，家庭医生签约机构提高"
    return article, ratio, place


def prescription_text(level: str) -> str:
    return f"凭市内{ZS_LEVEL_NAMES[level]}电子外配处方在定点零售药店购药，支付比例与出具外配处方的定点医疗机构一致"


def resident_chronic_case(chronic: str | None, level: str) -> str | None:
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


def inpatient(
    person: PersonProfile,
    bill: Bill,
    state: YearState,
    work: Work,
    params,
    out_of_city: bool,
    recipient: bool,
) -> None:
    """舟山 art. 24 (employees), 33 (residents): the fund pays a ratio above the deductible.

    舟山 art. 43: assistance recipients count one deductible in and out of the city, at in-city ratios.
    """
    off_city = out_of_city and not recipient
    deductible = inpatient_deductible(person, bill, state, work, params, off_city, recipient and out_of_city)
    article, ratio, place = inpatient_ratio(person, bill, params, off_city)
    if recipient and out_of_city:
        place += "（医疗救助对象市外按市内比例）"
    state.inpatient_eligible += work.eligible
    work.basic_fund_paid = fund_line(work, article, place, work.eligible - deductible, ratio)


def inpatient_deductible(
    person: PersonProfile,
    bill: Bill,
    state: YearState,
    work: Work,
    params,
    off_city: bool,
    recipient_off_city: bool,
) -> Decimal:
    """舟山 art. 24(1), 33(1): one deductible a year at the highest level (topped up), the out-of-city one apart.

    舟山 art. 25, 34: specified diseases (特殊病门诊) have no deductible.
    """
    eligible = work.eligible
    scheme = person.scheme
    if bill.kind == "specified_disease":
        work.line(
            ART_SPECIFIED_EMPLOYEE if scheme == "employee" else ART_SPECIFIED_RESIDENT,
            "特殊病门诊按三级医疗机构住院支付比例，不设年度起付标准",
            ZERO,
        )
        deductible = ZERO
    elif off_city:
        name = f"inpatient.{scheme}.out_of_city_deductible"
        amount = Decimal(params[name])
        owed = amount - state.offsite_deductible_paid
        deductible = min(owed, eligible) if owed > 0 else ZERO
        work.line(params.article(name), f"市外住院起付标准 {yuan(amount)} 元（年度只计一次）", deductible)
        state.offsite_deductible_paid += deductible
    else:
        name = f"inpatient.{scheme}.deductible"
        table = params[name]
        level = bill.institution_level
        highest = state.inpatient_highest_level
        if highest is None or table[level] > table[highest]:
            highest = level
        owed = Decimal(table[highest]) - state.inpatient_deductible_paid
        deductible = min(owed, eligible) if owed > 0 else ZERO
        text = f"住院起付标准 {ZS_LEVEL_NAMES[highest]} {table[highest]} 元"
        if state.inpatient_deductible_paid:
            text += f"，本年度已付 {yuan(state.inpatient_deductible_paid)} 元，按最高等级补差"
        work.line(ART_RECIPIENT if recipient_off_city else params.article(name), text, deductible)
        state.inpatient_highest_level = highest
        state.inpatient_deductible_paid += deductible
    work.deductible = deductible
    return deductible


def inpatient_ratio(person: PersonProfile, bill: Bill, params, off_city: bool) -> tuple[str, Decimal, str]:
    """舟山 art. 24(2), 33(2): (article, ratio, where) by level; retirees up, out of the city down.

    Specified diseases at the in-city level-3 ratio (舟山 art. 25, 34; residents: the adults' one).
    """
    level = "level3" if bill.kind == "specified_disease" else bill.institution_level
    if person.scheme == "employee":
        name = "inpatient.employee.ratio"
        ratio = params[name][level]
        place = ZS_LEVEL_NAMES[level]
        if person.is_retired:
            ratio += params["inpatient.employee.retiree_increase"]
            place += "，退休增加"
        if off_city:
            ratio -= params["inpatient.employee.out_of_city_decrease"]
            place += "，市外下降"
        return params.article(name), ratio, place
    name = "inpatient.resident.ratio"
    if bill.kind == "specified_disease":
        return params.article(name), params[name]["adult"]["level3"], "成年人市内三级医疗机构比例"
    group = "minor" if person.category in ("child", "student") else "adult"
    ratio = params[name][group]["out_of_city" if off_city else level]
    place = ("未成年人和大学生 " if group == "minor" else "成年人 ") + (
        "市外" if off_city else ZS_LEVEL_NAMES[level]
    )
    return params.article(name), ratio, place


def resident_annual_limit(state: YearState, work: Work, params) -> None:
    """舟山 art. 35: the resident fund pays at most N × last year's per-capita disposable income a year."""
    if work.basic_fund_paid <= 0:
        return
    name = "inpatient.resident.annual_limit_multiple"
    limit = round_yuan(Decimal(params[name]) * Decimal(params["resident.per_capita_disposable_income"]))
    room = max(ZERO, limit - state.basic_fund_paid)
    if work.basic_fund_paid > room:
        work.basic_fund_paid = room
        work.line(
            params.article(name), f"城乡居民医保基金年度最高支付限额 {yuan(limit)} 元，本次以余额为限", room
        )


def catastrophic(state: YearState, work: Work, params, recipient: bool) -> None:
    """舟山 art. 38: one band above the deductible on the year's cumulative qualifying amount."""
    qualifying = work.qualifying
    if qualifying <= 0:
        return
    work.line(ART_CATASTROPHIC_SCOPE, "大病保险合规费用（目录内个人负担部分及特殊药品）", qualifying)
    group = "assistance_recipient" if recipient else "standard"
    deductible = Decimal(params["catastrophic.deductible"][group])
    ratio = params["catastrophic.ratio"][group]
    start = state.catastrophic_qualifying
    end = start + qualifying
    state.catastrophic_qualifying = end
    base = end - max(start, deductible)
    if base <= 0:
        return
    amount = round_yuan(base * ratio)
    who = "医疗救助对象" if recipient else ""
    work.line(
        params.article("catastrophic.ratio"),
        f"大病保险 {who}起付标准 {yuan(deductible)} 元以上 {yuan(base)} × {percent(ratio)}",
        amount,
    )
    work.catastrophic_paid = amount
    state.catastrophic_paid += amount


def assistance(person: PersonProfile, bill: Bill, state: YearState, work: Work, params) -> None:
    """舟山 art. 42: the personal burden within catastrophic scope after basic and catastrophic, capped yearly.

    舟山 art. 41(4): the other hardship kinds share one ratio. 舟山 art. 42(5): a recipient holding a
    mental-disability certificate is assisted in full on the costs of psychiatric treatment.
    """
    certificate = person.certificate
    if not certificate:
        return
    rest = work.spf + work.eligible + bill.special_drug - work.basic_fund_paid - work.catastrophic_paid
    if rest <= 0:
        return
    if person.mental_disability and is_psychiatric(bill.diagnosis_codes):
        ratio, article = FULL, params.article("assistance.psychiatric")
        text = (
            f"医疗救助（持精神残疾人证人员治疗精神病相关医疗费用，全额救助） {yuan(rest)} × {percent(ratio)}"
        )
    else:
        ratio = params["assistance.ratio"][group_of("zhoushan", certificate)]
        article = params.article("assistance.ratio")
        text = f"医疗救助 {yuan(rest)} × {percent(ratio)}"
    amount = round_yuan(rest * ratio)
    cap = Decimal(params["assistance.annual_cap"])
    room = max(ZERO, cap - state.assistance_paid)
    if amount > room:
        amount = room
        text += f"，年度救助限额 {yuan(cap)} 元（门诊住院共用），以余额为限"
    work.line(article, text, amount)
    work.assistance_paid = amount
    state.assistance_paid += amount
    if bill.kind not in INPATIENT_KINDS:
        state.assistance_outpatient_paid += amount


def personal_share(person, bill, balances, work, params) -> None:
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
    work.line(params.article(ART_CASH), "个人现金支付", work.cash_paid)
