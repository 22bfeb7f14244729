"""Signals claims sends for the apps above it (they connect; claims imports none of them).

`settlement_committed(settlement_id=…)` is sent after a settlement's transaction commits
(institutions/ queues its supervision rules on it). Nothing is scheduled when no one listens.
"""

from django.db import transaction
from django.dispatch import Signal

settlement_committed = Signal()


def announce_committed(settlement_id: int) -> None:
    if settlement_committed.receivers:
        transaction.on_commit(
            lambda: settlement_committed.send_robust(sender="claims.Settlement", settlement_id=settlement_id)
        )
