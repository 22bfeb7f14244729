"""Hangzhou settlement, hand-worked from the articles (settlement-rules.md §3–§8)."""

import pytest

from policy.settlement import TrialSettlementError

from .settlement_helpers import D, bill, person, settle


def test_art28_example_active_level3_50000_bands_crossed_in_one_bill():
    """规程 §3.3 example: deductible 800; 39,200 × 82% = 32,144; 10,000 × 88% = 8,800; fund 40,944."""
    out = settle(
        person(current_funds="1500.00", historical_funds="3000.00"),
        bill("50000.00", out_of_scope="100.00", self_pay_first="50.00"),
    )
    b = out["bills"][0]
    assert b["total"] == "50150.00"
    assert b["deductible"] == "800.00"
    assert b["basic_fund_paid"] == "40944.00"
    assert b["current_funds_paid"] == "0.00"  # art. 24: current funds pay outpatient bills only
    assert b["historical_funds_paid"] == "3000.00"
    assert b["cash_paid"] == "6206.00"
    assert D(b["total"]) - D(b["basic_fund_paid"]) - D("150.00") == D("9056.00")  # co-pay
    assert [line["amount"] for line in b["lines"][:3]] == ["800.00", "32144.00", "8800.00"]
    assert b["lines"][0]["article"] == "杭州 第二十八条第(一)项"


def test_art28_retired_ratios_86_and_92():
    """规程 §3.4 retired, level 3: 39,200 × 86% = 33,712; 10,000 × 92% = 9,200; fund 42,912."""
    b = settle(person(category="retired"), bill("50000.00"))["bills"][0]
    assert b["basic_fund_paid"] == "42912.00"


def test_art28_flexible_worker_settled_as_active():
    b = settle(person(category="flexible"), bill("50000.00"))["bills"][0]
    assert b["basic_fund_paid"] == "40944.00"


def test_art28_2_employee_400000_limit_and_art42_catastrophic_over_it():
    """Eligible 450,000, active, level 3: fund 32,144 + 360,000 × 88% = 348,944; 50,000 above the limit.

    大病 qualifying (art. 42(1)(2)) = co-pay 51,056 + 50,000 = 101,056; deductible 25,000 (art. 44):
    75,000 × 75% + 1,056 × 80% = 56,250 + 844.80 = 57,094.80; cash 43,961.20.
    """
    b = settle(person(), bill("450000.00"))["bills"][0]
    assert b["basic_fund_paid"] == "348944.00"
    assert b["catastrophic_paid"] == "57094.80"
    assert b["cash_paid"] == "43961.20"
    assert any(line["amount"] == "50000.00" and "最高限额" in line["text"] for line in b["lines"])


def test_art39_resident_300000_limit():
    """Resident adult, level 3, eligible 310,000: 299,200 × 70% = 209,440; 10,000 above the limit.

    Qualifying 100,560: 75,000 × 70% + 560 × 75% = 52,920 catastrophic; cash 47,640.
    """
    b = settle(person("resident", "adult_tier1"), bill("310000.00"))["bills"][0]
    assert b["basic_fund_paid"] == "209440.00"
    assert b["catastrophic_paid"] == "52920.00"
    assert b["cash_paid"] == "47640.00"


def test_art28_1_deductible_topped_up_at_a_higher_level():
    """300 at a community admission, then a level-3 admission owes 500 more (one deductible a year)."""
    out = settle(
        person(),
        bill("1000.00", level="community", date="2024-02-01"),
        bill("2000.00", level="level3", date="2024-05-01"),
    )
    first, second = out["bills"]
    assert (first["deductible"], first["basic_fund_paid"]) == ("300.00", "616.00")  # 700 × 88%
    assert (second["deductible"], second["basic_fund_paid"]) == ("500.00", "1230.00")  # 1,500 × 82%
    assert "补差" in second["lines"][0]["text"]


def test_art28_1_lower_level_after_higher_owes_nothing():
    out = settle(
        person(), bill("2000.00", date="2024-02-01"), bill("1000.00", level="community", date="2024-05-01")
    )
    assert out["bills"][1]["deductible"] == "0.00"
    assert out["bills"][1]["basic_fund_paid"] == "880.00"


def test_art70_specified_disease_no_deductible_shares_accumulators():
    """Specified disease 10,000 at level 3: no deductible, 8,200; a later admission still owes 800."""
    out = settle(
        person(),
        bill("10000.00", kind="specified_disease", date="2024-02-01"),
        bill("1000.00", date="2024-03-01"),
    )
    assert out["bills"][0]["deductible"] == "0.00"
    assert out["bills"][0]["basic_fund_paid"] == "8200.00"
    assert out["bills"][1]["deductible"] == "800.00"
    assert out["bills"][1]["basic_fund_paid"] == "164.00"  # 200 × 82%


