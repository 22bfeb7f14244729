"""Zhoushan settlement (舟山 art. 23–43) with the ILLUSTRATIVE parameter set, and the refusal without it.

Figures use zhoushan-illustrative.yaml: inpatient employee ratios community/other/level3 90/87/83%,
retiree +5, out of city −10; deductibles 300/600/800, out of city 1,000; outpatient deductible 400/200,
ratios 68/60/52%; catastrophic 20,000 at 60% (recipients 10,000 at 70%); resident limit 6 × 66,000.
"""

import pytest

from policy.settlement import TrialSettlementError

from .settlement_helpers import bill, person, settle


def zs(person_data, *bills):
    return settle(person_data, *bills, region="zhoushan", illustrative=True)


def test_art24_employee_inpatient_flat_ratio_marked_illustrative():
    """Level 3, 10,000: deductible 800, 9,200 × 83% = 7,636."""
    out = zs(person(), bill("10000.00"))
    b = out["bills"][0]
    assert (b["deductible"], b["basic_fund_paid"]) == ("800.00", "7636.00")
    assert out["illustrative"] is True and b["illustrative"] is True
    assert all(line["text"].startswith("【示例参数】") for line in b["lines"])
    assert b["lines"][0]["article"].startswith("舟山 第二十四条")


def test_art24_2_retiree_plus_points():
    """Retired: 9,200 × (83% + 5%) = 8,096."""
    assert zs(person(category="retired"), bill("10000.00"))["bills"][0]["basic_fund_paid"] == "8096.00"


def test_art24_out_of_city_deductible_separate_and_ratio_minus_points():
    """In city level 2 (600) then out of city: own deductible 1,000; 9,000 × (83% − 10%) = 6,570."""
    out = zs(
        person(),
        bill("5000.00", level="other", date="2024-02-01"),
        bill("10000.00", date="2024-03-01", settlement="reimbursed_in_province"),
    )
    first, second = out["bills"]
    assert (first["deductible"], first["basic_fund_paid"]) == ("600.00", "3828.00")  # 4,400 × 87%
    assert (second["deductible"], second["basic_fund_paid"]) == ("1000.00", "6570.00")


def test_art24_1_in_city_deductible_topped_up_at_highest_level():
    out = zs(
        person(),
        bill("1000.00", level="community", date="2024-02-01"),
        bill("1000.00", level="level3", date="2024-03-01"),
    )
    assert [b["deductible"] for b in out["bills"]] == ["300.00", "500.00"]


def test_art25_specified_disease_level3_ratio_no_deductible():
    b = zs(person(), bill("10000.00", kind="specified_disease", level="community"))["bills"][0]
    assert (b["deductible"], b["basic_fund_paid"]) == ("0.00", "8300.00")


def test_art23_outpatient_deductible_and_pharmacy_at_level3_ratio():
    """Active outpatient at community 1,000: deductible 400, 600 × 68% = 408; pharmacy 500 × 52% = 260."""
    out = zs(
        person(),
        bill("1000.00", kind="outpatient", level="community", date="2024-02-01"),
        bill("500.00", kind="pharmacy", date="2024-03-01"),
    )
    assert [b["basic_fund_paid"] for b in out["bills"]] == ["408.00", "260.00"]


def test_art21_account_pays_personal_share_current_then_historical():
    """Personal share 2,364 of a 10,000 level-3 bill: current funds 1,000, historical 1,364."""
    b = zs(person(current_funds="1000.00", historical_funds="5000.00"), bill("10000.00"))["bills"][0]
    assert (b["current_funds_paid"], b["historical_funds_paid"], b["cash_paid"]) == (
        "1000.00",
        "1364.00",
        "0.00",
    )


