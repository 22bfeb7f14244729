"""The monthly credit batch (按月划账, art. 23, 27; readings 11, 16): resumable, rerunnable.

The batch of month M credits, for every open account, every month up to M that is due
(`services.crediting`: paid for, inside a paid agreement period, or retired and not stopped)
and not yet credited. It reads payments and stops as of each month, never benefit status, so it
gives the same result before or after the arrears check; a rerun of a finished month starts
over and credits what an earlier run refused for a reason since gone (the year end not run
yet, a parameter entered late), skipping only what is already credited.

Per chunk of accounts, in one transaction: the account rows are locked (as
`services.credit_due` locks one); with `refresh`, each profile (category, base: what next
year's preset is computed from) is brought up to date; the due credits are built by the same
code as a single account's and written in one INSERT; `credited_total` moves by them.
The unique constraint on (account, kind, period) backs "once per account per month whatever
the retries"; a failed or killed run resumes after the last committed chunk.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections import defaultdict
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import OuterRef, Subquery, Sum
from django.utils import timezone

from policy.amount import NotInRegion, RuleInputError
from policy.parameters import ParameterError

from .. import services
from ..models import Account, BatchJob, CreditStop, LedgerEntry
from ..services import crediting

log = logging.getLogger(__name__)
MAX_ERROR_TEXT = 20000
RULE_ERRORS = (ValidationError, ParameterError, RuleInputError, NotInRegion)


def after_chunk(job: BatchJob, last_id: int) -> None:
    """Hook called after each committed chunk (tests simulate a crash here)."""


def month_end(on: dt.date) -> dt.date:
    return (on.replace(day=28) + dt.timedelta(days=4)).replace(day=1) - dt.timedelta(days=1)


def run_credit_month(year: int, month: int, *, chunk_size: int = 2000, refresh: bool = True) -> BatchJob:
    """Credit every open account for the months due up to (year, month). Safe to call again: a
    failed or running job resumes after its last committed chunk; a finished one runs again."""
    period = f"{year:04d}-{month:02d}"
    on = dt.date(year, month, 1)
    job, _created = BatchJob.objects.get_or_create(
        kind=BatchJob.Kind.CREDIT_MONTH, period=period, defaults={"chunk_size": chunk_size}
    )
    if job.status == BatchJob.Status.DONE:  # a rerun: everything again (reading 16)
        BatchJob.objects.filter(pk=job.pk).update(last_id=0, done=0, errors="", started_at=None)
        job.refresh_from_db()
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
    """Credit the months due up to (year, month) to the accounts `ids` (inside the caller's
    transaction); returns the refusals, one line per account."""
    from contributions.selectors import credit_facts

    on = dt.date(year, month, 1)
    accounts = list(Account.objects.select_for_update().filter(id__in=ids).order_by("id"))
    errors: list[str] = []
    if refresh:
        errors += _refresh(accounts, on)
    facts = credit_facts(person_ids=[a.person_id for a in accounts], until=month_end(on))
    stops = defaultdict(list)
    for stop in CreditStop.objects.filter(account_id__in=ids):
        stops[stop.account_id].append(stop)
    credited = defaultdict(set)
    for account_id, period in LedgerEntry.objects.filter(
        account_id__in=ids, kind=LedgerEntry.Kind.CREDIT
    ).values_list("account_id", "period"):
        credited[account_id].add(period)
    premiums = defaultdict(set)
    for account_id, year_taken, total in (
        LedgerEntry.objects.filter(account_id__in=ids, kind=LedgerEntry.Kind.CATASTROPHIC_PREMIUM)
        .values("account_id", "year")
        .annotate(total=Sum("amount"))
        .values_list("account_id", "year", "total")
    ):
        if total < 0:
            premiums[account_id].add(year_taken)
    params_cache: dict = {}
    entries: list[LedgerEntry] = []
    moved: dict[int, Decimal] = defaultdict(Decimal)
    for account in accounts:
        written, refused = crediting.credit_entries(
            account,
            facts[account.person_id],
            stops[account.pk],
            on,
            credited[account.pk],
            premiums[account.pk],
            params_cache=params_cache,
        )
        if refused:
            errors.append(f"账户 {account.pk}：{'；'.join(refused)}")
        entries += written
    if not entries:
        return errors
    effect = LedgerEntry.BUCKET_EFFECT
    current, historical = defaultdict(Decimal), defaultdict(Decimal)
    for entry in entries:
        current[entry.account_id] += entry.amount * effect[entry.bucket][0]
        historical[entry.account_id] += entry.amount * effect[entry.bucket][1]
        if entry.bucket == LedgerEntry.Bucket.CREDITED:
            moved[entry.account_id] += entry.amount
    LedgerEntry.objects.bulk_create(entries)
    by_id = {a.pk: a for a in accounts}
    changed = []
    for account_id in set(current) | set(historical) | set(moved):
        account = by_id[account_id]
        account.current += current[account_id]
        account.historical += historical[account_id]
        account.credited_total += moved[account_id]
        changed.append(account)
    # the rows are locked by this transaction: the values written are the values read plus the entries
    Account.objects.bulk_update(changed, ["current", "historical", "credited_total"])
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
