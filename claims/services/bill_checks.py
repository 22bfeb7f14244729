"""Checks on the bill itself and the person's claim: its date, a long stay, exclusions, maternity,
the counter deadline. Each refusal names its article and writes nothing.

Every citation comes from the person's region file (`region.article(key)`): a Zhoushan
person's refusal cites the region's own article. Rules only some regions have are declared only in
their files (`policy.claims.has_rule`). Checks on where the bill is settled (the institution,
filings) are in `institution_checks`.
"""

from __future__ import annotations

import datetime as dt

from core.language import record_gettext as _
from policy.claims import all_exclusion_codes, counter_deadline, exclusions, has_rule
from policy.explain import Line
from policy.money import ZERO
from policy.regions import region_of

from ..models import Settlement
from .errors import SettlementRefused
from .inputs import BillInput

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
