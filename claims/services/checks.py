"""Checks a bill passes before it is settled; each refusal names its article and writes nothing."""

from __future__ import annotations

import datetime as dt

from django.utils.translation import gettext as _

from enrollment.models import Filing
from institutions import agreements
from policy.explain import Line
from policy.money import ZERO
from policy.regions import region_of

from ..models import Institution, Settlement
from .errors import SettlementRefused
from .inputs import ENGINE_MODE, BillInput

# 杭州 art. 71: items whose costs the funds do not pay (item number, words).
EXCLUSIONS = {
    "abroad": ("二", "在境外就医的"),
    "third_party": ("三", "应当由第三人负担的"),
    "work_injury": ("四", "应当从工伤保险基金中支付的"),
    "public_health": ("五", "应当由公共卫生负担的"),
    "violation": ("六", "其他违反基本医疗保障政策规定的"),
}

# Modes a clerk settles at the counter and the engine's `settlement` value for each.
# 杭州 art. 65 para. 2–3: a non-networked bill, a networked one that failed, and an


def bill_date(bill: BillInput) -> dt.date:
    """The date that decides eligibility and the settlement year (杭州 art. 64(6): inpatient by discharge)."""
    if bill.kind == Settlement.BillKind.INPATIENT:
        if bill.discharge_date is None:
            raise SettlementRefused(
                "discharge_date",
                _("住院费用按出院结算，须填写出院日期"),
                "杭州 第六十四条第(六)项",
                reason="missing",
            )
        if bill.date and bill.date != bill.discharge_date:
            raise SettlementRefused(
                "date", _("住院费用的结算日期应为出院日期"), "杭州 第六十四条第(六)项", reason="date_mismatch"
            )
        if bill.admission_date and bill.admission_date > bill.discharge_date:
            raise SettlementRefused("admission_date", _("入院日期晚于出院日期"), "", reason="invalid")
        return bill.discharge_date
    if bill.date is None:
        raise SettlementRefused("date", _("须填写费用日期"), "", reason="missing")
    return bill.date


def check_long_stay(bill: BillInput, params, *, person) -> list:
    """杭州 art. 64(6): a stay of a full year (365 days) is settled then, once; the stay goes on.

    A bill covers at most 365 days from its start: the admission, or `period_start`, the day
    after the stay's previous interim settlement (which must exist and not be reversed). An
    interim bill (`interim`, the patient still in hospital) closes exactly 365 days; its
    `discharge_date` is the day it is settled up to, which also gives its settlement year.
    Returns the explanation line of a segment of a long stay.
    """
    if bill.kind != Settlement.BillKind.INPATIENT:
        if bill.interim or bill.period_start:
            raise SettlementRefused(
                "interim", _("中途结算仅适用于住院费用"), "杭州 第六十四条第(六)项", reason="invalid"
            )
        return []
    article = params.article("claims.long_stay_days")
    limit = params["claims.long_stay_days"]
    if bill.period_start and (bill.admission_date is None or bill.period_start <= bill.admission_date):
        raise SettlementRefused(
            "period_start", _("本段起始日期应晚于入院日期（须同时填写入院日期）"), article, reason="invalid"
        )
    start = bill.period_start or bill.admission_date
    if start is None:
        if bill.interim:
            raise SettlementRefused("admission_date", _("中途结算须填写入院日期"), article, reason="missing")
        return []
    if start > bill.discharge_date:
        raise SettlementRefused("period_start", _("本段起始日期晚于结算截止日期"), "", reason="invalid")
    days = (bill.discharge_date - start).days
    if days > limit:
        raise SettlementRefused(
            "discharge_date",
            _(
                "本段住院 %(days)s 天，超过 %(limit)s 天：连续住院满 %(limit)s 天应中途结算一次"
                "（interim=true，截止日期为入院或本段起始后第 %(limit)s 天），其后自次日起（period_start）续算"
            )
            % {"days": days, "limit": limit},
            article,
            reason="long_stay",
        )
    if bill.interim and days != limit:
        raise SettlementRefused(
            "interim",
            _("连续住院满 %(limit)s 天方可中途结算；本段 %(days)s 天，应按出院结算")
            % {"limit": limit, "days": days},
            article,
            reason="long_stay",
        )
    if bill.period_start:
        previous = Settlement.objects.filter(
            person=person,
            kind=Settlement.Kind.SETTLEMENT,
            status=Settlement.Status.SETTLED,
            bill_kind=Settlement.BillKind.INPATIENT,
            interim=True,
            admission_date=bill.admission_date,
            discharge_date=bill.period_start - dt.timedelta(days=1),
        )
        if not previous.exists():
            raise SettlementRefused(
                "period_start",
                _("未找到本次住院（入院 %(admission)s）截至 %(day)s 的中途结算，不能自 %(start)s 续算")
                % {
                    "admission": bill.admission_date.isoformat(),
                    "day": (bill.period_start - dt.timedelta(days=1)).isoformat(),
                    "start": bill.period_start.isoformat(),
                },
                article,
                reason="long_stay",
            )
    if not (bill.interim or bill.period_start):
        return []
    words = (
        _("连续住院满 %(limit)s 天中途结算") % {"limit": limit}
        if bill.interim
        else _("连续住院中途结算后续算")
    )
    return [
        Line(
            article=article,
            text=_("%(words)s：本段 %(start)s 至 %(end)s（入院 %(admission)s）")
            % {
                "words": words,
                "start": start.isoformat(),
                "end": bill.discharge_date.isoformat(),
                "admission": bill.admission_date.isoformat(),
            },
            amount=ZERO,
        )
    ]


