"""A simulation run: stream the year's bills, replay them, summarise; progress on the run row."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from policy.parameters import ParameterError

from ..models import ReformDraft, SimulationRun
from .drafts import validate_changes
from .inputs import read_year, stored_bills
from .replay import Views, replay
from .summary import Summary

PROGRESS_EVERY = 20_000


def simulate(*, region: str, year: int, changes: list, progress=None) -> dict:
    """The comparison of the live rules with `changes` over `region`'s stored bills of `year` (writes nothing)."""
    draft = validate_changes(region=region, changes=changes)
    if not stored_bills(region=region, year=year).exists():
        raise ValidationError({"year": [f"{year} 年度没有已结算的费用，无法测算"]})
    summary = Summary()
    live, reform = Views(region), Views(region, draft)
    for count, (stored, a, b) in enumerate(
        replay(read_year(region=region, year=year), live, reform), start=1
    ):
        summary.add(stored, a, b)
        if progress and count % PROGRESS_EVERY == 0:
            progress(count)
    return summary.result()


def start_run(*, draft: ReformDraft) -> SimulationRun:
    """A pending run of `draft` (the Celery task `funds.tasks.run_simulation` carries it out)."""
    validate_changes(region=draft.region, changes=draft.changes)
    if not stored_bills(region=draft.region, year=draft.year).exists():
        raise ValidationError({"year": [f"{draft.year} 年度没有已结算的费用，无法测算"]})
    return SimulationRun.objects.create(
        draft=draft, total=stored_bills(region=draft.region, year=draft.year).count()
    )


def carry_out(run: SimulationRun) -> SimulationRun:
    """Run it, keeping `done` up to date (each update its own small transaction, so the admin sees it)."""
    SimulationRun.objects.filter(pk=run.pk).update(
        status=SimulationRun.Status.RUNNING, started_at=timezone.now()
    )

    def progress(done: int) -> None:
        with transaction.atomic():
            SimulationRun.objects.filter(pk=run.pk).update(done=done)

    draft = run.draft
    try:
        result = simulate(region=draft.region, year=draft.year, changes=draft.changes, progress=progress)
    except (ValidationError, ParameterError) as error:
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
