"""The monthly profile refresh (账户档案更新) as a batch job: chunks, progress, resume.

An account keeps a profile read from the enrolment records: its category, the art. 27 flag that
benefits are suspended (with the reason) and the contribution base of the latest month paid
(art. 23). The next preset and the clerks read it; the credits never do. Each month, after the
credits (`accounts.tasks.credit_month`), the profile of every open account is brought up to date
as `services.refresh_from_enrolment` would. Per chunk, two steps:

1. the *simple* accounts (one employee enrolment paid by each month's end from its first month on,
   or a retiree's, and nothing else the derivation weighs: `simple_profiles`) get their profile
   from one statement: covered, the enrolment's category, the base of the latest month paid;
2. the rest go through `benefit_status` (the derivation of `policy.coverage`), with the chunk's
   facts read in a few queries (`refresh_accounts`).

The job is a `BatchJob` (kind 账户档案更新, period the month), run as the other batches run
(`batch.jobs`): chunks of the accounts' person ids aligned to the chunk size (so each statement
reads every table by a range of person ids), on two connections on PostgreSQL, each committed with
its `BatchChunk` record (accounts read, profiles changed) and the job's counters, so the batch-jobs
page shows progress and a killed run resumes with the chunks not recorded. Writing a profile is idempotent; a rerun of a finished job starts over and changes
only what changed since.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections import defaultdict
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import connection
from django.db.models import Max, Min, OuterRef, Subquery
from django.utils import timezone

from core.rows import sql_month_end, sql_month_index, sql_month_of, sql_text
from policy import coverage as coverage_rules
from policy.amount import NotInRegion, RuleInputError
from policy.parameters import REGION_NAMES, ParameterError
from policy.regions import region_of

from .. import services
from ..models import Account, BatchJob
from ..services.crediting import month_end
from .jobs import (
    commit_chunk,
    entries_written,
    finish,
    mark_running,
    pending_chunks,
    record_chunk,
    restart,
    run_job,
    timed,
)

log = logging.getLogger(__name__)

# Person ids per chunk (one transaction each); the accounts left to `benefit_status` go in parts of `PART`.
CHUNK_SIZE = 20_000
PART = 2_000
RULE_ERRORS = (ValidationError, ParameterError, RuleInputError, NotInRegion)


def after_chunk(job: BatchJob, hi: int) -> None:
    """Hook called after each committed chunk (tests simulate a crash here)."""


def open_accounts(until: dt.date):
    """The accounts open in the month of `until` (opened by its end)."""
    return Account.objects.filter(status=Account.Status.OPEN, opened_on__lte=month_end(until))


def run_profile_refresh(
    year: int, month: int, *, chunk_size: int | None = None, workers: int | None = None
) -> BatchJob:
    """Run (or resume) the profile refresh of (year, month); returns the finished job. Safe to call again."""
    until = dt.date(year, month, 1)
    size = chunk_size or CHUNK_SIZE
    job, _created = BatchJob.objects.get_or_create(
        kind=BatchJob.Kind.PROFILE_REFRESH, period=f"{until:%Y-%m}", defaults={"chunk_size": size}
    )
    if job.status == BatchJob.Status.DONE:  # a rerun: everything again (only what changed is written)
        restart(job, result={})
    if chunk_size:
        BatchJob.objects.filter(pk=job.pk).update(chunk_size=size)
    job.refresh_from_db()
    accounts = open_accounts(until)
    bounds = accounts.aggregate(first=Min("person_id"), last=Max("person_id"))
    pending = pending_chunks(job, bounds["first"], bounds["last"])
    mark_running(job, total=accounts.count())

    def one(lo: int, hi: int, number: int) -> None:
        _run_chunk(job, until, lo, hi, worker=number)
        after_chunk(job, hi)

    run_job(job, pending, one, workers=workers, name="profiles")
    changed = entries_written(job)
    finish(job, result={"changed": changed})
    log.info("profile refresh %s: %d of %d profiles changed", job.period, changed, job.done)
    return job


def _run_chunk(job: BatchJob, until: dt.date, lo: int, hi: int, *, worker: int = 1) -> None:
    def work(started: float) -> None:
        now = timezone.now()
        ids = list(
            open_accounts(until)
            .select_for_update()
            .filter(person_id__gte=lo, person_id__lt=hi)
            .order_by("id")
            .values_list("id", flat=True)
        )
        simple = time.perf_counter()
        profiles = simple_profiles(lo=lo, hi=hi, until=until)
        changed = write_profiles([(pk, *new) for pk, (new, stored) in profiles.items() if new != stored])
        errors: list[str] = []
        timed("profiles, simple (SQL)", simple)
        derived = time.perf_counter()
        rest = [pk for pk in ids if pk not in profiles]
        for start in range(0, len(rest), PART):
            part = list(
                Account.objects.select_for_update().filter(id__in=rest[start : start + PART]).order_by("id")
            )
            count, refused = refresh_accounts(part, until)
            changed += count
            errors += refused
        timed("profiles, derived (benefit_status)", derived)
        record_chunk(
            job,
            lo,
            hi,
            accounts=len(ids),
            entries=changed,
            worker=worker,
            started=started,
            now=now,
            errors=errors,
        )

    commit_chunk(work, step="profile chunks", lo=lo, hi=hi)


PROFILE_FIELDS = ("category", "benefit_suspended", "suspension_reason", "credit_base")
SIMPLE_CATEGORIES = ("active", "flexible", "retired")
CENT = Decimal("0.01")


def write_profiles(rows: list[tuple]) -> int:
    """Write profiles, each `(account id, *PROFILE_FIELDS)`, in one UPDATE per 1,000 accounts (a joined
    list of values: `bulk_update`'s CASE per row grows with the square of the rows). Returns the count."""
    table = Account._meta.db_table
    for start in range(0, len(rows), 1000):
        part = rows[start : start + 1000]
        values = ", ".join(["(%s, %s, %s, %s, %s)"] * len(part))
        params = [value for row in part for value in (row[0], row[1], bool(row[2]), row[3], row[4])]
        with connection.cursor() as cursor:
            cursor.execute(
                f"WITH v (id, category, suspended, reason, base) AS (VALUES {values}) "
                f"UPDATE {table} SET category = v.category, benefit_suspended = v.suspended, "
                f"suspension_reason = v.reason, credit_base = v.base FROM v WHERE {table}.id = v.id",
                params,
            )
    return len(rows)


def _month_by_month_regions(on: dt.date) -> list[str]:
    """The regions whose employee rule is month by month (no natural-month rule declared) with every
    figure `policy.coverage` reads for an employee on `on` set."""
    found = []
    for code in REGION_NAMES:
        try:
            params = region_of(code).parameters(on)
            if coverage_rules._natural_months(params):
                continue
            for key in ("interruption_months", "registration_window_months", "employee_waiting_months"):
                int(params[f"enrolment.{key}"])
        except ParameterError:
            continue
        found.append(code)
    return found


def simple_profiles(*, lo: int, hi: int, until: dt.date) -> dict[int, tuple[tuple, tuple]]:
    """The profiles of the simple open accounts of the persons with ids in [lo, hi), read in one statement:
    {account id: (profile, stored profile)}, each as `PROFILE_FIELDS`. Everyone else goes through
    `refresh_accounts`. An account is *simple* when all of this holds:

    - its person's only enrolment (any scheme) is an employee one, active, flexible or retired,
      covering `until`, with no date of eligibility; no death date, no transfer, no back payment
      (art. 17) and no record paid as one; a region whose rule is month by month
      (`_month_by_month_regions`);
    - active or flexible: the enrolment began before the month of `until`, and each month from its
      first to the one before `until`'s was recorded and paid by that month's end.

    For such a person `policy.coverage.coverage` grants on `until`: a retiree from the enrolment
    (art. 15 ¶3 does not apply); an active or flexible worker because benefits started the month
    after the first month's payment (`coverage.employee_start`), no run of unpaid months makes an
    interruption (each probe month was paid by its end), there is no switch (one enrolment) and the
    month before was paid on time (reading 2, `_month_rule`). So the profile is the enrolment's
    category, not suspended, no reason, and the base of the latest month paid up to `until` (art. 23;
    the stored base when none), as `services.profile_from_status` maps it. The parity test compares
    both ways on random populations.
    """
    from contributions.models import BackPayment, ContributionRecord
    from enrollment.models import Enrolment, Person, Transfer

    from ..services.opening import CATEGORY_FROM_ENROLMENT

    regions = _month_by_month_regions(until)
    if not regions:
        return {}
    accounts = Account._meta.db_table
    persons = Person._meta.db_table
    enrolments = Enrolment._meta.db_table
    records = ContributionRecord._meta.db_table
    transfers = Transfer._meta.db_table
    backs = BackPayment._meta.db_table
    month = coverage_rules.month_of(until)
    index = month.year * 12 + month.month
    first = sql_month_of("e.start_date")
    marks = ", ".join(["%s"] * len(regions))
    kinds = ", ".join(f"'{c}'" for c in SIMPLE_CATEGORIES)
    sql = f"""
        SELECT a.id, e.category, a.category, a.benefit_suspended, a.suspension_reason, {sql_text("a.credit_base")},
               (SELECT {sql_text("r.base")} FROM {records} r
                WHERE r.person_id = a.person_id AND r.month <= %s AND NOT r.is_back_payment
                ORDER BY r.month DESC LIMIT 1)
        FROM {accounts} a
        JOIN {persons} p ON p.id = a.person_id
        JOIN {enrolments} e ON e.person_id = a.person_id
        WHERE a.person_id >= %s AND a.person_id < %s AND a.status = 'open' AND a.opened_on <= %s
          AND p.id >= %s AND p.id < %s AND e.person_id >= %s AND e.person_id < %s
          AND p.region IN ({marks}) AND p.death_date IS NULL
          AND e.scheme = 'employee' AND e.category IN ({kinds}) AND e.eligible_since IS NULL
          AND e.start_date <= %s AND (e.end_date IS NULL OR e.end_date >= %s)
          AND NOT EXISTS (SELECT 1 FROM {enrolments} o WHERE o.person_id = a.person_id AND o.id <> e.id)
          AND NOT EXISTS (SELECT 1 FROM {transfers} t WHERE t.person_id = a.person_id)
          AND NOT EXISTS (SELECT 1 FROM {backs} b WHERE b.person_id = a.person_id)
          AND NOT EXISTS (SELECT 1 FROM {records} k WHERE k.person_id = a.person_id AND k.is_back_payment)
          AND (e.category = 'retired' OR (
              {sql_month_index(first)} < {index}
              AND (SELECT count(*) FROM {records} r
                   WHERE r.person_id = a.person_id AND r.month >= {first} AND r.month < %s
                     AND r.paid_on <= {sql_month_end("r.month")}) = {index} - {sql_month_index(first)}
          ))
    """
    ops = connection.ops
    day = ops.adapt_datefield_value(until)
    params = [
        day,
        lo,
        hi,
        ops.adapt_datefield_value(month_end(until)),
        lo,
        hi,
        lo,
        hi,
        *regions,
        day,
        day,
        day,
    ]
    found = {}
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        for pk, category, *stored, latest in cursor.fetchall():
            stored[1] = bool(stored[1])
            stored[3] = Decimal(stored[3]).quantize(CENT)  # amounts read as text: never a float
            base = stored[3] if latest is None else Decimal(latest).quantize(CENT)
            found[pk] = ((CATEGORY_FROM_ENROLMENT[category], False, "", base), tuple(stored))
    return found


def refresh_accounts(accounts: list[Account], on: dt.date) -> tuple[int, list[str]]:
    """`services.refresh_from_enrolment` for a chunk of accounts locked by the caller: the same profile,
    read in a few queries; returns (profiles changed, refusals)."""
    from contributions.models import ContributionRecord
    from enrollment import payments
    from enrollment.models import Certificate, Enrolment, Filing, GpContract, Person, Suspension, Transfer
    from enrollment.selectors import benefit_status

    if not accounts:
        return 0, []
    persons = {p.pk: p for p in Person.objects.filter(pk__in=[a.person_id for a in accounts])}
    enrolments = list(Enrolment.objects.filter(person_id__in=persons).order_by("person_id", "start_date"))
    _cache(enrolments, "suspensions", Suspension, "enrolment_id")
    _cache(persons.values(), "enrolments", Enrolment, "person_id", enrolments)
    payments.preload(persons.values())  # what benefit_status derives coverage from, in one query
    for name, model in (
        ("certificates", Certificate),
        ("gp_contracts", GpContract),
        ("filings", Filing),
        ("transfers", Transfer),
    ):
        _cache(persons.values(), name, model, "person_id")
    latest = dict(
        Account.objects.filter(pk__in=[a.pk for a in accounts])
        .annotate(
            latest_base=Subquery(
                ContributionRecord.objects.filter(
                    person_id=OuterRef("person_id"), month__lte=on, is_back_payment=False
                )
                .order_by("-month")
                .values("base")[:1]
            )
        )
        .values_list("pk", "latest_base")
    )
    changed, errors = [], []
    for account in accounts:
        person = persons[account.person_id]
        account.person = person
        try:
            status = benefit_status(person=person, on=on)
        except RULE_ERRORS as error:
            errors.append(f"账户 {account.pk}：{_message(error)}")
            continue
        profile = services.profile_from_status(status, latest[account.pk], account)
        if profile != tuple(getattr(account, field) for field in PROFILE_FIELDS):
            (account.category, account.benefit_suspended, account.suspension_reason, account.credit_base) = (
                profile
            )
            changed.append(account)
    write_profiles([(a.pk, *(getattr(a, field) for field in PROFILE_FIELDS)) for a in changed])
    return len(changed), errors


def _cache(owners, name: str, model, key: str, rows=None) -> None:
    """Fill what `prefetch_related(name)` fills (each owner's `_prefetched_objects_cache[name]`, which the
    related manager's `.all()` returns), from one query for all the owners. Django's own prefetch
    builds a filtered queryset per owner and relation: for a chunk of persons and six relations
    that was half the batch's time."""
    from django.db.models.query import QuerySet

    owners = list(owners)
    if rows is None:
        rows = model._default_manager.filter(**{f"{key}__in": [o.pk for o in owners]}).order_by(key, "pk")
    grouped = defaultdict(list)
    for row in rows:
        grouped[getattr(row, key)].append(row)
    for owner in owners:
        queryset = QuerySet(model=model)
        queryset._result_cache = grouped.get(owner.pk, [])
        queryset._prefetch_done = True
        if not hasattr(owner, "_prefetched_objects_cache"):
            owner._prefetched_objects_cache = {}
        owner._prefetched_objects_cache[name] = queryset


def _message(error) -> str:
    if isinstance(error, ValidationError):
        return "；".join(str(m) for m in error.messages)
    return str(error)
