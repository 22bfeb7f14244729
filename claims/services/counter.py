"""Reimbursement at the counter (事后报销): a bill the person paid in full (HZ art. 65–69, ZS art. 57).

The same settlement as the API, source `counter`. The bill is the issuer's (a registered
institution, or the name as entered) with its number (reading 23): a bill the institution
already settled directly is refused, naming that settlement; two issuers' invoices with
the same number are two bills. The region's own deadline applies (`check_counter_deadline`).
"""

from __future__ import annotations

import datetime as dt

from ..models import Institution, Settlement
from .inputs import BillInput
from .settle import settle


def reimburse(
    *,
    person,
    institution: Institution | None,
    bill: BillInput,
    body: dict,
    user=None,
    today: dt.date | None = None,
) -> tuple[Settlement, bool]:
    """Reimburse one bill at the counter; returns (settlement, created), as `settle` does."""
    if institution is not None:
        bill.institution_name = institution.name
        bill.institution_level = bill.institution_level or institution.level
    return settle(
        person=person,
        institution=institution,
        bill=bill,
        body=body,
        user=user,
        source=Settlement.Source.COUNTER,
        today=today,
    )
