"""Records on a person: certificates (and their intake), GP contracts, filings, family relations."""

from __future__ import annotations

import datetime as dt

from django.db import models, transaction
from django.utils import timezone

from policy.regions import region_of

from ..models import CERTIFICATE_PRIORITY, Certificate, FamilyRelation, Filing, GpContract, Person
from .errors import _refuse

CERTIFICATE_KINDS = CERTIFICATE_PRIORITY


@transaction.atomic
def record_certificate(
    *,
    person: Person,
    kind: str,
    valid_from: dt.date,
    valid_to: dt.date | None = None,
    registered_on: dt.date | None = None,
    source: str = Certificate.Source.COUNTER,
    number: str = "",
    external_id: str | None = None,
) -> Certificate:
    """持证登记 (杭州 art. 13(5), 15, 52): benefits count from the registration day."""
    certificate = Certificate(
        person=person,
        kind=kind,
        number=number,
        valid_from=valid_from,
        valid_to=valid_to,
        registered_on=registered_on or timezone.localdate(),
        source=source,
        external_id=external_id or None,
    )
    if valid_to and valid_to < valid_from:
        _refuse("valid_to", "有效期止不能早于有效期起")
    certificate.full_clean()
    certificate.save()
    return certificate


@transaction.atomic
def record_gp_contract(
    *, person: Person, centre_code: str, valid_from: dt.date, valid_to=None, centre_name=""
) -> GpContract:
    if valid_to and valid_to < valid_from:
        _refuse("valid_to", "签约止日期不能早于签约起日期")
    overlapping = person.gp_contracts.filter(valid_from__lte=valid_to or dt.date.max).exclude(
        valid_to__lt=valid_from
    )
    if overlapping.exists():
        _refuse(
            "valid_from",
            f"同一时期只能签约一家社区卫生服务机构（{region_of(person.region).article('enrollment.gp_contract')}）",
        )
    contract = GpContract(
        person=person,
        centre_code=centre_code,
        centre_name=centre_name,
        valid_from=valid_from,
        valid_to=valid_to,
    )
    contract.full_clean()
    contract.save()
    return contract


@transaction.atomic
def record_filing(*, person: Person, kind: str, valid_from: dt.date, valid_to=None, **extra) -> Filing:
    if valid_to and valid_to < valid_from:
        _refuse("valid_to", "备案终止日期不能早于生效日期")
    filing = Filing(person=person, kind=kind, valid_from=valid_from, valid_to=valid_to, **extra)
    filing.full_clean()
    filing.save()
    return filing


# What a certificate record may name (anything else is refused, issue 11)
CERTIFICATE_INTAKE_FIELDS = frozenset(
    {"id", "id_number", "kind", "number", "valid_from", "valid_to", "registered_on"}
)


def intake_certificate(record: dict, *, source: str) -> tuple[Certificate, bool]:
    """One certificate from civil affairs or the disability federation, idempotent on its record id."""
    from core.intake import date_from, field_error, refuse_unknown, text_from

    from ..selectors import person_from

    refuse_unknown(record, CERTIFICATE_INTAKE_FIELDS)
    record_id = str(record["id"]).strip()
    existing = Certificate.objects.filter(external_id=record_id).first()
    person = person_from(record)
    if existing:
        if existing.person_id != person.pk:
            raise field_error("id", f"记录号 {record_id} 已用于另一参保人的证件")
        return existing, False
    kind = str(record.get("kind") or "")
    if kind not in CERTIFICATE_KINDS:
        raise field_error("kind", f"证件种类应为 {', '.join(CERTIFICATE_KINDS)} 之一，收到 {kind!r}")
    certificate = record_certificate(
        person=person,
        kind=kind,
        number=text_from(record, "number", max_length=Certificate._meta.get_field("number").max_length),
        valid_from=date_from(record, "valid_from"),
        valid_to=date_from(record, "valid_to", required=False),
        registered_on=date_from(record, "registered_on", required=False),
        source=source,
        external_id=record_id,
    )
    return certificate, True


def intake_certificates(records, *, source: str = Certificate.Source.CIVIL_AFFAIRS):
    """Bulk certificates (杭州 art. 13(5), 15, 52): all or nothing, idempotent per record id."""
    from core.intake import run_intake

    return run_intake(records, lambda record: intake_certificate(record, source=source))


@transaction.atomic
def record_family_relation(
    *,
    person: Person,
    relative: Person,
    kind: str,
    source: str,
    verified_by,
    verified_on: dt.date | None = None,
    document_number: str = "",
) -> FamilyRelation:
    """A clerk records a close relation after checking the household register or a certificate.

    `kind` is what `relative` is to `person`. One record per pair, whichever way round it was
    entered: a second one is refused, naming the first.
    """
    if person.pk == relative.pk:
        _refuse("relative", "近亲属不能是本人")
    if kind not in FamilyRelation.Kind.values:
        _refuse("kind", "近亲属限配偶、子女和父母")
    if source not in FamilyRelation.Source.values:
        _refuse("source", "请选择关系依据")
    if verified_by is None or not getattr(verified_by, "is_authenticated", False):
        _refuse("verified_by", "家庭关系须由经办人核验后登记")
    Person.objects.select_for_update().filter(pk__in=sorted((person.pk, relative.pk))).order_by("pk").first()
    existing = FamilyRelation.objects.filter(
        models.Q(person=person, relative=relative) | models.Q(person=relative, relative=person)
    ).first()
    if existing is not None:
        _refuse("relative", f"已登记两人的家庭关系：{existing.get_kind_display()}（{existing.verified_on}）")
    return FamilyRelation.objects.create(
        person=person,
        relative=relative,
        kind=kind,
        source=source,
        document_number=document_number,
        verified_by=verified_by,
        verified_on=verified_on or timezone.localdate(),
    )
