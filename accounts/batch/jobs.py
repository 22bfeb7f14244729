"""What every batch job (批处理任务) runs on: chunks of ids, worker threads, progress and resume.

A job (`BatchJob`) covers a range of ids cut into chunks aligned to its chunk size (`chunk_grid`), so a
resumed run finds the same chunks. Each chunk commits in one transaction together with its
`BatchChunk` record and the job's counters (`record_chunk`); a rerun skips the recorded chunks
(`pending_chunks`). The chunks run in this thread or on several connections at once (`run_job`,
`run_chunks`); a failure marks the job failed, and the next run resumes it. The year-end rollover,
the monthly credits, the arrears check and the profile refresh all run so.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterable
from decimal import Decimal

from django.conf import settings
from django.db import OperationalError, connection, connections, transaction
from django.db.models import F
from django.db.models.functions import Greatest
from django.utils import timezone

from ..models import BatchChunk, BatchJob

log = logging.getLogger(__name__)

# Seconds spent per step, summed over chunks (the benchmarks print them).
TIMINGS: dict[str, float] = {}
_TIMINGS_LOCK = threading.Lock()

# The most of a job's errors kept (the latest), so a run with many refusals stays one readable row.
MAX_ERROR_TEXT = 20000


def timed(name: str, started: float) -> None:
    """Add the seconds since `started` (`time.perf_counter()`) to the step `name`."""
    with _TIMINGS_LOCK:
        TIMINGS[name] = TIMINGS.get(name, 0.0) + (time.perf_counter() - started)


def default_workers() -> int:
    """Two database connections on PostgreSQL (this machine has 2 cores); one on SQLite, and one
    inside a caller's transaction (other connections could not see its uncommitted rows)."""
    if connection.vendor != "postgresql" or connection.in_atomic_block:
        return 1
    return max(1, int(getattr(settings, "ACCOUNTS_ROLLOVER_WORKERS", 2)))


