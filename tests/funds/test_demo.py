"""The whole demo loads with the funds' part: a closed, published year, two finished
simulations; the books agree with their journal."""

import io

import pytest
from django.core.management import call_command

from funds import posting
from funds.models import SimulationRun, YearClose

pytestmark = pytest.mark.django_db


def test_demo_funds_state_and_replay_fidelity():
    call_command("load_demo", stdout=io.StringIO())
    close = YearClose.objects.get(region="hangzhou")
    assert close.status == YearClose.Status.PUBLISHED and close.publication.name.endswith(".pdf")
    assert close.funds.exists()  # every fund and district of the year
    # 杭州 art. 95, 97: the retirees' district closes the year in deficit (their account credits, no contributions),
    # covered by the risk fund and the finance, every share with its article
    from funds.demo import DEFICIT_DISTRICT

    deficit = close.funds.get(fund="employee_pooled", district=DEFICIT_DISTRICT)
    assert deficit.income == 0 and deficit.expenditure > 0 and deficit.closing < 0
    shares = close.shares.filter(fund="employee_pooled", district=DEFICIT_DISTRICT)
    assert shares.count() >= 2 and all(share.article for share in shares)
    assert sum(share.amount for share in shares) == deficit.expenditure
    runs = SimulationRun.objects.filter(status=SimulationRun.Status.DONE)
    assert runs.count() == 2
    assert all(run.result["bills"] > 0 for run in runs)
    assert posting.audit() == []
    call_command("load_demo", stdout=io.StringIO())  # idempotent
    assert YearClose.objects.count() == 1 and SimulationRun.objects.count() == 2
