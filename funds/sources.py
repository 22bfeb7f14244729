"""Where the journal's entries come from: one `Source` per kind of business record.

Each source reads its records in id order (`read(lo, hi)`: ids in (lo, hi]) and turns each
into one or more `Movement`s. The records are append-only in their apps (a reversal, a
correction or a give-back is a new record), so a record read once never needs reading again:
the posting run keeps a mark per source and resumes after it.

The fund a movement belongs to, and its district, follow the person's enrolment on the
record's date (the scheme decides employee / resident / student fund, 杭州 art. 95(1)(2)).
Books kept by other apps as `core.books.FundPosting` subclasses (assistance, maternity) are
read generically, so funds imports none of those apps.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from decimal import Decimal

from django.apps import apps

from core.books import Fund, FundPosting, pooled_fund

from .models import ENTRY_FIELDS, Party

ZERO = Decimal("0.00")
UNKNOWN_DISTRICT = "（未登记辖区）"


@dataclass(frozen=True)
class Movement:
    """Money from one book to another (a negative amount is turned round when posted)."""

    source_id: str
    component: str
    posted_on: dt.date
    region: str
    district: str
    from_book: str
    to_book: str
    amount: Decimal


@dataclass(frozen=True)
class Source:
    kind: str
    model: Callable
    read: Callable[[int, int], Iterable[Movement]]
    # (lo, hi, articles by region) -> (sql, params): the same rows posted by the database (PostgreSQL)
    statement: Callable[[int, int, dict], tuple[str, list]] | None = None

    def max_id(self) -> int:
        last = self.model().objects.order_by("-pk").values_list("pk", flat=True).first()
        return last or 0

    def regions(self, lo: int, hi: int) -> list[str]:
        """The regions of the records (lo, hi] (a source with a `statement` has a region column)."""
        return list(_range(self.model(), lo, hi).order_by().values_list("region", flat=True).distinct())


# --- the person's enrolment on a date ------------------------------------------------------


class Enrolments:
    """The enrolments of a chunk's persons, read once: (region, district, fund) on a date."""

    def __init__(self, person_ids):
        Enrolment = apps.get_model("enrollment", "Enrolment")
        self.by_person: dict[int, list] = {}
        for row in (
            Enrolment.objects.filter(person_id__in=set(person_ids))
            .order_by("person_id", "start_date")
            .values("person_id", "region", "district", "scheme", "category", "start_date", "end_date")
        ):
            self.by_person.setdefault(row["person_id"], []).append(row)

    def on(self, person_id: int, day: dt.date) -> dict | None:
        rows = self.by_person.get(person_id, ())
        for row in reversed(rows):
            if row["start_date"] <= day and (row["end_date"] is None or row["end_date"] >= day):
                return row
        return rows[-1] if rows else None

    def place(self, person_id: int, day: dt.date, default_region: str) -> tuple[str, str, str]:
        """(region, district, pooled fund) of the person on `day`."""
        row = self.on(person_id, day)
        if row is None:
            return default_region, UNKNOWN_DISTRICT, Fund.EMPLOYEE_POOLED
        return row["region"], row["district"] or UNKNOWN_DISTRICT, pooled_fund(row["scheme"], row["category"])


def _turned(movement: Movement) -> Movement:
    if movement.amount >= 0:
        return movement
    return Movement(
        movement.source_id,
        movement.component,
        movement.posted_on,
        movement.region,
        movement.district,
        movement.to_book,
        movement.from_book,
        -movement.amount,
    )


def _range(model, lo: int, hi: int):
    return model.objects.filter(pk__gt=lo, pk__lte=hi).order_by("pk")


# --- claims: settlements and reversals -----------------------------------------------------


def read_settlements(lo: int, hi: int) -> Iterable[Movement]:
    Settlement = apps.get_model("claims", "Settlement")
    rows = list(
        _range(Settlement, lo, hi).values(
            "pk",
            "person_id",
            "bill_date",
            "region",
            "source",
            "basic_fund_paid",
            "catastrophic_paid",
            "current_funds_paid",
            "historical_funds_paid",
            "mutual_aid_paid",
            "created",
            "pooled_fund",
        )
    )
    places = Enrolments(r["person_id"] for r in rows)
    for r in rows:
        region, district, pooled = places.place(r["person_id"], r["bill_date"], r["region"])
        # art. 75: the channel recorded with the settlement (the scheme of the benefits enjoyed that day)
        pooled = r["pooled_fund"] or pooled
        payee = Party.INSTITUTIONS if r["source"] == "api" else Party.PERSONS
        on = r["created"].date() if r["created"] else r["bill_date"]
        parts = (
            ("basic_fund", pooled, r["basic_fund_paid"]),
            ("catastrophic", Fund.CATASTROPHIC, r["catastrophic_paid"]),
            (
                "personal_account",
                Fund.PERSONAL_ACCOUNTS,
                r["current_funds_paid"] + r["historical_funds_paid"] + r["mutual_aid_paid"],
            ),
        )
        for component, fund, amount in parts:
            if amount:
                yield _turned(
                    Movement(str(r["pk"]), component, on, r["region"], district, fund, payee, amount)
                )


