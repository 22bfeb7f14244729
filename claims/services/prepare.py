"""The engine's input from the person's stored state, and the engine's run on it."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from accounts import selectors as account_selectors
from enrollment.selectors import age_on, benefit_status
from policy.parameters import ParameterError, parameters_for
from policy.settlement import Bill, PersonProfile, YearState, settle_bill, settlement_year

from ..models import Institution, Settlement
from .checks import (
    bill_date,
    check_agreement,
    check_counter_deadline,
    check_exclusion,
    check_filings,
    check_institution,
    check_kind_at_institution,
    check_long_stay,
    check_maternity,
    check_offsite_filing,
    settlement_mode,
)
from .errors import SettlementRefused
from .inputs import ENGINE_MODE, BillInput, Prepared


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
    on = bill_date(bill)
    check_institution(institution, on)
    check_kind_at_institution(institution, bill.kind)
    extra_lines = check_exclusion(bill)
    mode = settlement_mode(institution, bill, source)
    if source == Settlement.Source.API:
        check_agreement(institution, bill.kind, mode, on, today)

    try:
        status = benefit_status(person=person, on=on)
    except ParameterError as error:
        raise SettlementRefused("person", str(error), getattr(error, "article", ""), reason="parameter")
    if not status.eligible:
        raise SettlementRefused("person", status.reason, status.article or "", reason="not_eligible")
    if bill.kind == Settlement.BillKind.SPECIFIED_DISEASE and not bill.diagnosis_codes:
        raise SettlementRefused(
            "diagnosis_codes", _("规定病种门诊须提供诊断编码"), "杭州 第七十条第(三)项", reason="missing"
        )
    check_filings(bill.kind, mode, status.filings)
    extra_lines = extra_lines + check_maternity(bill, status)
    if source == Settlement.Source.API:
        check_offsite_filing(institution, status.filings, on)

    try:
        params = parameters_for(status.region, on)
        extra_lines = extra_lines + check_long_stay(bill, params, person=person)
    except ParameterError as error:
        raise SettlementRefused("region", str(error), getattr(error, "article", ""), reason="parameter")

    level = institution.level if institution else bill.institution_level
    if not level:
        raise SettlementRefused("institution_level", _("须填写就医机构等级"), "", reason="missing")
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
    )
    engine_bill = Bill(
        id=bill.bill_number,
        date=on,
        kind=bill.kind,
        institution_level=level,
        at_contracted_centre=at_centre,
        referred_by_contracted_centre=referred,
        settlement=ENGINE_MODE[mode],
        out_of_scope=bill.out_of_scope,
        self_pay_first=bill.self_pay_first,
        eligible=bill.eligible,
        special_drug=bill.special_drug,
    )
    year = settlement_year(profile, on, params)
    if source == Settlement.Source.COUNTER:
        check_counter_deadline(year=year, on_claim=today, params=params)
    bill.settlement = mode
    return Prepared(person, institution, bill, on, profile, engine_bill, params, year, status, extra_lines)


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
