"""The decision is the letter's outbox (issue 17): a letter whose render never reached the broker
(down at commit) is sent by the beat sweep, once; a lost message is sent again after 10 minutes."""

import datetime as dt
from decimal import Decimal as D

import pytest
from django.conf import settings
from django.utils import timezone

from maternity import services, tasks
from maternity.models import Decision

from .conftest import insured_woman

EVENT = dt.date(2026, 3, 10)
pytestmark = pytest.mark.django_db


@pytest.fixture
def broker(monkeypatch):
    """A broker deployment (not eager); `down` makes every send fail as a dead broker does."""
    monkeypatch.setitem(tasks.render_letter.app.conf, "task_always_eager", False)
    state = {"down": False, "sent": []}

    def delay(decision_id):
        if state["down"]:
            raise ConnectionError("broker unreachable")
        state["sent"].append(decision_id)

    monkeypatch.setattr(tasks.render_letter, "delay", delay)
    return state


def approved(clerk, capture) -> Decision:
    person, employer = insured_woman(event_date=EVENT, base=D("8000"), colleagues=(D("10000"),))
    application, _created = services.submit(
        person=person,
        employer=employer,
        event_kind="birth",
        event_date=EVENT,
        source="counter",
        today=dt.date(2026, 11, 20),
    )
    with capture(execute=True):
        return services.approve(application=application, user=clerk, on=dt.date(2026, 11, 25))


def test_letter_lost_with_the_broker_is_sent_by_the_sweep(broker, clerk, django_capture_on_commit_callbacks):
    broker["down"] = True
    decision = approved(clerk, django_capture_on_commit_callbacks)
    decision.refresh_from_db()
    # the decision and its payment committed; the letter never left
    assert decision.letter_status == "pending" and decision.letter_queued is None
    assert broker["sent"] == []

    broker["down"] = False
    assert tasks.queue_pending_letters() == 1
    assert broker["sent"] == [decision.pk]
    assert tasks.queue_pending_letters() == 0  # sent, not yet rendered: not sent twice
    assert broker["sent"] == [decision.pk]

    Decision.objects.filter(pk=decision.pk).update(letter_queued=timezone.now() - dt.timedelta(minutes=11))
    assert tasks.queue_pending_letters() == 1  # its message was lost with a worker: sent again
    assert broker["sent"] == [decision.pk, decision.pk]

    tasks.render(decision.pk)  # what the worker does with the message
    Decision.objects.filter(pk=decision.pk).update(letter_queued=timezone.now() - dt.timedelta(minutes=11))
    assert tasks.queue_pending_letters() == 0  # a rendered letter is never sent again
    decision.refresh_from_db()
    assert decision.letter_status == "ready" and decision.letter.name.endswith(".pdf")


def test_a_letter_sent_at_commit_is_left_to_its_message(broker, clerk, django_capture_on_commit_callbacks):
    decision = approved(clerk, django_capture_on_commit_callbacks)
    assert broker["sent"] == [decision.pk]
    decision.refresh_from_db()
    assert decision.letter_queued is not None
    assert tasks.queue_pending_letters() == 0
    assert broker["sent"] == [decision.pk]


def test_without_a_broker_the_sweep_renders_in_process(
    clerk, django_capture_on_commit_callbacks, monkeypatch
):
    """The embedded deployment: a letter left pending (its render failed at commit) is rendered by the sweep."""
    monkeypatch.setattr("maternity.services.decisions.queue_letter", lambda decision_id: None)
    decision = approved(clerk, django_capture_on_commit_callbacks)
    decision.refresh_from_db()
    assert decision.letter_status == "pending"
    assert tasks.queue_pending_letters() == 1
    decision.refresh_from_db()
    assert decision.letter_status == "ready" and decision.letter


def test_the_sweep_is_on_the_beat_schedule():
    entries = [entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()]
    assert "maternity.tasks.queue_pending_letters" in entries
