"""Set-based batches over all accounts: the monthly credit (`credits`) and the year-end rollover (`rollover`)."""

from .credits import credit_chunk, run_credit_month
from .rollover import plan_for, run_rollover

__all__ = ["credit_chunk", "plan_for", "run_credit_month", "run_rollover"]
