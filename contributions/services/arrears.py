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
from dataclasses import dataclass

from django.db import IntegrityError, connection, transaction

from core.rows import date_literal, sql_month_end, sql_month_index, sql_month_of
from enrollment.models import Enrolment, Person, Scheme, Suspension, Transfer
from enrollment.selectors import coverage_facts
from policy import coverage as coverage_rules
from policy.parameters import ParameterError
from policy.regions import region_of

from ..models import BackPayment, ContributionRecord
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


def _sql_last_month(bound: dt.date) -> str:
    """The last month checked of enrolment `e`: its last month, not after `bound`."""
    return (
        f"(CASE WHEN e.end_date IS NOT NULL AND {sql_month_of('e.end_date')} < {date_literal(bound)}"
        f" THEN {sql_month_of('e.end_date')} ELSE {date_literal(bound)} END)"
    )


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
    last = _sql_last_month(bound)
    # the chunk's months paid by their month's end, read once by person-id range and summed per
    # person (count, first and last month) in one pass, then compared with each enrolment's months
    # by a hash join of one row a person (`rough`). Where the sums cannot tell (a month missing,
    # several enrolments, records outside the enrolment's months), the enrolment's months are
    # counted exactly, for those few persons only (`flagged`).
    sql = f"""
        WITH e AS (
            SELECT e.id, e.person_id, {sql_month_of("e.start_date")} AS first_month, {last} AS last_month
            FROM {enrolments} e
            WHERE e.scheme = 'employee' AND e.category IN ({monthly}) AND e.start_date < %s
              AND e.person_id >= %s AND e.person_id < %s
        ),
        paid AS (
            SELECT r.person_id, count(*) AS months, min(r.month) AS first_month, max(r.month) AS last_month
            FROM {records} r
            WHERE r.person_id >= %s AND r.person_id < %s AND r.month <= {date_literal(bound)}
              AND r.paid_on <= {sql_month_end("r.month")}
            GROUP BY r.person_id
        ),
        several AS (
            SELECT person_id FROM e GROUP BY person_id HAVING count(*) > 1
        ),
        rough AS (
            SELECT e.person_id FROM e LEFT JOIN paid p ON p.person_id = e.person_id
            WHERE e.last_month >= e.first_month AND (
                p.person_id IS NULL OR p.first_month < e.first_month OR p.last_month > e.last_month
                OR {sql_month_index("e.last_month")} - {sql_month_index("e.first_month")} + 1 > p.months
            )
            UNION
            SELECT person_id FROM several
        ),
        written AS (
            SELECT DISTINCT x.person_id FROM {enrolments} x JOIN {suspensions} s ON s.enrolment_id = x.id
            WHERE x.person_id >= %s AND x.person_id < %s
        )
        SELECT 0, count(DISTINCT person_id) FROM e
        UNION ALL
        SELECT 1, person_id FROM rough
        UNION ALL
        SELECT 2, w.person_id FROM written w WHERE w.person_id IN (SELECT person_id FROM e)
    """
    # the persons the sums could not clear, their enrolments' months counted exactly (by index)
    exact = f"""
        SELECT e.person_id FROM {enrolments} e
        LEFT JOIN {records} r ON r.person_id = e.person_id AND r.month >= {sql_month_of("e.start_date")}
          AND r.month <= {last} AND r.paid_on <= {sql_month_end("r.month")}
        WHERE e.person_id IN (@ids) AND e.scheme = 'employee' AND e.category IN ({monthly})
          AND e.start_date < %s AND {last} >= {sql_month_of("e.start_date")}
        GROUP BY e.id, e.person_id, e.start_date, e.end_date
        HAVING {sql_month_index(last)} - {sql_month_index(sql_month_of("e.start_date"))} + 1 > count(r.month)
    """
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # for this transaction: compiling the statement with JIT costs more than it saves, and
            # the chunk's sums fit in memory (as the rollover's chunks)
            cursor.execute("SET LOCAL jit = off")
            cursor.execute("SET LOCAL work_mem = '64MB'")
        cursor.execute(sql, [on, lo, hi, lo, hi, lo, hi])
        rows = cursor.fetchall()
        rough = sorted(int(n) for kind, n in rows if kind == 1)
        flagged = {int(n) for kind, n in rows if kind == 2}
        for start in range(0, len(rough), 500):
            batch = rough[start : start + 500]
            cursor.execute(exact.replace("@ids", ", ".join(["%s"] * len(batch))), [*batch, on])
            flagged.update(int(n) for (n,) in cursor.fetchall())
    covered = next(int(n) for kind, n in rows if kind == 0)
    return covered, sorted(flagged)