def test_art29_current_funds_run_out_mid_bill():
    """Current funds 600 pay 100 自理 then 500 eligible; 1,500 left: deductible 1,000, 500 × 76% = 380."""
    b = settle(
        person(current_funds="600.00"),
        bill("2000.00", kind="outpatient", self_pay_first="100.00"),
    )["bills"][0]
    assert b["current_funds_paid"] == "600.00"
    assert b["deductible"] == "1000.00"
    assert b["basic_fund_paid"] == "380.00"
    assert b["cash_paid"] == "1120.00"


def test_art29_5_gp_reduction_once_a_year_and_3_points():
    """Contracted centre: deductible 1,000 − 300 = 700; 300 × (86% + 3%) = 267. Later bill elsewhere: 500 × 80%."""
    out = settle(
        person(contracted_gp=True),
        bill("1000.00", kind="outpatient", level="community", at_contracted_centre=True, date="2024-02-01"),
        bill("500.00", kind="outpatient", level="other", date="2024-03-01"),
    )
    first, second = out["bills"]
    assert (first["deductible"], first["basic_fund_paid"]) == ("700.00", "267.00")
    assert (second["deductible"], second["basic_fund_paid"]) == ("0.00", "400.00")
    reductions = [line for b in out["bills"] for line in b["lines"] if "减免" in line["text"]]
    assert len(reductions) == 1


def test_art29_referral_by_contracted_centre_earns_reduction_not_points():
    b = settle(
        person(contracted_gp=True),
        bill("1000.00", kind="outpatient", level="level3", referred_by_contracted_centre=True),
    )["bills"][0]
    assert b["deductible"] == "700.00"
    assert b["basic_fund_paid"] == "228.00"  # 300 × 76%


def test_art64_4_pharmacy_at_other_ratio_retired():
    """Retired pharmacy bill 500: deductible 300, 200 × 86% (other, retired) = 172."""
    b = settle(person(category="retired"), bill("500.00", kind="pharmacy", level="other"))["bills"][0]
    assert (b["deductible"], b["basic_fund_paid"]) == ("300.00", "172.00")


def test_art40_resident_tiers_and_child_gp():
    """Resident outpatient 1,300 at 'other': tier 3 40% → 400; tier 2 50% → 500; child at the contracted
    centre: deductible 0 (300 − 300), 1,300 × 73% = 949."""
    tier3 = settle(person("resident", "adult_tier3"), bill("1300.00", kind="outpatient", level="other"))
    tier2 = settle(person("resident", "adult_tier2"), bill("1300.00", kind="outpatient", level="other"))
    child = settle(
        person("resident", "child", contracted_gp=True),
        bill("1300.00", kind="outpatient", level="community", at_contracted_centre=True),
    )
    assert tier3["bills"][0]["basic_fund_paid"] == "400.00"
    assert tier2["bills"][0]["basic_fund_paid"] == "500.00"
    assert child["bills"][0]["deductible"] == "0.00"
    assert child["bills"][0]["basic_fund_paid"] == "949.00"


def test_art40_4_student_campus_clinic():
    """Student at a designated campus clinic (level 'other'): deductible 0, 1,000 × (60% + 3%) = 630."""
    b = settle(
        person("resident", "student"),
        bill("1000.00", kind="outpatient", level="other", at_contracted_centre=True),
    )["bills"][0]
    assert (b["deductible"], b["basic_fund_paid"]) == ("0.00", "630.00")


def test_rules_s2_student_year_starts_1_september():
    """Students: 31 Aug and 2 Sep are different years, each owes the 300 deductible; an adult's year doesn't reset."""
    bills = (
        bill("500.00", kind="outpatient", date="2024-08-20"),
        bill("500.00", kind="outpatient", date="2024-09-02"),
    )
    student = settle(person("resident", "student"), *bills)
    adult = settle(person("resident", "adult_tier1"), *bills)
    assert [b["settlement_year"] for b in student["bills"]] == ["2023-09", "2024-09"]
    assert [b["basic_fund_paid"] for b in student["bills"]] == ["80.00", "80.00"]
    assert [b["basic_fund_paid"] for b in adult["bills"]] == ["80.00", "200.00"]


def test_art64_6_inpatient_belongs_to_discharge_year():
    out = settle(person(), bill("1000.00", date="2024-12-20"), bill("1000.00", date="2025-01-05"))
    assert [b["deductible"] for b in out["bills"]] == ["800.00", "800.00"]
    assert [b["settlement_year"] for b in out["bills"]] == ["2024", "2025"]


def test_bills_settled_in_date_order_whatever_the_request_order():
    out = settle(
        person(),
        bill("2000.00", level="level3", date="2024-05-01", id="late"),
        bill("1000.00", level="community", date="2024-02-01", id="early"),
    )
    by_id = {b["id"]: b for b in out["bills"]}
    assert by_id["early"]["deductible"] == "300.00"
    assert by_id["late"]["deductible"] == "500.00"


