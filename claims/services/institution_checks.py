"""Checks on where a bill is settled: the institution (designation, agreement, suspension,
network, kind), the settlement mode, the filings the bill needs (off-site, abroad, referral,
long stay), a home hospital bed. Each refusal names its article and writes nothing.

Every citation comes from the person's region file (`region.article(key)`); rules only some
regions have are declared only in their files (`policy.claims.has_rule`). Checks on the bill
itself are in `bill_checks`.
"""

from __future__ import annotations

import datetime as dt

from core.language import record_gettext as _
from enrollment.models import Filing
from institutions import agreements
from policy.claims import has_rule
from policy.explain import Line
from policy.money import ZERO

from ..models import Institution, Settlement
from .errors import SettlementRefused
from .inputs import ENGINE_MODE, BillInput


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
