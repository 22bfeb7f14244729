"""maternity.demo.load (after the apps it builds on) covers each state and is idempotent."""

import io

import pytest

from maternity.models import Application, Decision, MaternityPosting, Payment
from users.models import ApiClient

pytestmark = pytest.mark.django_db


def test_demo_each_state_and_idempotent(django_capture_on_commit_callbacks):
    from maternity import demo

    with django_capture_on_commit_callbacks(execute=True):
        for app in ("users", "policy", "enrollment", "contributions"):
            __import__(f"{app}.demo", fromlist=["load"]).load(io.StringIO())
        demo.load(io.StringIO())
    states = {
        status: Application.objects.filter(status=status).count() for status in Application.Status.values
    }
    assert states == {"submitted": 2, "approved": 1, "refused": 1}
    waiting = Application.objects.filter(status="submitted")
    assert sorted(waiting.values_list("eligible", flat=True)) == [False, True]
    refused_in_queue = waiting.get(eligible=False)
    assert "补缴" in refused_in_queue.reason and refused_in_queue.reason_article == "杭州 第五十六条第(二)项"
    assert Payment.objects.count() == 1 and MaternityPosting.objects.count() == 1
    assert Decision.objects.filter(letter_status="ready").count() == 2
    client = ApiClient.objects.get(user__username="demo-employer")
    assert client.organisation_code == Application.objects.first().employer.credit_code
    with django_capture_on_commit_callbacks(execute=True):
        demo.load(io.StringIO())
    assert Application.objects.count() == 4 and Payment.objects.count() == 1
