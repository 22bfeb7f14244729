"""Reads for the portal: everything here is scoped to ONE person, the one logged in.

Where the owning app has a selector (benefit status, balances, ledger, grants) it is
called; where it has none (contribution and settlement lists), the query is written
here, always filtered by `person` first, so a row of another person cannot be reached.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Sum
from django.utils.translation import gettext_lazy as _

from accounts import selectors as account_selectors
from claims.models import Settlement
from contributions.models import ContributionRecord, ResidentPayment
from core.identity import normalise_id_number
from enrollment.models import Person
from enrollment.selectors import age_on, benefit_status, enrolment_on
from policy.money import ZERO
from policy.regions import region_of


@dataclass(frozen=True)
class Overview:
    """What the home page shows: status today (with the article when refused) and balances."""

    person: Person
    on: dt.date
    status: object
    enrolment: object
    age: int
    current_funds: Decimal
    historical_funds: Decimal
    has_account: bool

    @property
    def total_funds(self) -> Decimal:
        return self.current_funds + self.historical_funds


def overview(*, person: Person, on: dt.date) -> Overview:
    found = account_selectors.balances(person=person)
    return Overview(
        person=person,
        on=on,
        status=benefit_status(person=person, on=on),
        enrolment=enrolment_on(person, on),
        age=age_on(person, on),
        current_funds=found.current_funds,
        historical_funds=found.historical_funds,
        has_account=account_selectors.account_of(person) is not None,
    )


def employee_contributions(*, person: Person):
    return ContributionRecord.objects.filter(person=person).select_related("employer").order_by("-month")


def contribution_years_articles(*, person: Person) -> dict[str, str]:
    """The articles counting contribution years (the contributions page cites them beside each total)."""
    region = region_of(person.region)
    return {
        "total": region.article("retirement.total_years"),
        "local_actual": region.article("retirement.local_actual_years"),
    }


def resident_payments(*, person: Person):
    return ResidentPayment.objects.filter(person=person).order_by("-year", "-paid_on")


def contribution_totals(*, person: Person, year: int | None = None) -> dict:
    """Sums of the person's own employee-scheme records (of one year when given)."""
    records = ContributionRecord.objects.filter(person=person)
    if year is not None:
        records = records.filter(month__year=year)
    sums = records.aggregate(
        personal=Sum("personal_payable"), employer=Sum("employer_amount"), total=Sum("total")
    )
    return {key: value or ZERO for key, value in sums.items()}


def ledger(*, person: Person, year: int | None = None):
    """The person's ledger, newest first, without the memo bucket that is not a balance."""
    entries = account_selectors.ledger(person=person).exclude(bucket="credited")
    if year is not None:
        entries = entries.filter(year=year)
    return entries.order_by("-entry_date", "-id")


def ledger_years(*, person: Person) -> list[int]:
    years = account_selectors.ledger(person=person).values_list("year", flat=True).distinct()
    return sorted(set(years), reverse=True)


def settlements(*, person: Person):
    return (
        Settlement.objects.filter(person=person).select_related("institution").order_by("-bill_date", "-id")
    )


def settlement_of(*, person: Person, pk: int) -> Settlement | None:
    """One settlement of THIS person (None when the id is another person's or unknown)."""
    return (
        Settlement.objects.filter(person=person, pk=pk)
        .select_related("institution", "statement")
        .prefetch_related("lines")
        .first()
    )


def grants_given(*, person: Person):
    from accounts.models import MutualAidGrant

    return (
        MutualAidGrant.objects.filter(holder=person)
        .select_related("relative")
        .order_by("revoked_on", "-granted_on", "-id")
    )


def grants_received(*, person: Person):
    return account_selectors.active_grants(relative=person).select_related("holder")


def mutual_aid_paid_out(*, person: Person):
    """The person's historical funds paying relatives' bills (their ledger's 家庭共济支付 entries)."""
    return account_selectors.mutual_aid_paid_out(person=person)


