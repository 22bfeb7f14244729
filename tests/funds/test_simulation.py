"""Reform simulation (杭州 art. 33): a stored year re-settled under a draft, nothing written to the live tables."""

import datetime as dt
import json
from decimal import Decimal as D

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.urls import reverse

from claims.models import Settlement
from funds.models import ReformDraft, SimulationRun
from funds.simulation import simulate, start_run, validate_changes
from funds.simulation.run import carry_out
from funds.simulation.summary import deciles

from .conftest import person, settlement

pytestmark = pytest.mark.django_db

RATIO_080 = {
    "name": "outpatient.employee.ratio",
    "effective_from": "2024-01-01",
    "value": "{active: {level3: 0.80, other: 0.80, community: 0.86}, retired: {level3: 0.82, other: 0.86, community: 0.92}}",
}


def two_outpatient_bills():
    """An active employee, two level-3 outpatient bills of 2024 (no account funds, no GP contract)."""
    who = person(district="上城区")
    settlement(who, on=dt.date(2024, 3, 1), kind="outpatient", eligible=D("1500.00"))
    settlement(who, on=dt.date(2024, 4, 1), kind="outpatient", eligible=D("2000.00"))
    return who


def test_outpatient_ratio_76_to_80_percent_hand_worked():
    """杭州 art. 29(1)(3): deductible 1,000. Live 76 %: (1,500 − 1,000) × 0.76 = 380 and 2,000 × 0.76 = 1,520,
    fund 1,900, cash 1,600. Draft 80 %: 400 + 1,600 = 2,000, cash 1,500. Change +100 / −100."""
    two_outpatient_bills()
    before = list(Settlement.objects.values_list("pk", "basic_fund_paid", "cash_paid"))
    result = simulate(region="hangzhou", year=2024, changes=[RATIO_080])
    assert result["bills"] == 2 and result["persons"] == 1
    assert result["totals"]["live"]["basic_fund"] == "1900.00"
    assert result["totals"]["draft"]["basic_fund"] == "2000.00"
    assert result["totals"]["live"]["cash"] == "1600.00"
    assert result["totals"]["change"] == {
        "basic_fund": "100.00",
        "catastrophic": "0.00",
        "assistance": "0.00",
        "personal_accounts": "0.00",
        "cash": "-100.00",
    }
    assert [row["key"] for row in result["by"]["bill_kind"]] == ["outpatient"]
    assert result["by"]["district"][0]["key"] == "上城区"
    assert result["out_of_pocket_deciles"]["live"][-1] == "1600.00"
    assert (
        list(Settlement.objects.values_list("pk", "basic_fund_paid", "cash_paid")) == before
    )  # nothing written


def test_each_persons_year_is_replayed_with_their_own_accumulators():
    """Two persons with the same bills each pay their own deductible: fund 2 × 1,900 under the live rules."""
    two_outpatient_bills()
    two_outpatient_bills()
    result = simulate(region="hangzhou", year=2024, changes=[RATIO_080])
    assert result["totals"]["live"]["basic_fund"] == "3800.00"
    assert result["persons"] == 2


def test_a_draft_naming_an_unknown_parameter_or_the_wrong_shape_is_refused_by_key():
    with pytest.raises(ValidationError, match="outpatient.employee.rate"):
        validate_changes(region="hangzhou", changes=[{**RATIO_080, "name": "outpatient.employee.rate"}])
    with pytest.raises(ValidationError, match="形状"):
        validate_changes(region="hangzhou", changes=[{**RATIO_080, "value": "0.80"}])
    with pytest.raises(ValidationError, match="日期"):
        validate_changes(region="hangzhou", changes=[{**RATIO_080, "effective_from": "2024-13-01"}])
    with pytest.raises(ValidationError, match="条款规则"):
        validate_changes(
            region="hangzhou", changes=[{"name": "funds.books", "effective_from": "2024-01-01", "value": "1"}]
        )


def test_a_year_with_no_bills_says_so():
    with pytest.raises(ValidationError, match="没有已结算的费用"):
        simulate(region="hangzhou", year=2019, changes=[RATIO_080])


def test_deciles_by_nearest_rank():
    assert deciles([D(v) for v in range(1, 11)]) == [D(v) for v in range(1, 11)]
    assert deciles([D("5")]) == [D("5")] * 10


def test_a_run_records_progress_and_result_and_the_admin_shows_it(admin_client):
    two_outpatient_bills()
    draft = ReformDraft.objects.create(name="门诊 80%", region="hangzhou", year=2024, changes=[RATIO_080])
    run = carry_out(start_run(draft=draft))
    assert run.status == SimulationRun.Status.DONE and run.done == 2 and run.percent == 100
    page = admin_client.get(reverse("admin:funds_simulationrun_change", args=[run.pk]))
    body = page.content.decode()
    assert page.status_code == 200 and "<svg" in body and "100.00" in body


def test_the_admin_refuses_a_bad_draft_and_runs_a_good_one(admin_client):
    two_outpatient_bills()
    add = reverse("admin:funds_reformdraft_add")
    bad = admin_client.post(
        add,
        {
            "name": "x",
            "region": "hangzhou",
            "year": 2024,
            "changes": json.dumps([{**RATIO_080, "name": "nope"}]),
        },
    )
    assert bad.status_code == 200 and "nope" in bad.content.decode()
    good = admin_client.post(
        add, {"name": "门诊 80%", "region": "hangzhou", "year": 2024, "changes": json.dumps([RATIO_080])}
    )
    assert good.status_code == 302
    draft = ReformDraft.objects.get()
    admin_client.post(
        reverse("admin:funds_reformdraft_changelist"), {"action": "run", "_selected_action": [draft.pk]}
    )
    run = SimulationRun.objects.get()  # Celery runs eagerly in tests
    assert (
        run.status == SimulationRun.Status.DONE and run.result["totals"]["change"]["basic_fund"] == "100.00"
    )


def test_the_command_line_gives_the_same_result(tmp_path, capsys):
    two_outpatient_bills()
    changes = tmp_path / "changes.json"
    changes.write_text(json.dumps([RATIO_080]), encoding="utf-8")
    call_command("simulate_reform", region="hangzhou", year=2024, changes=str(changes))
    assert json.loads(capsys.readouterr().out)["totals"]["change"]["cash"] == "-100.00"
