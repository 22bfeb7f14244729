"""policy.assistance: the recipient rule and the amount, pure (杭州 art. 47, 49, 52; 舟山 art. 41, 42, 44)."""

import datetime as dt
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from policy import assistance as rules
from policy.parameters import parameters_for
from policy.settlement import Balances, Bill, PersonProfile, YearState, settle_bill

D = dt.date
HZ = parameters_for("hangzhou", D(2024, 6, 1))
ZS = parameters_for("zhoushan", D(2024, 6, 1), illustrative=True)


def fact(kind, valid_from, registered_on=None, valid_to=None):
    return rules.CertificateFact(kind, valid_from, valid_to, registered_on or valid_from)


def test_hangzhou_art_52_from_the_registration_day():
    certs = [fact("minimum_living", D(2024, 1, 1), registered_on=D(2024, 3, 5))]
    assert rules.recipient_on("hangzhou", certs, D(2024, 3, 4)) is None
    found = rules.recipient_on("hangzhou", certs, D(2024, 3, 5))
    assert (found.kind, found.group, found.since) == ("minimum_living", "minimum_living", D(2024, 3, 5))
    assert "第五十二条" in found.article


def test_zhoushan_art_44_from_the_month_after_recognition_and_art_41_4_groups():
    certs = [fact("three_old", D(2024, 3, 20))]
    assert rules.recipient_on("zhoushan", certs, D(2024, 3, 31)) is None
    found = rules.recipient_on("zhoushan", certs, D(2024, 4, 1))
    assert (found.group, found.since) == ("other_hardship", D(2024, 4, 1))
    # Hangzhou does not assist the Zhoushan-only kinds
    assert rules.recipient_on("hangzhou", certs, D(2024, 6, 1)) is None


def test_highest_priority_kind_counts_and_expired_certificates_do_not():
    certs = [
        fact("low_income_edge", D(2023, 1, 1)),
        fact("extreme_poverty", D(2023, 1, 1), valid_to=D(2024, 1, 31)),
    ]
    assert rules.recipient_on("hangzhou", certs, D(2024, 1, 31)).kind == "extreme_poverty"
    assert rules.recipient_on("hangzhou", certs, D(2024, 2, 1)).kind == "low_income_edge"


def test_zhoushan_art_42_5_psychiatric_bills_of_mental_disability_holders_in_full():
    """舟山 art. 42(5): a 低保 holder of a mental-disability certificate: psychiatric burden 1,000 → 1,000."""
    certs = [fact("minimum_living", D(2023, 1, 1)), fact("mental_disability", D(2023, 1, 1))]
    found = rules.recipient_on("zhoushan", certs, D(2024, 6, 1))
    assert found.psychiatric
    caps = rules.caps_for("zhoushan", found, ZS)
    full = rules.assist("zhoushan", found, "outpatient", Decimal("1000.00"), caps, ZS, psychiatric_bill=True)
    plain = rules.assist("zhoushan", found, "outpatient", Decimal("1000.00"), caps, ZS)
    assert (full.amount, plain.amount) == (Decimal("1000.00"), Decimal("700.00"))
    assert full.lines[0].article == "舟山 第四十二条第(五)项"
    assert rules.is_psychiatric(["F20.0"]) and not rules.is_psychiatric(["I10"])


def test_zhoushan_art_42_6_window_needs_its_figure():
    certs = [fact("minimum_living", D(2024, 6, 15))]
    inside = rules.posthoc_recipient_on("zhoushan", certs, D(2024, 3, 15), ZS)
    before = rules.posthoc_recipient_on("zhoushan", certs, D(2024, 3, 14), ZS)
    assert inside.pre_recognition and before is None
    # 三老 are not newly recognised 特困/低保/低边: no window
    assert (
        rules.posthoc_recipient_on("zhoushan", [fact("three_old", D(2024, 6, 15))], D(2024, 5, 1), ZS) is None
    )
    import pytest

    from policy.parameters import MissingParameter

    with pytest.raises(MissingParameter) as missing:
        rules.posthoc_recipient_on(
            "zhoushan", certs, D(2024, 5, 1), parameters_for("zhoushan", D(2024, 5, 1), illustrative=False)
        )
    assert "assistance.pre_recognition_months" in str(missing.value)


money = st.decimals(min_value=0, max_value=60000, places=2, allow_nan=False, allow_infinity=False)


@settings(max_examples=150, deadline=None)
@given(
    kind=st.sampled_from(["outpatient", "inpatient", "pharmacy", "specified_disease"]),
    certificate=st.sampled_from(
        ["extreme_poverty", "minimum_living", "disability_grade2", "low_income_edge"]
    ),
    eligible=money,
    spf=money,
    current=money,
)
def test_the_post_hoc_formula_is_the_engine_s(kind, certificate, eligible, spf, current):
    """On a fresh year the engine's immediate assistance equals policy.assistance on the settled components."""
    person = PersonProfile(
        region="hangzhou", scheme="employee", category="active", age=50, certificate=certificate
    )
    bill = Bill(
        id="X",
        date=D(2024, 5, 1),
        kind=kind,
        institution_level="level3",
        eligible=eligible,
        self_pay_first=spf,
    )
    result = settle_bill(
        person=person, bill=bill, state=YearState(), balances=Balances(current_funds=current), params=HZ
    )
    recipient = rules.Recipient(certificate, certificate, D(2023, 1, 1), "")
    burden = rules.personal_burden(
        "hangzhou",
        rules.Components(
            kind,
            spf,
            eligible,
            Decimal("0"),
            result.current_funds_paid,
            result.basic_fund_paid,
            result.catastrophic_paid,
        ),
    )
    assisted = rules.assist(
        "hangzhou", recipient, kind, burden, rules.caps_for("hangzhou", recipient, HZ), HZ
    )
    assert assisted.amount == result.assistance_paid


@settings(max_examples=200, deadline=None)
@given(
    burdens=st.lists(money, min_size=1, max_size=12),
    group=st.sampled_from(["minimum_living", "extreme_poverty"]),
)
def test_no_sequence_of_bills_passes_the_caps(burdens, group):
    """杭州 art. 49(2); 舟山 art. 42(6): whatever the bills, the year's assistance stays within the caps."""
    for region, params in (("hangzhou", HZ), ("zhoushan", ZS)):
        recipient = rules.Recipient(group, group, D(2023, 1, 1), "")
        caps = rules.caps_for(region, recipient, params)
        for burden in burdens:
            assisted = rules.assist(region, recipient, "outpatient", burden, caps, params)
            assert Decimal("0") <= assisted.amount <= burden
            caps = caps.after(assisted.amount, True)
        if caps.outpatient_cap is not None:
            assert caps.used_outpatient <= caps.outpatient_cap
        if caps.annual_cap is not None:
            assert caps.used_total <= caps.annual_cap
