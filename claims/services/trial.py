"""Trial settlement (预结算): the settlement a bill would get now; nothing written, nothing locked."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from accounts import selectors as account_selectors

from ..models import Accumulator, Institution, Settlement
from .inputs import BillInput, idempotency_key
from .prepare import compute, prepare
from .settle import queue_probes


def trial(*, person, institution: Institution | None, bill: BillInput, today: dt.date | None = None) -> dict:
    """The settlement the bill would get now, on the person's stored state; nothing written, nothing locked."""
    prepared = prepare(
        person=person,
        institution=institution,
        bill=bill,
        source=Settlement.Source.API,
        today=today or timezone.localdate(),
    )
    key = idempotency_key(
        institution=institution, bill_number=bill.bill_number, issuer_name=bill.institution_name
    )
    queue_probes(prepared, key, "")()  # a general outpatient bill inside a settled stay (reading 24)
    accumulator = Accumulator.objects.filter(person=person, year_key=prepared.year.key).first()
    result = compute(
        prepared, accumulator.state if accumulator else {}, account_selectors.balances(person=person)
    )
    body = result.as_dict()
    body["lines"] = [line.as_dict() for line in prepared.extra_lines] + list(body.get("lines", []))
    body.update(
        {
            "trial": True,
            "bill_number": bill.bill_number,
            "person": person.masked_id_number,
            "date": prepared.on.isoformat(),
            "year": prepared.year.key,
            "settlement": bill.settlement,
        }
    )
    return body