def chunk_grid(first_id: int, max_id: int, size: int) -> list[tuple[int, int]]:
    """Chunks [lo, hi) aligned to multiples of `size`, so a resumed run finds the same chunks."""
    lo = (first_id // size) * size
    chunks = []
    while lo <= max_id:
        chunks.append((lo, lo + size))
        lo += size
    return chunks


def pending_chunks(job: BatchJob, first_id: int | None, max_id: int | None) -> list[tuple[int, int]]:
    """The chunks of ids `first_id`..`max_id` not yet recorded for `job` (none when there are no ids)."""
    if first_id is None or max_id is None:
        return []
    recorded = set(BatchChunk.objects.filter(job=job).values_list("lo", "hi"))
    return [chunk for chunk in chunk_grid(first_id, max_id, job.chunk_size) if chunk not in recorded]


def commit_chunk(work, *, step: str, lo: int, hi: int, attempts: int = 3) -> None:
    """Run `work(started)` as one chunk: in one transaction, retried whole after a database conflict
    (a deadlock with a payment touching the same rows), up to `attempts` times; its seconds go to
    the step `step` (`TIMINGS`)."""
    for attempt in range(attempts):
        started = time.perf_counter()
        try:
            with transaction.atomic():
                work(started)
        except OperationalError:
            if attempt == attempts - 1:
                raise
            log.warning("%s %s–%s retried after a database conflict", step, lo, hi)
            continue
        timed(step, started)
        return


def record_chunk(
    job: BatchJob,
    lo: int,
    hi: int,
    *,
    accounts: int,
    entries: int,
    worker: int,
    started: float,
    now,
    errors: Iterable[str] = (),
) -> None:
    """In the chunk's transaction, last: its `BatchChunk` record (what it covered and wrote, how long it
    took) and the job's counters, with its refusals added to the job's errors. The job row is locked
    only for the moment before the commit, so workers do not wait on each other."""
    BatchChunk.objects.bulk_create(
        [
            BatchChunk(
                job=job,
                lo=lo,
                hi=hi,
                accounts=accounts,
                entries=entries,
                worker=worker,
                seconds=Decimal(f"{time.perf_counter() - started:.3f}"),
                finished_at=now or timezone.now(),
            )
        ],
        ignore_conflicts=True,
    )
    updates = {"done": F("done") + accounts, "last_id": Greatest(F("last_id"), hi - 1)}
    errors = list(errors)
    if errors:
        locked = BatchJob.objects.select_for_update().get(pk=job.pk)
        updates["errors"] = (locked.errors + "\n".join(errors) + "\n")[-MAX_ERROR_TEXT:]
    BatchJob.objects.filter(pk=job.pk).update(**updates)


def restart(job: BatchJob, *, result: dict) -> None:
    """A new run of `job` (not a resumed one): its chunks forgotten, its counters and errors reset,
    `result` what the run starts from."""
    BatchChunk.objects.filter(job=job).delete()
    BatchJob.objects.filter(pk=job.pk).update(last_id=0, done=0, errors="", started_at=None, result=result)


def mark_running(job: BatchJob, *, total: int, **fields) -> None:
    """`job` running now (started when it first ran), covering `total`; `fields` also written."""
    BatchJob.objects.filter(pk=job.pk).update(
        status=BatchJob.Status.RUNNING,
        started_at=job.started_at or timezone.now(),
        total=total,
        finished_at=None,
        **fields,
    )
    job.refresh_from_db()


def entries_written(job: BatchJob) -> int:
    """What the job's recorded chunks wrote, summed."""
    return sum(BatchChunk.objects.filter(job=job).values_list("entries", flat=True))


def finish(job: BatchJob, *, result: dict | None = None) -> BatchJob:
    """`job` done now, with its `result` when given; returns it as stored."""
    fields = {"status": BatchJob.Status.DONE, "finished_at": timezone.now()}
    if result is not None:
        fields["result"] = result
    BatchJob.objects.filter(pk=job.pk).update(**fields)
    job.refresh_from_db()
    return job


def run_job(
    job: BatchJob, pending: list[tuple[int, int]], run_one, *, workers: int | None, name: str
) -> None:
    """Run a job's pending chunks, `run_one(lo, hi, worker number)` each: on `workers` connections at
    once (`default_workers` when None; never more than there are chunks), in this thread when that is
    one (`run_chunks` otherwise). A failure marks the job failed (a rerun resumes it with the chunks
    not recorded), adds its error to the job's errors, and is raised."""
    workers = min(workers or default_workers(), max(1, len(pending)))
    try:
        if workers == 1:
            for lo, hi in pending:
                run_one(lo, hi, 1)
        else:
            run_chunks(pending, workers, run_one, name=name)
    except Exception as error:
        job.refresh_from_db()
        BatchJob.objects.filter(pk=job.pk).update(
            status=BatchJob.Status.FAILED,
            errors=(job.errors + f"{type(error).__name__}: {error}")[-MAX_ERROR_TEXT:],
        )
        raise


def run_chunks(pending: list[tuple[int, int]], workers: int, run_one, *, name: str) -> None:
    """Each worker thread (its own connection) takes the next pending chunk and calls
    `run_one(lo, hi, worker number)` until none is left or one fails (the first error is raised)."""
    queue = iter(pending)
    lock = threading.Lock()
    failed = threading.Event()
    errors: list[BaseException] = []

    def work(number: int) -> None:
        try:
            while not failed.is_set():
                with lock:
                    chunk = next(queue, None)
                if chunk is None:
                    return
                run_one(chunk[0], chunk[1], number)
        except BaseException as error:  # reported by the caller, which marks the job failed
            errors.append(error)
            failed.set()
        finally:
            connections.close_all()

    threads = [threading.Thread(target=work, args=(n,), name=f"{name}-{n}") for n in range(1, workers + 1)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if errors:
        raise errors[0]
