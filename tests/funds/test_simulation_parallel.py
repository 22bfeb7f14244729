"""杭州 art. 33 reform simulation split over processes: the persons in disjoint parts, the result the same."""

import datetime as dt
from decimal import Decimal as D

import pytest
from django.db import connection

from funds.models import ReformDraft, SimulationRun
from funds.simulation import simulate, start_run, validate_changes
from funds.simulation.inputs import read_year
from funds.simulation.replay import Views, replay
from funds.simulation.run import carry_out, processes_for, replay_part
from funds.simulation.summary import Summary

from .conftest import person, settlement

RATIO_080 = {
    "name": "outpatient.employee.ratio",
    "effective_from": "2024-01-01",
    "value": "{active: {level3: 0.80, other: 0.80, community: 0.86}, retired: {level3: 0.82, other: 0.86, community: 0.92}}",
}
# in force from July: the first half of the year is settled under the live rules on both sides
RATIO_080_FROM_JULY = {**RATIO_080, "effective_from": "2024-07-01"}


def a_mixed_year():
    """Seven persons (employees active and retired, residents; four districts), outpatient, pharmacy and
    inpatient bills over the year, large enough for catastrophic insurance (杭州 art. 42, 44)."""
    who = [
        person(district="上城区"),
        person(district="西湖区", category="retired"),
        person(district="滨江区", scheme="resident", category="adult_tier1"),
        person(district="上城区"),
        person(district="萧山区", category="retired"),
        person(district="西湖区", scheme="resident", category="adult_tier1"),
        person(district="滨江区"),
    ]
    for n, one in enumerate(who):
        for month in (2, 5, 8, 11):
            settlement(
                one, on=dt.date(2024, month, 3 + n), kind="outpatient", eligible=D(f"{900 + 250 * n}.00")
            )
        settlement(one, on=dt.date(2024, 6, 10 + n), kind="pharmacy", level="other", eligible=D("420.00"))
        if n % 2 == 0:
            settlement(
                one, on=dt.date(2024, 9, 1 + n), kind="inpatient", eligible=D(f"{60000 + 30000 * n}.00")
            )
    return who


@pytest.mark.django_db
@pytest.mark.parametrize("change", [RATIO_080, RATIO_080_FROM_JULY], ids=["from-january", "from-july"])
def test_two_parts_merged_give_the_whole_years_result(change):
    """The persons of id 0 and 1 modulo 2, replayed apart and merged, give the result of all of them at once."""
    a_mixed_year()
    draft = validate_changes(region="hangzhou", changes=[change])
    whole = replay_part(region="hangzhou", year=2024, draft=draft).result()
    even = replay_part(region="hangzhou", year=2024, draft=draft, part=(0, 2))
    odd = replay_part(region="hangzhou", year=2024, draft=draft, part=(1, 2))
    assert even.bills and odd.bills and even.bills + odd.bills == whole["bills"] == 7 * 5 + 4
    assert not set(even.persons) & set(odd.persons)
    assert even.merge(odd).result() == whole
    assert whole["catastrophic_persons"]["live"] > 0
    assert whole["totals"]["change"]["basic_fund"] != "0.00"


@pytest.mark.django_db
def test_before_the_draft_is_in_force_the_draft_settles_as_the_live_rules():
    """A draft from 2024-07-01: every bill before July has the same components under both; from July on the
    employees' outpatient fund share rises where the draft's ratio is higher (杭州 art. 29(4))."""
    a_mixed_year()
    live = Views("hangzhou")
    draft = Views("hangzhou", validate_changes(region="hangzhou", changes=[RATIO_080_FROM_JULY]), live=live)
    pairs = list(replay(read_year(region="hangzhou", year=2024), live, draft))
    before = [(a, b) for stored, a, b in pairs if stored.bill.date < dt.date(2024, 7, 1)]
    after = [
        (a, b)
        for stored, a, b in pairs
        if stored.bill.date >= dt.date(2024, 7, 1)
        and stored.bill.kind == "outpatient"
        and stored.profile.scheme == "employee"
    ]
    assert before and all(a.as_dict() == b.as_dict() for a, b in before)
    assert all(a.basic_fund_paid <= b.basic_fund_paid for a, b in after)
    assert any(a.basic_fund_paid < b.basic_fund_paid for a, b in after)


def test_a_summary_merges_the_groups_and_persons_of_another():
    """Two summaries of other persons: the sums add up, each person's values are kept for the deciles."""
    first, second = Summary(), Summary()
    first.groups[("employee", "active", "上城区", "outpatient")] = [D("1.00")] * 10
    second.groups[("employee", "active", "上城区", "outpatient")] = [D("2.50")] * 10
    second.groups[("resident", "adult_tier1", "西湖区", "pharmacy")] = [D("4.00")] * 10
    first.persons[(1, "2024")] = [D("10.00"), D("9.00"), D("0.00"), D("0.00")]
    second.persons[(2, "2024")] = [D("30.00"), D("20.00"), D("5.00"), D("6.00")]
    first.bills, second.bills = 1, 2
    result = first.merge(second).result()
    assert result["bills"] == 3 and result["persons"] == 2
    assert result["totals"]["live"]["basic_fund"] == "7.50"  # 1.00 + 2.50 + 4.00
    assert result["catastrophic_persons"] == {"live": 1, "draft": 1}
    assert result["out_of_pocket_deciles"]["live"] == ["10.00"] * 5 + ["30.00"] * 5


@pytest.mark.django_db
def test_inside_a_transaction_or_on_sqlite_one_process_replays():
    """Other connections cannot see rows not yet committed (or an SQLite test database): one process then."""
    assert processes_for(2) == 1
    assert processes_for(1) == 1


@pytest.mark.django_db(transaction=True)
def test_one_and_two_processes_give_the_same_result_and_progress():
    """On PostgreSQL, two forked processes (each its own connection) give the result of one, to the cent."""
    if connection.vendor != "postgresql":
        pytest.skip("the parts run in processes of their own on PostgreSQL only")
    a_mixed_year()
    assert processes_for(2) == 2
    one = simulate(region="hangzhou", year=2024, changes=[RATIO_080], processes=1)
    two = simulate(region="hangzhou", year=2024, changes=[RATIO_080], processes=2)
    assert two == one and one["bills"] == 39 and one["persons"] == 7
    draft = ReformDraft.objects.create(name="门诊 80%", region="hangzhou", year=2024, changes=[RATIO_080])
    run = carry_out(start_run(draft=draft), processes=2)
    assert run.status == SimulationRun.Status.DONE and run.done == 39 and run.result == one
