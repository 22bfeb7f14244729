"""Business actions on personal accounts, one transaction each; every movement is a ledger entry.

By what they do: `ledger` (posting, errors, citations), `opening` (open an account, its credit
profile), `crediting` (one month's credit), `payments` (bills paid and reversed), `mutual_aid`,
`closing` (transfer, clearing, death, inheritance), `retirement` (art. 29(2) refund). The batches
(monthly credit, year-end rollover) are in `accounts.batch`.
"""

from .closing import CLOSING_REASONS, close_account, settle_inheritance, transfer_in
from .crediting import (
    credit_due,
    credit_for_month,
    credit_month,
    due_credits,
    monthly_credit_applies,
)
from .ledger import CREDITED_CATEGORIES, CURRENT_FUND_CATEGORIES, AccountError
from .mutual_aid import (
    Draw,
    draw_for_relative,
    grant_mutual_aid,
    mutual_aid_errors,
    pay_for_relative,
    post_draws,
    queue_usable_grants,
    revoke_mutual_aid,
)
from .opening import (
    CATEGORY_FROM_ENROLMENT,
    _latest_base,
    open_account,
    open_for_enrolment,
    profile_from_status,
    refresh_from_enrolment,
    set_profile,
)
from .payments import pay_for_settlement, reverse_source
from .retirement import (
    provide_deductible_paid,
    refund_retirement_year_deductible,
    retirement_year_months,
    run_retirement_year_refunds,
)

__all__ = [
    "CURRENT_FUND_CATEGORIES",
    "CATEGORY_FROM_ENROLMENT",
    "CLOSING_REASONS",
    "CREDITED_CATEGORIES",
    "AccountError",
    "_latest_base",
    "close_account",
    "credit_due",
    "credit_for_month",
    "credit_month",
    "due_credits",
    "Draw",
    "draw_for_relative",
    "grant_mutual_aid",
    "post_draws",
    "queue_usable_grants",
    "monthly_credit_applies",
    "mutual_aid_errors",
    "open_account",
    "open_for_enrolment",
    "pay_for_relative",
    "pay_for_settlement",
    "profile_from_status",
    "refresh_from_enrolment",
    "provide_deductible_paid",
    "refund_retirement_year_deductible",
    "retirement_year_months",
    "reverse_source",
    "revoke_mutual_aid",
    "run_retirement_year_refunds",
    "set_profile",
    "settle_inheritance",
    "transfer_in",
]