# --- contributions ---------------------------------------------------------------------------


def read_contributions(lo: int, hi: int) -> Iterable[Movement]:
    Record = apps.get_model("contributions", "ContributionRecord")
    rows = list(
        _range(Record, lo, hi)
        .filter(is_back_payment=False)  # back-paid months are posted once, from their BackPayment
        .values(
            "pk",
            "person_id",
            "month",
            "paid_on",
            "employer_amount",
            "employer_maternity",
            "personal_payable",
            "personal_subsidy",
            "employer_subsidy",
            "is_back_payment",
        )
    )
    places = Enrolments(r["person_id"] for r in rows)
    for r in rows:
        region, district, _pooled = places.place(r["person_id"], r["month"], "")
        employer_pooled = r["employer_amount"] - r["employer_maternity"] - r["employer_subsidy"]
        parts = (
            ("employer", Party.CONTRIBUTORS, Fund.EMPLOYEE_POOLED, employer_pooled),
            ("employer_maternity", Party.CONTRIBUTORS, Fund.MATERNITY, r["employer_maternity"]),
            ("personal", Party.CONTRIBUTORS, Fund.EMPLOYEE_POOLED, r["personal_payable"]),
            (
                "subsidy",
                Party.GOVERNMENT,
                Fund.EMPLOYEE_POOLED,
                r["personal_subsidy"] + r["employer_subsidy"],
            ),
        )
        for component, payer, fund, amount in parts:
            if amount:
                yield _turned(
                    Movement(str(r["pk"]), component, r["paid_on"], region, district, payer, fund, amount)
                )


def read_back_payments(lo: int, hi: int) -> Iterable[Movement]:
    BackPayment = apps.get_model("contributions", "BackPayment")
    rows = list(
        _range(BackPayment, lo, hi).values(
            "pk", "person_id", "first_month", "paid_on", "employer_amount", "personal"
        )
    )
    places = Enrolments(r["person_id"] for r in rows)
    for r in rows:
        region, district, _pooled = places.place(r["person_id"], r["first_month"], "")
        for component, amount in (("employer", r["employer_amount"]), ("personal", r["personal"])):
            if amount:
                yield _turned(
                    Movement(
                        str(r["pk"]),
                        component,
                        r["paid_on"],
                        region,
                        district,
                        Party.CONTRIBUTORS,
                        Fund.EMPLOYEE_POOLED,
                        amount,
                    )
                )


def read_resident_payments(lo: int, hi: int) -> Iterable[Movement]:
    Payment = apps.get_model("contributions", "ResidentPayment")
    rows = list(
        _range(Payment, lo, hi).values(
            "pk",
            "person_id",
            "category",
            "paid_on",
            "personal_payable",
            "personal_subsidy",
            "government_share",
            "enrolment__region",
            "enrolment__district",
        )
    )
    for r in rows:
        fund = pooled_fund("resident", r["category"])
        district = r["enrolment__district"] or UNKNOWN_DISTRICT
        parts = (
            ("personal", Party.CONTRIBUTORS, r["personal_payable"]),
            ("subsidy", Party.GOVERNMENT, r["personal_subsidy"] + r["government_share"]),
        )
        for component, payer, amount in parts:
            if amount:
                yield _turned(
                    Movement(
                        str(r["pk"]),
                        component,
                        r["paid_on"],
                        r["enrolment__region"],
                        district,
                        payer,
                        fund,
                        amount,
                    )
                )


def read_agreement_payments(lo: int, hi: int) -> Iterable[Movement]:
    Payment = apps.get_model("contributions", "AgreementPayment")
    for r in _range(Payment, lo, hi).values(
        "pk", "paid_on", "amount", "enrolment__region", "enrolment__district"
    ):
        if r["amount"]:
            yield _turned(
                Movement(
                    str(r["pk"]),
                    "agreement",
                    r["paid_on"],
                    r["enrolment__region"],
                    r["enrolment__district"] or UNKNOWN_DISTRICT,
                    Party.CONTRIBUTORS,
                    Fund.EMPLOYEE_POOLED,
                    r["amount"],
                )
            )


