"""The arrears check: suspension rows that mirror the derived benefit status (reading 1).

Benefit status is derived from the payment records (`enrollment.selectors.benefit_status`,
`policy.coverage`); it never reads these rows. The rows are there for clerks: each month of
a monthly-paying enrolment not paid on time, from when benefits are suspended, when it was
paid and when benefits return, with the article. Writing them is idempotent: a run at any
time, any number of times, writes the same rows and never changes a status.
"""

from __future__ import annotations

import datetime as dt
import logging

from django.db import IntegrityError, connection, transaction

from enrollment.models import Enrolment, Person, Scheme, Suspension
from enrollment.selectors import coverage_facts
from policy import coverage as coverage_rules
from policy.parameters import ParameterError
from policy.regions import region_of

from ..models import ContributionRecord
from ..selectors import MONTHLY_CATEGORIES

log = logging.getLogger(__name__)


def _params_on(region, views: dict | None = None):
    """The region's parameter view of a day, each read once (`views`, shared by the persons of a
    run: reading a view asks the agency's overrides of the database)."""
    views = {} if views is None else views

    def view(day: dt.date):
        key = (region.code, day)
        if key not in views:
            views[key] = region.parameters(day)
        return views[key]

    return view


def mirror_person(
    person: Person,
    *,
    until: dt.date,
    create: bool = True,
    views: dict | None = None,
    pending: list | None = None,
) -> int:
    """Write (or correct) the suspension rows of one person's enrolments up to `until`.

    Returns the number of rows created. With `create=False` only rows that exist are corrected
    (a payment recorded after the check). `views`: parameter views shared by a run's persons;
    `pending`: new rows are collected there for the caller to insert together (`insert_rows`).
    """
    region = region_of(person.region)
    enrolments = list(person.enrolments.all())
    transfers = list(person.transfers.all())
    facts = coverage_facts(person, enrolments, transfers)
    params_on = _params_on(region, views)
    created = 0
    for enrolment in enrolments:
        if enrolment.scheme != Scheme.EMPLOYEE or enrolment.category not in MONTHLY_CATEGORIES:
            continue
        span = next(s for s in facts.spans if s.id == enrolment.pk)
        try:
            derived = coverage_rules.suspensions(facts, span, until, params_on)
        except ParameterError as error:
            log.warning("arrears check skipped enrolment %s: %s", enrolment.pk, error)
            continue
        existing = {s.unpaid_month: s for s in enrolment.suspensions.all()}
        for row in derived:
            values = {
                "suspended_from": row.suspended_from,
                "lifted_on": row.paid_on,
                "restored_from": row.restored_from,
                "article": region.article(row.key),
            }
            current = existing.get(row.unpaid_month)
            if current is None:
                if create and pending is not None:
                    pending.append(Suspension(enrolment=enrolment, unpaid_month=row.unpaid_month, **values))
                elif create:
                    try:
                        with transaction.atomic():  # a concurrent run may have written it a moment ago
                            Suspension.objects.create(
                                enrolment=enrolment, unpaid_month=row.unpaid_month, **values
                            )
                    except IntegrityError:
                        continue
                    created += 1
            elif any(getattr(current, k) != v for k, v in values.items()):
                _update(current, values)
        derived_months = {row.unpaid_month for row in derived}
        for month, current in existing.items():
            payment = facts.paid.get(month)
            if month not in derived_months and payment is not None:
                # paid inside a window that covers the period: no suspension after all
                values = {"lifted_on": payment.paid_on, "restored_from": current.suspended_from}
                if any(getattr(current, k) != v for k, v in values.items()):
                    _update(current, values)
    return created


def _update(row: Suspension, values: dict) -> None:
    for k, v in values.items():
        setattr(row, k, v)
    row.save(update_fields=list(values))


def _natural_min(regions, on: dt.date) -> int:
    """The smallest 'suspended from the N-th month' among the regions (2 where the region has no
    natural-month rule: the month after): the derivation checks months M with M + N − 1 ≤ `on`."""
    found = []
    for code in regions:
        params = region_of(code).parameters(on)
        try:
            found.append(
                int(params["enrolment.arrears_suspension_natural_month"])
                if coverage_rules._natural_months(params)
                else 2
            )
        except ParameterError:
            found.append(1)  # unknown: check every month up to `on` (more candidates, never fewer)
    return max(1, min(found, default=2))


def _sql_month_of(column: str) -> str:
    if connection.vendor == "postgresql":
        return f"CAST(date_trunc('month', {column}) AS date)"
    return f"date({column}, 'start of month')"


