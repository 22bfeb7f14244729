"""Reversal (冲正): negative amounts and lines, accounts returned, accumulators restored."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.services import reverse_source
from core.language import in_record_language
from policy.regions import region_of

from ..deltas import delta, remove
from ..models import Accumulator, Settlement, SettlementLine
from .errors import SettlementConflict
from .inputs import freed_key
from .outbox import queue_statement
from .prepare import full_state
from .responses import jsonb_order, reversal_body
from .settle import SOURCE_TYPE, recheck_retirement_refund


@in_record_language
def reverse(*, settlement: Settlement, user=None, today: dt.date | None = None) -> Settlement:
    """Reverse (冲正) a settlement: negative amounts and lines, accounts returned, accumulators restored."""
    today = today or timezone.localdate()
    with transaction.atomic():
        original = Settlement.objects.select_for_update().get(pk=settlement.pk)
        article = region_of(original.region).article("claims.reversal")
        if original.kind != Settlement.Kind.SETTLEMENT:
            raise SettlementConflict("settlement", _("冲正记录不能再冲正"), article)
        if original.status == Settlement.Status.REVERSED:
            raise SettlementConflict(
                "settlement", _("该结算已冲正，不能重复冲正"), article, reason="reversed"
            )
        # reading 27: the bill number is free again; the reversed body stays known (a replay is a 409)
        freed = freed_key(original.idempotency_key, original.request_digest)
        accumulator = Accumulator.objects.select_for_update().get(
            person=original.person, year_key=original.year_key
        )
        state_before = full_state(accumulator.state)
        accumulator.state = full_state(remove(state_before, original.state_delta))
        accumulator.settlements += 1
        accumulator.save(update_fields=["state", "settlements", "updated"])
        reversal = Settlement.objects.create(
            kind=Settlement.Kind.REVERSAL,
            status=Settlement.Status.REVERSAL,
            source=original.source,
            reverses=original,
            idempotency_key=f"{freed}-r",
            request_digest=original.request_digest,
            request={"reverses": original.pk},
            person=original.person,
            person_name=original.person_name,
            pooled_fund=original.pooled_fund,
            institution=original.institution,
            institution_name=original.institution_name,
            bill_number=original.bill_number,
            bill_date=original.bill_date,
            admission_date=original.admission_date,
            discharge_date=original.discharge_date,
            interim=original.interim,
            period_start=original.period_start,
            bill_kind=original.bill_kind,
            maternity=original.maternity,
            institution_level=original.institution_level,
            settlement_mode=original.settlement_mode,
            at_contracted_centre=original.at_contracted_centre,
            referred_by_contracted_centre=original.referred_by_contracted_centre,
            diagnosis_codes=original.diagnosis_codes,
            drg_code=original.drg_code,
            region=original.region,
            year_key=original.year_key,
            out_of_scope=-original.out_of_scope,
            self_pay_first=-original.self_pay_first,
            eligible=-original.eligible,
            special_drug=-original.special_drug,
            state_before=state_before,
            state_delta=delta(state_before, accumulator.state),
            created_by=user if getattr(user, "is_authenticated", False) else None,
            **{name: -getattr(original, name) for name in Settlement.COMPONENTS},
            mutual_aid_paid=-original.mutual_aid_paid,
        )
        SettlementLine.objects.bulk_create(
            SettlementLine(
                settlement=reversal,
                position=line.position,
                article=line.article,
                text=_("冲正：%(text)s") % {"text": line.text},
                amount=-line.amount,
            )
            for line in original.lines.all()
        )
        # the relatives' historical funds paid under mutual aid come back with the person's own (art. 26(6))
        if original.current_funds_paid or original.historical_funds_paid or original.mutual_aid_paid:
            reverse_source(source_type=SOURCE_TYPE, source_id=str(original.pk), on=today)
        recheck_retirement_refund(
            person=original.person, year_key=original.year_key, year_end=accumulator.year_end, today=today
        )
        original.status = Settlement.Status.REVERSED
        original.idempotency_key = freed
        original.save(update_fields=["status", "idempotency_key"])
        reversal.response = jsonb_order(reversal_body(reversal))
        Settlement.objects.filter(pk=reversal.pk).update(response=reversal.response)
        queue_statement(reversal)
    return reversal
