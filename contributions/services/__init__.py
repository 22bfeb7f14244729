"""Business actions on contributions: each a plain function, one transaction.

Amounts are always computed by `policy.contributions` with the parameters of the date the
contribution is for, and stored with their explanation lines. Payments are the records
benefit status is derived from; the arrears check writes the suspensions that mirror it.

One module per kind of action; the public names are re-exported here so that
`contributions.services.X` keeps working.
"""

from .agreement import record_agreement_payment
from .arrears import check_arrears, lift_suspensions, start_arrears_job
from .back_payment import record_back_payment
from .common import ContributionError
from .intake import INTAKE_KINDS, intake_contribution, intake_contributions
from .monthly import certificate_for_month, declare_base, record_monthly_contribution
from .premium import _ensure_catastrophic_premium
from .resident import RESIDENT_CATEGORY_GROUPS, contribution_category, record_resident_payment
from .retirement import confirm_retirement

__all__ = [
    "INTAKE_KINDS",
    "RESIDENT_CATEGORY_GROUPS",
    "ContributionError",
    "_ensure_catastrophic_premium",
    "certificate_for_month",
    "check_arrears",
    "confirm_retirement",
    "contribution_category",
    "declare_base",
    "intake_contribution",
    "intake_contributions",
    "lift_suspensions",
    "record_agreement_payment",
    "record_back_payment",
    "record_monthly_contribution",
    "record_resident_payment",
    "start_arrears_job",
]
