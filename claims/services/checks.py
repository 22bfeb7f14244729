"""Checks a bill passes before it is settled; each refusal names its article and writes nothing.

Every citation comes from the person's region file (`region.article(key)`): a Zhoushan
person's refusal cites the region's own article. Rules only some regions have are declared only in
their files (`policy.claims.has_rule`).
"""

from __future__ import annotations

import datetime as dt

from django.utils.translation import gettext as _

from enrollment.models import Filing
from institutions import agreements
from policy.claims import all_exclusion_codes, counter_deadline, exclusions, has_rule
from policy.explain import Line
from policy.money import ZERO
from policy.regions import region_of

from ..models import Institution, Settlement
from .errors import SettlementRefused
from .inputs import ENGINE_MODE, BillInput

# Every exclusion code any region knows (input choices: code -> ("", words)); the person's
# region decides whether the code applies and which article it cites (`check_exclusion`).
EXCLUSIONS = {code: ("", words) for code, words in all_exclusion_codes().items()}

# Bills settled by admission and discharge: a stay in hospital, or a home hospital bed
# (家庭病床, ZS art. 58: "按相应住院政策执行").
STAY_KINDS = (Settlement.BillKind.INPATIENT, Settlement.BillKind.HOME_BED)


def bill_date(bill: BillInput, region) -> dt.date:
    """The date that decides eligibility and the settlement year (a stay: its discharge)."""
    if bill.kind in STAY_KINDS:
        article = region.article("claims.inpatient_by_discharge")
        if bill.discharge_date is None:
            raise SettlementRefused(
                "discharge_date", _("住院费用按出院结算，须填写出院日期"), article, reason="missing"
            )
        if bill.date and bill.date != bill.discharge_date:
            raise SettlementRefused(
                "date", _("住院费用的结算日期应为出院日期"), article, reason="date_mismatch"
            )
        if bill.admission_date and bill.admission_date > bill.discharge_date:
            raise SettlementRefused("admission_date", _("入院日期晚于出院日期"), article, reason="invalid")
        return bill.discharge_date
    if bill.date is None:
        raise SettlementRefused(
            "date", _("须填写费用日期"), region.article("claims.bill_kinds"), reason="missing"
        )
    return bill.date


def check_home_bed(institution: Institution | None, bill: BillInput, region) -> list:
    """ZS art. 58: a home hospital bed of an in-city primary institution is settled as a stay.

    A region whose measures have no home hospital bed (no `claims.home_hospital_bed` in its
    file) refuses the kind.
    """
    if bill.kind != Settlement.BillKind.HOME_BED:
        return []
    if not has_rule(region.code, "claims.home_hospital_bed"):
        raise SettlementRefused(
            "kind",
            _("%(region)s的医疗保障办法未规定家庭病床费用的结算") % {"region": region.name},
            region.article("claims.bill_kinds"),
            reason="kind",
        )
    article = region.article("claims.home_hospital_bed")
    if bill.admission_date is None:
        raise SettlementRefused(
            "admission_date", _("家庭病床须填写建床日期（入院日期）"), article, reason="missing"
        )
    level = institution.level if institution else bill.institution_level
    in_city = institution is None or institution.location == Institution.Location.IN_CITY
    if level != Institution.Level.COMMUNITY or not in_city:
        raise SettlementRefused(
            "kind",
            _("家庭病床须由具备开设资质的市内定点基层医疗卫生机构提供"),
            article,
            reason="kind",
        )
    return [
        Line(
            article=article,
            text=_(
                "家庭病床（建床 %(start)s 至撤床 %(end)s）：建床费、巡诊费及医保支付范围内费用按住院政策结算"
            )
            % {"start": bill.admission_date.isoformat(), "end": bill.discharge_date.isoformat()},
            amount=ZERO,
        )
    ]


