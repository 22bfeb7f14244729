"""In a real browser (Debian chromium via Playwright): an administration clerk opens the fund report with its
chart and the result of a finished reform simulation."""

import datetime as dt
from decimal import Decimal as D

import pytest

from funds import posting
from funds.models import ReformDraft
from funds.simulation import start_run
from funds.simulation.run import carry_out
from tests.foundation.test_browser import page  # noqa: F401 (the Playwright page fixture)

from .conftest import contribution, person, settlement
from .test_simulation import RATIO_080


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_clerk_opens_the_report_and_the_simulation_result(page, live_server):  # noqa: F811
    from users.services import ADMINISTRATION, ensure_clerk, setup_roles

    setup_roles()
    ensure_clerk(username="guanli", password="admin-pass-2024x", groups=[ADMINISTRATION])
    who = person(district="上城区")
    contribution(who, month=dt.date(2024, 2, 1), employer=D("990.00"))
    settlement(who, on=dt.date(2024, 3, 1), kind="outpatient", eligible=D("1500.00"), basic=D("380.00"))
    settlement(who, on=dt.date(2024, 4, 1), kind="outpatient", eligible=D("2000.00"), basic=D("1520.00"))
    posting.post_all()
    run = carry_out(
        start_run(
            draft=ReformDraft.objects.create(
                name="门诊 80%", region="hangzhou", year=2024, changes=[RATIO_080]
            )
        )
    )

    page.goto(f"{live_server.url}/admin/login/")
    page.fill("#id_username", "guanli")
    page.fill("#id_password", "admin-pass-2024x")
    page.click("input[type=submit]")
    page.wait_for_url(f"{live_server.url}/admin/")

    page.goto(f"{live_server.url}/admin/funds/fundmonth/report/?region=hangzhou&year=2024")
    assert page.locator("svg.fund-chart rect").count() >= 2
    assert "职工医保统筹基金" in page.locator("#fund-months").inner_text()
    page.goto(f"{live_server.url}/admin/funds/simulationrun/{run.pk}/change/")
    content = page.content()
    assert page.locator("svg.decile-chart").count() == 1
    assert "费用 2 笔" in content and "统筹 100.00" in content
