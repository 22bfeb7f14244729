"""Settling one bill: checks, locks, the engine, and the rows written in one transaction."""

from __future__ import annotations

import datetime as dt
import json
import logging
from dataclasses import replace

from django.db import IntegrityError, OperationalError, transaction
from django.utils import timezone

from accounts import selectors as account_selectors
from accounts.services import (
    draw_for_relative,
    pay_for_settlement,
    post_draws,
    queue_usable_grants,
    refund_retirement_year_deductible,
)
from core.books import pooled_fund
from core.language import in_record_language
from core.language import record_gettext as _
from core.rows import (
    insert_rows,
    pipelined,
    queue_one,
    select_one,
    update_row,
)
from policy.money import ZERO
from policy.regions import region_of

from ..deltas import delta
from ..models import Accumulator, Institution, Settlement, SettlementLine
from ..selectors import outpatient_deductible_paid
from ..signals import announce_committed
from .errors import ClaimError, SettlementConflict, SettlementRefused
from .inputs import BillInput, Prepared, freed_key, idempotency_key, request_digest
from .locking import lock_rows
from .mutual_aid import apply_to_result
from .outbox import queue_statement
from .prepare import compute, full_state, prepare
from .responses import jsonb_order, result_body

log = logging.getLogger(__name__)

SOURCE_TYPE = "claims.settlement"
DEADLOCK_RETRIES = 2


def existing(key: str, digest: str, *, source: str = Settlement.Source.API):
    """The settlement already made under `key`: the same body is a replay (returned); another is refused.

    Reading 23: one bill is paid once, whatever the channel; the refusal names the channel
    and the settlement that paid it.
    """
    seen = select_one(Settlement, '"idempotency_key" = %s', [key])
    if seen is None or seen.request_digest == digest:
        return seen
    article = region_of(seen.region).article("claims.one_bill_once")
    if seen.source != source:
        raise SettlementConflict(
            "bill_number",
            _("票据 %(number)s 已于 %(day)s 经%(channel)s结算（结算号 %(id)s），同一票据只支付一次")
            % {
                "number": seen.bill_number,
                "day": timezone.localtime(seen.created).date().isoformat(),
                "channel": seen.get_source_display(),
                "id": seen.pk,
            },
            article,
            reason="duplicate",
        )
    raise SettlementConflict(
        "bill_number",
        _("单据号 %(number)s 已以不同内容结算（结算号 %(id)s）；如需更正请先冲正")
        % {"number": seen.bill_number, "id": seen.pk},
        article,
    )


def queue_probes(prepared: Prepared, key: str, digest: str):
    """Reads that travel with the row locks (one round trip); returns the check of their answers.

    - reading 27: a replay of a reversed settlement's body is refused, naming the reversal;
    - reading 24: a general outpatient bill dated inside a stay already settled is refused.
    """
    replay = queue_one(Settlement, '"idempotency_key" = %s', [freed_key(key, digest)])
    stay = None
    if prepared.bill.kind == Settlement.BillKind.OUTPATIENT:
        stay = queue_one(
            Settlement,
            '"person_id" = %s AND "status" = %s AND "bill_kind" IN (%s, %s) '
            'AND "admission_date" <= %s AND "discharge_date" >= %s',
            [
                prepared.person.pk,
                Settlement.Status.SETTLED,
                Settlement.BillKind.INPATIENT,
                Settlement.BillKind.HOME_BED,
                prepared.on,
                prepared.on,
            ],
        )

    def check() -> None:
        region = region_of(prepared.profile.region)
        reversed_one = replay()
        if reversed_one is not None:
            reversal = Settlement.objects.filter(reverses=reversed_one).first()
            raise SettlementConflict(
                "bill_number",
                _(
                    "单据号 %(number)s 的这一内容已结算（结算号 %(id)s）并已冲正（冲正记录 %(reversal)s）；"
                    "重发不予结算，更正后的单据可按同一单据号重新结算"
                )
                % {
                    "number": reversed_one.bill_number,
                    "id": reversed_one.pk,
                    "reversal": reversal.pk if reversal else "-",
                },
                region.article("claims.reversal"),
                reason="reversed",
            )
        found = stay() if stay is not None else None
        if found is not None:
            raise SettlementRefused(
                "date",
                _(
                    "%(day)s 在已结算的住院期间（%(admission)s 至 %(discharge)s，结算号 %(id)s）内，普通门诊费用不予报销"
                )
                % {
                    "day": prepared.on.isoformat(),
                    "admission": found.admission_date.isoformat(),
                    "discharge": found.discharge_date.isoformat(),
                    "id": found.pk,
                },
                region.article("claims.outpatient_during_stay"),
                reason="during_stay",
            )

    return check


