"""Reads: the one answer to "may this person be settled on this date, and if not, why".

`benefit_status` derives the answer from the records (enrolments, payments as recorded
on the enrolment by the contributions service, suspensions, transfers, certificates,
GP contracts, filings). Nothing about status is typed in by a clerk.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from core import dates
from core.identity import mask_id_number, normalise_id_number
from core.intake import field_error
from core.rows import queue_all, queue_one
from policy import assistance as assistance_rules
from policy import coverage as coverage_rules
from policy.assistance import CertificateFact, Recipient
from policy.parameters import ParameterError
from policy.regions import region_of

from . import payments
from .models import (
    CERTIFICATE_PRIORITY,
    Category,
    Certificate,
    Enrolment,
    Filing,
    GpContract,
    Person,
    Scheme,
    Suspension,
    Transfer,
    default_region,
)


@dataclass(frozen=True)
class BenefitStatus:
    """Whether a person may be settled on a date, under which scheme and category, and why not."""

    eligible: bool
    region: str
    scheme: str | None
    category: str | None
    enrolment_category: str | None
    district: str | None
    reason: str
    article: str
    certificate: str | None
    contracted_gp: bool
    contracted_centre_code: str | None
    filings: list[str] = field(default_factory=list)
    benefit_from: dt.date | None = None
    enrolment_id: int | None = None
    # 舟山 art. 42(5): the recipient also holds a mental-disability certificate (psychiatric costs in full)
    mental_disability: bool = False


def age_on(person: Person, on: dt.date) -> int:
    """The person's age in full years on `on`."""
    return dates.age_on(person.birth_date, on)


def engine_category(scheme: str, category: str) -> str:
    """The settlement engine's category: unemployed and agreement payers settle as active (规程 §3)."""
    if scheme == Scheme.EMPLOYEE:
        if category == Category.RETIRED:
            return "retired"
        if category == Category.FLEXIBLE:
            return "flexible"
        return "active"
    return category


def certificate_on(person: Person, on: dt.date) -> str | None:
    """The certificate kind that counts on `on` (valid and registered), highest priority first."""
    kinds = {c.kind for c in person.certificates.all() if c.counts_on(on)}
    for kind in CERTIFICATE_PRIORITY:
        if kind in kinds:
            return kind
    return None


def certificate_facts(person: Person) -> list[CertificateFact]:
    """The person's certificates as the plain values `policy.assistance` works on."""
    return [
        CertificateFact(
            kind=c.kind, valid_from=c.valid_from, valid_to=c.valid_to, registered_on=c.registered_on
        )
        for c in person.certificates.all()
    ]


def recipient_on(person: Person, on: dt.date) -> Recipient | None:
    """Is `person` a medical-assistance recipient on `on`, of which kind, under which article.

    The one answer for the settlement's immediate assistance (through `benefit_status`) and for
    `assistance/` (杭州 art. 47, 52; 舟山 art. 41, 44): `policy.assistance.recipient_on`.
    """
    return assistance_rules.recipient_on(person.region, certificate_facts(person), on)


def enrolment_on(person: Person, on: dt.date) -> Enrolment | None:
    for enrolment in person.enrolments.all():
        if enrolment.covers(on):
            return enrolment
    return None


def queue_person(*, id_number: str):
    """The person with this (normalised) ID number, or None, with what `benefit_status` reads first.

    Sent now and answered later (`core.rows.queue_one`): in a `core.rows.together()`
    block the person and their enrolments travel in one round trip with the caller's other
    reads (a settlement reads the institution too). The enrolments are kept on the person
    for the next `benefit_status` of it.
    """
    person = queue_one(Person, '"id_number" = %s', [id_number])
    enrolments = _queue_enrolments_with_flags(
        f'"{Enrolment._meta.db_table}"."person_id" = (SELECT "id" FROM "{Person._meta.db_table}" WHERE "id_number" = %s)',
        [id_number],
    )

    def answer() -> Person | None:
        found, rows = person(), enrolments()
        if found is not None:
            found._status_enrolments = rows
        return found

    return answer