def test_art35_resident_annual_fund_limit_and_art38_catastrophic():
    """Resident adult level 3, 700,000: 699,200 × 65% = 454,480, capped at 6 × 66,000 = 396,000.

    Qualifying 304,000: (304,000 − 20,000) × 60% = 170,400; cash 133,600.
    """
    b = zs(person("resident", "adult_tier1"), bill("700000.00"))["bills"][0]
    assert b["basic_fund_paid"] == "396000.00"
    assert b["catastrophic_paid"] == "170400.00"
    assert b["cash_paid"] == "133600.00"


def test_art33_minor_ratio():
    """Child, level 3, 10,000: 9,200 × 70% = 6,440."""
    assert zs(person("resident", "child"), bill("10000.00"))["bills"][0]["basic_fund_paid"] == "6440.00"


def test_art38_42_43_assistance_recipient():
    """低保 employee out of city level 3, 50,000: art. 43 local deductible 800 and local ratio: 49,200 × 83% = 40,836.

    Qualifying 9,164 (recipient deductible 10,000) → 0; assistance 9,164 × 70% = 6,414.80.
    """
    b = zs(person(certificate="minimum_living"), bill("50000.00", settlement="reimbursed_out_of_province"))[
        "bills"
    ][0]
    assert (b["deductible"], b["basic_fund_paid"]) == ("800.00", "40836.00")
    assert b["catastrophic_paid"] == "0.00"
    assert b["assistance_paid"] == "6414.80"
    assert any(line["article"] == "舟山 第四十三条" for line in b["lines"])


def test_art42_6_assistance_annual_cap_shared():
    """特困 resident, 900,000 level 3: fund 396,000 (art. 35 limit); qualifying 504,000, recipient
    catastrophic (504,000 − 10,000) × 70% = 345,800; rest 158,200 × 100%, capped at 100,000 a year
    for outpatient and inpatient together (art. 42(6)): the later outpatient bill gets none."""
    out = zs(
        person("resident", "adult_tier1", certificate="extreme_poverty"),
        bill("900000.00", date="2024-02-01"),
        bill("1000.00", kind="outpatient", date="2024-03-01"),
    )
    assert out["bills"][0]["basic_fund_paid"] == "396000.00"
    assert out["bills"][0]["catastrophic_paid"] == "345800.00"
    assert out["bills"][0]["assistance_paid"] == "100000.00"
    assert out["bills"][1]["assistance_paid"] == "0.00"


def test_zhoushan_without_illustrative_is_refused_naming_parameter_and_article():
    with pytest.raises(TrialSettlementError) as caught:
        settle(person(), bill("10000.00"), region="zhoushan", illustrative=False)
    (field, message), *_ = caught.value.errors.items()
    assert field.startswith("bills[0]")
    assert "舟山" in message and "第" in message and "没有取值" in message


def test_art32_resident_outpatient_family_doctor_points_and_no_deductible():
    """Adult at the contracted community centre: 1,000 × (60% + 5%) = 650; a student's campus clinic is no contract: 600."""
    adult = zs(
        person("resident", "adult_tier1", contracted_gp=True),
        bill("1000.00", kind="outpatient", level="community", at_contracted_centre=True),
    )
    student = zs(
        person("resident", "student"),
        bill("1000.00", kind="outpatient", level="community", at_contracted_centre=True),
    )
    assert (adult["bills"][0]["deductible"], adult["bills"][0]["basic_fund_paid"]) == ("0.00", "650.00")
    assert student["bills"][0]["basic_fund_paid"] == "600.00"


# --- chronic-disease outpatient (舟山 art. 23(2), 32(2)) and e-prescriptions (art. 23(4), 32(4)) ----------


def _paid(out):
    return [b["basic_fund_paid"] for b in out["bills"]]


def test_art23_2_employee_chronic_visit_at_primary_plus_points():
    """Active, chronic visit at a primary institution, 1,000: deductible 400, 600 × (68% + 5%) = 438;
    retired: deductible 200, 800 × (68% + 5% retiree + 5% chronic) = 624."""
    visit = bill("1000.00", kind="outpatient", level="community", chronic_disease="general")
    out = zs(person(), visit)
    assert _paid(out) == ["438.00"]
    ratio_line = next(line for line in out["bills"][0]["lines"] if "基层慢性病门诊增加" in line["text"])
    assert (ratio_line["article"], ratio_line["amount"]) == ("舟山 第二十三条第(二)项", "438.00")
    assert _paid(zs(person(category="retired"), visit)) == ["624.00"]


