"""The stored bills of a year, streamed in person and date order, with what the engine needs of each.

The bills are read in one ordered pass (server-side cursor on PostgreSQL); the facts the
person's profile is made of (enrolments, certificates, GP contracts, account setting, birth
date) are read once per group of persons, not per bill. Reversed bills are left out: with
their reversal they changed nothing. The account balances a bill sees are what it drew from
each bucket when it was settled: a reform changes the funds' shares, not the money that was
in the account.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass

from django.apps import apps

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


@dataclass(frozen=True)
class StoredBill:
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


class Facts:
    """The facts of a group of persons that make their profiles, read in five queries."""

    def __init__(self, region: str, person_ids: set[int]):
        Person = apps.get_model("enrollment", "Person")
        Enrolment = apps.get_model("enrollment", "Enrolment")
        Certificate = apps.get_model("enrollment", "Certificate")
        GpContract = apps.get_model("enrollment", "GpContract")
        Account = apps.get_model("accounts", "Account")
        self.region = region
        self.births = dict(Person.objects.filter(pk__in=person_ids).values_list("pk", "birth_date"))
        self.enrolments: dict[int, list] = {}
        for row in (
            Enrolment.objects.filter(person_id__in=person_ids)
            .order_by("start_date")
            .values_list("person_id", "scheme", "category", "district", "start_date", "end_date")
        ):
            self.enrolments.setdefault(row[0], []).append(row[1:])
        self.certificates: dict[int, list[CertificateFact]] = {}
        for row in Certificate.objects.filter(person_id__in=person_ids).values_list(
            "person_id", "kind", "valid_from", "valid_to", "registered_on"
        ):
            self.certificates.setdefault(row[0], []).append(
                CertificateFact(kind=row[1], valid_from=row[2], valid_to=row[3], registered_on=row[4])
            )
        self.contracts: dict[int, list] = {}
        for row in GpContract.objects.filter(person_id__in=person_ids).values_list(
            "person_id", "valid_from", "valid_to"
        ):
            self.contracts.setdefault(row[0], []).append(row[1:])
        self.historical = dict(
            Account.objects.filter(person_id__in=person_ids).values_list(
                "person_id", "historical_pays_personal_share"
            )
        )

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
        certificate = recipient.kind if recipient is not None else None
        contracted = any(s <= on and (e is None or on <= e) for s, e in self.contracts.get(person_id, ()))
        profile = PersonProfile(
            region=self.region,
            scheme=scheme,
            category=engine_category(scheme, category),
            age=age_on(self.births[person_id], on),
            certificate=certificate,
            contracted_gp=contracted,
            use_historical_funds=bool(self.historical.get(person_id, True)),
        )
        return profile, district


def _bill(row) -> Bill:
    return Bill(
        id=str(row[0]),
        date=row[2],
        kind=row[3],
        institution_level=row[4],
        at_contracted_centre=row[5],
        referred_by_contracted_centre=row[6],
        settlement=ENGINE_MODE.get(row[7], "local"),
        out_of_scope=row[8],
        self_pay_first=row[9],
        eligible=row[10],
        special_drug=row[11],
    )


def _with_facts(region: str, rows: list) -> Iterator[StoredBill]:
    facts = Facts(region, {row[1] for row in rows})
    for row in rows:
        found = facts.profile(row[1], row[2])
        if found is None:
            continue  # settled once, no enrolment on file now: nothing to re-settle it as
        profile, district = found
        yield StoredBill(row[1], row[14], profile, _bill(row), Balances(row[12], row[13]), district)


def read_year(*, region: str, year: int, chunk: int = 20_000) -> Iterator[StoredBill]:
    """Every stored bill of the year, person by person, each person's in date order."""
    rows, persons = [], set()
    query = (
        stored_bills(region=region, year=year).order_by("person_id", "bill_date", "pk").values_list(*COLUMNS)
    )
    for row in query.iterator(chunk_size=chunk):
        if row[1] not in persons and len(persons) >= GROUP:
            yield from _with_facts(region, rows)
            rows, persons = [], set()
        persons.add(row[1])
        rows.append(row)
    if rows:
        yield from _with_facts(region, rows)