def mutual_aid_received(*, person: Person):
    """The person's settlements a relative's historical funds paid part of."""
    return (
        Settlement.objects.filter(person=person)
        .exclude(mutual_aid_paid=0)
        .select_related("institution")
        .order_by("-bill_date", "-id")
    )


def grant_of(*, person: Person, pk: int):
    """A live grant the person gave (None when another person's or already revoked)."""
    return account_selectors.active_grants(holder=person).filter(pk=pk).first()


def relative_by_identity(*, name: str, id_number: str) -> Person | None:
    """The insured person with exactly this name and ID number (both must match)."""
    return Person.objects.filter(id_number=normalise_id_number(id_number), name=name.strip()).first()


@dataclass(frozen=True)
class Estimate:
    """A trial settlement of a hypothetical bill on the person's stored state (nothing written)."""

    body: dict
    components: list  # (name, label, Decimal)
    lines: list  # dicts: article, text, amount (Decimal)
    fund_total: Decimal
    account_total: Decimal


COMPONENT_LABELS = (
    ("total", _("费用总额")),
    ("current_funds_paid", _("个人账户当年资金支付")),
    ("basic_fund_paid", _("基本医疗保险基金支付")),
    ("catastrophic_paid", _("大病保险支付")),
    ("assistance_paid", _("医疗救助支付")),
    ("historical_funds_paid", _("个人账户历年资金支付")),
    ("mutual_aid_paid", _("家庭共济支付（近亲属历年资金）")),
    ("cash_paid", _("个人现金支付")),
    ("deductible", _("注：个人负担中含起付标准")),
)


def estimate(*, person: Person, data: dict) -> Estimate:
    """Settle `data` (an EstimateForm's cleaned data) as claims would settle it now; raises ClaimError.

    Uses `claims.services.trial`: the person's status on the bill date (scheme, category,
    certificate, GP contract, age), this year's accumulators (deductible already paid,
    cumulative amounts) and the account balances as stored. The bill is taken as settled
    at a designated in-city institution of the level entered; at the person's contracted
    centre when they say so (the centre's code is what claims compares).
    """
    from claims.models import Institution
    from claims.services import BillInput, trial

    status = benefit_status(person=person, on=data["date"])
    code = "PORTAL-ESTIMATE"
    if data.get("at_contracted_centre") and status.contracted_centre_code:
        code = status.contracted_centre_code
    # Never saved: it describes "a designated institution of this level in the city".
    institution = Institution(
        code=code,
        name="测算",
        level=data["institution_level"],
        kind=Institution.Kind.PHARMACY if data["kind"] == "pharmacy" else Institution.Kind.HOSPITAL,
        location=Institution.Location.IN_CITY,
    )
    inpatient = data["kind"] == "inpatient"
    bill = BillInput(
        bill_number="ESTIMATE",
        kind=data["kind"],
        date=data["date"],
        discharge_date=data["date"] if inpatient else None,
        institution_level=data["institution_level"],
        at_contracted_centre=bool(data.get("at_contracted_centre")),
        referred_by_contracted_centre=bool(data.get("referred_by_contracted_centre")),
        out_of_scope=data.get("out_of_scope") or ZERO,
        self_pay_first=data.get("self_pay_first") or ZERO,
        eligible=data["eligible"],
        special_drug=data.get("special_drug") or ZERO,
        institution_name="测算",
    )
    body = trial(person=person, institution=institution, bill=bill)
    amounts = {name: Decimal(str(body.get(name, "0"))) for name, _unused in COMPONENT_LABELS}
    lines = [
        {"article": line["article"], "text": line["text"], "amount": Decimal(str(line["amount"]))}
        for line in body.get("lines", [])
    ]
    return Estimate(
        body=body,
        components=[(name, label, amounts[name]) for name, label in COMPONENT_LABELS],
        lines=lines,
        fund_total=amounts["basic_fund_paid"] + amounts["catastrophic_paid"] + amounts["assistance_paid"],
        account_total=amounts["current_funds_paid"] + amounts["historical_funds_paid"],
    )
