"""Settlement of an enrolled person's bill on the person's stored state (HZ ch. 4, 5, 7).

One path serves the institution's real-time settlement (API), the trial settlement on
stored state (same computation, nothing written) and the clerk's reimbursement at the
counter (事后报销, art. 65):

1. the bill is checked (institution agreement art. 88, exclusions art. 71, the
   365-day stay art. 64(6), the counter deadline art. 65);
2. the person's benefit status on the bill date is read from enrolment records
   (insured that day, waiting period, suspension, scheme, category, certificates,
   GP contract); a refusal names its reason and article and writes nothing;
3. in ONE transaction: the person's accumulators row for the settlement year is
   created if missing and locked (`select_for_update`), then the account row; the
   policy engine computes; the settlement, its lines, the account ledger entries and
   the new accumulators are written (on PostgreSQL sent as one batch, `_settle_new`).

Order of bills. The engine's accumulators are year-to-date: bills are applied in the
order they are settled. A bill dated before the latest settled bill of the year is
settled on the current state (what every bill settled so far left), not re-inserted
into the past; earlier settlements are never recomputed.

Reversal (冲正) writes a second settlement with the negative of every amount and
line, returns the account payments (`accounts.services.reverse_source`) and
subtracts the settlement's own delta from the CURRENT accumulators (see
`claims.deltas`). Later settlements of the same year are not recomputed; the next
settlement sees the restored state. A settlement is reversed at most once.

Idempotency: the key is institution code + bill number (counter: `counter:` + person
+ bill number). The same key with the same request body returns the stored first
response; another body under the same key is a conflict. The settlement's unique key
finds them when its INSERT fails, so a first settlement makes no lookup for an earlier one.

The package: `errors` (refusals), `inputs` (the bill, the key), `bill_checks` (rules on the
bill itself: its date, a long stay, exclusions, maternity, the counter deadline),
`institution_checks` (rules on where it is settled: the institution, the mode, filings),
`prepare` (the engine's input and run), `locking`, `settle`, `reverse`, `trial`,
`outbox` (statements), `responses`. Public names are re-exported here.
"""

from .bill_checks import (
    EXCLUSIONS,
    STAY_KINDS,
    bill_date,
    check_counter_deadline,
    check_exclusion,
    check_long_stay,
)
from .counter import reimburse
from .errors import ClaimError, NotYourInstitution, SettlementConflict, SettlementRefused
from .inputs import ENGINE_MODE, BillInput, Prepared, freed_key, idempotency_key, request_digest
from .institution_checks import (
    FILINGS_NEEDED,
    check_filings,
    check_home_bed,
    check_institution,
    check_kind_at_institution,
    check_offsite_filing,
    check_visit_home,
    settlement_mode,
)
from .locking import lock_rows, locked_accumulator
from .outbox import queue_render, queue_statement, renders_in_process
from .prepare import compute, coverage_segments, full_state, prepare, refusal_of
from .responses import jsonb_order, line_dict, response_of, result_body, reversal_body
from .reverse import reverse
from .settle import SOURCE_TYPE, existing, queue_probes, recheck_retirement_refund, settle
from .trial import trial

__all__ = [
    "BillInput",
    "ClaimError",
    "ENGINE_MODE",
    "EXCLUSIONS",
    "STAY_KINDS",
    "FILINGS_NEEDED",
    "NotYourInstitution",
    "Prepared",
    "SOURCE_TYPE",
    "SettlementConflict",
    "SettlementRefused",
    "bill_date",
    "check_counter_deadline",
    "check_exclusion",
    "check_filings",
    "check_home_bed",
    "check_institution",
    "check_kind_at_institution",
    "check_long_stay",
    "check_offsite_filing",
    "check_visit_home",
    "compute",
    "existing",
    "queue_probes",
    "reimburse",
    "freed_key",
    "full_state",
    "idempotency_key",
    "jsonb_order",
    "line_dict",
    "lock_rows",
    "locked_accumulator",
    "prepare",
    "coverage_segments",
    "refusal_of",
    "queue_render",
    "queue_statement",
    "recheck_retirement_refund",
    "renders_in_process",
    "request_digest",
    "response_of",
    "result_body",
    "reversal_body",
    "reverse",
    "settle",
    "settlement_mode",
    "trial",
]