def read_premiums(lo: int, hi: int) -> Iterable[Movement]:
    """The catastrophic premium (杭州 art. 41): the personal part from the account or the payer, the rest from the pooled fund."""
    Premium = apps.get_model("contributions", "CatastrophicPremium")
    rows = list(
        _range(Premium, lo, hi).values("pk", "person_id", "year", "scheme", "personal", "other", "created")
    )
    places = Enrolments(r["person_id"] for r in rows)
    for r in rows:
        on = r["created"].date() if r["created"] else dt.date(r["year"], 1, 1)
        region, district, pooled = places.place(r["person_id"], dt.date(r["year"], 1, 1), "")
        personal_from = Fund.PERSONAL_ACCOUNTS if r["scheme"] == "employee" else Party.CONTRIBUTORS
        for component, payer, amount in (
            ("personal", personal_from, r["personal"]),
            ("other", pooled, r["other"]),
        ):
            if amount:
                yield _turned(
                    Movement(str(r["pk"]), component, on, region, district, payer, Fund.CATASTROPHIC, amount)
                )


# --- accounts: the actual monthly credits and the interest --------------------------------


def read_ledger(lo: int, hi: int) -> Iterable[Movement]:
    """杭州 art. 23: credits move money from the employee fund into personal accounts; art. 22(1) interest comes in."""
    Entry = apps.get_model("accounts", "LedgerEntry")
    rows = list(
        _range(Entry, lo, hi)
        .filter(kind__in=("credit", "interest"))
        .values("pk", "kind", "amount", "entry_date", "account__person_id", "account__region")
    )
    places = Enrolments(r["account__person_id"] for r in rows)
    for r in rows:
        region, district, _pooled = places.place(
            r["account__person_id"], r["entry_date"], r["account__region"]
        )
        payer = Fund.EMPLOYEE_POOLED if r["kind"] == "credit" else Party.INTEREST
        if r["amount"]:
            yield _turned(
                Movement(
                    str(r["pk"]),
                    r["kind"],
                    r["entry_date"],
                    region or r["account__region"],
                    district,
                    payer,
                    Fund.PERSONAL_ACCOUNTS,
                    r["amount"],
                )
            )


# --- books other apps keep (core.books.FundPosting) -----------------------------------------


INCOME_PARTY = {"donation": Party.DONORS, "interest": Party.INTEREST, "contribution": Party.CONTRIBUTORS}
EXPENSE_PARTY = {"settlement": Party.INSTITUTIONS, "allowance": Party.EMPLOYERS}


def book_reader(model):
    region_field = next((f.name for f in model._meta.fields if f.name == "region"), None)

    def read(lo: int, hi: int) -> Iterable[Movement]:
        for row in _range(model, lo, hi):
            region = getattr(row, region_field) if region_field else ""
            if row.amount >= 0:
                payer, payee = INCOME_PARTY.get(row.source_kind, Party.GOVERNMENT), row.fund
            else:
                payer, payee = row.fund, EXPENSE_PARTY.get(row.source_kind, Party.PERSONS)
            yield Movement(
                str(row.pk), "posting", row.posted_on, region, row.district, payer, payee, abs(row.amount)
            )

    return read


def book_models() -> list:
    return sorted(
        (m for m in apps.get_models() if issubclass(m, FundPosting) and not m._meta.abstract),
        key=lambda m: m._meta.label,
    )


def all_sources() -> list[Source]:
    """Every source the journal is posted from, in a fixed order."""
    fixed = [
        Source(
            "settlement",
            lambda: apps.get_model("claims", "Settlement"),
            read_settlements,
            settlements_statement,
        ),
        Source(
            "contribution", lambda: apps.get_model("contributions", "ContributionRecord"), read_contributions
        ),
        Source("back_payment", lambda: apps.get_model("contributions", "BackPayment"), read_back_payments),
        Source(
            "resident_payment",
            lambda: apps.get_model("contributions", "ResidentPayment"),
            read_resident_payments,
        ),
        Source(
            "agreement_payment",
            lambda: apps.get_model("contributions", "AgreementPayment"),
            read_agreement_payments,
        ),
        Source(
            "catastrophic_premium",
            lambda: apps.get_model("contributions", "CatastrophicPremium"),
            read_premiums,
        ),
        Source("ledger", lambda: apps.get_model("accounts", "LedgerEntry"), read_ledger),
    ]
    books = [Source(f"book:{m._meta.label_lower}", (lambda m=m: m), book_reader(m)) for m in book_models()]
    return fixed + books


# --- set-based posting of settlements (PostgreSQL) -------------------------------------------