def test_art23_2_employee_chronic_increase_only_in_city_at_primary():
    """Level 3: 600 × 52% = 312 (no increase); out of city at primary: 600 × (68% − 10%) = 348."""
    at_level3 = bill("1000.00", kind="outpatient", level="level3", chronic_disease="general")
    assert _paid(zs(person(), at_level3)) == ["312.00"]
    away = bill(
        "1000.00",
        kind="outpatient",
        level="community",
        chronic_disease="general",
        settlement="reimbursed_in_province",
    )
    assert _paid(zs(person(), away)) == ["348.00"]


def test_art32_2_resident_chronic_ratios():
    """Adult resident, in city: tuberculosis at a public primary institution 1,000 × 80% = 800;
    hypertension/diabetes without complications at level 2: 1,000 × 50% = 500 (ordinary level 2: 40%);
    another chronic disease at level 2 has no chronic ratio: 1,000 × 40% = 400."""
    adult = person("resident", "adult_tier1")
    tb = bill("1000.00", kind="outpatient", level="community", chronic_disease="tuberculosis", id="tb")
    out = zs(adult, tb)
    assert _paid(out) == ["800.00"]
    assert out["bills"][0]["lines"][0]["article"] == "舟山 第三十二条第(二)项"
    assert "肺结核" in out["bills"][0]["lines"][0]["text"]
    htn = bill("1000.00", kind="outpatient", level="other", chronic_disease="hypertension_diabetes")
    assert _paid(zs(adult, htn)) == ["500.00"]
    other = bill("1000.00", kind="outpatient", level="other", chronic_disease="general")
    out = zs(adult, other)
    assert _paid(out) == ["400.00"]
    assert out["bills"][0]["lines"][0]["article"] == "舟山 第三十二条第(一)项"


def test_art23_4_employee_e_prescription_pharmacy_at_the_prescribing_level():
    """Outpatient at level 3 first (deductible 400, 600 × 52% = 312); then 500 at a pharmacy on a
    primary institution's e-prescription: 500 × 68% (that institution's ratio, not 52%) = 340."""
    out = zs(
        person(),
        bill("1000.00", kind="outpatient", level="level3", date="2024-02-01"),
        bill("500.00", kind="pharmacy", date="2024-03-01", prescribed_at="community"),
    )
    assert _paid(out) == ["312.00", "340.00"]
    articles = [line["article"] for line in out["bills"][1]["lines"]]
    assert "舟山 第二十三条第(四)项" in articles


def test_art32_4_resident_e_prescription_pharmacy():
    """Adult resident, 500 at a pharmacy: 40% (other) = 200; on a public primary e-prescription 60% = 300."""
    adult = person("resident", "adult_tier1")
    assert _paid(zs(adult, bill("500.00", kind="pharmacy"))) == ["200.00"]
    out = zs(adult, bill("500.00", kind="pharmacy", prescribed_at="community"))
    assert _paid(out) == ["300.00"]
    assert out["bills"][0]["lines"][0]["article"] == "舟山 第三十二条第(四)项"


def test_chronic_and_prescription_fields_are_validated():
    with pytest.raises(TrialSettlementError) as error:
        zs(person(), bill("100.00", kind="inpatient", chronic_disease="general"))
    assert "bills[0].chronic_disease" in error.value.errors
    with pytest.raises(TrialSettlementError) as error:
        zs(person(), bill("100.00", kind="outpatient", chronic_disease="flu"))
    assert "bills[0].chronic_disease" in error.value.errors
    with pytest.raises(TrialSettlementError) as error:
        zs(person(), bill("100.00", kind="outpatient", prescribed_at="community"))
    assert "bills[0].prescribed_at" in error.value.errors
