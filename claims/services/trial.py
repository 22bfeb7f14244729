"""Trial settlement (预结算): the settlement a bill would get now; nothing written, nothing locked."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from accounts import selectors as account_selectors
from accounts.services import draw_for_relative, queue_usable_grants

from ..models import Accumulator, Institution, Settlement
from .inputs import BillInput, idempotency_key
from .mutual_aid import apply_to_result
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
    # 杭州 art. 26(6), 舟山 art. 21: what a relative's grant would pay, on the balances as they stand
    grants = queue_usable_grants(relative_id=person.pk, on=prepared.on, today=today or timezone.localdate())()
    draws = draw_for_relative(grants=grants, amount=result.cash_paid, lock=False) if grants else []
    mutual_aid_paid = apply_to_result(result, draws, region=prepared.profile.region)
    body = result.as_dict()
    body["mutual_aid_paid"] = f"{mutual_aid_paid:.2f}"
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
