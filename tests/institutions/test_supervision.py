"""Intelligent supervision (杭州 art. 99): rules as data flag bills for review and never block payment."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from institutions import clearing, supervision
from institutions.models import Breach, Flag, Rule

from .conftest import LEVEL3, OTHER, PHARMACY, direct_bill, inpatient

pytestmark = pytest.mark.django_db
DAY = dt.date(2024, 6, 10)


def kinds(**filters):
    return sorted(Flag.objects.filter(**filters).values_list("rule__kind", flat=True))


def test_same_day_inpatient_at_two_institutions(institutions, person_factory):
    person = person_factory()
    a = direct_bill(institutions[LEVEL3], person, cost="5000", fund="4000", discharge=DAY, days=3)
    direct_bill(institutions[OTHER], person, cost="6000", fund="4500", discharge=DAY, days=1)
    assert supervision.run(day=DAY) >= 2
    assert Rule.Kind.SAME_DAY_INPATIENT in kinds(settlement=a)
    flag = Flag.objects.get(settlement=a, rule__kind=Rule.Kind.SAME_DAY_INPATIENT)
    assert flag.article == "杭州 第九十九条" and flag.amount == Decimal("4000.00") and flag.state == "open"


def test_overlapping_stays(institutions, person_factory):
    person = person_factory()
    direct_bill(
        institutions[LEVEL3], person, cost="5000", fund="4000", discharge=dt.date(2024, 6, 8), days=10
    )
    b = direct_bill(
        institutions[OTHER], person, cost="6000", fund="4500", discharge=DAY, days=5
    )  # 6-05..6-10
    supervision.run(day=DAY)
    assert kinds(settlement=b) == [Rule.Kind.OVERLAPPING_STAYS]


def test_transfer_on_the_discharge_day_is_not_an_overlap(institutions, person_factory):
    person = person_factory()
    direct_bill(institutions[LEVEL3], person, cost="5000", fund="4000", discharge=dt.date(2024, 6, 5), days=4)
    b = direct_bill(institutions[OTHER], person, cost="6000", fund="4500", discharge=DAY, days=5)  # from 6-05
    supervision.run(day=DAY)
    assert kinds(settlement=b) == []


def test_volume_far_above_own_90_day_median(institutions, person_factory):
    people = [person_factory() for _ in range(3)]
    hospital = institutions[LEVEL3]
    for back in range(1, 91):
        direct_bill(
            hospital, people[back % 3], cost="100", fund="50", discharge=DAY - dt.timedelta(days=back), days=1
        )
    for index in range(25):  # median 1 a day; 25 today > 3 × 1 and ≥ 20
        direct_bill(hospital, people[index % 3], cost="100", fund="50", discharge=DAY, days=1)
    supervision.run(day=DAY)
    flag = Flag.objects.get(rule__kind=Rule.Kind.VOLUME_SPIKE)
    assert "25" in flag.detail and flag.institution == hospital


def test_pharmacy_just_under_a_threshold_many_times(institutions, person_factory):
    person = person_factory()
    pharmacy = institutions[PHARMACY]
    for back in range(5):
        last = direct_bill(
            pharmacy,
            person,
            cost="199.00",
            fund="150",
            discharge=DAY - dt.timedelta(days=back * 3),
            kind="pharmacy",
        )
        if back == 0:
            today = last
    direct_bill(
        pharmacy, person_factory(), cost="199.00", fund="150", discharge=DAY, kind="pharmacy"
    )  # once only
    supervision.run(day=DAY)
    assert list(
        Flag.objects.filter(rule__kind=Rule.Kind.JUST_UNDER_THRESHOLD).values_list("settlement", flat=True)
    ) == [today.pk]


def test_bill_after_date_of_death(institutions, person_factory):
    person = person_factory()
    bill = direct_bill(institutions[LEVEL3], person, cost="5000", fund="4000", discharge=DAY)
    person.death_date = dt.date(2024, 6, 1)
    person.save(update_fields=["death_date"])
    supervision.run(day=DAY)
    assert kinds(settlement=bill) == [Rule.Kind.AFTER_DEATH]


def test_rules_are_data_disabled_rule_does_not_flag_thresholds_change(institutions, person_factory):
    person = person_factory()
    pharmacy = institutions[PHARMACY]
    for back in range(3):
        direct_bill(
            pharmacy,
            person,
            cost="95.00",
            fund="50",
            discharge=DAY - dt.timedelta(days=back),
            kind="pharmacy",
        )
    rules = supervision.ensure_rules()
    rule = rules[Rule.Kind.JUST_UNDER_THRESHOLD]
    rule.thresholds = {"threshold": "100.00", "margin": "0.10", "count": 3, "window_days": 7}
    rule.article = "杭州 第九十九条（测试口径）"
    rule.save()
    supervision.run(day=DAY)
    assert Flag.objects.get(rule=rule).article == "杭州 第九十九条（测试口径）"
    Flag.objects.all().delete()
    rule.enabled = False
    rule.save()
    supervision.run(day=DAY)
    assert not Flag.objects.exists()


def test_run_twice_flags_once(institutions, person_factory):
    person = person_factory()
    direct_bill(institutions[LEVEL3], person, cost="5000", fund="4000", discharge=DAY, days=3)
    direct_bill(institutions[OTHER], person, cost="6000", fund="4500", discharge=DAY, days=1)
    first = supervision.run(day=DAY)
    assert supervision.run(day=DAY) == 0 and Flag.objects.count() == first


def test_flag_never_blocks_payment_and_a_confirmed_flag_is_recovered_in_the_next_clearing(
    hospital, institutions, person_factory, agreement_factory, clerk
):
    """杭州 art. 88, 99: the flagged bill is settled and cleared; confirmed, its fund payment is recovered."""
    agreement_factory(institutions[LEVEL3])
    person = person_factory()
    response = hospital.post(
        "/api/v1/settlements/",
        inpatient(person, "S1", discharge="2024-03-05", admission="2024-03-01"),
        format="json",
    )
    assert response.status_code == 201
    person.death_date = dt.date(2024, 3, 2)  # entered later; the bill was settled
    person.save(update_fields=["death_date"])
    settlement_id = response.json()["settlement_id"]
    from institutions.tasks import supervise_settlement

    assert supervise_settlement(settlement_id) == 1
    flag = Flag.objects.get()
    [march] = clearing.draw_up(month=dt.date(2024, 3, 1))
    assert march.settlements == 1 and march.pooled == flag.amount  # paid regardless of the flag
    clearing.approve(clearing=march, user=clerk)
    supervision.review(flag=flag, decision="confirmed", user=clerk, note="核实死亡后冒名就医")
    flag.refresh_from_db()
    assert flag.state == "confirmed" and flag.breach.sanction == Breach.Sanction.RECOVER
    assert flag.breach.amount == flag.amount
    [april] = clearing.draw_up(month=dt.date(2024, 4, 1))
    assert april.recovered == flag.amount and april.net == -flag.amount
    with pytest.raises(ValidationError):
        supervision.review(flag=flag, decision="dismissed", user=clerk)


def test_dismissed_flag_changes_nothing(institutions, person_factory, clerk):
    person = person_factory()
    bill = direct_bill(institutions[LEVEL3], person, cost="5000", fund="4000", discharge=DAY)
    person.death_date = dt.date(2024, 6, 1)
    person.save(update_fields=["death_date"])
    supervision.run(settlement_ids=[bill.pk])
    flag = supervision.review(
        flag=Flag.objects.get(), decision="dismissed", user=clerk, note="死亡日期录入有误"
    )
    assert flag.state == "dismissed" and flag.breach is None and not Breach.objects.exists()


def test_confirming_without_an_agreement_is_refused(institutions, person_factory, clerk):
    person = person_factory()
    bill = direct_bill(institutions[LEVEL3], person, cost="5000", fund="4000", discharge=DAY)
    person.death_date = dt.date(2024, 6, 1)
    person.save(update_fields=["death_date"])
    supervision.run(settlement_ids=[bill.pk])
    with pytest.raises(ValidationError) as error:
        supervision.review(flag=Flag.objects.get(), decision="confirmed", user=clerk)
    assert "decision" in error.value.message_dict
    assert Flag.objects.get().state == "open"
