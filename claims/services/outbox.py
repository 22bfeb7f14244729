"""The statement outbox: a pending row written with the settlement, rendered after it commits."""

from __future__ import annotations

import logging

from django.conf import settings
from django.db import transaction

from core.rows import (
    insert_rows,
)

from ..models import Settlement, Statement

logger = logging.getLogger(__name__)


def queue_statement(settlement: Settlement) -> None:
    """With `STATEMENTS_RENDER_EAGERLY`, the pending statement row is the outbox: written with the
    settlement, rendered after it commits. Otherwise nothing: the statement is rendered when first
    asked for (`claims.tasks.statement_file`) and kept.

    With a broker, `claims.tasks.queue_pending_statements` (beat, every few seconds) sends the
    render tasks: no broker round trip inside a settlement, and a broker that is down when
    the settlement commits loses nothing. The embedded deployment (Celery eager) renders on commit.
    """
    if not renders_eagerly():
        return
    insert_rows([Statement(settlement=settlement)])
    if renders_in_process():
        settlement_id = settlement.pk
        transaction.on_commit(lambda: queue_render(settlement_id))


def renders_eagerly() -> bool:
    return bool(getattr(settings, "STATEMENTS_RENDER_EAGERLY", False))


def renders_in_process() -> bool:
    from ..tasks import render_statement

    return bool(render_statement.app.conf.task_always_eager)


def queue_render(settlement_id: int) -> None:
    """Ask for the statement PDF; a broker or render failure never reaches the settlement."""
    from ..tasks import render_eagerly, render_statement

    try:
        if renders_in_process():
            render_eagerly(settlement_id)
        else:
            render_statement.delay(settlement_id)
    except Exception:  # the statement stays `pending`/`failed`; a clerk can render it again
        logger.exception("statement of settlement %s not queued", settlement_id)
