"""The arrears check as a batch job (欠费检查; art. 15, 16; coverage-rules reading 1): chunks, progress, resume.

The rows it writes mirror the derived benefit status (`contributions.services.arrears`). Per chunk
of person ids, three steps:

1. a set-based statement picks the persons the derivation could write or correct a row for (a
   month not paid by its month's end, or a row already there; `arrears_candidates`);
2. of those, the persons with one month in arrears and nothing else that the derivation weighs
   (one enrolment, no transfer, back payment or death; `simple_rows`) get their row from one
   statement, and a person whose row is already written as derived is skipped;
3. only the rest go through the derivation itself (`policy.coverage.suspensions`).

Everyone else pays on time, and the derivation would write nothing for them.

The job is a `BatchJob` (kind 欠费检查, period the month of the check day), run as the rollover
runs (`batch.jobs`): chunks of person ids aligned to the chunk size, on two
connections at once on PostgreSQL, each committed with its `BatchChunk` record (persons covered,
rows written) and the job's counters, so the admin shows its progress and a killed run resumes
with the chunks not yet recorded. Writing the rows is idempotent, so a chunk run twice writes
nothing twice, and a rerun of a finished check starts over and writes nothing new. It is started
by the beat, the batch-jobs page and the contributions admin, all through the Celery task
`accounts.tasks.arrears_check`.
"""

from __future__ import annotations

import datetime as dt
import logging
import time

from django.db.models import Max, Min
from django.utils import timezone

from ..models import BatchJob
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

# Persons per chunk (one transaction each).
CHUNK_SIZE = 50_000


def after_chunk(job: BatchJob, hi: int) -> None:
    """Hook called after each committed chunk (tests simulate a crash here)."""


def run_arrears_check(on: dt.date, *, chunk_size: int | None = None, workers: int | None = None) -> BatchJob:
    """Run (or resume) the arrears check of `on`; returns the finished job. Safe to call again."""
    from contributions.services.arrears import arrears_scope

    size = chunk_size or CHUNK_SIZE
    job, _created = BatchJob.objects.get_or_create(
        kind=BatchJob.Kind.ARREARS_CHECK, period=f"{on:%Y-%m}", defaults={"chunk_size": size}
    )
    if job.status == BatchJob.Status.DONE or job.result.get("on") != on.isoformat():
        # a rerun, or another day of the month: everything again (nothing is written twice)
        restart(job, result={"on": on.isoformat(), "created": 0})
    if chunk_size:
        BatchJob.objects.filter(pk=job.pk).update(chunk_size=size)
    job.refresh_from_db()
    scope = arrears_scope(on=on).order_by()
    bounds = scope.aggregate(first=Min("pk"), last=Max("pk"))
    pending = pending_chunks(job, bounds["first"], bounds["last"])
    mark_running(job, total=scope.count())

    def one(lo: int, hi: int, number: int) -> None:
        _run_chunk(job, on, lo, hi, worker=number)
        after_chunk(job, hi)

    run_job(job, pending, one, workers=workers, name="arrears")
    created = entries_written(job)
    finish(job, result={"on": on.isoformat(), "created": created})
    log.info("arrears check on %s: %d suspensions written", on, created)
    return job


def _run_chunk(job: BatchJob, on: dt.date, lo: int, hi: int, *, worker: int = 1) -> None:
    from contributions.services.arrears import arrears_candidates, check_persons, insert_rows, simple_rows

    def work(started: float) -> None:
        now = timezone.now()
        covered, candidates = arrears_candidates(on=on, lo=lo, hi=hi)
        timed("arrears filter (SQL)", started)
        simple = time.perf_counter()
        new, left, _skipped = simple_rows(candidates, on=on)
        created = insert_rows(new)
        timed("arrears one-month rows (SQL)", simple)
        derived = time.perf_counter()
        for start in range(0, len(left), 2000):
            created += check_persons(left[start : start + 2000], on=on)
        timed("arrears derivation (policy.coverage)", derived)
        record_chunk(job, lo, hi, accounts=covered, entries=created, worker=worker, started=started, now=now)

    commit_chunk(work, step="arrears chunks", lo=lo, hi=hi)
