"""The monthly credit batch (按月划账, 杭州 art. 23, 27): once per account and month, resumable, in bulk.

Per chunk of accounts, in one transaction:
1. the chunk's account rows are locked (as `services.credit_month` locks one), so a credit
   written by hand for the same account and month waits and then finds this one;
2. with `refresh`, each account's category, art. 27 suspension and contribution base are
   brought up to date from the enrolment records: the persons are read with everything
   `enrollment.selectors.benefit_status` needs prefetched and the latest bases in one
   query, and only the changed profiles are written (one UPDATE);
3. the month's credit of each account is built by `services.credit_entry` (the same rule
   and explanation as a single credit: age reached in the month, art. 23; none while
   stopped, art. 27; agreement payers into historical funds, art. 23(3)), skipping the
   accounts that already have the month's credit;
4. the entries are written in one INSERT, and the accounts' `credited_total` (or historical
   funds, for late and agreement credits) move by the entries just written, in one UPDATE each.

The unique constraint on (account, kind, period) for credits backs "once per account per
month whatever the retries"; the job's `last_id` commits with each chunk, so a killed worker
resumes after the last committed chunk.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections import defaultdict

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import OuterRef, Subquery
from django.utils import timezone

from policy.amount import NotInRegion, RuleInputError
from policy.parameters import ParameterError, parameters_for

from .. import services
from ..models import Account, BatchJob, LedgerEntry

log = logging.getLogger(__name__)
MAX_ERROR_TEXT = 20000
RULE_ERRORS = (ValidationError, ParameterError, RuleInputError, NotInRegion)


def after_chunk(job: BatchJob, last_id: int) -> None:
    """Hook called after each committed chunk (tests simulate a crash here)."""


def month_end(on: dt.date) -> dt.date:
    return (on.replace(day=28) + dt.timedelta(days=4)).replace(day=1) - dt.timedelta(days=1)


def run_credit_month(year: int, month: int, *, chunk_size: int = 2000, refresh: bool = True) -> BatchJob:
    """Credit every open account for the month (or resume the month's job). Safe to call again."""
    period = f"{year:04d}-{month:02d}"
    on = dt.date(year, month, 1)
    job, _created = BatchJob.objects.get_or_create(
        kind=BatchJob.Kind.CREDIT_MONTH, period=period, defaults={"chunk_size": chunk_size}
    )
    accounts = Account.objects.filter(status=Account.Status.OPEN, opened_on__lte=month_end(on))
    BatchJob.objects.filter(pk=job.pk).update(
        status=BatchJob.Status.RUNNING,
        started_at=job.started_at or timezone.now(),
        total=job.done + accounts.filter(id__gt=job.last_id).count(),
        finished_at=None,
    )
    job.refresh_from_db()
    try:
        while True:
            ids = list(
                accounts.filter(id__gt=job.last_id).order_by("id").values_list("id", flat=True)[:chunk_size]
            )
            if not ids:
                break
            with transaction.atomic():
                locked = BatchJob.objects.select_for_update().get(pk=job.pk)
                if locked.last_id >= ids[-1]:
                    job = locked
                    continue
                errors = credit_chunk(ids, year, month, refresh=refresh)
                locked.last_id = ids[-1]
                locked.done += len(ids)
                if errors:
                    locked.errors = (locked.errors + "\n".join(errors) + "\n")[-MAX_ERROR_TEXT:]
                locked.save(update_fields=["last_id", "done", "errors"])
                job = locked
            after_chunk(job, job.last_id)
    except Exception as error:
        BatchJob.objects.filter(pk=job.pk).update(
            status=BatchJob.Status.FAILED,
            errors=(job.errors + f"{type(error).__name__}: {error}")[-MAX_ERROR_TEXT:],
        )
        raise
    BatchJob.objects.filter(pk=job.pk).update(status=BatchJob.Status.DONE, finished_at=timezone.now())
    job.refresh_from_db()
    return job


def credit_chunk(ids: list[int], year: int, month: int, *, refresh: bool = True) -> list[str]:
    """Credit the month to the accounts `ids` (inside the caller's transaction); returns the errors."""
    on = dt.date(year, month, 1)
    period = f"{year:04d}-{month:02d}"
    accounts = list(Account.objects.select_for_update().filter(id__in=ids).order_by("id"))
    errors: list[str] = []
    if refresh:
        errors += _refresh(accounts, on)
    already = set(
        LedgerEntry.objects.filter(
            account_id__in=ids, kind=LedgerEntry.Kind.CREDIT, period=period
        ).values_list("account_id", flat=True)
    )
    params = {}
    entries: list[LedgerEntry] = []
    for account in accounts:
        if account.pk in already:
            continue
        try:
            if account.region not in params:
                params[account.region] = parameters_for(account.region, on)
            entry = services.credit_entry(account, year, month, params[account.region])
        except RULE_ERRORS as error:
            errors.append(f"账户 {account.pk}：{_message(error)}")
            continue
        if entry is not None:
            entries.append(entry)
    if not entries:
        return errors
    LedgerEntry.objects.bulk_create(entries)
    by_bucket = defaultdict(list)
    for entry in entries:
        by_bucket[entry.bucket].append(entry.account_id)
    # each account moves by the entry just written for it (read back through the unique credit index)
    table, ledger = Account._meta.db_table, LedgerEntry._meta.db_table
    written = (
        f"(SELECT e.amount FROM {ledger} e WHERE e.account_id = {table}.id "
        f"AND e.kind = 'credit' AND e.period = %s)"
    )
    with connection.cursor() as cursor:
        for bucket, assignment, extra in (
            (
                LedgerEntry.Bucket.CREDITED,
                f"credited_total = credited_total + {written}, credited_year = %s",
                [year],
            ),
            (LedgerEntry.Bucket.HISTORICAL, f"historical = historical + {written}", []),
        ):
            account_ids = by_bucket.get(bucket)
            if account_ids:
                cursor.execute(
                    f"UPDATE {table} SET {assignment} WHERE id IN ({', '.join(['%s'] * len(account_ids))})",
                    [period, *extra, *account_ids],
                )
    return errors


PROFILE_FIELDS = ("category", "benefit_suspended", "suspension_reason", "credit_base")


def _refresh(accounts: list[Account], on: dt.date) -> list[str]:
    """`services.refresh_from_enrolment` for a chunk: the same profile, read in a few queries."""
    from contributions.models import ContributionRecord
    from enrollment import payments
    from enrollment.models import Certificate, Enrolment, Filing, GpContract, Person, Suspension, Transfer
    from enrollment.selectors import benefit_status

    if not accounts:
        return []
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
    return errors


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
