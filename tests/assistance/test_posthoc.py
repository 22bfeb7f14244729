"""Post-hoc assistance and the shared yearly caps, worked by hand (杭州 art. 49, 50, 52; 舟山 art. 42, 44)."""

import pytest

from assistance import selectors, services
from assistance.models import AssistancePosting, PostHocApplication, PostHocItem
from assistance.services import AssistanceError

from .conftest import D, certify, inpatient, money, outpatient, settle, to_zhoushan

pytestmark = pytest.mark.django_db


def test_hangzhou_art_49_2_minimum_living_outpatient_reaches_3000_across_immediate_and_posthoc(
    hospital, person_factory
):
    """杭州 art. 49(2), 50, 52: 低保, active employee, level-3 outpatient (deductible 1,000, ratio 76 %, art. 29).

    The certificate is registered on 2024-01-01 but reaches the system only after two bills were settled:
      A 2024-01-10 eligible 10,000: fund (10,000 − 1,000) × 76 % = 6,840; burden 3,160; 50 % = 1,580
      B 2024-02-10 eligible 10,000: fund 7,600; burden 2,400; 50 % = 1,200
    then, with the certificate known, immediate assistance at settlement:
      C 2024-03-10 eligible 6,000: fund 4,560; burden 1,440; 50 % = 720 (immediate)
    Post-hoc for January–February, in date order, against 3,000 − 720 = 2,280 left:
      A 1,580 (700 left), B 1,200 capped to 700 → 2,280; the year's outpatient assistance is exactly 3,000.
    A later bill D 2024-04-10 gets no immediate assistance (the cap is shared), and a second
    post-hoc run over the same period pays nothing more.
    """
    person = person_factory()
    a = settle(hospital, outpatient(person, "A", "2024-01-10", eligible="10000.00"))
    b = settle(hospital, outpatient(person, "B", "2024-02-10", eligible="10000.00"))
    assert (a["basic_fund_paid"], a["assistance_paid"]) == ("6840.00", "0.00")
    assert (b["basic_fund_paid"], b["assistance_paid"]) == ("7600.00", "0.00")
    certify(person, "minimum_living", valid_from=D(2024, 1, 1))
    c = settle(hospital, outpatient(person, "C", "2024-03-10", eligible="6000.00"))
    assert (c["basic_fund_paid"], c["assistance_paid"]) == ("4560.00", "720.00")

    application = services.run_posthoc(person=person, period_start=D(2024, 1, 1), period_end=D(2024, 2, 29))
    amounts = [item.amount for item in application.items.order_by("bill_date")]
    assert amounts == [money("1580.00"), money("700.00")]
    assert application.total == money("2280.00")

    summary = selectors.year_summary(person=person, on=D(2024, 3, 31))
    assert summary.used_outpatient == money("3000.00")
    assert summary.outpatient_left == money("0.00")
    assert (summary.immediate, summary.posthoc) == (money("720.00"), money("2280.00"))

    d = settle(hospital, outpatient(person, "D", "2024-04-10", eligible="2000.00"))
    assert d["assistance_paid"] == "0.00"
    assert any("年度救助限额" in line["text"] for line in d["lines"])

    with pytest.raises(AssistanceError) as refused:
        services.run_posthoc(person=person, period_start=D(2024, 1, 1), period_end=D(2024, 2, 29))
    assert "period_end" in refused.value.message_dict
    assert PostHocApplication.objects.count() == 1
    # the same application run again pays nothing more
    again = services.pay_posthoc(application=application)
    assert again.total == money("2280.00")
    assert PostHocItem.objects.count() == 2
    assert AssistancePosting.objects.filter(channel="posthoc").count() == 2


def test_hangzhou_art_49_1_extreme_poverty_full_assistance_posthoc(hospital, person_factory):
    """杭州 art. 49(1): 特困 is assisted in full on the personal burden in scope.

    Inpatient level 3, eligible 50,000, 自理 50, 自费 100, settled before the certificate reached the
    system: basic 40,944 (art. 28); co-pay 9,056 is under the ordinary catastrophic deductible 25,000
    (art. 44), so catastrophic 0; burden 50 + 50,000 − 40,944 = 9,106 → assisted 100 % = 9,106.00.
    What the person bears in the end is the 自费 100 (out of scope).
    """
    person = person_factory()
    data = settle(hospital, inpatient(person, out_of_scope="100.00", self_pay_first="50.00"))
    assert (data["basic_fund_paid"], data["catastrophic_paid"], data["cash_paid"]) == (
        "40944.00",
        "0.00",
        "9206.00",
    )
    certify(person, "extreme_poverty", valid_from=D(2023, 1, 1))
    application = services.run_posthoc(person=person, period_start=D(2024, 1, 1), period_end=D(2024, 3, 31))
    assert application.total == money("9106.00")
    assert money(data["cash_paid"]) - application.total == money("100.00")