def _sql_month_index(column: str) -> str:
    """A month as year × 12 + month (whole months apart subtract)."""
    if connection.vendor == "postgresql":
        return f"(CAST(EXTRACT(YEAR FROM {column}) AS integer) * 12 + CAST(EXTRACT(MONTH FROM {column}) AS integer))"
    return f"(CAST(strftime('%%Y', {column}) AS INTEGER) * 12 + CAST(strftime('%%m', {column}) AS INTEGER))"


def _sql_month_end(column: str) -> str:
    if connection.vendor == "postgresql":
        return f"CAST({column} + interval '1 month' - interval '1 day' AS date)"
    return f"date({column}, '+1 month', '-1 day')"


def arrears_scope(*, on: dt.date, lo: int | None = None, hi: int | None = None):
    """Persons the check covers (a monthly-paying employee enrolment begun before `on`), with person
    ids in [lo, hi) when given."""
    persons = Person.objects.filter(
        enrolments__scheme=Scheme.EMPLOYEE,
        enrolments__category__in=list(MONTHLY_CATEGORIES),
        enrolments__start_date__lt=on,
    )
    if lo is not None:
        persons = persons.filter(pk__gte=lo, pk__lt=hi)
    return persons.distinct()


def arrears_candidates(*, on: dt.date, lo: int, hi: int) -> tuple[int, list[int]]:
    """Set-based: of the persons in [lo, hi) the check covers, those the derivation may write or
    correct a row for; returns (persons covered, candidate ids).

    A person is left out only when every month of each monthly-paying employee enrolment, from its
    first month to the last month whose suspension could have begun by `on`, has a contribution
    record paid by that month's end, and none of their enrolments has a suspension row. For such a
    person `policy.coverage.suspensions` finds no month not paid on time and there is no row to
    correct, so the derivation would write nothing: the filter only spares it the work. Everyone
    else goes through the derivation itself (`mirror_person`), the one declaration of the rule.
    """
    regions = list(arrears_scope(on=on, lo=lo, hi=hi).values_list("region", flat=True).distinct())
    natural = _natural_min(regions, on)
    bound = coverage_rules.add_months(coverage_rules.month_of(on), -(natural - 1))
    enrolments = Enrolment._meta.db_table
    records = ContributionRecord._meta.db_table
    suspensions = Suspension._meta.db_table
    monthly = ", ".join(f"'{c}'" for c in sorted(MONTHLY_CATEGORIES))
    date = (
        (lambda d: f"DATE '{d.isoformat()}'")
        if connection.vendor == "postgresql"
        else (lambda d: f"'{d.isoformat()}'")
    )
    # the last month checked: the enrolment's last month, not after `bound`
    last = (
        f"(CASE WHEN e.end_date IS NOT NULL AND {_sql_month_of('e.end_date')} < {date(bound)}"
        f" THEN {_sql_month_of('e.end_date')} ELSE {date(bound)} END)"
    )
    # the chunk's months paid by their month's end read once by person-id range, then counted per
    # enrolment (a hash join, not a look-up per enrolment)
    materialized = "MATERIALIZED" if connection.vendor == "postgresql" else ""
    sql = f"""
        WITH e AS (
            SELECT e.id, e.person_id, {_sql_month_of("e.start_date")} AS first_month, {last} AS last_month
            FROM {enrolments} e
            WHERE e.scheme = 'employee' AND e.category IN ({monthly}) AND e.start_date < %s
              AND e.person_id >= %s AND e.person_id < %s
        ),
        on_time AS {materialized} (
            SELECT r.person_id, r.month FROM {records} r
            WHERE r.person_id >= %s AND r.person_id < %s AND r.month <= {date(bound)}
              AND r.paid_on <= {_sql_month_end("r.month")}
        ),
        counted AS (
            SELECT e.id, e.person_id, e.first_month, e.last_month, count(o.month) AS paid
            FROM e LEFT JOIN on_time o
              ON o.person_id = e.person_id AND o.month >= e.first_month AND o.month <= e.last_month
            GROUP BY e.id, e.person_id, e.first_month, e.last_month
        ),
        flagged AS (
            SELECT person_id FROM counted
            WHERE last_month >= first_month
              AND {_sql_month_index("last_month")} - {_sql_month_index("first_month")} + 1 > paid
            UNION
            SELECT x.person_id FROM {enrolments} x JOIN {suspensions} s ON s.enrolment_id = x.id
            WHERE x.person_id >= %s AND x.person_id < %s
        )
        SELECT 0, count(DISTINCT person_id) FROM e
        UNION ALL
        SELECT 1, person_id FROM (SELECT DISTINCT f.person_id FROM flagged f JOIN e ON e.person_id = f.person_id) c
    """
    with connection.cursor() as cursor:
        cursor.execute(sql, [on, lo, hi, lo, hi, lo, hi])
        rows = cursor.fetchall()
    covered = next(int(n) for kind, n in rows if kind == 0)
    return covered, sorted(int(n) for kind, n in rows if kind == 1)