@dataclass(frozen=True)
class _Facts:
    """One enrolment's facts as `simple_rows` reads them (all from one statement)."""

    enrolment_id: int
    person_id: int
    region: str
    start: dt.date
    end: dt.date | None
    first_paid_on: dt.date | None
    first_month: dt.date
    last_month: dt.date
    checked_from: dt.date | None  # the first month recorded from the enrolment's first month on
    first_record_paid: dt.date | None  # the earliest payment date of those records
    on_time: int  # records of months first..last paid by their month's end
    on_time_index: int  # the sum of those months as year × 12 + month
    late: int  # records of months first..last paid after their month's end
    late_month: dt.date | None
    late_paid_on: dt.date | None
    rows: int  # suspension rows already written for the enrolment


def _to_date(value) -> dt.date | None:
    if value is None or isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value)[:10])


def _month_index(month: dt.date) -> int:
    return month.year * 12 + month.month


def _from_index(index: int) -> dt.date:
    return dt.date((index - 1) // 12, (index - 1) % 12 + 1, 1)


def _simple_regions(regions, on: dt.date) -> dict[str, dict[str, str]]:
    """The regions whose rule is month by month (no natural-month rule declared) with an interruption
    window of at least two months, each with its articles for a suspension and a restoration."""
    found = {}
    for code in regions:
        region = region_of(code)
        try:
            params = region.parameters(on)
            if coverage_rules._natural_months(params) or int(params["enrolment.interruption_months"]) < 2:
                continue
            found[code] = {key: region.article(key) for key in ("coverage.suspension", "coverage.restored")}
        except ParameterError:
            continue
    return found


def simple_rows(person_ids: list[int], *, on: dt.date) -> tuple[list[Suspension], list[int], int]:
    """The rows of the persons whose arrears are one month, derived without the full derivation.

    Returns (new rows, persons left for the derivation, persons whose row is already written).
    The facts are read set-based, in one statement per 500 persons. A person is *simple* when
    all of this holds; everyone else goes through `mirror_person`:

    - one enrolment in all (employee, active or flexible), no transfer, no back payment, no
      death date, no date of eligibility (so no switch, transfer wait or late registration);
    - a region with the month-by-month rule (no natural-month rule declared) and an
      interruption window of at least two months;
    - every month checked is recorded or later than the first recorded month (the months
      before it are then not owed: `_Timeline.owed_from` is the first recorded month);
    - exactly one month M not paid by its month's end among the months checked (the
      enrolment's first recorded month to the last month whose suspension began by `on`),
      M + 1 within the enrolment, benefits started by M + 1 (the first payment's month
      before M + 1: no `coverage.employee_start`), and, when M was paid late, paid before
      the month of `on` or after the enrolment's end;
    - no suspension row written yet, or one, for M, equal to what is derived.

    For such a person `policy.coverage.suspensions` finds M alone (every other month checked
    was paid on time); with one unpaid month and a window of two or more there is no
    interruption before M + 1 nor before the month after the payment, so the status on
    M + 1 is `_month_rule`'s: suspended (art. 15 ¶2, reading 2) while M is unpaid, or
    restored from the month after its payment (art. 16(2)), which `_restored_from` keeps.
    The parity tests compare both ways on random populations.
    """
    if not person_ids:
        return [], [], 0
    enrolments = Enrolment._meta.db_table
    persons = Person._meta.db_table
    records = ContributionRecord._meta.db_table
    suspensions = Suspension._meta.db_table
    transfers = Transfer._meta.db_table
    backs = BackPayment._meta.db_table
    bound = coverage_rules.add_months(coverage_rules.month_of(on), -1)  # M + 1 <= on
    last = _sql_last_month(bound)
    in_range = "r.month <= x.last_month"
    on_time = f"r.paid_on <= {sql_month_end('r.month')}"
    facts: list[_Facts] = []
    for start in range(0, len(person_ids), 500):
        batch = person_ids[start : start + 500]
        marks = ", ".join(["%s"] * len(batch))
        sql = f"""
            WITH x AS (
                SELECT e.id, e.person_id, p.region, e.start_date, e.end_date, e.first_paid_on,
                       {sql_month_of("e.start_date")} AS first_month, {last} AS last_month
                FROM {enrolments} e JOIN {persons} p ON p.id = e.person_id
                WHERE e.person_id IN ({marks}) AND e.scheme = 'employee' AND e.category IN ('active', 'flexible')
                  AND e.start_date < %s AND e.eligible_since IS NULL AND p.death_date IS NULL
                  AND NOT EXISTS (SELECT 1 FROM {enrolments} o WHERE o.person_id = e.person_id AND o.id <> e.id)
                  AND NOT EXISTS (SELECT 1 FROM {transfers} t WHERE t.person_id = e.person_id)
                  AND NOT EXISTS (SELECT 1 FROM {backs} b WHERE b.person_id = e.person_id)
                  AND NOT EXISTS (
                      SELECT 1 FROM {records} k WHERE k.person_id = e.person_id AND k.is_back_payment
                  )
            )
            SELECT x.id, x.person_id, x.region, x.start_date, x.end_date, x.first_paid_on, x.first_month,
                   x.last_month, min(r.month), min(r.paid_on),
                   sum(CASE WHEN {in_range} AND {on_time} THEN 1 ELSE 0 END),
                   sum(CASE WHEN {in_range} AND {on_time} THEN {sql_month_index("r.month")} ELSE 0 END),
                   sum(CASE WHEN {in_range} AND NOT {on_time} THEN 1 ELSE 0 END),
                   max(CASE WHEN {in_range} AND NOT {on_time} THEN r.month END),
                   max(CASE WHEN {in_range} AND NOT {on_time} THEN r.paid_on END),
                   (SELECT count(*) FROM {suspensions} s WHERE s.enrolment_id = x.id)
            FROM x LEFT JOIN {records} r ON r.person_id = x.person_id AND r.month >= x.first_month
            GROUP BY x.id, x.person_id, x.region, x.start_date, x.end_date, x.first_paid_on, x.first_month,
                     x.last_month
        """
        with connection.cursor() as cursor:
            cursor.execute(sql, [*batch, on])
            for row in cursor.fetchall():
                values = list(row)
                for i in (3, 4, 5, 6, 7, 8, 9, 13, 14):
                    values[i] = _to_date(values[i])
                for i in (10, 11, 12, 15):
                    values[i] = int(values[i] or 0)
                facts.append(_Facts(*values))
    articles = _simple_regions({f.region for f in facts}, on)
    derived: dict[int, tuple[_Facts, Suspension | None]] = {}
    for f in facts:
        found = _simple_row(f, on, articles.get(f.region))
        if found is not False:
            derived[f.person_id] = (f, found)
    # a row already written must equal the derived one (then nothing to do), else the derivation corrects it
    written = {
        (row.enrolment_id, row.unpaid_month): row
        for row in Suspension.objects.filter(
            enrolment_id__in=[f.enrolment_id for f, _row in derived.values() if f.rows]
        )
    }
    new: list[Suspension] = []
    left = [pk for pk in person_ids if pk not in derived]
    skipped = 0
    for person_id, (f, row) in derived.items():
        if f.rows == 0:
            if row is not None:
                new.append(row)
            continue
        current = written.get((f.enrolment_id, row.unpaid_month)) if row is not None and f.rows == 1 else None
        if current is not None and all(
            getattr(current, k) == getattr(row, k)
            for k in ("suspended_from", "lifted_on", "restored_from", "article")
        ):
            skipped += 1
        else:
            left.append(person_id)
    return new, sorted(left), skipped


def _simple_row(f: _Facts, on: dt.date, articles: dict[str, str] | None):
    """The one row a simple person's enrolment derives (None: no row), or False if not simple
    (see `simple_rows`)."""
    add = coverage_rules.add_months
    month_of = coverage_rules.month_of
    if articles is None or f.checked_from is None:
        return False
    if f.first_paid_on is not None and f.checked_from > month_of(max(f.start, f.first_paid_on)):
        return False  # months before the first record counted as paid from the enrolment's first payment
    if f.last_month < f.checked_from:
        return None  # no month checked yet
    months = _month_index(f.last_month) - _month_index(f.checked_from) + 1
    missing = months - f.on_time
    if missing == 0:
        return None
    if missing > 1:
        return False
    if f.late == 1:
        unpaid, paid_on = f.late_month, f.late_paid_on
    else:
        expected = (_month_index(f.checked_from) + _month_index(f.last_month)) * months // 2
        unpaid, paid_on = _from_index(expected - f.on_time_index), None
    assert unpaid is not None
    suspended_from = add(unpaid, 1)
    if f.end is not None and suspended_from > f.end:
        return False  # no enrolment on M + 1
    first_paid = min(d for d in (f.first_paid_on, f.first_record_paid) if d is not None)
    if suspended_from < add(month_of(max(first_paid, f.first_month)), 1):
        return False  # benefits not started by M + 1 (coverage.employee_start)
    restored = None
    if paid_on is not None:
        restored = add(month_of(paid_on), 1)
        if not (month_of(paid_on) < month_of(on) or (f.end is not None and restored > f.end)):
            return False  # the months after `on` would decide when benefits return
    key = "coverage.restored" if paid_on is not None else "coverage.suspension"
    return Suspension(
        enrolment_id=f.enrolment_id,
        unpaid_month=unpaid,
        suspended_from=suspended_from,
        lifted_on=paid_on,
        restored_from=restored,
        article=articles[key],
    )


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
    (persons covered, persons derived one by one, rows created).

    The set-based filter picks the persons with a month not paid on time or a row written; of
    those, the simple ones (one month in arrears, `simple_rows`) get their row from one statement,
    and the rest go through the derivation (`mirror_person`)."""
    covered, candidates = arrears_candidates(on=on, lo=lo, hi=hi)
    new, left, _skipped = simple_rows(candidates, on=on)
    created = insert_rows(new)
    for start in range(0, len(left), 2000):
        created += check_persons(left[start : start + 2000], on=on)
    return covered, len(left), created


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
