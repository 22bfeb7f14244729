"""The stored bills of a year, streamed in person and date order, with what the engine needs of each.

The bills are read in one ordered pass (server-side cursor on PostgreSQL); the facts the
person's profile is made of (enrolments, certificates, GP contracts, account setting, birth
date) are read once per group of persons, not per bill. Reversed bills are left out: with
their reversal they changed nothing. The account balances a bill sees are what it drew from
each bucket when it was settled: a reform changes the funds' shares, not the money that was
in the account.

A part (`part=(k, n)`) is the bills of the persons whose id is k modulo n: the parts are
disjoint and together the whole year, so each can be replayed in its own process.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import NamedTuple

from django.apps import apps
from django.db.models import F

from claims.services import ENGINE_MODE
from core.dates import age_on
from enrollment.selectors import engine_category
from policy.assistance import CertificateFact, recipient_on
from policy.settlement.types import Balances, Bill, PersonProfile

COLUMNS = (
    "pk",
    "person_id",
    "bill_date",
    "bill_kind",
    "institution_level",
    "at_contracted_centre",
    "referred_by_contracted_centre",
    "settlement_mode",
    "out_of_scope",
    "self_pay_first",
    "eligible",
    "special_drug",
    "current_funds_paid",
    "historical_funds_paid",
    "year_key",
)
GROUP = 2_000  # persons whose facts are read together

_new_tuple = tuple.__new__
_set_attribute = object.__setattr__


class StoredBill(NamedTuple):
    person_id: int
    year_key: str
    profile: PersonProfile
    bill: Bill
    balances: Balances
    district: str


def stored_bills(*, region: str, year: int):
    Settlement = apps.get_model("claims", "Settlement")
    return Settlement.objects.filter(
        region=region, kind="settlement", status="settled", year_key__startswith=str(year)
    )


def in_part(queryset, field: str, part: tuple[int, int] | None):
    """`queryset`'s rows whose `field` (a person id) is k modulo n, for `part=(k, n)`; all of them for None."""
    if part is None or part[1] <= 1:
        return queryset
    k, n = part
    return queryset.alias(simulation_part=F(field) % n).filter(simulation_part=k)


# Profiles are values: the few distinct ones (scheme, category, age, certificate...) are made once.
_PROFILES: dict[tuple, PersonProfile] = {}


def _profile(region, scheme, category, age, certificate, contracted, historical) -> PersonProfile:
    key = (region, scheme, category, age, certificate, contracted, historical)
    found = _PROFILES.get(key)
    if found is None:
        found = _PROFILES[key] = PersonProfile(
            region=region,
            scheme=scheme,
            category=category,
            age=age,
            certificate=certificate,
            contracted_gp=contracted,
            use_historical_funds=historical,
        )
    return found


