"""settle_bill: one bill on the person's year-to-date state. Pure: no I/O, inputs are not mutated."""

from __future__ import annotations

from importlib import import_module

from policy.explain import Line
from policy.money import ZERO
from policy.parameters import REGIONS, UnknownRegion

from .common import ILLUSTRATIVE_PREFIX, UsedParameters, new_tuple
from .types import Balances, Bill, BillResult, PersonProfile, SettlementYear, YearState
from .year import settlement_year


class _RulesByRegion(dict):
    """Region code → its `settle(person, bill, state, balances, params)`: `policy/settlement/<code>.py`,
    imported on first use, so a region is added by its files alone."""

    def __missing__(self, region: str):
        if region not in REGIONS:
            raise UnknownRegion(region)
        rules = import_module(f"{__package__}.{region}").settle
        self[region] = rules
        return rules


REGION_RULES = _RulesByRegion()


_ILLUSTRATIVE_SETS: dict[int, tuple] = {}


def _may_be_illustrative(params) -> bool:
    """Whether any value in this view's declarations comes from an illustrative set (cheap, cached)."""
    declared = params.declared
    known = _ILLUSTRATIVE_SETS.get(id(declared))
    if known is None or known[0] is not declared:
        known = (declared, any(p.illustrative for p in declared.values()))
        _ILLUSTRATIVE_SETS[id(declared)] = known
    return known[1]


class StateYearMismatch(ValueError):
    """The state passed belongs to another settlement year than the bill (a caller's mistake)."""


def settle_bill(
    *, person: PersonProfile, bill: Bill, state: YearState, balances: Balances, params
) -> BillResult:
    """Settle `bill` for `person` on `state` (the accumulators of the bill's settlement year).

    `params` is the region's parameter view for the bill date (`parameters_for(region, bill.date)`).
    Returns the components, the lines in the order applied, the new state and the new balances.
    Raises `MissingParameter` when a rule needs a value the agency has not set.
    """
    return settle_in_year(person, bill, state, balances, params, settlement_year(person, bill.date, params))


def settle_in_year(
    person: PersonProfile, bill: Bill, state: YearState, balances: Balances, params, year: SettlementYear
) -> BillResult:
    """`settle_bill` once the bill's settlement year is known (the trial settlement has looked it up)."""
    key = year.key
    if state.year is not None and state.year != key:
        raise StateYearMismatch(f"state is for settlement year {state.year}, the bill {bill.id} for {key}")
    work, new_state, lines, illustrative = apply_rules(person, bill, state, balances, params, key)
    # BillResult(...) field by field, without the generated __init__'s keyword handling
    result = object.__new__(BillResult)
    result.__dict__ = {  # the COMPONENTS, spelled out: no per-bill loop over their names
        "bill_id": bill.id,
        "year": key,
        "total": work.total,
        "current_funds_paid": work.current_funds_paid,
        "deductible": work.deductible,
        "basic_fund_paid": work.basic_fund_paid,
        "catastrophic_paid": work.catastrophic_paid,
        "assistance_paid": work.assistance_paid,
        "historical_funds_paid": work.historical_funds_paid,
        "cash_paid": work.cash_paid,
        "lines": lines,
        "state": new_state,
        "balances": balances_after(balances, work),
        "illustrative": illustrative,
    }
    return result


def apply_rules(person: PersonProfile, bill: Bill, state: YearState, balances: Balances, params, key: str):
    """The region's rules on a copy of `state` (settlement year `key`, not checked here).

    Returns (work, new state, lines, illustrative); `settle_in_year` and the trial settlement build
    their answers from it.
    """
    new_state = object.__new__(YearState)  # state.copy(year=..., bills=...), without the method call
    new_state.__dict__ = {**state.__dict__, "year": key, "bills": state.bills + 1}
    try:  # whether this view may hold illustrative values: decided once per view
        maybe = params.__dict__["_may_be_illustrative"]
    except (AttributeError, KeyError):
        maybe = _may_be_illustrative(params)
        if hasattr(params, "__dict__"):
            params.__dict__["_may_be_illustrative"] = maybe
    if not maybe:
        work = REGION_RULES[person.region](person, bill, new_state, balances, params)
        return work, new_state, work.lines, False
    used = UsedParameters(params)
    work = REGION_RULES[person.region](person, bill, new_state, balances, used)
    if not used.illustrative():
        return work, new_state, work.lines, False
    lines = [
        new_tuple(Line, (article, ILLUSTRATIVE_PREFIX + text, amount)) for article, text, amount in work.lines
    ]
    return work, new_state, lines, True


def balances_after(balances: Balances, work) -> Balances:
    """The account balances once the bill's current and historical funds are paid."""
    new = object.__new__(Balances)
    current_paid = work.current_funds_paid
    historical_paid = work.historical_funds_paid
    # a component the rules left at the shared ZERO changes nothing: no Decimal subtraction for it
    new.__dict__ = {
        "current_funds": balances.current_funds
        if current_paid is ZERO
        else balances.current_funds - current_paid,
        "historical_funds": balances.historical_funds
        if historical_paid is ZERO
        else balances.historical_funds - historical_paid,
    }
    return new