def settlements_statement(lo: int, hi: int, articles: dict[str, str]) -> tuple[str, list]:
    """One INSERT … SELECT of the journal rows of settlements (lo, hi], as `read_settlements` makes them.

    The same movements, computed by the database: the person's enrolment on the bill date (the
    latest-starting one in force, else the latest; `Enrolments.on`) gives the district and, for a
    settlement recorded without one, the pooled fund (art. 75: the channel recorded with it wins); each non-zero component is one row, a negative amount turned round. Returns
    (sql, params) of one statement that also adds the rows' sums to the monthly aggregates
    (`FundMonth`, INSERT … ON CONFLICT DO UPDATE on its unique key, as `posting._add_to_months`)
    and answers the number of journal rows written.
    """
    from django.db import connection

    q = connection.ops.quote_name
    settlement = q(apps.get_model("claims", "Settlement")._meta.db_table)
    enrolment = q(apps.get_model("enrollment", "Enrolment")._meta.db_table)
    entry = apps.get_model("funds", "JournalEntry")._meta
    month_table = q(apps.get_model("funds", "FundMonth")._meta.db_table)
    columns = ", ".join(q(entry.get_field(name).column) for name in ENTRY_FIELDS)
    article_case = " ".join("WHEN %s THEN %s" for _region in articles)
    article_params = [value for pair in articles.items() for value in pair]
    sql = f"""
        WITH bills AS (
            SELECT s.id, s.region, COALESCE((s.created AT TIME ZONE 'UTC')::date, s.bill_date) AS posted_on,
                   CASE WHEN s.source = 'api' THEN %s ELSE %s END AS payee,
                   COALESCE(NULLIF(e.district, ''), %s) AS district,
                   COALESCE(NULLIF(s.pooled_fund, ''),  -- art. 75: the channel recorded with the settlement
                            CASE WHEN e.scheme IS NULL OR e.scheme = 'employee' THEN %s
                                 WHEN e.category = 'student' THEN %s ELSE %s END) AS pooled,
                   s.basic_fund_paid, s.catastrophic_paid, s.current_funds_paid + s.historical_funds_paid AS personal
            FROM {settlement} s
            LEFT JOIN LATERAL (
                SELECT e.district, e.scheme, e.category FROM {enrolment} e
                WHERE e.person_id = s.person_id
                ORDER BY (e.start_date <= s.bill_date AND (e.end_date IS NULL OR e.end_date >= s.bill_date)) DESC,
                         e.start_date DESC, e.id DESC
                LIMIT 1
            ) e ON true
            WHERE s.id > %s AND s.id <= %s
        ), parts AS (
            SELECT b.id, b.region, b.posted_on, b.payee, b.district, p.component, p.fund, p.amount
            FROM bills b CROSS JOIN LATERAL (VALUES
                ('basic_fund', b.pooled, b.basic_fund_paid),
                ('catastrophic', %s, b.catastrophic_paid),
                ('personal_account', %s, b.personal)
            ) AS p(component, fund, amount)
            WHERE p.amount <> 0
        ), written AS (
            INSERT INTO {q(entry.db_table)} ({columns})
            SELECT posted_on, EXTRACT(YEAR FROM posted_on)::int, EXTRACT(MONTH FROM posted_on)::int, region,
                   district, CASE WHEN amount > 0 THEN fund ELSE payee END,
                   CASE WHEN amount > 0 THEN payee ELSE fund END, abs(amount), 'settlement', id::text, component,
                   {f"CASE region {article_case} ELSE '' END" if articles else "''"}
            FROM parts
            RETURNING region, district, from_book, to_book, year, month, amount
        ), sides AS (
            SELECT region, to_book AS fund, district, year, month, amount AS income, 0 AS expenditure
            FROM written WHERE to_book = ANY(%s)
            UNION ALL
            SELECT region, from_book, district, year, month, 0, amount FROM written WHERE from_book = ANY(%s)
        ), months AS (
            INSERT INTO {month_table} (region, fund, district, year, month, income, expenditure, entries)
            SELECT region, fund, district, year, month, sum(income), sum(expenditure), count(*)
            FROM sides GROUP BY region, fund, district, year, month
            ON CONFLICT (region, fund, district, year, month) DO UPDATE SET
                income = {month_table}.income + EXCLUDED.income,
                expenditure = {month_table}.expenditure + EXCLUDED.expenditure,
                entries = {month_table}.entries + EXCLUDED.entries
            RETURNING 1
        )
        SELECT (SELECT count(*) FROM written), (SELECT count(*) FROM months)
    """
    params = [
        Party.INSTITUTIONS,
        Party.PERSONS,
        UNKNOWN_DISTRICT,
        Fund.EMPLOYEE_POOLED,
        Fund.STUDENT,
        Fund.RESIDENT,
        lo,
        hi,
        Fund.CATASTROPHIC,
        Fund.PERSONAL_ACCOUNTS,
        *article_params,
        list(Fund.values),
        list(Fund.values),
    ]
    return sql, params