def _queue_enrolments_with_flags(condition: str, params):
    # one fixed SELECT with EXISTS columns: compiling it as a queryset with five annotations
    # cost ~2 ms of Python per bill (core.rows)
    enrolment_table = Enrolment._meta.db_table

    def exists_in(model, column: str, outer: str) -> str:
        return f'EXISTS (SELECT 1 FROM "{model._meta.db_table}" WHERE "{column}" = "{enrolment_table}"."{outer}")'

    extra = (
        ("has_suspensions", exists_in(Suspension, "enrolment_id", "id")),
        ("person_has_certificates", exists_in(Certificate, "person_id", "person_id")),
        ("person_has_gp_contracts", exists_in(GpContract, "person_id", "person_id")),
        ("person_has_filings", exists_in(Filing, "person_id", "person_id")),
        ("person_has_transfers", exists_in(Transfer, "person_id", "person_id")),
    )
    # the person's payments (coverage readings 1–10) as a column of the same statement
    paid = payments.column(f'"{enrolment_table}"."person_id"')
    if paid is not None:
        extra += (("person_paid_months", paid),)
    return queue_all(
        Enrolment,
        condition,
        params,
        order_by=f'"{enrolment_table}"."start_date", "{enrolment_table}"."id"',
        extra=extra,
    )


def _enrolments_with_flags(person: Person) -> tuple[list[Enrolment], dict | None]:
    """The person's enrolments, which other records exist, and their payments, in one query.

    A settlement reads the status on every bill; most persons have no certificate, GP
    contract, filing, transfer or suspension, so those tables are read only when a row
    exists. The flags carry the payments (`"paid"`) when the statement read them. Returns flags None when the caller prefetched the enrolments (then every
    table is read as before, using the caller's caches). Enrolments read with the person
    (`queue_person`) serve once.
    """
    if "enrolments" in getattr(person, "_prefetched_objects_cache", {}):
        return list(person.enrolments.all()), None
    enrolments = person.__dict__.pop("_status_enrolments", None)
    if enrolments is None:
        enrolments = _queue_enrolments_with_flags(
            f'"{Enrolment._meta.db_table}"."person_id" = %s', [person.pk]
        )()
    for enrolment in enrolments:
        Enrolment.person.field.set_cached_value(enrolment, person)
    if not enrolments:
        return enrolments, None
    first = enrolments[0]
    flags = {
        "certificates": first.person_has_certificates,
        "gp_contracts": first.person_has_gp_contracts,
        "filings": first.person_has_filings,
        "transfers": first.person_has_transfers,
    }
    if hasattr(first, "person_paid_months"):
        flags["paid"] = payments.from_column(first.person_paid_months)
    return enrolments, flags


def coverage_facts(person: Person, enrolments: list[Enrolment], transfers, paid=None) -> coverage_rules.Facts:
    """The records benefit status is derived from, as plain values (reading 1).

    `paid` is the person's payments when the caller has read them already ({month: Paid}).
    """
    spans = tuple(
        coverage_rules.Span(
            id=e.pk,
            scheme=e.scheme,
            category=e.category,
            district=e.district,
            start=e.start_date,
            end=e.end_date,
            first_paid_on=e.first_paid_on,
            eligible_since=e.eligible_since,
            switched=e.end_reason == Enrolment.EndReason.SWITCH,
        )
        for e in sorted(enrolments, key=lambda e: (e.start_date, e.pk))
    )
    has_employee = any(span.scheme == Scheme.EMPLOYEE for span in spans)
    return coverage_rules.Facts(
        birth_date=person.birth_date,
        death_date=person.death_date,
        spans=spans,
        paid=(payments.paid_months(person) if paid is None else paid) if has_employee else {},
        transfers=tuple(
            coverage_rules.TransferIn(t.transferred_on, t.from_scheme, t.continuous_months_before)
            for t in transfers
            if t.direction == Transfer.Direction.IN
        ),
    )


