"""A simulation run: stream the year's bills, replay them, summarise; progress on the run row.

On PostgreSQL, outside a transaction, the persons are split into as many parts as the machine
has cores (person id modulo n) and each part is replayed in its own spawned process, with its
own database connection; the parent adds up their progress and merges their summaries. Elsewhere
(SQLite, or inside a transaction whose rows other connections cannot see) one process does it
all. The result is the same either way.
"""

from __future__ import annotations

import multiprocessing
import os
import queue as queues

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection, connections, transaction
from django.utils import timezone

from policy.parameters import Override, ParameterError

from ..models import ReformDraft, SimulationRun
from .drafts import validate_changes
from .inputs import read_year, stored_bills
from .replay import Views, replay
from .summary import Summary
from .worker import work

PROGRESS_EVERY = 20_000
PARTS_PER_PROCESS = 4  # parts of the persons per process: a process that starts late takes fewer
PARALLEL_FROM = 50_000  # bills: a smaller year is replayed in one process unless more are asked for


def simulate(*, region: str, year: int, changes: list, progress=None, processes: int | None = None) -> dict:
    """The comparison of the live rules with `changes` over `region`'s stored bills of `year` (writes nothing).

    `processes`: how many processes replay the bills (default: one for a year of fewer than
    PARALLEL_FROM bills, else `settings.SIMULATION_PROCESSES` or the number of cores); one where
    the database cannot be shared (see the module's docstring).
    """
    draft = validate_changes(region=region, changes=changes)
    if not stored_bills(region=region, year=year).exists():
        raise ValidationError({"year": [f"{year} 年度没有已结算的费用，无法测算"]})
    if processes is None and stored_bills(region=region, year=year).count() < PARALLEL_FROM:
        count = 1  # starting a process costs more than it saves on a small year
    else:
        count = processes_for(processes)
    summary = None
    if count > 1:
        summary = _in_processes(region=region, year=year, draft=draft, count=count, progress=progress)
    if summary is None:
        summary = replay_part(region=region, year=year, draft=draft, progress=progress)
    return summary.result()


def processes_for(asked: int | None) -> int:
    """How many processes can replay: the ones asked (or the cores), if other connections see the rows."""
    wanted = asked or getattr(settings, "SIMULATION_PROCESSES", None) or os.cpu_count() or 1
    if wanted > 1 and (connection.vendor != "postgresql" or connection.in_atomic_block):
        return 1
    return max(1, wanted)


def replay_part(
    *, region: str, year: int, draft: list[Override], part: tuple[int, int] | None = None, progress=None
) -> Summary:
    """The summary of one part of the persons (all of them for None), `progress(bills done)` as it goes."""
    summary = Summary()
    add = summary.add
    live = Views(region)
    reform = Views(region, draft, live=live)
    step = PROGRESS_EVERY // (part[1] if part else 1)
    count = 0
    for stored, a, b in replay(read_year(region=region, year=year, part=part), live, reform):
        add(stored, a, b)
        count += 1
        if progress and count % step == 0:
            progress(count)
    return summary


def replay_in_child(region: str, year: int, draft: list[Override], parts: int, tasks, out) -> None:
    """In a child process (`worker.work`): parts taken from `tasks` until none is left, each part's
    progress and summary (or the error) sent to the parent on `out`."""
    try:
        while True:
            try:
                index = tasks.get(timeout=2)
            except queues.Empty:
                break
            summary = replay_part(
                region=region,
                year=year,
                draft=draft,
                part=(index, parts),
                progress=lambda done, index=index: out.put(("progress", index, done)),
            )
            out.put(("done", index, summary))
    except ValidationError as error:
        out.put(("error", -1, ("validation", error.messages)))
    except ParameterError as error:
        out.put(("error", -1, ("parameter", str(error))))
    except Exception as error:  # anything else: named, for the run's error
        out.put(("error", -1, ("other", f"{type(error).__name__}: {error}")))
    finally:
        connections.close_all()


def _raise(kind: str, detail) -> None:
    if kind == "validation":
        raise ValidationError(detail)
    if kind == "parameter":
        raise ParameterError(detail)
    raise RuntimeError(detail)


