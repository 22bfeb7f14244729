"""The settlement engine: pure functions over plain dataclasses (settlement-rules.md §2–§8, 舟山 art. 23–43).

    result = settle_bill(person=..., bill=..., state=YearState.empty(), balances=..., params=parameters_for(...))
    result.basic_fund_paid, result.lines, result.state (new accumulators), result.as_dict()

`trial_settle(request: dict) -> dict` answers the trial-settlement contract.
"""

from .engine import StateYearMismatch, settle_bill
from .trial import TrialSettlementError, trial_settle
from .types import (
    CATEGORIES,
    CERTIFICATES,
    KINDS,
    LEVELS,
    SCHEMES,
    SETTLEMENTS,
    Balances,
    Bill,
    BillResult,
    PersonProfile,
    SettlementYear,
    YearState,
)
from .year import settlement_year

__all__ = [
    "CATEGORIES",
    "CERTIFICATES",
    "KINDS",
    "LEVELS",
    "SCHEMES",
    "SETTLEMENTS",
    "Balances",
    "Bill",
    "BillResult",
    "PersonProfile",
    "SettlementYear",
    "StateYearMismatch",
    "TrialSettlementError",
    "YearState",
    "settle_bill",
    "settlement_year",
    "trial_settle",
]