def check_persons(person_ids: list[int], *, on: dt.date) -> int:
    """The derivation's rows for these persons (read in a few queries); returns the rows created."""
    from enrollment import payments

    persons = list(
        Person.objects.filter(pk__in=person_ids).prefetch_related("enrolments__suspensions", "transfers")
    )
    payments.preload(persons)
    views: dict = {}
    pending: list[Suspension] = []
    for person in persons:
        mirror_person(person, until=on, views=views, pending=pending)
    return insert_rows(pending)


def insert_rows(rows: list[Suspension]) -> int:
    """Insert new suspension rows in a few statements; a row another run wrote a moment ago is
    skipped (`ON CONFLICT DO NOTHING` on one row per enrolment and month). Returns the rows written."""
    from django.utils import timezone

    table = Suspension._meta.db_table
    columns = (
        "enrolment_id",
        "unpaid_month",
        "suspended_from",
        "lifted_on",
        "restored_from",
        "article",
        "created",
    )
    ops = connection.ops
    now = ops.adapt_datetimefield_value(timezone.now())
    written = 0
    for start in range(0, len(rows), 500):
        batch = rows[start : start + 500]
        params: list = []
        for row in batch:
            params += [
                row.enrolment_id,
                ops.adapt_datefield_value(row.unpaid_month),
                ops.adapt_datefield_value(row.suspended_from),
                ops.adapt_datefield_value(row.lifted_on),
                ops.adapt_datefield_value(row.restored_from),
                row.article,
                now,
            ]
        values = ", ".join(["(" + ", ".join(["%s"] * len(columns)) + ")"] * len(batch))
        with connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {table} ({', '.join(columns)}) VALUES {values} ON CONFLICT DO NOTHING RETURNING id",
                params,
            )
            written += len(cursor.fetchall())
    return written


def check_chunk(*, on: dt.date, lo: int, hi: int) -> tuple[int, int, int]:
    """One chunk of the arrears check (persons lo <= id < hi), in the caller's transaction:
    (persons covered, persons derived, rows created)."""
    covered, candidates = arrears_candidates(on=on, lo=lo, hi=hi)
    created = 0
    for start in range(0, len(candidates), 2000):
        created += check_persons(candidates[start : start + 2000], on=on)
    return covered, len(candidates), created


@transaction.atomic
def check_arrears(*, on: dt.date) -> int:
    """Mirror, for every monthly-paying employee enrolment, the suspensions begun by `on`, in one
    transaction (the batch job with chunks, progress and resume is `accounts.batch.arrears`).

    One row per enrolment and month (unique); running twice writes nothing new. Returns the
    number of rows created.
    """
    from django.db.models import Max, Min

    bounds = arrears_scope(on=on).order_by().aggregate(first=Min("pk"), last=Max("pk"))
    if bounds["first"] is None:
        return 0
    _covered, _derived, created = check_chunk(on=on, lo=bounds["first"], hi=bounds["last"] + 1)
    log.info("arrears check on %s: %d suspensions written", on, created)
    return created


# The arrears check as a batch job (chunks, progress, resume) lives in `accounts` (a higher app),
# which provides its Celery task here when it starts (`AccountsConfig.ready`): the admin starts
# that job, eagerly in the demo and on a worker in production, without importing upwards.
_start_job = None


def provide_batch_job(start) -> None:
    """`start(on)` starts the arrears-check batch job of day `on` (`accounts.tasks.arrears_check`)."""
    global _start_job
    _start_job = start


def start_arrears_job(*, on: dt.date):
    """Start the arrears check of `on` as the batch job (欠费检查) the batch-jobs page shows."""
    if _start_job is None:
        raise RuntimeError("the arrears batch job is not provided (accounts is not installed)")
    return _start_job(on)


def lift_suspensions(*, enrolment: Enrolment, months: list[dt.date], paid_on: dt.date) -> int:
    """After a payment, correct the rows already written (paid on, restored from), as the derivation says."""
    if not enrolment.suspensions.exists():
        return 0
    person = Person.objects.get(pk=enrolment.person_id)
    mirror_person(person, until=max(paid_on, *months) if months else paid_on, create=False)
    return len(months)
