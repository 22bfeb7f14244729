"""A bill as received or entered, what the engine needs of it, and the settlement's idempotency key."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from decimal import Decimal

from policy.money import ZERO

from ..models import Institution, Settlement

# Modes a clerk settles at the counter and the engine's `settlement` value for each.
# HZ art. 65 para. 2–3: a non-networked bill, a networked one that failed, and an
# emergency at a non-designated institution are settled by the local rules.
ENGINE_MODE = {
    Settlement.Mode.LOCAL: "local",
    Settlement.Mode.DIRECT_OFFSITE: "direct_offsite",
    Settlement.Mode.REIMBURSED_IN_PROVINCE: "reimbursed_in_province",
    Settlement.Mode.REIMBURSED_OUT_OF_PROVINCE: "reimbursed_out_of_province",
    Settlement.Mode.NON_DESIGNATED_IN_REFERRAL_AREA: "non_designated_in_referral_area",
    Settlement.Mode.ABROAD_TEMPORARY: "abroad_temporary",
    Settlement.Mode.EMERGENCY_NON_DESIGNATED: "local",
    Settlement.Mode.UNFILED_SELF_REFERRAL: "unfiled_self_referral",
}


@dataclass
class BillInput:
    """A bill as received (API) or entered (counter); amounts already parsed as Decimal."""

    bill_number: str
    kind: str
    date: dt.date | None = None
    admission_date: dt.date | None = None
    discharge_date: dt.date | None = None
    settlement: str = Settlement.Mode.LOCAL
    at_contracted_centre: bool = False
    referred_by_contracted_centre: bool = False
    out_of_scope: Decimal = ZERO
    self_pay_first: Decimal = ZERO
    eligible: Decimal = ZERO
    special_drug: Decimal = ZERO
    diagnosis_codes: list[str] = field(default_factory=list)
    drg_code: str = ""  # inpatient only, optional (杭州 art. 90)
    exclusion: str = ""
    third_party_unpaid: bool = False
    institution_level: str = ""
    institution_name: str = ""
    # HZ art. 64(6): a stay of a year is settled at its 365th day (interim) and again from the day after
    interim: bool = False
    period_start: dt.date | None = None
    # 杭州 art. 57; 舟山 art. 51: a birth's or a family-planning procedure's costs (Settlement.Maternity)
    maternity: str = ""

    @classmethod
    def from_data(cls, data: Mapping) -> BillInput:
        """The bill from a counter form's cleaned data or an API serializer's validated data.

        Each field of the bill takes the value of the same name; an absent, None or empty value
        takes the field's default (amounts 0.00, flags false, texts empty, a local settlement).
        """
        values = {}
        for item in fields(cls):
            value = data.get(item.name)
            if value is not None and value != "":
                values[item.name] = list(value) if item.name == "diagnosis_codes" else value
        return cls(**values)


@dataclass
class Prepared:
    """Everything the engine needs, read before the transaction's locks are taken."""

    person: object
    institution: Institution | None
    bill: BillInput
    on: dt.date
    profile: object
    engine_bill: object
    params: object
    year: object
    status: object
    extra_lines: list = field(default_factory=list)


def request_digest(body: dict) -> str:
    canonical = json.dumps(body, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


def idempotency_key(
    *, institution: Institution | None, bill_number: str, issuer_name: str = "", **_ignored
) -> str:
    """The bill's identity whatever the channel (reading 23): its issuer and its number.

    A registered institution's bill is `code:number` at the counter as through the API, so
    one bill is paid once; a bill of an issuer entered by name is keyed on the name (its
    spaces and case ignored), so two issuers' invoices with the same number are two bills.
    """
    if institution is not None:
        return f"{institution.code}:{bill_number}"
    name = "".join((issuer_name or "").split()).casefold()
    return f"name:{hashlib.sha256(name.encode()).hexdigest()[:16]}:{bill_number}"


def freed_key(key: str, digest: str) -> str:
    """A reversed settlement's key (reading 27): the number is free again, the body is remembered."""
    return f"{key}~{digest[:12]}"