@in_record_language
def settle(
    *,
    person,
    institution: Institution | None,
    bill: BillInput,
    body: dict,
    user=None,
    source: str = Settlement.Source.API,
    today: dt.date | None = None,
) -> tuple[Settlement, bool]:
    """Settle one bill; returns (settlement, created). A replay of the same key and body returns the first.

    A replay is found by the settlement's unique key when its INSERT fails (or when the bill
    is refused now, e.g. the person has left since): a first settlement, the usual case,
    spends no query on looking for an earlier one.
    """
    today = today or timezone.localdate()
    key = idempotency_key(
        institution=institution, bill_number=bill.bill_number, issuer_name=bill.institution_name
    )
    digest = request_digest(body)
    try:
        for attempt in range(DEADLOCK_RETRIES + 1):
            try:
                return _settle_new(
                    person=person,
                    institution=institution,
                    bill=bill,
                    body=body,
                    user=user,
                    source=source,
                    today=today,
                    key=key,
                    digest=digest,
                ), True
            except OperationalError as error:
                # two spouses who granted each other mutual aid, settling at the same moment, lock
                # each other's account in opposite orders; PostgreSQL breaks the tie by refusing one:
                # nothing of it was written, so it is settled again
                if attempt == DEADLOCK_RETRIES or getattr(error.__cause__, "sqlstate", None) != "40P01":
                    raise
                log.warning("settlement of bill %s refused by a deadlock; settled again", bill.bill_number)
        raise AssertionError("unreachable")  # pragma: no cover
    except (IntegrityError, ClaimError):
        found = existing(key, digest, source=source)  # settled before (a retry), or by a concurrent request
        if found is None:
            raise
        return found, False


def _settle_new(*, person, institution, bill, body, user, source, today, key, digest) -> Settlement:
    prepared = prepare(
        person=person, institution=institution, bill=bill, source=source, today=today, read_account=False
    )
    with transaction.atomic():
        # the probes travel with the row locks (one round trip on PostgreSQL)
        probes = []

        def also():
            probes.append(queue_probes(prepared, key, digest))
            # 杭州 art. 26(6), 舟山 art. 21: the grants that cover the bill, read with the locks
            probes.append(queue_usable_grants(relative_id=prepared.person.pk, on=prepared.on, today=today))

        accumulator, account, settlement_key = lock_rows(prepared, also=also)
        probes[0]()
        grants = probes[1]()
        balances = account_selectors.balances_of(account)
        uses_historical = account_selectors.historical_funds_pay(account)
        if uses_historical != prepared.profile.use_historical_funds:
            prepared.profile = replace(prepared.profile, use_historical_funds=uses_historical)
        result = compute(prepared, accumulator.state, balances)
        # the holders' rows are locked (in id order) before the write batch: their balances are read here
        draws = draw_for_relative(grants=grants, amount=result.cash_paid) if grants else []
        mutual_aid_paid = apply_to_result(result, draws, region=prepared.profile.region)
        with pipelined():  # the write batch: sent to PostgreSQL together, answered once (core.rows)
            settlement = _write(
                prepared,
                accumulator,
                result,
                account=account,
                settlement_key=settlement_key,
                key=key,
                digest=digest,
                body=body,
                user=user,
                source=source,
                draws=draws,
                mutual_aid_paid=mutual_aid_paid,
            )
        if source == Settlement.Source.COUNTER or (account is not None and account.category == "retired"):
            # (an API bill of a person still active is of no retirement year: no query for it)
            recheck_retirement_refund(
                person=person, year_key=prepared.year.key, year_end=prepared.year.end, today=today
            )
        announce_committed(settlement.pk)
        return settlement


