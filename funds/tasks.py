"""Celery tasks of the funds: the nightly posting run and the yearly publication PDF."""

from celery import shared_task


@shared_task(name="funds.tasks.post_journal")
def post_journal() -> dict:
    """Post the records the journal has not read yet (idempotent, resumable)."""
    from .posting import post_all

    return post_all()


@shared_task(name="funds.tasks.publish_year", bind=True, max_retries=3, default_retry_delay=60)
def publish_year(self, close_id: int) -> str:
    """Render and store a closed year's publication PDF (杭州 art. 85); retried on failure."""
    from .models import YearClose
    from .services import publish

    close = YearClose.objects.get(pk=close_id)
    try:
        return publish(close=close).publication.name
    except OSError as error:  # storage or font trouble: try again later
        raise self.retry(exc=error)


@shared_task(name="funds.tasks.run_simulation")
def run_simulation(run_id: int) -> str:
    """Carry out a reform simulation run (杭州 art. 33); its progress and result are on the run row."""
    from .models import SimulationRun
    from .simulation.run import carry_out

    return carry_out(SimulationRun.objects.get(pk=run_id)).status