def test_rules_s5_offsite_shares():
    """Out of province 20%: 10,000 → 2,000 自理, 7,200 × 82% = 5,904; in province 10%: 8,200 × 82% = 6,724."""
    out_prov = settle(person(), bill("10000.00", settlement="reimbursed_out_of_province"))["bills"][0]
    in_prov = settle(person(), bill("10000.00", settlement="reimbursed_in_province"))["bills"][0]
    direct = settle(person(), bill("10000.00", settlement="direct_offsite"))["bills"][0]
    assert out_prov["basic_fund_paid"] == "5904.00"
    assert out_prov["lines"][0]["amount"] == "2000.00"
    assert in_prov["basic_fund_paid"] == "6724.00"
    assert direct["basic_fund_paid"] == "7544.00"  # as local: 9,200 × 82%


def test_rules_s5_unfiled_self_referral_refused_naming_the_parameter():
    with pytest.raises(TrialSettlementError) as caught:
        settle(person(), bill("10000.00", settlement="unfiled_self_referral"))
    message = caught.value.errors["bills[0].settlement"]
    assert "offsite.unfiled_self_referral_share" in message
    assert "第六十四条" in message


def test_art44_catastrophic_bands_and_600000_cap():
    """Special drugs 1,000,000: 56,250 + 80,000 + 170,000 + 540,000 = 846,250, capped at 600,000; then 0."""
    out = settle(
        person(),
        bill("0.00", kind="outpatient", special_drug="1000000.00", date="2024-02-01"),
        bill("0.00", kind="outpatient", special_drug="10000.00", date="2024-03-01"),
    )
    first, second = out["bills"]
    assert first["catastrophic_paid"] == "600000.00"
    assert first["cash_paid"] == "400000.00"
    assert second["catastrophic_paid"] == "0.00"


def test_art44_retired_catastrophic_deductible_13000():
    """Retired: qualifying 20,000 special drugs: (20,000 − 13,000) × 75% = 5,250."""
    b = settle(person(category="retired"), bill("0.00", kind="outpatient", special_drug="20000.00"))["bills"][
        0
    ]
    assert b["catastrophic_paid"] == "5250.00"


def test_art49_outpatient_assistance_capped_at_3000_a_year():
    """低保 resident outpatient 20,000 level 3: 19,700 × 40% = 7,880; rest 12,120 × 50% = 6,060 → 3,000."""
    out = settle(
        person("resident", "adult_tier1", certificate="minimum_living"),
        bill("20000.00", kind="outpatient", date="2024-02-01"),
        bill("1000.00", kind="outpatient", date="2024-03-01"),
    )
    first, second = out["bills"]
    assert first["basic_fund_paid"] == "7880.00"
    assert first["assistance_paid"] == "3000.00"
    assert second["assistance_paid"] == "0.00"


def test_art49_extreme_poverty_inpatient_full_assistance():
    """特困 resident: 9,200 × 70% = 6,440; qualifying 3,560 below 7,500; assistance 500 + 3,560 = 4,060; cash 200."""
    b = settle(
        person("resident", "adult_tier1", certificate="extreme_poverty"),
        bill("10000.00", self_pay_first="500.00", out_of_scope="200.00"),
    )["bills"][0]
    assert b["basic_fund_paid"] == "6440.00"
    assert b["catastrophic_paid"] == "0.00"
    assert b["assistance_paid"] == "4060.00"
    assert b["cash_paid"] == "200.00"


def test_rules_s8_historical_funds_opt_out():
    b = settle(person(historical_funds="3000.00", use_historical_funds=False), bill("50000.00"))["bills"][0]
    assert (b["historical_funds_paid"], b["cash_paid"]) == ("0.00", "9056.00")


def test_balances_only_go_down_across_bills():
    out = settle(
        person(current_funds="300.00"),
        bill("200.00", kind="outpatient", date="2024-02-01"),
        bill("200.00", kind="outpatient", date="2024-03-01"),
    )
    assert [b["current_funds_paid"] for b in out["bills"]] == ["200.00", "100.00"]
    assert out["totals"]["current_funds_paid"] == "300.00"


def test_art64_4_5_e_prescription_pharmacy_keeps_the_pharmacy_ratio():
    """杭州 art. 64(5) lets a filed 外配处方 be filled at a designated pharmacy 按规定结算, and art. 64(4)
    settles pharmacy purchases at the other-institution outpatient ratio: the prescribing level changes
    nothing (unlike 舟山 art. 23(4))."""
    from .settlement_helpers import bill, person, settle

    plain = settle(person(), bill("500.00", kind="pharmacy"))
    prescribed = settle(person(), bill("500.00", kind="pharmacy", prescribed_at="community"))
    assert prescribed["bills"][0]["basic_fund_paid"] == plain["bills"][0]["basic_fund_paid"]
    assert prescribed["bills"][0]["lines"] == plain["bills"][0]["lines"]