def benefit_status(*, person: Person, on: dt.date) -> BenefitStatus:
    """May `person` be settled on `on`; under which scheme and category; if not, why (with the article).

    Derived from the records alone (`policy.coverage`, coverage-rules.md readings 1–10): the
    enrolments, each month's payment and its date, back payments, transfers, the birth and
    death dates. Suspension rows written by the arrears job are for clerks to read; they
    are not an input.
    """
    region = region_of(person.region)
    enrolments, flags = _enrolments_with_flags(person)

    def has(name: str) -> bool:
        return flags is None or flags[name]

    recipient = recipient_on(person, on) if has("certificates") else None
    certificate = recipient.kind if recipient is not None else None
    contracts = [c for c in person.gp_contracts.all() if c.counts_on(on)] if has("gp_contracts") else []
    filings = sorted({f.kind for f in person.filings.all() if f.counts_on(on)}) if has("filings") else []
    transfers = list(person.transfers.all()) if has("transfers") else []
    by_id = {e.pk: e for e in enrolments}
    try:
        facts = coverage_facts(person, enrolments, transfers, flags.get("paid") if flags else None)
        result = coverage_rules.coverage(facts, on, region.parameters(on))
        art = region.article(result.key) if result.key else ""
        also = [region.article(key) for key in result.also if region.article(key) != art]
    except ParameterError as error:
        # a figure the rule needs is not set (e.g. a Zhoushan blank): refuse, naming it; never guess
        current = next((e for e in enrolments if e.covers(on)), None)
        result = coverage_rules.Coverage(False, None)
        art, also = getattr(error, "article", ""), []
        reason = str(error)
    else:
        current = by_id.get(result.span.id) if result.span else None
        reason = f"{result.reason}（{'、'.join([art, *also])}）" if not result.eligible else ""
    scheme = result.scheme if result.eligible else (current.scheme if current else None)
    category = result.category if result.eligible else (current.category if current else None)
    return BenefitStatus(
        eligible=result.eligible,
        region=person.region,
        scheme=scheme,
        category=engine_category(scheme, category) if scheme else None,
        enrolment_category=category,
        district=result.district if result.eligible else (current.district if current else None),
        reason=reason,
        article=art,
        certificate=certificate,
        contracted_gp=bool(contracts),
        contracted_centre_code=contracts[-1].centre_code if contracts else None,
        filings=filings,
        benefit_from=result.benefit_from,
        enrolment_id=current.pk if current else None,
        mental_disability=bool(recipient and recipient.psychiatric),
    )


def benefit_status_text(status: BenefitStatus) -> str:
    """One line for clerks: the status and why."""
    if status.eligible:
        return f"可享受待遇：{status.scheme}/{status.category}，辖区 {status.district}"
    return f"不可享受待遇：{status.reason}"


def person_from(record: dict) -> Person:
    """The registered person an intake record names by `id_number`, or a refusal on that field."""
    number = normalise_id_number(str(record.get("id_number") or ""))
    if not number:
        raise field_error("id_number", "须填写证件号码")
    person = Person.objects.filter(id_number=number).first()
    if person is None:
        raise field_error(
            "id_number",
            f"证件号码 {mask_id_number(number)} 未登记参保人，须先办理参保登记"
            f"（{region_of(default_region()).article('enrollment.registration')}）",
        )
    return person


@dataclass(frozen=True)
class SchemeSwitch:
    """A scheme switch (杭州 art. 73), for the deductible borne and the fund channel (art. 74, 75; claims)."""

    on: dt.date
    from_scheme: str
    from_category: str
    to_scheme: str
    to_category: str


def scheme_switches(*, person: Person) -> list[SchemeSwitch]:
    """The person's scheme switches in date order: an enrolment ended by a switch and the one after it.

    Which scheme's benefits apply on a day (the bridges and waits of art. 73) is `benefit_status(...).scheme`.
    """
    enrolments = sorted(person.enrolments.all(), key=lambda e: (e.start_date, e.pk))
    found = []
    for before, after in zip(enrolments, enrolments[1:], strict=False):
        if before.end_reason == Enrolment.EndReason.SWITCH and before.scheme != after.scheme:
            found.append(
                SchemeSwitch(after.start_date, before.scheme, before.category, after.scheme, after.category)
            )
    return found


def relation_on_record(*, person: Person, relative: Person, kind: str) -> bool:
    """Whether the agency has `relative` on record as `person`'s `kind` (spouse, child, parent).

    Either a clerk-verified `FamilyRelation` (entered either way round), or, for a parent and a
    child, the parent named on the child's enrolment.
    """
    from django.db.models import Q

    from .models import FamilyRelation

    inverse = FamilyRelation.INVERSE.get(kind)
    if inverse is None:
        return False
    if FamilyRelation.objects.filter(
        Q(person=person, relative=relative, kind=kind) | Q(person=relative, relative=person, kind=inverse)
    ).exists():
        return True
    if kind == FamilyRelation.Kind.CHILD:
        return Enrolment.objects.filter(person=relative, parent=person).exists()
    if kind == FamilyRelation.Kind.PARENT:
        return Enrolment.objects.filter(person=person, parent=relative).exists()
    return False