def recheck_retirement_refund(*, person, year_key: str, year_end: dt.date, today: dt.date) -> None:
    """HZ art. 29(2): a bill of a year already closed changes what the retirement year's refund should be.

    The year-end task refunds the retirement year's excess deductible; a counter
    reimbursement of that year may come until the end of the next one (art. 65), and a
    reversal may come too. Either moves the year's deductible paid, so the refund is worked
    out again and the difference posted (`accounts.services.refund_retirement_year_deductible`;
    nothing for anybody who did not retire that year). Bills of the current year need
    nothing: the year-end task sees them.
    """
    if year_end < today and year_key.isdigit():
        year = int(year_key)
        refund_retirement_year_deductible(
            person=person, year=year, on=today, deductible_paid=outpatient_deductible_paid(person.pk, year)
        )


def _write(
    prepared: Prepared,
    accumulator: Accumulator,
    result,
    *,
    account,
    key,
    digest,
    body,
    user,
    source,
    settlement_key=None,
    draws=(),
    mutual_aid_paid=ZERO,
) -> Settlement:
    """Write the settlement, its lines, the account payment and the new accumulators (rows locked by `settle`)."""

    bill = prepared.bill
    result_dict = result.as_dict()
    state_before = full_state(accumulator.state)
    state_after = full_state(result.state.to_dict())
    settlement = Settlement(
        kind=Settlement.Kind.SETTLEMENT,
        status=Settlement.Status.SETTLED,
        source=source,
        idempotency_key=key,
        request_digest=digest,
        request=json.loads(json.dumps(body, default=str)),
        person=prepared.person,
        person_name=prepared.person.name,
        pooled_fund=pooled_fund(prepared.profile.scheme, prepared.profile.category),
        institution=prepared.institution,
        institution_name=prepared.institution.name if prepared.institution else bill.institution_name,
        bill_number=bill.bill_number,
        bill_date=prepared.on,
        admission_date=bill.admission_date,
        discharge_date=bill.discharge_date,
        interim=bill.interim,
        period_start=bill.period_start,
        bill_kind=bill.kind,
        maternity=bill.maternity,
        institution_level=prepared.engine_bill.institution_level,
        settlement_mode=bill.settlement,
        at_contracted_centre=prepared.engine_bill.at_contracted_centre,
        referred_by_contracted_centre=prepared.engine_bill.referred_by_contracted_centre,
        diagnosis_codes=list(bill.diagnosis_codes),
        drg_code=bill.drg_code,
        region=prepared.profile.region,
        year_key=prepared.year.key,
        out_of_scope=bill.out_of_scope,
        self_pay_first=bill.self_pay_first,
        eligible=bill.eligible,
        special_drug=bill.special_drug,
        state_before=state_before,
        state_delta=delta(state_before, state_after),
        created_by=user if getattr(user, "is_authenticated", False) else None,
        **{name: getattr(result, name) for name in Settlement.COMPONENTS},
        mutual_aid_paid=mutual_aid_paid,
    )
    # the answer is recorded with the settlement (one INSERT); its id is added when answered
    settlement.response = jsonb_order(result_body(settlement, result_dict, prepared.extra_lines))
    # the same INSERTs as save()/bulk_create, without compiling them on every bill (core.rows)
    if settlement_key is not None:
        settlement.pk = settlement_key()
    insert_rows([settlement])  # its key: drawn under the locks (PostgreSQL) or given by this INSERT
    lines = list(prepared.extra_lines) + list(result.lines)
    insert_rows(
        [
            SettlementLine(
                settlement=settlement,
                position=index,
                article=line.article,
                text=line.text,
                amount=line.amount,
            )
            for index, line in enumerate(lines, start=1)
        ]
    )
    if result.current_funds_paid or result.historical_funds_paid:
        pay_for_settlement(
            account=account,
            on=prepared.on,
            current_funds=result.current_funds_paid,
            historical_funds=result.historical_funds_paid,
            source_type=SOURCE_TYPE,
            source_id=str(settlement.pk),
            text=_("医疗费结算 %(number)s") % {"number": bill.bill_number},
            article=region_of(prepared.profile.region).article("claims.account_payment"),
        )
    if draws:
        post_draws(
            draws=draws,
            relative=prepared.person,
            on=prepared.on,
            source_type=SOURCE_TYPE,
            source_id=str(settlement.pk),
        )
    accumulator.state = state_after
    accumulator.settlements += 1
    update_row(accumulator, ("state", "settlements", "updated"))
    queue_statement(settlement)
    return settlement