def test_hangzhou_art_52_bills_before_the_registration_day_are_not_assisted(hospital, person_factory):
    """杭州 art. 52: benefits from the day the certificate is registered: a bill the day before is refused."""
    person = person_factory()
    settle(hospital, outpatient(person, "A", "2024-01-10", eligible="10000.00"))
    certify(person, "minimum_living", valid_from=D(2023, 6, 1), registered_on=D(2024, 1, 11))
    with pytest.raises(AssistanceError) as refused:
        services.run_posthoc(person=person, period_start=D(2024, 1, 1), period_end=D(2024, 1, 31))
    assert "person" in refused.value.message_dict
    assert "第五十二条" in refused.value.text
    assert not PostHocApplication.objects.exists()


def test_a_non_recipient_is_refused_naming_the_article(hospital, person_factory):
    person = person_factory()
    settle(hospital, outpatient(person, "A", "2024-01-10", eligible="100.00"))
    with pytest.raises(AssistanceError) as refused:
        services.run_posthoc(person=person, period_start=D(2024, 1, 1), period_end=D(2024, 1, 31))
    assert "第四十七条" in refused.value.text
    assert not AssistancePosting.objects.exists()


def test_a_period_without_bills_is_refused(hospital, person_factory):
    person = person_factory()
    certify(person, "minimum_living", valid_from=D(2023, 1, 1))
    with pytest.raises(AssistanceError) as refused:
        services.run_posthoc(person=person, period_start=D(2024, 5, 1), period_end=D(2024, 5, 31))
    assert "没有可救助" in refused.value.text
    with pytest.raises(AssistanceError) as backwards:
        services.run_posthoc(person=person, period_start=D(2024, 5, 31), period_end=D(2024, 5, 1))
    assert "period_end" in backwards.value.message_dict


def test_zhoushan_art_42_6_bills_of_n_months_before_recognition(hospital, person_factory):
    """舟山 art. 42(6), 44 with the illustrative figures (N = 3 months; 低保 70 %; yearly cap 100,000).

    Active employee, level-3 outpatient (illustrative: deductible 400 a year, ratio 52 %, art. 23).
    Recognised as 低保 on 2024-06-15: immediate assistance from 2024-07-01 (art. 44); the bills of the
    3 months before recognition (from 2024-03-15) are assisted post hoc.
      2024-03-01 eligible 1,400: deductible 400, fund 520; before the window: not assisted.
      2024-04-10 eligible 2,000: fund 2,000 × 52 % = 1,040; burden 960 (catastrophic deductible not
        reached, art. 38); 70 % = 672.00
    """
    person = to_zhoushan(person_factory())
    early = settle(hospital, outpatient(person, "MZ0", "2024-03-01", eligible="1400.00"))
    late = settle(hospital, outpatient(person, "MZ1", "2024-04-10", eligible="2000.00"))
    assert (early["basic_fund_paid"], late["basic_fund_paid"]) == ("520.00", "1040.00")
    certify(person, "minimum_living", valid_from=D(2024, 6, 15), registered_on=D(2024, 6, 20))
    application = services.run_posthoc(person=person, period_start=D(2024, 1, 1), period_end=D(2024, 6, 30))
    items = list(application.items.all())
    assert [(i.settlement.bill_number, i.amount) for i in items] == [("MZ1", money("672.00"))]
    assert items[0].lines[0]["article"].startswith("舟山 第四十二条第(六)项")


def test_zhoushan_art_44_immediate_assistance_from_the_month_after_recognition(hospital, person_factory):
    """舟山 art. 44: recognised 2024-06-15 → no immediate assistance on 2024-06-20; from July 70 %.

    2024-06-20 eligible 1,000: deductible 400, fund 312, assistance 0.
    2024-07-02 eligible 1,000: fund 520, burden 480 → 70 % = 336.00.
    """
    person = to_zhoushan(person_factory())
    certify(person, "minimum_living", valid_from=D(2024, 6, 15))
    june = settle(hospital, outpatient(person, "J1", "2024-06-20", eligible="1000.00"))
    july = settle(hospital, outpatient(person, "J2", "2024-07-02", eligible="1000.00"))
    assert (june["basic_fund_paid"], june["assistance_paid"]) == ("312.00", "0.00")
    assert july["assistance_paid"] == "336.00"


def test_zhoushan_art_41_4_other_hardship_kinds_use_their_group_ratio(hospital, person_factory):
    """舟山 art. 41(4), 42(4): a 优抚对象 is assisted at the other-hardship ratio (illustrative 50 %).

    Recognised 2024-01-10 (recipient from 2024-02-01); 2024-05-10 eligible 1,400: deductible 400,
    fund 520, burden 880 → 440.00.
    """
    person = to_zhoushan(person_factory())
    certify(person, "entitled_group", valid_from=D(2024, 1, 10))
    data = settle(hospital, outpatient(person, "Y1", "2024-05-10", eligible="1400.00"))
    assert data["assistance_paid"] == "440.00"