class _Parts:
    """The parts' progress and summaries as this process and the children report them."""

    def __init__(self, parts: int, workers: list, out, progress):
        self.done, self.summaries = [0] * parts, {}
        self.workers, self.out, self.progress = workers, out, progress

    def receive(self, timeout: float | None = None) -> None:
        """The children's messages waiting (with a timeout: at least one, or a check that they live)."""
        while True:
            try:
                kind, index, payload = self.out.get(timeout=timeout) if timeout else self.out.get_nowait()
            except queues.Empty:
                if timeout:
                    for worker in self.workers:
                        if worker.exitcode not in (None, 0):
                            raise RuntimeError(f"a simulation process ended with code {worker.exitcode}")
                return
            if kind == "error":
                _raise(*payload)
            if kind == "done":
                self.summaries[index] = payload
                payload = payload.bills
            self.done[index] = payload
            timeout = None

    def report(self, index: int, bills: int) -> None:
        self.done[index] = bills
        self.receive()
        if self.progress:
            self.progress(sum(self.done))


def _in_processes(
    *, region: str, year: int, draft: list[Override], count: int, progress=None
) -> Summary | None:
    """The persons in PARTS_PER_PROCESS × `count` parts, replayed by this process and `count` − 1
    spawned ones (`worker.work` sets Django up in each), each taking the next part when free: this
    process starts at once, the others join when they are up, and none waits for a slow one.

    None if this process may not have children (a daemonic pool worker): the caller replays alone.
    """
    parts = count * PARTS_PER_PROCESS
    context = multiprocessing.get_context("spawn")
    tasks, out = context.Queue(), context.Queue()
    for index in range(parts):
        tasks.put(index)
    databases = {alias: dict(values) for alias, values in settings.DATABASES.items()}
    workers = [
        context.Process(
            target=work,
            args=(settings.SETTINGS_MODULE, databases, region, year, draft, parts, tasks, out),
            daemon=True,
        )
        for _ in range(count - 1)
    ]
    try:
        for worker in workers:
            worker.start()
    except AssertionError:  # multiprocessing: "daemonic processes are not allowed to have children"
        _stop(workers)
        return None
    state = _Parts(parts, workers, out, progress)
    try:
        while True:  # this process takes parts too, while any is left
            try:
                index = tasks.get(timeout=0.5)
            except queues.Empty:
                break
            state.summaries[index] = replay_part(
                region=region,
                year=year,
                draft=draft,
                part=(index, parts),
                progress=lambda bills, index=index: state.report(index, bills),
            )
            state.report(index, state.summaries[index].bills)
        while len(state.summaries) < parts:
            state.receive(1)
            state.report(0, state.done[0])
    finally:  # every part is in (or it failed): a child still starting has nothing left to take
        _stop(workers)
    merged = state.summaries[0]
    for index in range(1, parts):
        merged.merge(state.summaries[index])
    return merged


def _stop(workers: list) -> None:
    for worker in workers:
        if worker.is_alive():
            worker.terminate()
        worker.join()


def start_run(*, draft: ReformDraft) -> SimulationRun:
    """A pending run of `draft` (the Celery task `funds.tasks.run_simulation` carries it out)."""
    validate_changes(region=draft.region, changes=draft.changes)
    if not stored_bills(region=draft.region, year=draft.year).exists():
        raise ValidationError({"year": [f"{draft.year} 年度没有已结算的费用，无法测算"]})
    return SimulationRun.objects.create(
        draft=draft, total=stored_bills(region=draft.region, year=draft.year).count()
    )


def carry_out(run: SimulationRun, *, processes: int | None = None) -> SimulationRun:
    """Run it, keeping `done` up to date (each update its own small transaction, so the admin sees it)."""
    SimulationRun.objects.filter(pk=run.pk).update(
        status=SimulationRun.Status.RUNNING, started_at=timezone.now()
    )

    def progress(done: int) -> None:
        with transaction.atomic():
            SimulationRun.objects.filter(pk=run.pk).update(done=done)

    draft = run.draft
    try:
        result = simulate(
            region=draft.region,
            year=draft.year,
            changes=draft.changes,
            progress=progress,
            processes=processes,
        )
    except (ValidationError, ParameterError, RuntimeError) as error:
        message = "; ".join(error.messages) if isinstance(error, ValidationError) else str(error)
        SimulationRun.objects.filter(pk=run.pk).update(
            status=SimulationRun.Status.FAILED, error=message, finished_at=timezone.now()
        )
    else:
        SimulationRun.objects.filter(pk=run.pk).update(
            status=SimulationRun.Status.DONE, result=result, done=result["bills"], finished_at=timezone.now()
        )
    run.refresh_from_db()
    return run