class Facts:
    """The facts of the persons with ids `first` to `last` (of `part`) that make their profiles, in five queries.

    A range, not a list of ids: the query stays short however many persons the group has.
    """

    def __init__(self, region: str, first: int, last: int, part: tuple[int, int] | None = None):
        Person = apps.get_model("enrollment", "Person")
        Enrolment = apps.get_model("enrollment", "Enrolment")
        Certificate = apps.get_model("enrollment", "Certificate")
        GpContract = apps.get_model("enrollment", "GpContract")
        Account = apps.get_model("accounts", "Account")
        self.region = region

        def of(model, field="person_id"):
            return in_part(
                model.objects.filter(**{f"{field}__gte": first, f"{field}__lte": last}), field, part
            )

        self.births = dict(of(Person, "id").values_list("pk", "birth_date"))
        self.enrolments: dict[int, list] = {}
        for row in (
            of(Enrolment)
            .order_by("start_date", "pk")
            .values_list("person_id", "scheme", "category", "district", "start_date", "end_date")
        ):
            self.enrolments.setdefault(row[0], []).append(row[1:])
        self.certificates: dict[int, list[CertificateFact]] = {}
        for row in of(Certificate).values_list(
            "person_id", "kind", "valid_from", "valid_to", "registered_on"
        ):
            self.certificates.setdefault(row[0], []).append(
                CertificateFact(kind=row[1], valid_from=row[2], valid_to=row[3], registered_on=row[4])
            )
        self.contracts: dict[int, list] = {}
        for row in of(GpContract).values_list("person_id", "valid_from", "valid_to"):
            self.contracts.setdefault(row[0], []).append(row[1:])
        self.historical = dict(of(Account).values_list("person_id", "historical_pays_personal_share"))

    def profile(self, person_id: int, on: dt.date) -> tuple[PersonProfile, str] | None:
        enrolment = next(
            (
                e
                for e in reversed(self.enrolments.get(person_id, ()))
                if e[3] <= on and (e[4] is None or on <= e[4])
            ),
            None,
        )
        if enrolment is None:
            return None
        scheme, category, district = enrolment[0], enrolment[1], enrolment[2]
        # the settlement's own answer (enrollment.selectors.benefit_status): policy.assistance's recipient rule
        # (杭州 art. 47, 52: from registration; 舟山 art. 41, 44: from the month after recognition)
        facts = self.certificates.get(person_id)
        recipient = recipient_on(self.region, facts, on) if facts else None
        contracts = self.contracts.get(person_id)
        profile = _profile(
            self.region,
            scheme,
            engine_category(scheme, category),
            age_on(self.births[person_id], on),
            recipient.kind if recipient is not None else None,
            any(s <= on and (e is None or on <= e) for s, e in contracts) if contracts else False,
            bool(self.historical.get(person_id, True)),
        )
        return profile, district


def _bill(row) -> Bill:
    """`Bill(id=..., date=..., ...)` field by field, without the frozen dataclass's __init__ (one per stored bill)."""
    bill = object.__new__(Bill)
    _set_attribute(
        bill,
        "__dict__",
        {
            "id": str(row[0]),
            "date": row[2],
            "kind": row[3],
            "institution_level": row[4],
            "at_contracted_centre": row[5],
            "referred_by_contracted_centre": row[6],
            "settlement": ENGINE_MODE.get(row[7], "local"),
            "out_of_scope": row[8],
            "self_pay_first": row[9],
            "eligible": row[10],
            "special_drug": row[11],
            "chronic_disease": None,
            "prescribed_at": None,
            "diagnosis_codes": (),
        },
    )
    return bill


def _balances(current, historical) -> Balances:
    balances = object.__new__(Balances)
    balances.__dict__ = {"current_funds": current, "historical_funds": historical}
    return balances


def _with_facts(region: str, rows: list, part: tuple[int, int] | None) -> Iterator[StoredBill]:
    facts = Facts(region, rows[0][1], rows[-1][1], part)  # the rows are in person order
    profile_of = facts.profile
    for row in rows:
        found = profile_of(row[1], row[2])
        if found is None:
            continue  # settled once, no enrolment on file now: nothing to re-settle it as
        yield _new_tuple(
            StoredBill, (row[1], row[14], found[0], _bill(row), _balances(row[12], row[13]), found[1])
        )


def read_year(
    *, region: str, year: int, chunk: int = 20_000, part: tuple[int, int] | None = None
) -> Iterator[StoredBill]:
    """Every stored bill of the year (of the persons in `part`), person by person, each person's in date order."""
    rows, persons, last = [], 0, None
    query = (
        in_part(stored_bills(region=region, year=year), "person_id", part)
        .order_by("person_id", "bill_date", "pk")
        .values_list(*COLUMNS)
    )
    for row in query.iterator(chunk_size=chunk):
        if row[1] != last:
            if persons == GROUP:
                yield from _with_facts(region, rows, part)
                rows, persons = [], 0
            last = row[1]
            persons += 1
        rows.append(row)
    if rows:
        yield from _with_facts(region, rows, part)
