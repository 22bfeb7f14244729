"""The monthly profile refresh (账户档案更新) as a batch job: chunks, progress, resume.

An account keeps a profile read from the enrolment records: its category, the art. 27 flag that
benefits are suspended (with the reason) and the contribution base of the latest month paid
(art. 23). The next preset and the clerks read it; the credits never do. Each month, after the
credits (`accounts.tasks.credit_month`), the profile of every open account is brought up to date
as `services.refresh_from_enrolment` would, through `benefit_status`: per account in Python, since
the status is the derivation of `policy.coverage`, but with each chunk's facts read in a few
queries (`refresh_accounts`).

The job is a `BatchJob` (kind 账户档案更新, period the month), run as the other batches run
(`batch.rollover.run_chunks`): chunks of account ids aligned to the chunk size, on two connections
on PostgreSQL, each committed with its `BatchChunk` record (accounts read, profiles changed) and
the job's counters, so the batch-jobs page shows progress and a killed run resumes with the chunks
not recorded. Writing a profile is idempotent; a rerun of a finished job starts over and changes
only what changed since.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections import defaultdict
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import OperationalError, transaction
from django.db.models import F, Max, Min, OuterRef, Subquery
from django.db.models.functions import Greatest
from django.utils import timezone

from policy.amount import NotInRegion, RuleInputError
from policy.parameters import ParameterError

from .. import services
from ..models import Account, BatchChunk, BatchJob
from ..services.crediting import month_end
from .rollover import _timed, chunk_grid, default_workers, run_chunks

log = logging.getLogger(__name__)

# Accounts per chunk (one transaction each), read and written in parts of `PART`.
CHUNK_SIZE = 20_000
PART = 2_000
MAX_ERROR_TEXT = 20000
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
        BatchChunk.objects.filter(job=job).delete()
        BatchJob.objects.filter(pk=job.pk).update(last_id=0, done=0, errors="", started_at=None, result={})
    if chunk_size:
        BatchJob.objects.filter(pk=job.pk).update(chunk_size=size)
    job.refresh_from_db()
    accounts = open_accounts(until)
    bounds = accounts.aggregate(first=Min("pk"), last=Max("pk"))
    recorded = set(BatchChunk.objects.filter(job=job).values_list("lo", "hi"))
    grid = chunk_grid(bounds["first"], bounds["last"], job.chunk_size) if bounds["first"] is not None else []
    pending = [chunk for chunk in grid if chunk not in recorded]
    BatchJob.objects.filter(pk=job.pk).update(
        status=BatchJob.Status.RUNNING,
        started_at=job.started_at or timezone.now(),
        total=accounts.count(),
        finished_at=None,
    )
    workers = min(workers or default_workers(), max(1, len(pending)))

    def one(lo: int, hi: int, number: int) -> None:
        _run_chunk(job, until, lo, hi, worker=number)
        after_chunk(job, hi)

    try:
        if workers == 1:
            for lo, hi in pending:
                one(lo, hi, 1)
        else:
            run_chunks(pending, workers, one, name="profiles")
    except Exception as error:
        job.refresh_from_db()
        BatchJob.objects.filter(pk=job.pk).update(
            status=BatchJob.Status.FAILED,
            errors=(job.errors + f"{type(error).__name__}: {error}")[-MAX_ERROR_TEXT:],
        )
        raise
    changed = sum(BatchChunk.objects.filter(job=job).values_list("entries", flat=True))
    BatchJob.objects.filter(pk=job.pk).update(
        status=BatchJob.Status.DONE, finished_at=timezone.now(), result={"changed": changed}
    )
    job.refresh_from_db()
    log.info("profile refresh %s: %d of %d profiles changed", job.period, changed, job.done)
    return job


def _run_chunk(
    job: BatchJob, until: dt.date, lo: int, hi: int, *, worker: int = 1, attempts: int = 3
) -> None:
    for attempt in range(attempts):
        try:
            started = time.perf_counter()
            with transaction.atomic():
                now = timezone.now()
                ids = list(
                    open_accounts(until)
                    .filter(id__gte=lo, id__lt=hi)
                    .order_by("id")
                    .values_list("id", flat=True)
                )
                changed, errors = 0, []
                for start in range(0, len(ids), PART):
                    part = list(
                        Account.objects.select_for_update()
                        .filter(id__in=ids[start : start + PART])
                        .order_by("id")
                    )
                    count, refused = refresh_accounts(part, until)
                    changed += count
                    errors += refused
                BatchChunk.objects.bulk_create(
                    [
                        BatchChunk(
                            job=job,
                            lo=lo,
                            hi=hi,
                            accounts=len(ids),
                            entries=changed,
                            worker=worker,
                            seconds=Decimal(f"{time.perf_counter() - started:.3f}"),
                            finished_at=now,
                        )
                    ],
                    ignore_conflicts=True,
                )
                updates = {"done": F("done") + len(ids), "last_id": Greatest(F("last_id"), hi - 1)}
                if errors:
                    locked = BatchJob.objects.select_for_update().get(pk=job.pk)
                    updates["errors"] = (locked.errors + "\n".join(errors) + "\n")[-MAX_ERROR_TEXT:]
                BatchJob.objects.filter(pk=job.pk).update(**updates)
            _timed("profile chunks", started)
            return
        except OperationalError:  # a deadlock with a payment: the chunk is retried whole
            if attempt == attempts - 1:
                raise
            log.warning("profile chunk %s–%s retried after a database conflict", lo, hi)


PROFILE_FIELDS = ("category", "benefit_suspended", "suspension_reason", "credit_base")


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
    if changed:
        Account.objects.bulk_update(changed, PROFILE_FIELDS)
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
