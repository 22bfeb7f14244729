"""The engine's input from the person's stored state, and the engine's run on it."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from decimal import Decimal
from itertools import pairwise

from django.core.exceptions import ValidationError

from accounts import selectors as account_selectors
from core.language import record_gettext as _
from enrollment.models import Filing
from enrollment.selectors import age_on, benefit_status
from policy.claims import has_rule
from policy.explain import Line
from policy.money import ZERO, round_yuan
from policy.parameters import ParameterError
from policy.regions import region_of
from policy.settlement import Bill, PersonProfile, YearState, settle_bill, settlement_year

from ..models import Institution, Settlement
from .bill_checks import (
    STAY_KINDS,
    bill_date,
    check_counter_deadline,
    check_exclusion,
    check_long_stay,
    check_maternity,
)
from .errors import SettlementRefused
from .inputs import ENGINE_MODE, BillInput, Prepared
from .institution_checks import (
    check_agreement,
    check_filings,
    check_home_bed,
    check_institution,
    check_kind_at_institution,
    check_offsite_filing,
    check_visit_home,
    settlement_mode,
)

# Modes of a bill treated away from the city: with a long-stay filing, some regions settle
# them by the in-city rules (ZS art. 59, `claims.long_stay_filing_in_city_rules`).
OFF_SITE_MODES = (
    Settlement.Mode.DIRECT_OFFSITE,
    Settlement.Mode.REIMBURSED_IN_PROVINCE,
    Settlement.Mode.REIMBURSED_OUT_OF_PROVINCE,
)


def refusal_of(error: ParameterError, field_name: str = "region") -> SettlementRefused:
    """A policy error (a figure not set, a citation missing) as a refusal naming it."""
    return SettlementRefused(field_name, str(error), getattr(error, "article", ""), reason="parameter")


def prepare(
    *,
    person,
    institution: Institution | None,
    bill: BillInput,
    source: str,
    today: dt.date,
    read_account: bool = True,
) -> Prepared:
    """Read the person's status and build the engine's input; raises SettlementRefused.

    `read_account=False` leaves the historical-funds choice (art. 25) to the caller, who
    reads it from the account row it locks (`settle`): one read of the account, not two.
    """
    try:
        return _prepare(
            person=person,
            institution=institution,
            bill=bill,
            source=source,
            today=today,
            read_account=read_account,
        )
    except ParameterError as error:
        raise refusal_of(error) from None


def _prepare(*, person, institution, bill, source, today, read_account) -> Prepared:
    region = region_of(person.region)
    on = bill_date(bill, region)
    if source == Settlement.Source.API:
        check_institution(institution, today, region)  # by the submission date (reading 25)
    check_kind_at_institution(institution, bill.kind, region)
    extra_lines = check_exclusion(bill, region) + check_home_bed(institution, bill, region)
    mode = settlement_mode(institution, bill, source, region)
    if source == Settlement.Source.API:
        check_agreement(institution, bill.kind, mode, on, today)

    params = region.parameters(on)
    extra_lines = extra_lines + check_long_stay(bill, params, region, person=person)
    status = benefit_status(person=person, on=on)
    bill, status, coverage_lines = check_covered_every_day(person, bill, on, status, source, region)
    extra_lines += coverage_lines
    if not status.eligible:
        raise SettlementRefused("person", status.reason, status.article or "", reason="not_eligible")
    if bill.kind == Settlement.BillKind.SPECIFIED_DISEASE and not bill.diagnosis_codes:
        raise SettlementRefused(
            "diagnosis_codes",
            _("规定病种门诊须提供诊断编码"),
            region.article("claims.specified_disease_filing"),
            reason="missing",
        )
    if (
        source == Settlement.Source.COUNTER
        and Filing.Kind.ABROAD in status.filings
        and mode != Settlement.Mode.ABROAD_TEMPORARY
    ):
        # reading 26: an abroad filing binds the counter too (HZ art. 66)
        mode = Settlement.Mode.ABROAD_TEMPORARY
        extra_lines.append(
            Line(
                region.article("claims.abroad_filing"),
                _("费用日期 %(day)s 处于出国（境）备案期间且未撤销：按备案未撤销期间临时性疾病费用报销")
                % {"day": on.isoformat()},
                ZERO,
            )
        )
    check_filings(bill.kind, mode, status.filings, region)
    extra_lines = extra_lines + check_maternity(bill, status)
    if source == Settlement.Source.API:
        check_offsite_filing(institution, status.filings, on, region)
        check_visit_home(institution, status.filings, on, region)

    engine_mode = ENGINE_MODE[mode]
    if (
        mode in OFF_SITE_MODES
        and Filing.Kind.LONG_STAY in status.filings
        and has_rule(region.code, "claims.long_stay_filing_in_city_rules")
    ):
        engine_mode = "local"
        extra_lines.append(
            Line(
                region.article("claims.long_stay_filing_in_city_rules"),
                _("已办理长住市外备案：市外定点医疗机构的医疗费用按市内相应定点医疗机构有关规定结算"),
                ZERO,
            )
        )

    level = institution.level if institution else bill.institution_level
    if not level:
        raise SettlementRefused(
            "institution_level",
            _("须填写就医机构等级"),
            region.article("claims.bill_kinds"),
            reason="missing",
        )
    if institution is not None:
        if status.category == "student":
            at_centre = institution.kind == Institution.Kind.CAMPUS_CLINIC
        else:
            at_centre = (
                bool(status.contracted_gp)
                and bool(status.contracted_centre_code)
                and (institution.code == status.contracted_centre_code)
            )
    else:
        at_centre = bool(bill.at_contracted_centre) and (
            bool(status.contracted_gp) or status.category == "student"
        )
    referred = bool(bill.referred_by_contracted_centre) and bool(status.contracted_gp)

    profile = PersonProfile(
        region=status.region,
        scheme=status.scheme,
        category=status.category,
        age=age_on(person, on),
        certificate=status.certificate,
        contracted_gp=bool(status.contracted_gp),
        use_historical_funds=account_selectors.uses_historical_funds(person=person) if read_account else True,
        mental_disability=status.mental_disability,
    )
    engine_bill = Bill(
        id=bill.bill_number,
        date=on,
        # a home hospital bed is settled by the inpatient rules (ZS art. 58)
        kind=Settlement.BillKind.INPATIENT if bill.kind == Settlement.BillKind.HOME_BED else bill.kind,
        institution_level=level,
        at_contracted_centre=at_centre,
        referred_by_contracted_centre=referred,
        settlement=engine_mode,
        out_of_scope=bill.out_of_scope,
        self_pay_first=bill.self_pay_first,
        eligible=bill.eligible,
        special_drug=bill.special_drug,
        diagnosis_codes=tuple(bill.diagnosis_codes),
    )
    year = settlement_year(profile, on, params)
    if source == Settlement.Source.COUNTER:
        check_counter_deadline(year=year, bill_day=on, on_claim=today, params=params)
    bill.settlement = mode
    return Prepared(person, institution, bill, on, profile, engine_bill, params, year, status, extra_lines)


def _month_starts(first: dt.date, last: dt.date):
    day = (first.replace(day=1) + dt.timedelta(days=32)).replace(day=1)
    while day <= last:
        yield day
        day = (day + dt.timedelta(days=32)).replace(day=1)


def coverage_segments(
    person, first: dt.date, last: dt.date, status_last
) -> list[tuple[dt.date, dt.date, object]]:
    """The stay's days as runs of one coverage (first day, last day, status of the run).

    Coverage changes at month starts (a suspension, a wait, a restoration) or on an
    enrolment's first or last day: each month's first and last day are read, and where they
    differ the day of the change is found by halving (a handful of reads).
    """
    known = {last: status_last}

    def status(day):
        if day not in known:
            known[day] = benefit_status(person=person, on=day)
        return known[day]

    bounds = [first, *_month_starts(first, last), last + dt.timedelta(days=1)]
    runs: list[list] = []

    def add(day_from, day_to, state):
        if runs and runs[-1][2].eligible == state.eligible:
            runs[-1][1] = day_to
            if state.eligible:
                runs[-1][2] = state
        else:
            runs.append([day_from, day_to, state])

    for low, high in pairwise(bounds):
        end = high - dt.timedelta(days=1)
        a, b = status(low), status(end)
        if a.eligible == b.eligible:
            add(low, end, b)
            continue
        lo, hi = low, end  # status(lo) is a's, status(hi) is b's
        while (hi - lo).days > 1:
            mid = lo + (hi - lo) // 2
            if status(mid).eligible == a.eligible:
                lo = mid
            else:
                hi = mid
        add(low, lo, status(lo))
        add(hi, end, b)
    return [tuple(run) for run in runs]


def check_covered_every_day(person, bill: BillInput, on: dt.date, status, source: str, region):
    """Reading 22: a stay is settled directly only if the person was covered on every day of it.

    Direct settlement is refused naming the days not covered; the counter settles the covered
    days only: the bill's fund-relevant amounts (自理, 合规, 大病特殊药品) in the share of the
    covered days, the rest borne by the person as 自费 (HZ art. 64(6), 16(2), 17(4)).
    Returns (bill, status of the covered days, lines).
    """
    first = bill.period_start or bill.admission_date
    if bill.kind not in STAY_KINDS or first is None or first >= on:
        return bill, status, []
    if (
        status.eligible
        and status.benefit_from is not None
        and status.benefit_from <= first
        and (first.year, first.month) == (on.year, on.month)
    ):
        # benefits began before the admission and the stay is within one month: coverage changes
        # only at a month's start (a suspension, a restoration) or with the enrolment, which
        # covered both: every day is covered, with no further read
        return bill, status, []
    runs = coverage_segments(person, first, on, status)
    gaps = [(a, b, s) for a, b, s in runs if not s.eligible]
    if not gaps:
        return bill, status, []
    article = region.article("claims.covered_every_day")
    days_text = "、".join(
        a.isoformat() if a == b else f"{a.isoformat()} 至 {b.isoformat()}" for a, b, _s in gaps
    )
    covered = [(a, b, s) for a, b, s in runs if s.eligible]
    if not covered:  # not covered on any day: the status's own refusal says why
        return bill, status, []
    if source == Settlement.Source.API:
        first_gap = gaps[0][2]
        raise SettlementRefused(
            "admission_date",
            _(
                "住院期间 %(days)s 不享受待遇（%(reason)s），不能直接结算；享受待遇天数的费用可至医保经办机构窗口报销"
            )
            % {"days": days_text, "reason": first_gap.reason},
            article,
            reason="not_covered_every_day",
        )
    total_days = (on - first).days + 1
    covered_days = sum((b - a).days + 1 for a, b, _s in covered)
    share = Decimal(covered_days) / Decimal(total_days)
    kept = {
        name: round_yuan(getattr(bill, name) * share)
        for name in ("self_pay_first", "eligible", "special_drug")
    }
    moved = sum(getattr(bill, name) - kept[name] for name in kept)
    bill = replace(bill, out_of_scope=bill.out_of_scope + moved, **kept)
    line = Line(
        article,
        _(
            "住院 %(total)s 天，其中 %(days)s 不享受待遇：按享受待遇的 %(covered)s 天占比结算，其余 %(moved)s 元由个人负担"
        )
        % {"total": total_days, "days": days_text, "covered": covered_days, "moved": f"{moved:.2f}"},
        moved,
    )
    return bill, covered[-1][2], [line]


def full_state(state_dict: dict | None) -> dict:
    """The engine's YearState as a dict with every key present (what `claims.deltas` needs)."""
    return YearState.from_dict(state_dict or {}).to_dict()


def compute(prepared: Prepared, state_dict: dict, balances):
    """Run the engine on a state; returns the BillResult. Engine input errors become refusals."""
    state = YearState.from_dict(state_dict) if state_dict else YearState.empty()
    try:
        return settle_bill(
            person=prepared.profile,
            bill=prepared.engine_bill,
            state=state,
            balances=balances,
            params=prepared.params,
        )
    except ParameterError as error:
        raise SettlementRefused("settlement", str(error), getattr(error, "article", ""), reason="parameter")
    except (ValueError, ValidationError) as error:
        field_name = getattr(error, "field", "bill")
        message = getattr(error, "message", None) or str(error)
        raise SettlementRefused(field_name, message, "", reason="invalid")