def check_long_stay(bill: BillInput, params, region, *, person) -> list:
    """A stay of a full year is settled then, once; the stay goes on (HZ art. 64(6), ZS art. 56(3)).

    A bill covers at most 365 days from its start: the admission, or `period_start`, the day
    after the stay's previous interim settlement (which must exist and not be reversed). An
    interim bill (`interim`, the patient still in hospital) closes exactly 365 days; its
    `discharge_date` is the day it is settled up to, which also gives its settlement year.
    Returns the explanation line of a segment of a long stay.
    """
    if bill.kind not in STAY_KINDS:
        if bill.interim or bill.period_start:
            raise SettlementRefused(
                "interim",
                _("中途结算仅适用于住院费用"),
                region.article("claims.inpatient_by_discharge"),
                reason="invalid",
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
        raise SettlementRefused("period_start", _("本段起始日期晚于结算截止日期"), article, reason="invalid")
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
            bill_kind=bill.kind,
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


def check_offsite_filing(institution: Institution | None, filings, on: dt.date, region) -> None:
    """Direct settlement away from home needs the filing the measures ask for.

    HZ art. 66: while an abroad filing (出国（境）备案) runs, the person's settlement is
    suspended. Art. 69(1): in the province, temporary trips settle directly with the card;
    art. 69(2): out of the province, a temporary trip's bill is paid in full and reimbursed at
    the counter, so direct settlement there needs a long-stay (art. 67) or referral (art. 68) filing.
    """
    filings = set(filings or ())
    if Filing.Kind.ABROAD in filings:
        raise SettlementRefused(
            "filings",
            _("%(day)s 处于出国（境）备案期间，暂停医疗费结算；回国后请先撤销备案") % {"day": on.isoformat()},
            region.article("claims.abroad_filing"),
            reason="filing",
        )
    if institution is None or institution.location != Institution.Location.OUT_OF_PROVINCE:
        return
    if not filings & {Filing.Kind.LONG_STAY, Filing.Kind.REFERRAL_OUT}:
        raise SettlementRefused(
            "filings",
            _(
                "跨省异地就医直接结算须在费用日期有有效的长住外地或转外就医备案；"
                "未备案的临时外出就医费用由个人全额垫付后至医保经办机构报销"
            ),
            region.article("claims.offsite_direct_filing"),
            reason="filing",
        )


def check_visit_home(institution: Institution | None, filings, on: dt.date, region) -> None:
    """Reading 26: a long-stay filer's bill back home settles directly only with a temporary return.

    HZ art. 67(3): a long-stay filer back in the city records the visit (临时回辖区就医);
    without it the bill is reimbursed at the counter by art. 69. Only where the region's
    file declares the rule (`claims.long_stay_visit_home`).
    """
    if institution is None or institution.location != Institution.Location.IN_CITY:
        return
    filings = set(filings or ())
    if Filing.Kind.LONG_STAY not in filings or Filing.Kind.TEMPORARY_RETURN in filings:
        return
    if not has_rule(region.code, "claims.long_stay_visit_home"):
        return
    raise SettlementRefused(
        "filings",
        _(
            "%(day)s 参保人处于长住外地备案期间，回参保地就医须先办理临时回参保地就医手续；"
            "未办理的，费用由个人垫付后至医保经办机构报销"
        )
        % {"day": on.isoformat()},
        region.article("claims.long_stay_visit_home"),
        reason="filing",
    )


def check_exclusion(bill: BillInput, region) -> list:
    """Excluded costs are refused, naming the item of the region's list (HZ art. 71, ZS art. 61).

    A third party that does not pay is advanced by the fund where the region's measures say
    so (HZ art. 71 para. 2, `claims.third_party_advance`).
    """
    if not bill.exclusion:
        return []
    listed = exclusions(region.code)
    if bill.exclusion not in listed:
        raise SettlementRefused(
            "exclusion",
            _("%(region)s的基金不予支付范围中没有“%(code)s”")
            % {"region": region.name, "code": bill.exclusion},
            region.article("claims.bill_kinds"),
            reason="invalid",
        )
    article, words = listed[bill.exclusion]
    if (
        bill.exclusion == "third_party"
        and bill.third_party_unpaid
        and has_rule(region.code, "claims.third_party_advance")
    ):
        return [
            Line(
                region.article("claims.third_party_advance"),
                _("第三人不支付或无法确定第三人，医保基金先行支付后依法追偿"),
                ZERO,
            )
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


# Filings a bill needs on its date: (filing kind, what it is, the article key).
FILINGS_NEEDED = {
    Settlement.BillKind.SPECIFIED_DISEASE: (
        "specified_disease",
        "规定病种备案",
        "claims.specified_disease_filing",
    ),
    Settlement.Mode.ABROAD_TEMPORARY: ("abroad", "出国（境）备案", "claims.abroad_filing"),
    Settlement.Mode.NON_DESIGNATED_IN_REFERRAL_AREA: (
        "referral_out",
        "转外就医备案",
        "claims.referral_filing",
    ),
}


def check_filings(kind: str, mode: str, filings, region) -> None:
    for key in (kind, mode):
        needed = FILINGS_NEEDED.get(key)
        if needed and needed[0] not in (filings or ()):
            raise SettlementRefused(
                "filings",
                _("费用日期当天没有有效的%(filing)s") % {"filing": needed[1]},
                region.article(needed[2]),
                reason="filing",
            )


def check_kind_at_institution(institution: Institution | None, kind: str, region) -> None:
    """A pharmacy's bills are pharmacy bills, and only a pharmacy's are (HZ art. 64(4), ZS art. 56(2))."""
    if institution is None:
        return
    is_pharmacy = institution.kind == Institution.Kind.PHARMACY
    if is_pharmacy != (kind == Settlement.BillKind.PHARMACY):
        message = (
            _("定点零售药店只能结算药店购药费用") if is_pharmacy else _("药店购药费用只能由定点零售药店结算")
        )
        raise SettlementRefused("kind", message, region.article("claims.pharmacy_bills"), reason="kind")


def check_institution(institution: Institution | None, submitted: dt.date, region) -> None:
    """May the institution settle directly today (reading 25; HZ art. 65, 88)?

    Suspensions refuse by the SUBMISSION date, whatever the bill's date; an institution
    without direct settlement (`networked` false) sends the person to the counter.
    """
    if institution is None:
        return
    if not institution.designated:
        raise SettlementRefused(
            "institution",
            _("%(name)s 不是定点医药机构，不能直接结算") % {"name": institution.name},
            region.article("claims.designated"),
            reason="institution",
        )
    if institution.agreement_status == Institution.AgreementStatus.TERMINATED:
        raise SettlementRefused(
            "institution",
            _("%(name)s 的医保协议已终止") % {"name": institution.name},
            region.article("claims.institution_agreement"),
            reason="institution",
        )
    suspension = institution.suspension_on(submitted)
    if suspension is not None:
        raise SettlementRefused(
            "institution",
            _(
                "%(name)s 的医保结算功能自 %(since)s 起暂停（%(until)s）：%(reason)s；暂停期间提交的结算一律不予受理"
            )
            % {
                "name": institution.name,
                "since": suspension.start.isoformat(),
                "until": (_("至 %(day)s") % {"day": suspension.end.isoformat()})
                if suspension.end
                else _("尚未解除"),
                "reason": suspension.reason or "-",
            },
            region.article("claims.institution_agreement"),
            reason="institution",
        )
    if not institution.networked:
        raise SettlementRefused(
            "institution",
            _("%(name)s 未开通医保直接联网结算：费用由个人全额支付后，凭票据至医保经办机构窗口报销")
            % {"name": institution.name},
            region.article("claims.not_networked"),
            reason="not_networked",
        )


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


def check_counter_deadline(*, year, bill_day: dt.date, on_claim: dt.date, params) -> None:
    """A bill paid in full is reimbursed within the region's deadline (HZ art. 65, ZS art. 57)."""
    deadline, article, words = counter_deadline(params, bill_date=bill_day, year_end=year.end)
    if on_claim > deadline:
        raise SettlementRefused(
            "date",
            _("事后报销应在 %(deadline)s 前申请（%(words)s），已逾期")
            % {"deadline": deadline.isoformat(), "words": words},
            article,
            reason="deadline",
        )


def settlement_mode(institution: Institution | None, bill: BillInput, source: str, region) -> str:
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
                region.article("claims.direct_settlement"),
                reason="mode",
            )
        return expected
    if bill.settlement not in ENGINE_MODE:
        raise SettlementRefused(
            "settlement",
            _("未知的结算方式 %(mode)s") % {"mode": bill.settlement},
            region.article("claims.direct_settlement"),
            reason="invalid",
        )
    return bill.settlement