def check_offsite_filing(institution: Institution | None, filings, on: dt.date) -> None:
    """Direct settlement away from Hangzhou needs the filing the measures ask for.

    杭州 art. 66: while an abroad filing (出国（境）备案) runs, the person's settlement is
    suspended. Art. 69(1): in the province, temporary trips settle directly with the card;
    art. 69(2): out of the province, a temporary trip's bill is paid in full and reimbursed at
    the counter, so direct settlement there needs a long-stay (art. 67) or referral (art. 68) filing.
    """
    filings = set(filings or ())
    if Filing.Kind.ABROAD in filings:
        raise SettlementRefused(
            "filings",
            _("%(day)s 处于出国（境）备案期间，暂停医疗费结算；回国后请先撤销备案") % {"day": on.isoformat()},
            "杭州 第六十六条",
            reason="filing",
        )
    if institution is None or institution.location != Institution.Location.OUT_OF_PROVINCE:
        return
    if not filings & {Filing.Kind.LONG_STAY, Filing.Kind.REFERRAL_OUT}:
        raise SettlementRefused(
            "filings",
            _(
                "跨省异地就医直接结算须在费用日期有有效的长住外地或转外就医备案；"
                "未备案的临时外出就医费用由个人全额垫付后至医保经办机构报销（先自理20%）"
            ),
            "杭州 第六十七条、第六十八条、第六十九条第(二)项",
            reason="filing",
        )


def check_exclusion(bill: BillInput) -> list:
    """杭州 art. 71: excluded costs are refused, naming the item; third-party costs the third party does not pay are advanced."""
    if not bill.exclusion:
        return []
    if bill.exclusion not in EXCLUSIONS:
        raise SettlementRefused(
            "exclusion", _("未知的除外情形 %(code)s") % {"code": bill.exclusion}, "", reason="invalid"
        )
    item, words = EXCLUSIONS[bill.exclusion]
    article = f"杭州 第七十一条第({item})项"
    if bill.exclusion == "third_party" and bill.third_party_unpaid:
        # 杭州 art. 71 para. 2: advanced by the fund, recovered from the third party.
        return [
            Line("杭州 第七十一条第二款", _("第三人不支付或无法确定第三人，医保基金先行支付后依法追偿"), ZERO)
        ]
    raise SettlementRefused(
        "exclusion",
        _("该费用属于“%(words)s”，不纳入医保基金支付范围") % {"words": words},
        article,
        reason="excluded",
    )


def check_maternity(bill: BillInput, status) -> list:
    """杭州 art. 57; 舟山 art. 51: a birth's or a family-planning procedure's costs settle by the person's
    basic-insurance rules (outpatient as ordinary outpatient, inpatient as inpatient); the line says so.

    Where the region pays a resident's birth by a fixed grant (舟山 art. 51(2)), the bill is not settled:
    the grant is applied for at the agency (maternity app).
    """
    if not bill.maternity:
        return []
    if bill.maternity not in Settlement.Maternity.values:
        raise SettlementRefused(
            "maternity", _("未知的生育医疗费类别 %(code)s") % {"code": bill.maternity}, "", reason="invalid"
        )
    region = region_of(status.region)
    if not region.has("maternity.medical_costs"):
        return []
    label = Settlement.Maternity(bill.maternity).label
    if status.scheme == "resident" and bill.maternity == Settlement.Maternity.BIRTH:
        if region.has("maternity.resident_lump_sum"):
            raise SettlementRefused(
                "maternity",
                _("城乡居民医保参保人员符合规定生育的生育医疗费用按定额补助，请向经办机构申领，不按单据结算"),
                region.article("maternity.resident_lump_sum"),
                reason="maternity_lump_sum",
            )
    treatment = _("住院待遇") if bill.kind == Settlement.BillKind.INPATIENT else _("普通门诊待遇")
    scheme = _("职工医保") if status.scheme == "employee" else _("城乡居民医保")
    return [Line(region.article("maternity.medical_costs"), f"{label}：按{scheme}{treatment}结算", ZERO)]


