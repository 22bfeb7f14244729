"""The clerk's start page (issue 15): running and failed batch jobs, items awaiting the clerk, today's settlements."""

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_start_page_shows_failed_jobs_queue_and_todays_settlements(admin_client):
    from accounts.models import BatchJob

    BatchJob.objects.create(kind="credit_month", period="2026-11", status="failed", errors="boom")
    page = admin_client.get(reverse("admin:index"))
    body = page.content.decode()
    assert page.status_code == 200
    assert 'id="clerk-dashboard"' in body
    assert "批处理任务 失败" in body and "status__exact=failed" in body
    assert "今日结算笔数" in body and "今日统筹基金支付（元）" in body
    assert "dashboard.css" in body


def test_a_counter_clerk_sees_only_what_the_group_may_view(client, django_user_model):
    from users.services import COUNTER, ensure_clerk, setup_roles

    setup_roles()
    ensure_clerk(username="guiyuan-t", password="counter-pass-2024", groups=[COUNTER])
    client.login(username="guiyuan-t", password="counter-pass-2024")
    body = client.get(reverse("admin:index")).content.decode()
    assert "今日结算笔数" in body  # the counter may view settlements


def test_dashboard_sections_leave_out_models_the_user_may_not_view(django_user_model):
    from config.dashboard import dashboard

    nobody = django_user_model.objects.create_user(
        username="plain", password="x-pass-2024", role="clerk", is_staff=True
    )
    assert dashboard(nobody) == []
