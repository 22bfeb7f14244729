"""Contribution records from the tax bureau (idempotent on the record id)."""

from __future__ import annotations

import logging

from django.db import transaction

from core.identity import normalise_id_number
from enrollment.models import (
    Employer,
    Person,
    Scheme,
)
from policy.regions import region_of

from ..models import (
    ContributionRecord,
    ResidentPayment,
)
from .monthly import record_monthly_contribution
from .resident import record_resident_payment

log = logging.getLogger(__name__)

# --- intake from the tax bureau ----------------------------------------------------------

INTAKE_KINDS = ("employee", "flexible", "unemployed", "resident")
# The fields a record may carry (contributions.serializers.ContributionIntakeRecordSerializer); others are refused.
INTAKE_FIELDS = frozenset(
    {
        "id",
        "kind",
        "id_number",
        "paid_on",
        "month",
        "employer_credit_code",
        "monthly_wage",
        "disability_allowance",
        "year",
        "subsidy_reason",
        "total",
    }
)


def intake_contribution(record: dict) -> tuple[object, bool]:
    """One record from the tax bureau, idempotent on its record id; amounts recomputed here.

    A `total` sent by the tax bureau is checked against the computed total.
    """
    from core.intake import amount_from, date_from, field_error, month_from, refuse_unknown, year_from
    from enrollment.selectors import person_from

    record_id = str(record["id"]).strip()
    refuse_unknown(record, INTAKE_FIELDS)
    kind = str(record.get("kind") or "")
    if kind not in INTAKE_KINDS:
        raise field_error("kind", f"缴费类型应为 {', '.join(INTAKE_KINDS)} 之一，收到 {kind!r}")
    person = person_from(record)
    # one intake at a time per person, so a record sent twice at once is written once
    Person.objects.select_for_update().filter(pk=person.pk).first()
    paid_on = date_from(record, "paid_on")
    expected_total = amount_from(record, "total")
    if kind == "resident":
        existing = ResidentPayment.objects.filter(external_id=record_id).first()
        if existing:
            if existing.person_id != person.pk:
                raise field_error("id", f"税务记录号 {record_id} 已用于另一参保人")
            return existing, False
        year = year_from(record, "year")
        enrolment = (
            person.enrolments.filter(scheme=Scheme.RESIDENT, start_date__year__in=[year, year - 1])
            .filter(end_date__year__in=[year, year + 1])
            .order_by("-start_date")
            .first()
        )
        if enrolment is None:
            article = region_of(person.region).article("contributions.resident_enrolment")
            raise field_error("year", f"{year}年度没有城乡居民医保参保登记（{article}）")
        payment = record_resident_payment(
            enrolment=enrolment,
            paid_on=paid_on,
            subsidy_reason=record.get("subsidy_reason") or None,
            source=ResidentPayment.Source.TAX_BUREAU,
            external_id=record_id,
        )
        if expected_total is not None and expected_total != payment.personal_payable:
            raise field_error("total", f"个人实缴应为 {payment.personal_payable}，收到 {expected_total}")
        return payment, True
    existing = ContributionRecord.objects.filter(external_id=record_id).first()
    month = month_from(record)
    if existing:
        if existing.person_id != person.pk or existing.month != month:
            raise field_error("id", f"税务记录号 {record_id} 已用于另一条缴费记录")
        return existing, False
    employer = None
    code = str(record.get("employer_credit_code") or "").strip().upper()
    if code:
        employer = Employer.objects.filter(credit_code=code).first()
        if employer is None:
            raise field_error("employer_credit_code", f"统一社会信用代码 {code} 未登记为参保单位")
    contribution = record_monthly_contribution(
        person=person,
        month=month,
        paid_on=paid_on,
        monthly_wage=amount_from(record, "monthly_wage"),
        disability_allowance=amount_from(record, "disability_allowance"),
        employer=employer,
        source=ContributionRecord.Source.TAX_BUREAU,
        external_id=record_id,
    )
    if contribution.kind != kind:
        raise field_error(
            "kind", f"该参保人{month:%Y年%m月}按{contribution.get_kind_display()}缴费，与申报的 {kind!r} 不符"
        )
    if expected_total is not None and expected_total != contribution.total:
        raise field_error("total", f"按规定计算的合计应为 {contribution.total}，收到 {expected_total}")
    return contribution, True


def intake_contributions(records):
    """Bulk contribution records from the tax bureau: all or nothing, idempotent per record id.

    Every person the batch names is locked first, in one fixed order (by id), before any
    record is handled: two batches naming the same persons in different orders then queue
    behind each other instead of each holding one person and waiting for the other (deadlock).
    """
    from core.intake import run_intake

    with transaction.atomic():
        if isinstance(records, list):
            numbers = {
                normalise_id_number(str(record.get("id_number") or ""))
                for record in records
                if isinstance(record, dict)
            }
            numbers.discard("")
            list(
                Person.objects.select_for_update()
                .filter(id_number__in=numbers)
                .order_by("pk")
                .values_list("pk")
            )
        return run_intake(records, intake_contribution)