# Filings a bill needs on its date: (filing kind, what it is, article).
FILINGS_NEEDED = {
    Settlement.BillKind.SPECIFIED_DISEASE: ("specified_disease", "规定病种备案", "杭州 第七十条第(三)项"),
    Settlement.Mode.ABROAD_TEMPORARY: ("abroad", "出国（境）备案", "杭州 第六十六条"),
    Settlement.Mode.NON_DESIGNATED_IN_REFERRAL_AREA: ("referral_out", "转外就医备案", "杭州 第六十八条"),
}


def check_filings(kind: str, mode: str, filings) -> None:
    for key in (kind, mode):
        needed = FILINGS_NEEDED.get(key)
        if needed and needed[0] not in (filings or ()):
            raise SettlementRefused(
                "filings",
                _("费用日期当天没有有效的%(filing)s") % {"filing": needed[1]},
                needed[2],
                reason="filing",
            )


def check_kind_at_institution(institution: Institution | None, kind: str) -> None:
    """杭州 art. 64(4): a pharmacy's bills are pharmacy bills, and only a pharmacy's are."""
    if institution is None:
        return
    is_pharmacy = institution.kind == Institution.Kind.PHARMACY
    if is_pharmacy != (kind == Settlement.BillKind.PHARMACY):
        message = (
            _("定点零售药店只能结算药店购药费用") if is_pharmacy else _("药店购药费用只能由定点零售药店结算")
        )
        raise SettlementRefused("kind", message, "杭州 第六十四条第(四)项", reason="kind")


def check_institution(institution: Institution | None, on: dt.date) -> None:
    if institution is None:
        return
    refusal = institution.settlement_refusal(on)
    if refusal:
        message, article = refusal
        raise SettlementRefused("institution", message, article, reason="institution")


def check_agreement(institution: Institution, kind: str, mode: str, on: dt.date, today: dt.date) -> None:
    """The institution's agreement covers the bill's service on its date, and no suspension runs (institutions.agreements)."""
    refusal = agreements.settlement_refusal(
        institution_id=institution.pk,
        region=institution.region,
        bill_kind=kind,
        mode=mode,
        on=on,
        today=today,
    )
    if refusal:
        message, article = refusal
        raise SettlementRefused("institution", message, article, reason="agreement")


def check_counter_deadline(*, year, on_claim: dt.date, params) -> None:
    """杭州 art. 65: a bill paid in full is reimbursed by the end of the next settlement year."""
    years = params["claims.reimbursement_deadline_years"]
    end = year.end
    deadline = end.replace(year=end.year + years)
    if on_claim > deadline:
        raise SettlementRefused(
            "date",
            _("事后报销应在 %(deadline)s 前申请（费用发生的下一个结算年度年底前），已逾期")
            % {"deadline": deadline.isoformat()},
            params.article("claims.reimbursement_deadline_years"),
            reason="deadline",
        )


def settlement_mode(institution: Institution | None, bill: BillInput, source: str) -> str:
    """API bills are settled as the institution is: local in the city, direct off-site elsewhere (art. 65)."""
    if source == Settlement.Source.API:
        expected = (
            Settlement.Mode.LOCAL
            if institution.location == Institution.Location.IN_CITY
            else Settlement.Mode.DIRECT_OFFSITE
        )
        if bill.settlement and bill.settlement not in (expected, Settlement.Mode.LOCAL, ""):
            raise SettlementRefused(
                "settlement",
                _("直接结算只能按 %(mode)s 结算；先行垫付的费用请至医保经办机构事后报销")
                % {"mode": Settlement.Mode(expected).label},
                "杭州 第六十五条",
                reason="mode",
            )
        return expected
    if bill.settlement not in ENGINE_MODE:
        raise SettlementRefused(
            "settlement", _("未知的结算方式 %(mode)s") % {"mode": bill.settlement}, "", reason="invalid"
        )
    return bill.settlement
